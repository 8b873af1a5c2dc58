"""A transcript as the CTRS detectors read it: counsellor turns, windows, MI codes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_OPEN_START = re.compile(r"^(so,? )?(what|how|why|tell me|describe|in what way|which|where|when you)\b")
_REFLECT = re.compile(r"^(so,? )?(it sounds|sounds like|you feel|you're feeling|you sound|it seems|you've been|you're|so you|"
                      r"part of you|you care|being|that must|that sounds)\b|\bit sounds like\b|\bsounds like (you|it)\b")
_SUMMARY = re.compile(r"\b(let me summari[sz]e|to sum up|so far (you|we)|let me check i'?ve got|so we have|"
                      r"what i'?m hearing|so to recap)\b")


@dataclass(frozen=True)
class Turn:
    index: int
    pos: int  # position in the whole transcript
    speaker: str
    text: str
    low: str
    n_words: int


@dataclass
class SessionView:
    turns: list[Turn]
    codes: dict[int, str] = field(default_factory=dict)  # turn index -> MI code, when the MI coder ran

    @classmethod
    def from_transcript(cls, transcript: dict, coded: list[dict] | None = None) -> "SessionView":
        turns = []
        for pos, t in enumerate(transcript.get("turns") or []):
            speaker = str(t.get("speaker", "")).lower()
            speaker = "counsellor" if speaker in ("counsellor", "counselor", "therapist", "trainee") else speaker
            text = " ".join(str(t.get("text") or "").split())
            low = text.lower().replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
            turns.append(Turn(int(t.get("index", pos)), pos, speaker, text, low, len(text.split())))
        codes = {}
        for c in coded or []:
            try:
                codes[int(c.get("turn_idx", c.get("turn_index")))] = str(c.get("code") or "").lower()
            except (TypeError, ValueError):
                continue
        return cls(turns, codes)

    @property
    def counsellor(self) -> list[Turn]:
        return [t for t in self.turns if t.speaker == "counsellor"]

    @property
    def client(self) -> list[Turn]:
        return [t for t in self.turns if t.speaker == "client"]

    def early(self) -> list[Turn]:
        c = self.counsellor
        return c[: max(3, round(len(c) * 0.2))]

    def late(self) -> list[Turn]:
        c = self.counsellor
        return c[-max(4, round(len(c) * 0.3)) :]

    def middle(self) -> list[Turn]:
        c = self.counsellor
        return c[len(self.early()) : len(c) - 1] if len(c) > 4 else c

    def next_client(self, turn: Turn) -> Turn | None:
        return next((t for t in self.turns[turn.pos + 1 :] if t.speaker == "client"), None)

    # --- MI behaviour, from the coder when present, else a light guess --------
    def code(self, turn: Turn) -> str:
        if turn.index in self.codes:
            return self.codes[turn.index]
        low = turn.low
        if _SUMMARY.search(low):
            return "summary"
        if low.rstrip().endswith("?"):
            last = re.split(r"(?<=[.!])\s+", low)[-1]
            return "open_question" if _OPEN_START.search(last) or " what " in f" {last}" else "closed_question"
        if _REFLECT.search(low):
            return "complex_reflection" if turn.n_words > 12 else "simple_reflection"
        return "other"

    def count_codes(self, *prefixes: str) -> int:
        return sum(any(self.code(t).startswith(p) for p in prefixes) for t in self.counsellor)


def quote(turn: Turn, limit: int = 100) -> str:
    return turn.text if len(turn.text) <= limit else turn.text[: limit - 1].rstrip() + "…"
