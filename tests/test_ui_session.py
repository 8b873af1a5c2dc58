"""A real practice session driven through the window with the SmolLM2 model.

Keyboard only: Enter starts the session from the library, Enter sends, Esc
stops the reply, Ctrl+E ends the session. The turns are checked in the SQLite
file with a separate connection, as another program would see them.
"""

from __future__ import annotations

import json
import sqlite3
import time

import pytest
from PySide6.QtCore import QElapsedTimer, Qt, QTimer

from clientsim import paths
from clientsim.settings import Settings
from clientsim.ui.main_window import SESSION, MainWindow
from clientsim.ui.report_view import ReportView
from ui_helpers import stored_turn_rows, visible_label_texts

PERSONA = "linh-smoking"




class GapMeter:
    """Measures the longest pause of the UI event loop (a frozen window shows as a long gap)."""

    def __init__(self):
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.clock = QElapsedTimer()
        self.max_gap_ms = 0
        self.timer.timeout.connect(self._tick)

    def start(self):
        self.clock.start()
        self.timer.start()

    def _tick(self):
        self.max_gap_ms = max(self.max_gap_ms, self.clock.restart())

    def stop(self):
        self.timer.stop()


@pytest.mark.model
@pytest.mark.slow
def test_real_session_send_stop_end(qtbot, smollm_path, screenshots_dir):
    settings = Settings(model_path=str(smollm_path), n_threads=2)
    w = MainWindow(settings=settings, load_model=False)
    qtbot.addWidget(w)
    states = []
    w.host.stateChanged.connect(lambda state, _text, fraction: states.append((state, fraction)))
    w.host.load_in_background()
    w.resize(1240, 800)
    w.show()
    w.activateWindow()
    qtbot.waitUntil(lambda: w.host.state == "ready", timeout=120_000)
    assert "Model ready" in w.session_view.model_status.label.text()
    assert any(s == "loading" and 0 < f < 1 for s, f in states), "loading progress was never shown"

    # keyboard: choose the client in the list and press Enter
    lv = w.library_view
    lv.select(PERSONA)
    lv.list.setFocus()
    qtbot.keyClick(lv.list, Qt.Key_Return)
    sv = w.session_view
    assert w.stack.currentIndex() == SESSION
    qtbot.waitUntil(sv.is_active, timeout=60_000)
    persona = w.library.personas[PERSONA]
    assert sv.transcript.texts() == [("client", persona.opening_statement.strip())]
    assert not sv.send_button.isEnabled()  # nothing typed yet

    meter = GapMeter()
    meter.start()
    qtbot.keyClicks(sv.input, "Hi Linh, thanks for coming in. What brings you here today?")
    assert sv.send_button.isEnabled()
    qtbot.keyClick(sv.input, Qt.Key_Return)
    assert sv.is_generating() and sv.input.message() == ""
    assert sv.stop_button.isEnabled() and not sv.send_button.isEnabled()
    qtbot.waitUntil(lambda: not sv.is_generating(), timeout=120_000)
    meter.stop()
    rows = stored_turn_rows(sv.session.id)
    assert [r[1] for r in rows] == ["client", "counsellor", "client"]
    assert rows[1][2] == "Hi Linh, thanks for coming in. What brings you here today?"
    assert rows[2][2].strip() and sv.transcript.texts()[-1] == ("client", rows[2][2])
    assert sv.buffer.flush_count >= 1
    print(f"\nUI event loop: longest pause while the model replied {meter.max_gap_ms} ms")
    assert meter.max_gap_ms < 1000, "the window froze while the client replied"
    qtbot.wait(1100)
    assert sv.clock_label.text() != "00:00"
    if sv.voice_panel is not None:  # recognised speech lands in the message box, to edit before sending
        sv.voice_panel.transcript_ready.emit("I hear that it has been hard")
        assert sv.input.message() == "I hear that it has been hard"
        sv.input.clear()
    assert w.grab().save(str(screenshots_dir / "session-view.png"))

    # Esc stops the reply at once; what was said so far is kept and stored as stopped
    qtbot.keyClicks(sv.input, "Could you tell me, in as much detail as you like, about a typical day?")
    qtbot.keyClick(sv.input, Qt.Key_Enter)
    qtbot.waitUntil(lambda: sv.buffer.flush_count > 0 and len(sv.buffer.text) > 3, timeout=60_000)
    assert w.grab().save(str(screenshots_dir / "session-view-streaming.png"))
    t0 = time.monotonic()
    qtbot.keyClick(sv.input, Qt.Key_Escape)  # from the message box, where the student is
    qtbot.waitUntil(lambda: not sv.is_generating(), timeout=10_000)
    stop_s = time.monotonic() - t0
    print(f"Stop: reply ended {stop_s * 1000:.0f} ms after Esc")
    assert stop_s < 2.0
    rows = stored_turn_rows(sv.session.id)
    assert rows[-1][1] == "client" and json.loads(rows[-1][3] or "{}").get("stopped") is True
    assert sv.transcript.blocks[-1].note_label.text().startswith("Reply stopped")

    # Ctrl+E ends the session; the review shows the instructor notes now
    assert persona.instructor_notes[:50] not in visible_label_texts(w)
    qtbot.keyClick(sv.input, Qt.Key_E, Qt.ControlModifier)
    qtbot.waitUntil(lambda: sv.ended, timeout=60_000)
    con = sqlite3.connect(paths.database_path())
    status = con.execute("SELECT status FROM sessions WHERE id = ?", (sv.session.id,)).fetchone()[0]
    con.close()
    assert status == "ended"
    assert sv.review.isVisibleTo(sv) and not sv.input.isEnabled()
    sv.review.show_notes()
    assert persona.instructor_notes[:50] in visible_label_texts(sv)
    sv.review.tabs.setCurrentIndex(0)
    qtbot.waitUntil(lambda: sv.report_job is None, timeout=600_000)
    assert isinstance(sv.review.report_widget, ReportView)
    qtbot.wait(100)
    assert w.grab().save(str(screenshots_dir / "session-review.png"))
    w.close()
    assert w.db._closed


@pytest.mark.model
@pytest.mark.slow
def test_full_disk_keeps_the_turn_and_says_so(qtbot, smollm_path):
    """SQLite's max_page_count makes the database really full ("database or disk is full");
    the longest message the UI accepts (20,000 characters) then needs new pages and cannot
    be written. (The model hears only the first 3,000 characters of it.)"""
    from clientsim.ui.message_input import MAX_MESSAGE_CHARS
    from clientsim.ui.session_view import PENDING_KEY

    w = MainWindow(settings=Settings(model_path=str(smollm_path), n_threads=2))
    qtbot.addWidget(w)
    w.show()
    w.start_session(PERSONA)
    sv = w.session_view
    qtbot.waitUntil(sv.is_active, timeout=120_000)
    sid = sv.session.id
    pages = w.db.conn.execute("PRAGMA page_count").fetchone()[0]
    w.db.conn.execute(f"PRAGMA max_page_count = {pages}")

    long_message = ("I hear how much the night shifts take out of you. " * 400)[:MAX_MESSAGE_CHARS - 2] + " 🙂"
    assert len(long_message) == MAX_MESSAGE_CHARS
    sv.input.setPlainText(long_message)
    assert sv.send_button.isEnabled()
    qtbot.mouseClick(sv.send_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: any(m.key == PENDING_KEY for m in w.message_bar.messages()), timeout=30_000)
    warning = next(m.text for m in w.message_bar.messages() if m.key == PENDING_KEY)
    assert "kept in memory" in warning and "saved" in warning
    qtbot.waitUntil(lambda: not sv.is_generating(), timeout=120_000)
    assert len(stored_turn_rows(sid)) == 1  # only the opening statement reached the file
    assert sv.transcript.texts()[1] == ("counsellor", long_message)

    # room again: the next write flushes what waited, and the student is told
    w.db.conn.execute("PRAGMA max_page_count = 1073741823")
    qtbot.keyClick(w, Qt.Key_E, Qt.ControlModifier)
    qtbot.waitUntil(lambda: sv.ended, timeout=60_000)
    rows = stored_turn_rows(sid)
    assert [r[1] for r in rows] == ["client", "counsellor", "client"]
    assert rows[1][2] == long_message
    w.drain_db_notices()
    assert not any(m.key == PENDING_KEY for m in w.message_bar.messages())
