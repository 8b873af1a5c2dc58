"""Input box, stream batching, text direction, message bar, settings dialog, past sessions."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QStyle

from clientsim import paths
from clientsim.settings import Settings
from clientsim.ui.main_window import SESSION, MainWindow
from clientsim.ui.message_input import MAX_MESSAGE_CHARS, MessageInput
from clientsim.ui.settings_dialog import SettingsDialog
from clientsim.ui.stream_buffer import StreamBuffer
from clientsim.ui.transcript_view import TranscriptView
from ui_helpers import make_past_session, visible_label_texts


def test_enter_sends_shift_enter_adds_a_newline(qtbot):
    box = MessageInput()
    qtbot.addWidget(box)
    sent = []
    box.submitted.connect(lambda: sent.append(box.message()))
    qtbot.keyClicks(box, "first line")
    qtbot.keyClick(box, Qt.Key_Return, Qt.ShiftModifier)
    qtbot.keyClicks(box, "second")
    assert box.message() == "first line\nsecond"
    assert sent == []
    qtbot.keyClick(box, Qt.Key_Return)
    assert sent == ["first line\nsecond"]


def test_empty_message_is_not_sendable(qtbot):
    box = MessageInput()
    qtbot.addWidget(box)
    sent = []
    box.submitted.connect(lambda: sent.append(1))
    qtbot.keyClick(box, Qt.Key_Return)
    box.setPlainText("   \n  ")
    qtbot.keyClick(box, Qt.Key_Return)
    assert sent == [] and not box.is_sendable()
    assert "\n\n" not in box.message()[-2:] or box.message() == "   \n  "


def test_20000_characters_accepted_more_is_refused_with_a_message(qtbot):
    box = MessageInput()
    qtbot.addWidget(box)
    box.setPlainText("x" * MAX_MESSAGE_CHARS)
    assert box.is_sendable()
    box.setPlainText("x" * (MAX_MESSAGE_CHARS + 1))
    assert not box.is_sendable()
    assert len(box.message()) == MAX_MESSAGE_CHARS + 1  # nothing cut off
    w = MainWindow(load_model=False)
    qtbot.addWidget(w)
    w.session_view.input.setPlainText("y" * (MAX_MESSAGE_CHARS + 5))
    assert "too long to send" in w.session_view.counter.text()


def test_stream_buffer_batches_updates(qtbot):
    buf = StreamBuffer()
    seen = []
    buf.flushed.connect(seen.append)
    buf.start()
    for i in range(200):
        buf.add(type("E", (), {"kind": "text", "text": f"w{i} "})())
    assert seen == []  # nothing drawn per token
    qtbot.waitUntil(lambda: bool(seen), timeout=1000)
    assert len(seen) == 1 and seen[0].startswith("w0 w1 ") and seen[0].endswith("w199 ")
    buf.add(type("E", (), {"kind": "reset", "text": ""})())
    buf.add("again")
    buf.stop()
    assert seen[-1] == "again"


def test_transcript_labels_speakers_in_words_and_handles_rtl_and_emoji(qtbot):
    view = TranscriptView()
    qtbot.addWidget(view)
    hebrew = "שלום, מה שלומך היום?"
    emoji = "I feel 😔 but hopeful 🌱👍🏽"
    a = view.add_turn("counsellor", "You (counsellor)", hebrew)
    b = view.add_turn("client", "Maria (client)", emoji)
    assert a.speaker_label.text() == "You (counsellor)" and b.speaker_label.text() == "Maria (client)"
    assert a.text_label.layoutDirection() == Qt.RightToLeft
    assert QStyle.visualAlignment(a.text_label.layoutDirection(), a.text_label.alignment()) & Qt.AlignRight
    assert b.text_label.layoutDirection() == Qt.LeftToRight
    assert b.text() == emoji  # astral-plane characters survive the trip through Qt
    assert view.texts() == [("counsellor", hebrew), ("client", emoji)]


def test_database_notice_is_shown_in_the_message_bar(qtbot):
    db_path = paths.database_path()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    db_path.write_bytes(b"this is not a sqlite file at all" * 100)
    w = MainWindow(load_model=False)
    qtbot.addWidget(w)
    text = "\n".join(w.message_bar.texts())
    assert "damaged" in text and "new, empty database" in text
    assert w.message_bar.isVisibleTo(w)


def test_missing_model_reaches_the_user_with_what_to_do(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("CLIENTSIM_REPO_MODELS", str(tmp_path / "empty-models"))
    w = MainWindow(load_model=False)
    qtbot.addWidget(w)
    w.show()
    with qtbot.waitSignal(w.host.stateChanged, timeout=10000, check_params_cb=lambda s, *_: s == "error"):
        w.host.load_in_background()
    text = "\n".join(w.message_bar.texts())
    assert "clientsim models fetch" in text
    assert w.session_view.model_status.state == "error"
    # starting a session then fails readably, and the window stays usable
    w.start_session(w.library.ids()[0])
    qtbot.waitUntil(lambda: "could not start" in "\n".join(w.message_bar.texts()), timeout=10000)
    assert not w.session_view.is_active()
    assert w.session_view.model_status.retry.isVisibleTo(w.session_view)


def test_settings_dialog_persists(qtbot):
    w = MainWindow(load_model=False)
    qtbot.addWidget(w)
    w.show()
    seen = {}

    def fill():
        dlg = QApplication.activeModalWidget()
        assert isinstance(dlg, SettingsDialog)
        seen["dlg"] = True
        dlg.threads.setValue(1)
        dlg.font_size.setValue(15)
        dlg.stt_model.setCurrentIndex(dlg.stt_model.findData("base"))
        dlg.store_audio.setChecked(True)
        dlg.lab_url.setText("http://lab:8080")
        dlg.lab_model.setText("qwen-1.5b")
        dlg.lab_key.setText("s3cret-key")
        qtbot.keyClick(dlg.buttons.button(dlg.buttons.StandardButton.Save), Qt.Key_Space)

    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=2000)
    QTimer.singleShot(200, fill)
    qtbot.keyClick(w, Qt.Key_Comma, Qt.ControlModifier)  # Ctrl+, opens the dialog (modal)
    assert seen.get("dlg")
    s = Settings.load()
    assert (s.n_threads, s.font_size, s.voice.stt_model, s.voice.store_audio, s.lab.url, s.lab.model, s.lab.use) == \
        (1, 15, "base", True, "http://lab:8080", "qwen-1.5b", False)
    # the API key is kept apart from the settings file, readable by the user only
    from clientsim import paths
    from clientsim.llm import api_key

    assert "s3cret-key" not in paths.settings_path().read_text()
    assert api_key.load("http://lab:8080") == "s3cret-key"
    assert api_key.key_file().stat().st_mode & 0o077 == 0
    assert QApplication.font().pointSize() == 15
    assert w.host.settings.n_threads == 1
    # window state lives apart from preferences
    w.close()
    assert (paths.config_dir() / "window-state.ini").exists()
    assert "geometry" not in paths.settings_path().read_text()


def test_past_session_opens_read_only_and_interrupted_is_marked(qtbot, screenshots_dir):
    from clientsim.personas import PersonaLibrary

    persona = PersonaLibrary.load().all()[0]
    ended = make_past_session(persona, "ended")
    broken = make_past_session(persona, "interrupted")
    w = MainWindow(load_model=False)
    qtbot.addWidget(w)
    w.show()
    w.show_page(2)
    hv = w.history_view
    assert set(hv.ids()) == {ended, broken}
    assert hv.status_texts()[broken] == "Interrupted"
    assert hv.status_texts()[ended] == "Ended"

    hv.tree.setCurrentItem(hv.tree.topLevelItem(hv.ids().index(broken)))
    qtbot.mouseClick(hv.open_button, Qt.LeftButton)
    sv = w.session_view
    assert w.message_bar.texts() == []
    assert w.stack.currentIndex() == SESSION
    assert sv.read_only and not sv.input.isEnabled() and not sv.composer.isVisibleTo(sv)
    assert not sv.end_button.isVisibleTo(sv)
    assert "Read-only" in sv.banner.text() and "interrupted" in sv.banner.text()
    assert [t for _, t in sv.transcript.texts()][1] == "What brings you here today?"
    # after the session, the instructor notes may be read in the review
    sv.review.show_notes()
    assert persona.instructor_notes[:50] in visible_label_texts(sv)
    assert sv.send() is None
    w.resize(1240, 800)
    qtbot.wait(50)
    assert w.grab().save(str(screenshots_dir / "session-past.png"))


def test_close_shuts_down_cleanly(qtbot):
    w = MainWindow(load_model=False)
    qtbot.addWidget(w)
    w.show()
    w.close()
    assert w.db._closed
    assert w.runner.active_jobs() == []


def test_qt_calls_keep_none_alive(qtbot):
    """PySide6 6.12.0 on Python 3.11 lost a reference to None per call that returns nothing; the app then
    aborted with 'none_dealloc' after tens of thousands of calls (pyproject pins below 6.12)."""
    import sys

    from PySide6.QtWidgets import QLabel

    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.setText("x")
    assert sys.getrefcount(None) >= before - 10
