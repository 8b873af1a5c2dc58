"""Settings: your name, model (any GGUF found), CPU threads, font size, voice and lab server.

Changes are saved (atomically) when the student presses Save. A changed model
or thread count is loaded in the background; during an active session it takes
effect with the next session.
"""

from __future__ import annotations

import html
import os
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QThread, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from clientsim.llm import api_key
from clientsim.models.plain import details, plain_labels
from clientsim.settings import (
    FONT_SIZE_RANGE,
    SEND_MODES,
    STT_MODELS,
    STUDENT_NAME_MAX,
    LabServerSettings,
    Settings,
    VoiceSettings,
    clean_student_name,
)


def _models():
    try:
        from clientsim.models.registry import default_model_path, find_models

        return find_models(verify=False), default_model_path()
    except Exception:  # noqa: BLE001 - a broken models folder must not block the dialog
        return [], None


def _audio_devices() -> tuple[list[str], list[str]]:
    try:
        import sounddevice as sd

        devices = sd.query_devices()
        ins = [d["name"] for d in devices if d.get("max_input_channels", 0) > 0]
        outs = [d["name"] for d in devices if d.get("max_output_channels", 0) > 0]
        return ins, outs
    except Exception:  # noqa: BLE001 - no audio system (CI, ssh): only "System default"
        return [], []


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setAccessibleName("Settings")
        self.setMinimumWidth(760)
        self.original = settings
        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 18, 20, 16)
        lay.setSpacing(12)

        you = QGroupBox("You", self)
        yform = QFormLayout(you)
        yform.setLabelAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.student_name = QLineEdit(settings.student_name or "", you)
        self.student_name.setAccessibleName("Your name")
        self.student_name.setMaxLength(STUDENT_NAME_MAX)
        self.student_name.setPlaceholderText("e.g. Ana Lima — leave empty to export sessions without a name")
        yform.addRow("Your &name:", self.student_name)
        name_hint = QLabel("Written into sessions you export, so your instructor knows whose they are. "
                           "Nothing else about you is exported.", you)
        name_hint.setProperty("role", "muted")
        name_hint.setWordWrap(True)
        yform.addRow("", name_hint)
        lay.addWidget(you)

        general = QGroupBox("Language model and display", self)
        form = QFormLayout(general)
        form.setLabelAlignment(Qt.AlignRight | Qt.AlignVCenter)
        form.setSpacing(10)
        self.model = QComboBox(general)
        self.model.setAccessibleName("Client model")
        entries, default = _models()
        self._details: dict[str | None, str] = {}
        default_entry = next((e for e in entries if default and e.path == default), None)
        default_words = plain_labels([default_entry])[0] if default_entry else "none installed"
        self.model.addItem(f"Recommended — {default_words}", None)
        self._details[None] = details(default_entry) if default_entry else "No model is installed: run " \
            "`clientsim models fetch`."
        for e, label in zip(entries, plain_labels(entries)):
            self.model.addItem(label, str(e.path))
            self.model.setItemData(self.model.count() - 1, details(e), Qt.ToolTipRole)
            self._details[str(e.path)] = details(e)
        if settings.model_path and self.model.findData(settings.model_path) < 0:
            self.model.addItem(f"{Path(settings.model_path).name} (not found)", settings.model_path)
            self._details[settings.model_path] = f"{settings.model_path} was not found."
        self.model.setCurrentIndex(max(0, self.model.findData(settings.model_path)))
        form.addRow("&Model:", self.model)
        # File details are folded away: most students only choose between faster and better.
        self.details_button = QToolButton(general)
        self.details_button.setText("File details")
        self.details_button.setCheckable(True)
        self.details_button.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.details_button.setArrowType(Qt.RightArrow)
        self.details_button.setAccessibleName("Show the model file details")
        self.model_details = QLabel(general)
        self.model_details.setProperty("role", "muted")
        self.model_details.setWordWrap(True)
        self.model_details.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.model_details.hide()
        self.details_button.toggled.connect(self._toggle_details)
        self.model.currentIndexChanged.connect(self._show_details)
        self._show_details()
        form.addRow("", self.details_button)
        form.addRow("", self.model_details)

        self.threads = QSpinBox(general)
        self.threads.setAccessibleName("CPU threads")
        self.threads.setRange(0, max(64, os.cpu_count() or 1))
        self.threads.setSpecialValueText(f"Automatic ({os.cpu_count() or 1})")
        self.threads.setValue(settings.n_threads or 0)
        form.addRow("CPU &threads:", self.threads)
        self.font_size = QSpinBox(general)
        self.font_size.setAccessibleName("Font size")
        self.font_size.setRange(*FONT_SIZE_RANGE)
        self.font_size.setSuffix(" pt")
        self.font_size.setValue(settings.font_size)
        form.addRow("&Font size:", self.font_size)
        self.openness_meter = QCheckBox("Show how open the client is during a session (for beginners)", general)
        self.openness_meter.setToolTip("An instructor setting. Normally the client's inner state shows only in the "
                                       "review after the session, as it would with a real client.")
        self.openness_meter.setChecked(settings.openness_meter)
        form.addRow("", self.openness_meter)
        lay.addWidget(general)

        voice = QGroupBox("Voice practice", self)
        vform = QFormLayout(voice)
        vform.setLabelAlignment(Qt.AlignRight | Qt.AlignVCenter)
        vform.setSpacing(10)
        ins, outs = _audio_devices()
        self.input_device = self._device_box("Microphone", ins, settings.voice.input_device)
        vform.addRow("&Microphone:", self.input_device)
        self.output_device = self._device_box("Speaker", outs, settings.voice.output_device)
        vform.addRow("S&peaker:", self.output_device)
        self.stt_model = QComboBox(voice)
        self.stt_model.setAccessibleName("Speech recognition model")
        for m, label in zip(STT_MODELS, ("tiny.en — fastest, English", "base — more accurate, slower")):
            self.stt_model.addItem(label, m)
        self.stt_model.setCurrentIndex(max(0, self.stt_model.findData(settings.voice.stt_model)))
        vform.addRow("Speech &recognition:", self.stt_model)
        self.send_mode = QComboBox(voice)
        self.send_mode.setAccessibleName("What happens to recognised speech")
        for m, label in zip(SEND_MODES, ("Put it in the message box to edit", "Send it at once")):
            self.send_mode.addItem(label, m)
        self.send_mode.setCurrentIndex(max(0, self.send_mode.findData(settings.voice.send_mode)))
        vform.addRow("Recognised &speech:", self.send_mode)
        self.hands_free = QCheckBox("Hands-free (listen again after the client speaks)", voice)
        self.hands_free.setChecked(settings.voice.hands_free)
        self.mute = QCheckBox("Mute the client's voice", voice)
        self.mute.setChecked(settings.voice.mute)
        self.captions = QCheckBox("Show captions of the client's speech", voice)
        self.captions.setChecked(settings.voice.captions)
        self.store_audio = QCheckBox("Keep recordings of my voice with the session", voice)
        self.store_audio.setChecked(settings.voice.store_audio)
        for box in (self.hands_free, self.mute, self.captions, self.store_audio):
            box.setAccessibleName(box.text())
            vform.addRow("", box)
        lay.addWidget(voice)

        lay.addWidget(self._lab_group(settings))

        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel, self)
        save = buttons.button(QDialogButtonBox.Save)
        save.setProperty("role", "primary")
        save.style().unpolish(save)
        save.style().polish(save)
        buttons.button(QDialogButtonBox.Save).setAccessibleName("Save settings")
        buttons.button(QDialogButtonBox.Cancel).setAccessibleName("Cancel")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.buttons = buttons

    def _lab_group(self, settings: Settings) -> QGroupBox:
        """Where the client's model runs: this computer, or the lab's shared server (llm/remote.py)."""
        lab = QGroupBox("Lab server (optional)", self)
        lform = QFormLayout(lab)
        self.lab_use = QCheckBox("Play the client on the lab server instead of this computer", lab)
        self.lab_use.setAccessibleName(self.lab_use.text())
        self.lab_use.setChecked(settings.lab.use)
        lform.addRow("", self.lab_use)
        self.lab_url = QLineEdit(settings.lab.url or "", lab)
        self.lab_url.setAccessibleName("Lab server address")
        self.lab_url.setPlaceholderText("e.g. http://lab-server:8080")
        lform.addRow("&Address:", self.lab_url)
        self.lab_model = QLineEdit(settings.lab.model or "", lab)
        self.lab_model.setAccessibleName("Model name on the lab server")
        self.lab_model.setPlaceholderText("leave empty: the model the server offers")
        lform.addRow("&Model name:", self.lab_model)
        self._saved_key = api_key.load(settings.lab.url or "")
        self.lab_key = QLineEdit(self._saved_key, lab)
        self.lab_key.setEchoMode(QLineEdit.Password)
        self.lab_key.setAccessibleName("API key of the lab server")
        self.lab_key.setPlaceholderText("only if your lab gave you one")
        self.lab_key.setToolTip(f"Kept in {api_key.where()}, never in the settings file.")
        lform.addRow("API &key:", self.lab_key)
        row = QHBoxLayout()
        self.lab_test = QPushButton("Test connection", lab)
        self.lab_test.setAccessibleName("Test the connection to the lab server")
        self.lab_test.clicked.connect(self.test_lab_connection)
        row.addWidget(self.lab_test)
        row.addStretch(1)
        lform.addRow("", row)
        self.lab_result = QLabel("", lab)
        self.lab_result.setWordWrap(True)
        self.lab_result.setTextFormat(Qt.RichText)
        self.lab_result.setAccessibleName("Result of the connection test")
        lform.addRow("", self.lab_result)
        self._lab_tester = None
        return lab

    def lab_address(self):
        from clientsim.llm.remote import ServerAddress

        return ServerAddress(url=self.lab_url.text().strip(), model=self.lab_model.text().strip(),
                             api_key=self.lab_key.text().strip())

    def test_lab_connection(self) -> None:
        """Runs on a worker thread: the dialog stays responsive while a slow server is tried."""
        self.lab_test.setEnabled(False)
        self.lab_result.setText("Testing…")
        self._lab_tester = ConnectionTester(self.lab_address(), self)
        self._lab_tester.done.connect(self._lab_tested)
        self._lab_tester.start()

    def _lab_tested(self, steps: list) -> None:
        self.lab_test.setEnabled(True)
        lines = [f"{'✔' if st.ok else '✘'} {html.escape(st.text)}" for st in steps]
        verdict = ("<b>The lab server works.</b>" if steps and all(st.ok for st in steps) else
                   "<b>The lab server cannot be used yet</b> — sessions run on this computer until it can.")
        self.lab_result.setText(verdict + "<br>" + "<br>".join(lines))

    def save_api_key(self) -> None:
        """Called when the dialog is accepted: the key goes to the keyring or the user-only file."""
        url, key = self.lab_url.text().strip(), self.lab_key.text().strip()
        if url and key != self._saved_key:
            api_key.save(url, key)

    def _device_box(self, name: str, devices: list[str], current: str | None) -> QComboBox:
        box = QComboBox(self)
        box.setAccessibleName(name)
        box.addItem("System default", None)
        for d in devices:
            box.addItem(d, d)
        if current and box.findData(current) < 0:
            box.addItem(f"{current} (not connected)", current)
        box.setCurrentIndex(max(0, box.findData(current)))
        return box

    def _toggle_details(self, shown: bool) -> None:
        self.details_button.setArrowType(Qt.DownArrow if shown else Qt.RightArrow)
        self.model_details.setVisible(shown)

    def _show_details(self) -> None:
        self.model_details.setText(self._details.get(self.model.currentData(), "") + "\nAny .gguf file in the "
                                   "models folders is listed; `clientsim models list` tells more.")

    def result_settings(self) -> Settings:
        """The settings as edited (a new object; the original is untouched)."""
        voice = VoiceSettings(
            input_device=self.input_device.currentData(),
            output_device=self.output_device.currentData(),
            stt_model=self.stt_model.currentData(),
            send_mode=self.send_mode.currentData(),
            hands_free=self.hands_free.isChecked(),
            mute=self.mute.isChecked(),
            captions=self.captions.isChecked(),
            store_audio=self.store_audio.isChecked(),
        )
        s = replace(self.original, model_path=self.model.currentData(), n_threads=self.threads.value() or None,
                    font_size=self.font_size.value(),
                    lab=LabServerSettings.from_dict({"use": self.lab_use.isChecked(), "url": self.lab_url.text(),
                                                     "model": self.lab_model.text()}),
                    openness_meter=self.openness_meter.isChecked(),
                    student_name=clean_student_name(self.student_name.text()), voice=voice, notices=[])
        s._sanitise()
        return s


class ConnectionTester(QThread):
    """Runs llm/connection_test.py off the UI thread; ``done`` carries its steps."""

    done = Signal(list)

    def __init__(self, address, parent=None) -> None:
        super().__init__(parent)
        self.address = address

    def run(self) -> None:
        from clientsim.llm.connection_test import test_connection

        self.done.emit(test_connection(self.address))
