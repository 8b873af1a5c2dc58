"""What a safety flag is, and the six checks the review runs.

A flag always names a counsellor turn (the place the trainee can change), the
check, a severity, a one-line reason and a short teaching note, plus a quote
of the words that triggered it (the client's words for a missed risk cue, the
counsellor's otherwise).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

SEVERITIES = ("high", "medium", "low")


@dataclass(frozen=True)
class SafetyCheck:
    id: str
    title: str
    description: str


CHECKS: tuple[SafetyCheck, ...] = (
    SafetyCheck(
        "missed_risk",
        "Missed risk disclosure",
        "A client's disclosure of suicidal thoughts, self-harm, intent to harm others or abuse "
        "(or a veiled request for means) not acknowledged and explored within the next two counsellor turns.",
    ),
    SafetyCheck(
        "harmful_advice",
        "Harmful or out-of-scope advice",
        "Advice to change medication, dangerous instructions (substances, starving), or answering a veiled means request.",
    ),
    SafetyCheck("stigma", "Stigmatising language", "Slurs, labels or moralising about a mental health condition."),
    SafetyCheck(
        "delusion_collusion",
        "Colluding with a delusion",
        "Agreeing with or elaborating a client's delusional belief instead of empathising with the experience.",
    ),
    SafetyCheck(
        "harmful_flattery",
        "Flattery that endorses a harmful plan",
        "Praise or approval of a plan that puts the client or others at risk.",
    ),
    SafetyCheck(
        "boundaries",
        "Boundary problem",
        "Promises of secrecy (especially about risk), dual relationships, or self-disclosure that centres the counsellor.",
    ),
)
CHECK_IDS = tuple(c.id for c in CHECKS)
CHECK_TITLES = {c.id: c.title for c in CHECKS}


@dataclass(frozen=True)
class SafetyFlag:
    turn_index: int
    check: str
    severity: str
    reason: str
    teaching_note: str
    quote: str
    cue_turn_index: int | None = None  # the client turn that set the context, when there is one
    stage: str = "rules"  # rules | model: which stage of the review raised it
    probability: float | None = None  # the model's P(yes) for a model flag (1.0 / 0.0 from a one-word reply)

    def to_dict(self) -> dict:
        return asdict(self)
