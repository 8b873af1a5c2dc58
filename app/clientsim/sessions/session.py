"""PracticeSession: one counselling practice session, turn by turn.

Ties the simulated client to storage: every turn is written the moment it
exists (the counsellor's before the client starts answering), so a crash or
a kill mid-reply loses nothing that was already said. The UI and the CLI both
drive sessions through this class.
"""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass, field

from clientsim.client.simulator import ClientReply, ClientSimulator, ReplyEvent
from clientsim.client.state import StateTracker
from clientsim.core.errors import UserError
from clientsim.core.jobs import JobState
from clientsim.llm.backend import ChatEngine
from clientsim.personas.loader import persona_from_record
from clientsim.personas.model import Persona
from clientsim.storage import Database, new_session_id, now_iso

__all__ = ["PracticeSession", "Turn", "ReplyEvent", "MAX_MESSAGE_CHARS"]

MAX_MESSAGE_CHARS = 50_000  # stored in full; the model hears at most client.simulator.MODEL_MESSAGE_CHARS
DRAFT_CHUNK = 8  # tokens per aligned chunk when drafts are evaluated while the student types (LlmEngine.draft_chunk)


@dataclass
class Turn:
    index: int
    speaker: str  # "counsellor" | "client"
    text: str
    at: str
    meta: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"index": self.index, "speaker": self.speaker, "text": self.text, "at": self.at}


class PracticeSession:
    def __init__(self, db: Database, session_id: str, persona: Persona, engine: ChatEngine | None,
                 turns: list[Turn], started_at: str, seed: int | None, read_only: bool,
                 status: str = "active", model: dict | None = None) -> None:
        self.db = db
        self.id = session_id
        self.persona = persona
        self.engine = engine
        self.turns = turns
        self.started_at = started_at
        self.seed = seed
        self.read_only = read_only
        self.status = status
        self.model = model or {}
        self._t0 = time.monotonic()
        self._prime_thread: threading.Thread | None = None
        self.simulator = ClientSimulator(persona, engine, seed) if engine is not None else None
        self.last_reply: ClientReply | None = None
        self.coder = None  # the MI coder, labelling each turn as it is sent (judge/mi)
        # the client's state (client/state): updated from each counsellor turn, it chooses the client's move
        self.tracker: StateTracker | None = None
        self.cues: dict[int, str] = {}  # counsellor turn index -> the move note the model read after it
        self._pending_state: dict | None = None  # stored with the next client reply
        self._opening = ""  # the next reply's first words when the move sets them (a questionnaire answer)
        self.state_error: str | None = None  # set when the last state update failed (the turn is stored anyway)
        self._engine_changed = False  # switch_engine() was called: the next reply records the new model

    def _enable_live_coding(self) -> None:
        try:
            from clientsim.judge.mi.coder import MiCoder

            self.coder = MiCoder.load()
        except Exception:  # the session works without live codes; the report codes everything again
            self.coder = None

    def _code(self, speaker: str, text: str) -> dict | None:
        if self.coder is None:
            return None
        try:
            code = self.coder.code_turn(text, speaker, [(t.speaker, t.text) for t in self.turns])
        except Exception:
            return None
        return {k: code.get(k) for k in ("code", "family", "talk_type", "confidence") if code.get(k) is not None}

    # ---- lifecycle ---------------------------------------------------------
    @classmethod
    def start(cls, db: Database, persona: Persona, engine: ChatEngine, seed: int | None = None,
              prime: bool = True, live_coding: bool = True, client_state: bool = True) -> "PracticeSession":
        """A new session; the client's opening statement is turn 0 and already stored.

        The persona prompt is evaluated in the background (prime) so the first
        reply is fast; generation waits on the engine lock if it is not done.
        """
        session_id = new_session_id()
        started = now_iso()
        s = cls(db, session_id, persona, engine, [], started, seed, read_only=False,
                model=engine.model_record())
        if seed is None:
            s.seed = s.simulator.seed
        if live_coding:
            s._enable_live_coding()
        if client_state:
            s.tracker = StateTracker(persona, s.seed)
        db.create_session(session_id=session_id, persona=persona.to_dict(), model=s.model, seed=s.seed,
                          started_at=started)
        opening = {"opening": True} | ({"state": s.tracker.start.summary()} if s.tracker else {})
        s._store(Turn(0, "client", persona.opening_statement.strip(), now_iso(), opening))
        if prime:
            s._prime_in_background()
        return s

    def _prime_in_background(self) -> None:
        """Evaluate the prompt up to the student's next words while they read, type or speak.

        generate_reply waits for this thread, so every reply starts from the
        same cache state whatever the timing (same seed, same session).
        """
        history = self.history()

        cues = dict(self.cues)

        def run() -> None:
            try:
                self.simulator.prime_next(history, cues)
            except Exception:  # priming is an optimisation; generation reports real errors
                pass

        self._prime_thread = threading.Thread(target=run, name="prime-next-turn", daemon=True)
        self._prime_thread.start()

    def prime_now(self) -> int:
        """The same priming, in the caller's thread (voice warm-up, benchmarks); returns tokens evaluated."""
        self.wait_primed()
        return self.simulator.prime_next(self.history(), self.cues)

    def wait_primed(self, timeout: float | None = None) -> None:
        if self._prime_thread is not None:
            self._prime_thread.join(timeout)

    @classmethod
    def open(cls, db: Database, session_id: str, engine: ChatEngine | None = None) -> "PracticeSession":
        """A past session, read-only."""
        info = db.get_session(session_id)
        if info is None:
            raise UserError(f"No session with id {session_id!r}.", hint="`clientsim sessions list` shows the ids.")
        persona = persona_from_record(info["persona"])
        turns = [Turn(t["index"], t["speaker"], t["text"], t["at"], t.get("meta") or {}) for t in db.get_turns(session_id)]
        return cls(db, session_id, persona, engine, turns, info["started_at"], info.get("seed"), read_only=True,
                   status=info.get("status", "ended"), model=info.get("model"))

    def end(self) -> None:
        if self.read_only or self.status != "active":
            return
        self.db.end_session(self.id, "ended", now_iso())
        self.status = "ended"
        self.read_only = True

    # ---- turns ---------------------------------------------------------------
    @property
    def pending_saves(self) -> int:
        return self.db.pending_count()

    @property
    def elapsed_seconds(self) -> float:
        return time.monotonic() - self._t0

    def _store(self, turn: Turn) -> Turn:
        self.turns.append(turn)
        self.db.add_turn(self.id, turn.index, turn.speaker, turn.text, turn.at, turn.meta or None)
        return turn

    def add_counsellor_turn(self, text: str) -> Turn:
        if self.read_only:
            raise UserError("This session has ended; it opens read-only.", hint="Start a new session to practise again.")
        clean = (text or "").replace("\r\n", "\n").strip()
        if not clean:
            raise UserError("Type something to say to the client first.")
        if len(clean) > MAX_MESSAGE_CHARS:
            raise UserError(f"That message is {len(clean):,} characters; the limit is {MAX_MESSAGE_CHARS:,}.",
                            hint="Nothing was sent: shorten it and send it again.")
        meta = {"mi": code} if (code := self._code("counsellor", clean)) else {}
        turn = self._store(Turn(len(self.turns), "counsellor", clean, now_iso(), meta))
        self._update_state(turn, code)
        return turn

    def _update_state(self, turn: Turn, code: dict | None) -> None:
        """The client's state and next move from this turn; after the turn is stored, never instead of it."""
        self.state_error = None
        self._pending_state = None
        self._opening = ""
        if self.tracker is None:
            return
        try:
            _, move = self.tracker.after_counsellor(turn.text, code, turn.index)
        except Exception as exc:  # the session goes on with the client's last state; the student is told
            self.state_error = (f"The client's reaction to turn {turn.index} could not be worked out ({exc}); "
                                "your words are saved and the client answers as before.")
            return
        self.cues[turn.index] = self.tracker.cue(move)
        self._opening = move.opening
        self._pending_state = self.tracker.record(move, code)

    def prime_draft(self, text: str, state: JobState | None = None) -> int:
        """Evaluate the student's draft into the model's cache while they type or speak.

        The prompt is built exactly as send would build it (the draft's live MI code and the move the
        client state would choose, previewed without changing the state), and the engine evaluates it
        in aligned chunks (LlmEngine.prime_draft), so at send only the chunk where the final words
        depart from the draft remains, and the reply is the same whenever this ran. Cancellable;
        returns how many tokens were evaluated. Needs `engine.draft_chunk` (enable_draft_evaluation).
        """
        if self.read_only or self.simulator is None or not self.turns or self.turns[-1].speaker == "counsellor":
            return 0
        clean = (text or "").replace("\r\n", "\n").strip()
        if not clean or len(clean) > MAX_MESSAGE_CHARS or not hasattr(self.engine, "prime_draft"):
            return 0
        self.wait_primed()
        index = len(self.turns)
        cues, opening = dict(self.cues), ""
        if self.tracker is not None:
            try:
                move = self.tracker.preview(clean, self._code("counsellor", clean), index)
                cues[index], opening = self.tracker.cue(move), move.opening
            except Exception:  # noqa: BLE001 - a draft is only an optimisation
                return 0
        window = copy.deepcopy(self.simulator.window)  # a draft must not condense the conversation
        try:
            msgs = self.simulator.messages(self.history() + [("counsellor", clean)], cues)
            if self.simulator.window.condensed_upto != window.condensed_upto:
                return 0
        finally:
            self.simulator.window = window
        return self.engine.prime_draft(msgs, opening, state)

    def enable_draft_evaluation(self, chunk: int = DRAFT_CHUNK) -> bool:
        """Evaluate drafts while the student types (the app's sessions). Set before the first reply and
        kept for the session, so every reply's prompt is evaluated in the same aligned chunks."""
        if self.engine is None or not hasattr(self.engine, "draft_chunk"):
            return False
        self.engine.draft_chunk = chunk
        return True

    def switch_engine(self, engine: ChatEngine) -> None:
        """Go on with another engine (the lab server failed: this computer's model). The next stored reply
        records the new model in its meta; the turns so far and the client's state carry on."""
        self.wait_primed()
        self.engine = engine
        if self.simulator is not None:
            self.simulator.engine = engine
        self._engine_changed = True
        if not self.read_only:
            self._prime_in_background()

    def history(self) -> list[tuple[str, str]]:
        return [(t.speaker, t.text) for t in self.turns]

    def generate_reply(self, state: JobState | None = None, *, one_batch: bool = False) -> Turn:
        """The client's answer to the conversation so far; streamed through state.partial(ReplyEvent).

        ``one_batch``: the student's words are evaluated in one batch even in a session that evaluates
        drafts (aligned chunks cost a pass over the weights each, ~0.1 s on 2 cores): for speech sent the
        moment it is recognised, whose words were not evaluated while spoken (measured: 0.94 s for the
        prompt in one batch, 1.56 s in chunks behind a running-transcript draft, `bench voice`)."""
        if self.read_only or self.simulator is None:
            raise UserError("This session is read-only.")
        if not self.turns or self.turns[-1].speaker != "counsellor":
            raise UserError("The client answers after you say something.")
        index = len(self.turns)
        self.wait_primed()
        chunk = getattr(self.engine, "draft_chunk", None)
        if one_batch and chunk is not None:
            self.engine.draft_chunk = None
        try:
            reply = self.simulator.reply(self.history(), state, turn_index=index, cues=self.cues,
                                         opening=self._opening)
        finally:
            if one_batch and chunk is not None:
                self.engine.draft_chunk = chunk
        self.last_reply = reply
        if not reply.text.strip():
            return Turn(index, "client", "", now_iso(), reply.meta())  # stopped before any word: nothing stored
        meta = reply.meta()
        if self._engine_changed:
            meta["model"] = self.engine.model_record()  # this reply and those after it come from another model
            self._engine_changed = False
        if code := self._code("client", reply.text):
            meta["mi"] = code
        if self._pending_state is not None:
            meta["state"] = self._pending_state
        turn = self._store(Turn(index, "client", reply.text, now_iso(), meta))
        self._prime_in_background()
        return turn

    def transcript(self) -> dict:
        return {
            "format": "clientsim.session/1", "id": self.id, "persona": self.persona.to_dict(),
            "model": self.model, "started_at": self.started_at,
            "ended_at": None if self.status == "active" else now_iso(), "status": self.status,
            "turns": [t.to_dict() for t in self.turns],
        }
