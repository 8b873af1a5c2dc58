"""A past session, read for showing read-only: its turns, when it ran, how it
ended, and the words the screen puts around it. No model is needed and nothing
is written; the reads are cheap enough for the UI thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from clientsim.core.when import human_duration
from clientsim.judge.report.words import count_turns, turn_count
from clientsim.personas.model import Persona
from clientsim.ui import timefmt
from clientsim.ui.session.turn_notes import persona_name

log = logging.getLogger(__name__)


@dataclass
class PastSession:
    session: object  # PracticeSession, opened without an engine
    persona: object  # Persona, or the persona dict stored with the session
    status: str  # "ended" | "interrupted" | "active"
    started_at: str | None
    duration_s: float | None  # None when the times cannot be read
    stored_report: object | None  # the feedback report saved when the session was reviewed

    @property
    def persona_obj(self) -> Persona | None:
        return self.persona if isinstance(self.persona, Persona) else None

    @property
    def title(self) -> str:
        return f"Session with {persona_name(self.persona)}"

    @property
    def started(self) -> str:
        return timefmt.long_date(self.started_at)

    @property
    def turns(self) -> str:
        """'9 counsellor turns (19 in all)', as the report counts them."""
        return turn_count(*count_turns(self.session.turns))

    @property
    def subtitle(self) -> str:
        took = human_duration(self.duration_s)
        return f"{self.started} · {self.turns}{' · ' + took if took else ''} · {self.status}"

    @property
    def banner(self) -> str:
        extra = (" It was interrupted (ClientSim stopped before it was ended); every saved turn is shown."
                 if self.status == "interrupted" else "")
        return f"Read-only: a past session from {self.started}.{extra}"

    @property
    def summary(self) -> str:
        return f"{self.turns} · status: {self.status}."

    @property
    def instructor_notes(self) -> str:
        p = self.persona_obj
        return p.instructor_notes if p else (self.persona or {}).get("instructor_notes", "")


def load_past_session(db, session_id: str) -> PastSession:
    from clientsim.sessions.session import PracticeSession

    session = PracticeSession.open(db, session_id)
    info = db.get_session(session_id) or {}
    last_at = session.turns[-1].at if session.turns else None
    try:
        stored = db.get_report(session_id, "full")
    except Exception as exc:  # noqa: BLE001 - an unreadable report must not hide the transcript
        log.warning("stored report of %s unreadable: %s", session_id, exc)
        stored = None
    return PastSession(
        session=session,
        persona=getattr(session, "persona", None) or info.get("persona") or {},
        status=info.get("status", "ended"),
        started_at=info.get("started_at"),
        duration_s=timefmt.duration(info.get("started_at"), info.get("ended_at") or last_at),
        stored_report=stored,
    )
