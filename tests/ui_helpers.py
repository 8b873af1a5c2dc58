"""Helpers shared by the UI tests (not a test module)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

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
