"""The persona a simulated client is built from.

A persona pack file (JSON, format "clientsim.persona/1") is validated against
schema.json and turned into these objects by loader.py. Field meanings are
documented in docs/persona-format.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

STYLES = ("plain", "upset", "verbose", "reserved", "tangent", "pleasing")
STAGES = ("precontemplation", "contemplation", "preparation", "action", "maintenance")
MODALITIES = ("MI", "CBT")
DIFFICULTIES = ("beginner", "intermediate", "advanced")
RISK_LEVELS = ("none", "low", "moderate", "high")


@dataclass(frozen=True)
class Identity:
    age: int
    gender: str
    pronouns: str = ""
    occupation: str = ""
    cultural_background: str = ""
    living_situation: str = ""
    relationships: str = ""


@dataclass(frozen=True)
class CbtSituation:
    situation: str
    automatic_thought: str
    emotion: str
    behaviour: str


@dataclass(frozen=True)
class CbtConceptualization:
    core_beliefs: tuple[str, ...] = ()
    intermediate_beliefs: tuple[str, ...] = ()  # rules, attitudes, assumptions
    coping_strategies: tuple[str, ...] = ()
    situations: tuple[CbtSituation, ...] = ()


@dataclass(frozen=True)
class MiProfile:
    target_behaviour: str
    stage_of_change: str  # one of STAGES
    reasons_for_change: tuple[str, ...] = ()
    reasons_against_change: tuple[str, ...] = ()
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Style:
    conversational_style: str  # one of STYLES
    resistance: str = "medium"  # low | medium | high
    reply_length: str = "short"  # short (1-2 sentences) | medium (2-4) | long (4-6)
    notes: str = ""  # speech habits, vocabulary


@dataclass(frozen=True)
class Risk:
    level: str = "none"  # one of RISK_LEVELS
    details: str = ""  # what the risk is (ideation, self-harm, harm to others, abuse)
    disclosure: str = ""  # when and how the client discloses it
    protective_factors: tuple[str, ...] = ()


@dataclass(frozen=True)
class TraineeBrief:
    referral_note: str
    learning_objectives: tuple[str, ...] = ()


@dataclass(frozen=True)
class Voice:
    id: str = "en_US-joe-medium"  # piper voice id (file stem of the .onnx)
    length_scale: float = 1.0  # >1 slower
    noise_scale: float = 0.667  # lower = flatter
    noise_w: float = 0.8


@dataclass(frozen=True)
class HeldBack:
    """Something the client keeps back until the counsellor has earned enough trust."""

    topic: str
    fact: str
    min_trust: float
    cues: tuple[str, ...] = ()  # word starts in the counsellor's line that count as asking about it


@dataclass(frozen=True)
class ClientStateStart:
    """Where the client starts and how easily they move (persona field "client_state").

    None means "not set in the file": client/state/profile.py fills the
    documented defaults from the rest of the persona (stage, resistance, risk).
    """

    trust: float | None = None
    discord: float | None = None
    importance: float | None = None
    confidence: float | None = None
    belief: float | None = None
    automatic_thought: str = ""
    homework_openness: float | None = None
    movability: float | None = None
    holds_back: tuple[HeldBack, ...] | None = None
    move_lines: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class SelfReport:
    """A questionnaire the client answers in session (PHQ-9, GAD-7, AUDIT-C)."""

    total: int
    items: tuple[int, ...] = ()


@dataclass(frozen=True)
class Persona:
    id: str
    name: str
    modality: tuple[str, ...]  # subset of MODALITIES
    difficulty: str  # one of DIFFICULTIES
    identity: Identity
    presenting_problem: str
    history: str
    cbt: CbtConceptualization | None
    mi: MiProfile | None
    style: Style
    risk: Risk
    sample_lines: tuple[str, ...]
    opening_statement: str
    trainee_brief: TraineeBrief
    instructor_notes: str
    voice: Voice = field(default_factory=Voice)
    tags: tuple[str, ...] = ()
    client_state: ClientStateStart = field(default_factory=ClientStateStart)
    self_report: dict[str, SelfReport] = field(default_factory=dict)
    source_path: Path | None = None

    @property
    def first_name(self) -> str:
        return self.name.split()[0]

    def public_dict(self) -> dict:
        """What the trainee may see before and during a session (no instructor notes)."""
        d = self.to_dict()
        d.pop("instructor_notes", None)
        return d

    def to_dict(self) -> dict:
        from dataclasses import asdict

        d = asdict(self)
        d.pop("source_path", None)
        # optional blocks are written back only as the file had them, so a stored
        # persona reads back the same (None = "not set": the default applies)
        state = {k: v for k, v in d["client_state"].items() if v not in (None, "", {})}
        if state:
            d["client_state"] = state
        else:
            d.pop("client_state")
        if not d["self_report"]:
            d.pop("self_report")
        else:
            d["self_report"] = {k: {kk: vv for kk, vv in v.items() if vv not in ((), [])}
                                for k, v in d["self_report"].items()}
        return d
