"""A try-out: a short chat with a persona while it is being written.

The same client as a practice session (the persona prompt, the client's
state choosing each move, the live MI code the state reads, the character
guard) with nothing stored: turns live only in this object. A try-out is an
author checking a persona, not the student's practice, so it must not appear
in past sessions, the progress charts or exported scores; and the persona may
be changed between two try-outs, so a stored copy would describe a client
that no longer exists. The persona editor says so above the chat.
"""

from __future__ import annotations

from clientsim.client.simulator import ClientReply, ClientSimulator
from clientsim.client.state import StateTracker
from clientsim.core.errors import UserError
from clientsim.core.jobs import JobState
from clientsim.personas.model import Persona

MAX_TRYOUT_CHARS = 2000  # a try-out line; a practice session allows far more (sessions.session)


class TryOut:
    def __init__(self, persona: Persona, seed: int = 7) -> None:
        self.persona = persona
        self.seed = seed
        self.turns: list[tuple[str, str]] = [("client", persona.opening_statement.strip())]
        self.tracker = StateTracker(persona, seed)
        self.cues: dict[int, str] = {}
        self._simulator: ClientSimulator | None = None
        self._coder = None
        self._coder_tried = False

    def _code(self, text: str) -> dict | None:
        if not self._coder_tried:  # the same live coder as a session; without it the state reads the words alone
            self._coder_tried = True
            try:
                from clientsim.judge.mi.coder import MiCoder

                self._coder = MiCoder.load()
            except Exception:  # noqa: BLE001
                self._coder = None
        if self._coder is None:
            return None
        try:
            return self._coder.code_turn(text, "counsellor", self.turns)
        except Exception:  # noqa: BLE001
            return None

    def reply(self, text: str, engine, state: JobState | None = None) -> ClientReply:
        """The client's answer to ``text``, streamed through ``state.partial(ReplyEvent)`` like a session's."""
        clean = (text or "").strip()
        if not clean:
            raise UserError("Type something to say to the client first.")
        if len(clean) > MAX_TRYOUT_CHARS:
            raise UserError(f"That message is {len(clean):,} characters; a try-out line can have "
                            f"{MAX_TRYOUT_CHARS:,}.", hint="Shorten it and send it again.")
        if self._simulator is None or self._simulator.engine is not engine:
            self._simulator = ClientSimulator(self.persona, engine, self.seed)
        index = len(self.turns)
        code = self._code(clean)
        _, move = self.tracker.after_counsellor(clean, code, index)
        self.cues[index] = self.tracker.cue(move)
        self.turns.append(("counsellor", clean))
        reply = self._simulator.reply(self.turns, state, turn_index=index + 1, cues=self.cues, opening=move.opening)
        if reply.text.strip():
            self.turns.append(("client", reply.text))
        else:  # stopped before a word: the line is taken back, so the next one follows the client's last turn
            self.turns.pop()
        return reply
