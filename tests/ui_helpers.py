"""Helpers shared by the UI tests (not a test module)."""

from __future__ import annotations

import sqlite3

from PySide6.QtWidgets import QLabel, QWidget

from clientsim import paths
from clientsim.storage import Database, new_session_id, now_iso


def visible_label_texts(root: QWidget) -> str:
    return "\n".join(w.text() for w in root.findChildren(QLabel) if w.isVisibleTo(root))


def make_past_session(persona, status: str = "ended", turns=None) -> str:
    """Write a finished session straight through the storage API (no model needed)."""
    turns = turns or [("client", persona.opening_statement), ("counsellor", "What brings you here today?"),
                      ("client", "I guess I've been struggling a bit.")]
    db = Database.open()
    sid = new_session_id()
    db.create_session(session_id=sid, persona=persona.to_dict(), model={"name": "test"}, seed=1,
                      started_at=now_iso())
    for i, (speaker, text) in enumerate(turns):
        db.add_turn(sid, i, speaker, text, now_iso())
    db.end_session(sid, status, now_iso())
    db.close()
    return sid


def stored_turn_rows(session_id: str) -> list[tuple]:
    """(idx, speaker, text, meta_json) of a session's turns, read straight from the SQLite file."""
    con = sqlite3.connect(paths.database_path())
    try:
        return con.execute("SELECT idx, speaker, text, meta_json FROM turns WHERE session_id = ? ORDER BY idx",
                           (session_id,)).fetchall()
    finally:
        con.close()


def window_at(qtbot, size: tuple[int, int], font: int):
    """A main window (no model) shown at ``size`` with the student's font size ``font``. Resized after
    show: the offscreen screen is only 800x800 and the window fits itself to it when shown."""
    from clientsim.settings import Settings
    from clientsim.ui.main_window import MainWindow

    s = Settings.load()
    s.font_size = font
    s.save()
    w = MainWindow(load_model=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.wait(20)
    w.resize(*size)
    return w
