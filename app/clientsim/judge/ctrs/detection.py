"""What a cheap detector says about one item: an estimate, the turns behind it, and why."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from clientsim.judge.ctrs.session_view import Turn, quote


@dataclass
class Detection:
    estimate: float  # 0-6
    why: str  # one clause for the rationale
    evidence: list[tuple[Turn, str]] = field(default_factory=list)  # (turn, what it shows)
    applicable: bool = True

    def evidence_dicts(self, limit: int = 4) -> list[dict]:
        seen, out = set(), []
        for turn, what in self.evidence:
            if turn.index in seen:
                continue
            seen.add(turn.index)
            out.append({"turn_index": turn.index, "speaker": turn.speaker, "quote": quote(turn), "shows": what})
            if len(out) >= limit:
                break
        return out


def rx(*patterns: str) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def hits(turns: list[Turn], pattern: re.Pattern) -> list[Turn]:
    return [t for t in turns if pattern.search(t.low)]


def clip(x: float) -> float:
    return max(0.0, min(6.0, x))
