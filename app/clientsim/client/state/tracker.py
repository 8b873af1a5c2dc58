"""StateTracker: the client's state through one session, turn by turn.

`PracticeSession` calls `after_counsellor(text, coded)` once per counsellor
turn; it updates the state and chooses the move, in well under a
millisecond (no model call). What it returns is stored with the client's
reply (turn meta "state") so the review can draw it and a replay gives the
same session.
"""

from __future__ import annotations

import random

from clientsim.client.state import moves, update
from clientsim.client.state.model import ClientState
from clientsim.client.state.moves import Move
from clientsim.client.state.profile import StateProfile
from clientsim.client.state.signals import read_turn
from clientsim.personas.model import Persona


class StateTracker:
    def __init__(self, persona: Persona, seed: int) -> None:
        self.persona = persona
        self.profile = StateProfile.from_persona(persona)
        p = self.profile
        self.state = ClientState(kind=p.kind, stage=p.stage, trust=p.trust, discord=p.discord,
                                 importance=p.importance, confidence=p.confidence, belief=p.belief,
                                 homework_openness=p.homework_openness)
        self.start = self.state.copy()
        self.seed = seed

    def after_counsellor(self, text: str, coded: dict | None, turn_index: int) -> tuple[ClientState, Move]:
        """Update the state from this counsellor turn and choose the client's move."""
        signal = read_turn(text, coded)
        self.state = update.apply(self.state, signal, self.profile)
        rng = random.Random(self.seed * 7919 + turn_index)
        move = moves.choose(self.state, signal, self.profile, rng, self.persona.self_report)
        self.state.turns_since_item = 0 if move.items else self.state.turns_since_item + 1
        if move.kind == "disclose":
            topic = next((h.topic for h in self.profile.holds_back if h.fact == move.detail), move.detail)
            self.state.disclosed.append(topic)
        elif move.kind in ("change", "sustain") and move.detail:
            self.state.reasons_used[move.detail] = self.state.reasons_used.get(move.detail, 0) + 1
        return self.state, move

    def preview(self, text: str, coded: dict | None, turn_index: int) -> Move:
        """The move `after_counsellor` would choose for this text, leaving the state as it is (the
        student's draft, evaluated while they type: sessions/session.py prime_draft)."""
        kept = self.state
        self.state = kept.copy()
        try:
            return self.after_counsellor(text, coded, turn_index)[1]
        finally:
            self.state = kept

    def cue(self, move: Move) -> str:
        return move.cue(self.persona.first_name, self.profile)

    def record(self, move: Move, coded: dict | None) -> dict:
        """What is stored with the reply: the state after the counsellor turn, the move and what drove it."""
        return {**self.state.summary(), "move": move.kind, "cue": self.cue(move), **({"items": list(move.items)} if move.items else {}),
                "counsellor_code": (coded or {}).get("code"), "code_confidence": (coded or {}).get("confidence")}
