"""SessionController on its own: no widget is built, only its signals are watched.

The fast tests need no model (past sessions, a start that fails); the slow one
runs a real session with SmolLM2 through the controller's jobs.
"""

from __future__ import annotations

import json

import pytest

from clientsim.personas import PersonaLibrary
from clientsim.settings import Settings
from clientsim.storage import Database
from clientsim.ui.engine_host import EngineHost
from clientsim.ui.session.controller import PENDING_KEY, ReplyOutcome, SessionController
from clientsim.ui.session.turn_notes import STOPPED_NOTE
from clientsim.ui.workers import JobRunner
from ui_helpers import make_past_session, stored_turn_rows

PERSONA = "linh-smoking"


class Recorder:
    """Every signal of a controller, in order, as (name, args)."""

    NAMES = ("starting", "started", "startFailed", "counsellorSent", "replyEnded", "turnNoteChanged",
             "endedWith", "pastOpened", "cleared", "notice", "clearNotice", "elapsedChanged")

    def __init__(self, controller: SessionController) -> None:
        self.events: list[tuple[str, tuple]] = []
        self.texts: list[str] = []  # replyText, batched
        self.pieces: list[object] = []  # replyEvent, every piece
        for name in self.NAMES:
            getattr(controller, name).connect(lambda *args, name=name: self.events.append((name, args)))
        controller.replyText.connect(self.texts.append)
        controller.replyEvent.connect(self.pieces.append)

    def names(self) -> list[str]:
        return [n for n, _ in self.events if n != "elapsedChanged"]

    def last(self, name: str) -> tuple:
        return next(args for n, args in reversed(self.events) if n == name)


@pytest.fixture
def make_controller():
    made = []

    def make(settings: Settings | None = None) -> tuple[SessionController, Recorder]:
        runner = JobRunner()
        host = EngineHost(runner, settings or Settings())
        db = Database.open()
        controller = SessionController(runner, host, db)
        made.append((runner, host, db, controller))
        return controller, Recorder(controller)

    yield make
    for runner, host, db, controller in made:
        runner.shutdown()
        controller.end_for_shutdown()
        host.close()
        db.close()


def test_a_past_session_opens_read_only_with_its_duration(make_controller):
    persona = PersonaLibrary.load().personas[PERSONA]
    sid = make_past_session(persona, "interrupted")
    c, rec = make_controller()
    past = c.open_past(sid)
    assert c.read_only and not c.is_active() and c.has_session()
    assert c.send("hello") is None and c.end() is None
    assert rec.names() == ["clearNotice", "cleared", "pastOpened"]
    assert rec.last("pastOpened") == (past,)
    assert [t.text for t in past.session.turns][1] == "What brings you here today?"
    assert past.status == "interrupted" and "interrupted" in past.banner and "Read-only" in past.banner
    assert past.title == f"Session with {persona.name}"
    assert rec.last("elapsedChanged")[0] >= 0
    c.clear()
    assert not c.has_session() and rec.names()[-1] == "cleared"


def test_a_start_without_a_model_fails_readably(make_controller, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("CLIENTSIM_REPO_MODELS", str(tmp_path / "empty-models"))
    c, rec = make_controller()
    persona = PersonaLibrary.load().personas[PERSONA]
    with qtbot.waitSignal(c.startFailed, timeout=10_000) as failed:
        assert c.start(persona) is not None
        assert c.starting_up and c.start(persona) is None  # not twice at once
    assert "clientsim models fetch" in failed.args[0]
    assert not c.starting_up and not c.is_active()
    kind, text, key = rec.last("notice")
    assert (kind, key) == ("error", "session-start") and text.startswith("The session could not start.")


@pytest.mark.model
@pytest.mark.slow
def test_a_session_through_the_controller_alone(make_controller, qtbot, smollm_path, monkeypatch):
    # the feedback report has tests of its own; here it only has to be asked for
    asked = []
    monkeypatch.setattr(SessionController, "build_report", lambda self: asked.append(self))
    c, rec = make_controller(Settings(model_path=str(smollm_path), n_threads=2))
    persona = PersonaLibrary.load().personas[PERSONA]
    states = []
    c.clientState.connect(states.append)
    with qtbot.waitSignal(c.started, timeout=120_000):
        c.start(persona)
    assert states and states[0]["trust"] == persona.client_state.trust  # the client's starting state
    assert c.is_active() and rec.names()[:3] == ["clearNotice", "cleared", "starting"]
    sid = c.session.id

    # a reply: the message at once, the text batched, every piece passed on, the stored turn at the end
    with qtbot.waitSignal(c.replyEnded, timeout=120_000) as ended:
        assert c.send("   ") is None  # an empty message is never sent
        assert c.send("Hi Linh, what brings you here today?") is not None
        assert c.is_generating() and not c.can_send()
        assert c.send("twice?") is None
    outcome = ended.args[0]
    assert isinstance(outcome, ReplyOutcome) and not outcome.failed
    assert rec.last("counsellorSent") == ("Hi Linh, what brings you here today?",)
    rows = stored_turn_rows(sid)
    assert [r[1] for r in rows] == ["client", "counsellor", "client"]
    assert outcome.text == rows[2][2] and outcome.index == 2 and outcome.note == ""
    assert rec.texts and rec.texts[-1] == outcome.text
    assert len(rec.texts) <= len(rec.pieces)  # batched: never more view updates than pieces
    assert not c.is_generating() and c.can_send()
    assert len(states) == 2 and states[1] == json.loads(rows[2][3])["state"]  # after the reply, as stored
    assert ("clearNotice", (PENDING_KEY,)) in rec.events  # the counsellor's turn reached the disk

    # stopped after the first piece: the part said is kept, stored as stopped, and noted
    c.replyEvent.connect(lambda _e: c.stop())
    with qtbot.waitSignal(c.replyEnded, timeout=120_000) as ended:
        c.send("Could you tell me, in as much detail as you like, about a typical day for you?")
    outcome = ended.args[0]
    if outcome.text:
        meta = json.loads(stored_turn_rows(sid)[-1][3] or "{}")
        assert meta.get("stopped") is True and outcome.note == STOPPED_NOTE

        # a barge-in is noted under the turn and kept in its meta
        with qtbot.waitSignal(c.turnNoteChanged, timeout=5_000) as noted:
            job = c.record_cut(c.session, outcome.turn, 0)
        assert noted.args == [outcome.index, f"{STOPPED_NOTE} (interrupted here: you cut in before the client "
                                             "was heard)"]
        qtbot.waitUntil(lambda: json.loads(stored_turn_rows(sid)[-1][3] or "{}").get("cut_at") == 0,
                        timeout=10_000)
        assert job is not None

    # ending: the transcript comes back, and the report is asked for
    c.end()
    assert c.ending and not c.can_send()
    qtbot.waitUntil(lambda: asked == [c], timeout=60_000)
    assert rec.last("endedWith")[0]["id"] == sid and c.ended and not c.is_active()
    assert c.send("after the end") is None
