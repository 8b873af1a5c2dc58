"""Shows what the language model is doing: loading (with progress), ready, or an error."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy, QWidget

from clientsim.ui.engine_host import ERROR, LOADING, READY
from clientsim.ui.style import icon

_PREFIX = {LOADING: "Model loading", READY: "Model ready", ERROR: "Model error"}


class ModelStatus(QWidget):
    retryRequested = Signal()

    def __init__(self, parent: QWidget | None = None, compact: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("modelStatus")
        self.compact = compact
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(8)
        self.badge = QLabel(self)
        lay.addWidget(self.badge)
        self.label = QLabel("Model not loaded yet", self)
        self.label.setObjectName("modelStatusText")
        self.label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        # long model names shrink rather than push the buttons off screen; the tooltip has it all
        self.label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.label.setMinimumWidth(140)
        lay.addWidget(self.label, 1)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 100)
        self.bar.setFixedWidth(120)
        self.bar.setTextVisible(False)
        self.bar.setAccessibleName("Model loading progress")
        self.bar.hide()
        lay.addWidget(self.bar)
        self.retry = QPushButton("Retry", self)
        self.retry.setAccessibleName("Retry loading the model")
        self.retry.clicked.connect(self.retryRequested)
        self.retry.hide()
        lay.addWidget(self.retry)
        self.state = "idle"
        self.setAccessibleName("Model status: not loaded yet")

    def set_state(self, state: str, text: str, fraction: float) -> None:
        self.state = state
        self.setProperty("state", state)
        self.style().unpolish(self)
        self.style().polish(self)
        first_line = text.splitlines()[0] if text else ""
        if state == LOADING and fraction >= 0:
            shown = f"{first_line} {int(fraction * 100)} %"
        elif state == ERROR:
            shown = "Model not available — see the message above" if not self.compact else "Model not available"
        else:
            shown = first_line
        self.label.setText(shown)
        self.label.setToolTip(text)
        self.bar.setVisible(state == LOADING)
        if state == LOADING:
            self.bar.setValue(int(max(0.0, fraction) * 100))
        self.retry.setVisible(state == ERROR and not self.compact)
        self.badge.setPixmap(icon({ERROR: "error", READY: "info"}.get(state, "history")).pixmap(16, 16))
        self.setAccessibleName(f"{_PREFIX.get(state, 'Model')}: {shown}")
