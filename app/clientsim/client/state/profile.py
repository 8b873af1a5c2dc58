"""Starting values and how easily the client moves, with the documented defaults.

A persona may set every value in its "client_state" block; what it leaves out
comes from the rest of the persona (docs/persona-format.md, "Client state"):
trust and discord from `style.resistance`, importance from the stage of
change, the tracked automatic thought from the first CBT situation, and the
risk details as one held-back fact.
"""

from __future__ import annotations

from dataclasses import dataclass

from clientsim.personas.model import HeldBack, Persona

# resistance -> (trust, discord, movability)
RESISTANCE_START = {"low": (5.0, 1.0, 1.1), "medium": (4.0, 2.0, 1.0), "high": (3.0, 3.5, 0.8)}
STAGE_IMPORTANCE = {"precontemplation": 2.5, "contemplation": 5.0, "preparation": 7.0,
                    "action": 8.0, "maintenance": 8.0}
DEFAULT_CONFIDENCE = 4.0
DEFAULT_BELIEF = 80.0
DEFAULT_HOMEWORK_OPENNESS = 5.0
DEFAULT_RISK_TRUST = 6.0  # an older persona's risk is told once trust reaches this
# An older persona's risk has no cue words of its own: these count as asking.
DEFAULT_RISK_CUES = ("safe", "hurt", "harm", "risk", "danger", "suicid", "kill", "die", "dying", "end it",
                     "self-harm", "cutting")


@dataclass(frozen=True)
class StateProfile:
    kind: str  # "MI" or "CBT": which state the client keeps
    stage: str
    trust: float
    discord: float
    importance: float
    confidence: float
    belief: float
    automatic_thought: str
    homework_openness: float
    movability: float
    holds_back: tuple[HeldBack, ...]
    move_lines: dict[str, tuple[str, ...]]
    reasons_for: tuple[str, ...]
    reasons_against: tuple[str, ...]

    @classmethod
    def from_persona(cls, persona: Persona) -> "StateProfile":
        s = persona.client_state
        trust0, discord0, move0 = RESISTANCE_START.get(persona.style.resistance, RESISTANCE_START["medium"])
        kind = "MI" if persona.mi is not None and (persona.cbt is None or persona.modality[0] == "MI") else "CBT"
        stage = persona.mi.stage_of_change if persona.mi else "contemplation"
        thought = s.automatic_thought or (persona.cbt.situations[0].automatic_thought
                                          if persona.cbt and persona.cbt.situations else "")
        if s.holds_back is not None:
            held = s.holds_back
        elif persona.risk.level != "none" and persona.risk.details:
            held = (HeldBack("something private", persona.risk.details, DEFAULT_RISK_TRUST, DEFAULT_RISK_CUES),)
        else:
            held = ()
        pick = lambda value, default: default if value is None else float(value)  # noqa: E731
        return cls(
            kind=kind, stage=stage,
            trust=pick(s.trust, trust0), discord=pick(s.discord, discord0),
            importance=pick(s.importance, STAGE_IMPORTANCE.get(stage, 5.0)),
            confidence=pick(s.confidence, DEFAULT_CONFIDENCE),
            belief=pick(s.belief, DEFAULT_BELIEF), automatic_thought=thought,
            homework_openness=pick(s.homework_openness, DEFAULT_HOMEWORK_OPENNESS),
            movability=pick(s.movability, move0), holds_back=held, move_lines=dict(s.move_lines),
            reasons_for=persona.mi.reasons_for_change if persona.mi else tuple(
                f"maybe \"{x.automatic_thought}\" is not the whole story" for x in (persona.cbt.situations if persona.cbt else ())),
            reasons_against=persona.mi.reasons_against_change if persona.mi else tuple(
                persona.cbt.intermediate_beliefs + persona.cbt.coping_strategies if persona.cbt else ()),
        )
