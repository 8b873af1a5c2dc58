"""ClientState: what the client feels about the counsellor and the change, after each turn."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

STAGES = ("precontemplation", "contemplation", "preparation", "action", "maintenance")


@dataclass
class ClientState:
    kind: str  # "MI" | "CBT"
    stage: str  # stage of change (MI); kept for CBT clients too, not shown
    trust: float  # 0-10, trust in the counsellor
    discord: float  # 0-10, friction with the counsellor
    importance: float  # 0-10 (MI)
    confidence: float  # 0-10 (MI)
    belief: float  # 0-100 % belief in the tracked automatic thought (CBT)
    homework_openness: float  # 0-10 (CBT)
    wariness: float = 0.0  # grows when trust is lost; makes it slower to win back
    turns_in_stage: int = 0
    closed_run: int = 0  # closed questions in a row
    turns_since_item: int = 99  # counsellor turns since one asked a questionnaire item
    disclosed: list[str] = field(default_factory=list)  # topics of held-back facts already told
    reasons_used: dict[str, int] = field(default_factory=dict)  # reason text -> times voiced

    @property
    def readiness(self) -> float:
        """MI readiness to change, 0-10: importance and confidence together."""
        return round((self.importance + self.confidence) / 2, 2)

    @property
    def openness(self) -> float:
        """0-10, what the beginners' meter shows: trust and readiness (CBT: doubt in the thought) less discord."""
        progress = self.readiness if self.kind == "MI" else (100 - self.belief) / 10
        return round(max(0.0, min(10.0, 0.6 * self.trust + 0.4 * progress - 0.3 * self.discord)), 2)

    @property
    def stage_index(self) -> int:
        return STAGES.index(self.stage) if self.stage in STAGES else 1

    def summary(self) -> dict:
        """What is stored with each turn and drawn in the review (rounded)."""
        out = {"kind": self.kind, "trust": round(self.trust, 2), "discord": round(self.discord, 2),
               "openness": self.openness}
        if self.kind == "MI":
            out |= {"stage": self.stage, "importance": round(self.importance, 2),
                    "confidence": round(self.confidence, 2), "readiness": self.readiness}
        else:
            out |= {"belief": round(self.belief, 1), "homework_openness": round(self.homework_openness, 2)}
        return out

    def copy(self) -> "ClientState":
        return ClientState(**{f.name: getattr(self, f.name) for f in fields(self)} |
                           {"disclosed": list(self.disclosed), "reasons_used": dict(self.reasons_used)})

    def to_dict(self) -> dict:
        return asdict(self)
