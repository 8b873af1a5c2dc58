"""Keep a long session inside the model's context window.

The persona prompt always stays first (its KV cache is reused). When the
conversation would no longer fit, the oldest half of the not-yet-condensed
turns is folded into a short extractive summary appended to the system
message. The summary only grows at those moments, so between condensations
the prompt prefix is stable and each turn evaluates only its new tokens.
Extractive (first sentence of each turn, clipped) rather than LLM-written:
it costs nothing, cannot hallucinate, and is deterministic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from clientsim.client.guard import sentences


def _clip_words(text: str, n: int) -> str:
    words = text.split()
    return " ".join(words[:n]) + ("…" if len(words) > n else "")


def condense_turn(speaker: str, text: str) -> str:
    first = sentences(text)[:1]
    gist = _clip_words(first[0] if first else text, 22)
    who = "Counsellor" if speaker == "counsellor" else "You"
    return f"{who}: {gist}"


@dataclass
class ContextWindow:
    """Which turns are condensed; grows monotonically within a session."""

    condensed_upto: int = 0  # turns [0, condensed_upto) live only in the summary
    summary_lines: list[str] = field(default_factory=list)
    max_summary_lines: int = 40

    def summary(self) -> str:
        if not self.summary_lines:
            return ""
        lines = self.summary_lines
        if len(lines) > self.max_summary_lines:
            lines = ["…"] + (lines[-self.max_summary_lines:] if self.max_summary_lines else [])
        return "Earlier in this session (condensed):\n" + "\n".join(lines)

    def shrink_summary(self) -> bool:
        """Keep fewer summary lines (the oldest go first); False when there is nothing left to drop."""
        if not self.summary_lines or self.max_summary_lines == 0:
            return False
        self.max_summary_lines = min(self.max_summary_lines, len(self.summary_lines)) // 2
        return True

    def condense(self, turns: list[tuple[str, str]], keep_recent: int = 4) -> bool:
        """Fold the oldest half of the live turns into the summary. False if nothing can be folded."""
        live = len(turns) - self.condensed_upto
        fold = max(live // 2, 2)
        fold = min(fold, live - keep_recent)
        if fold <= 0:
            return False
        for speaker, text in turns[self.condensed_upto:self.condensed_upto + fold]:
            self.summary_lines.append(condense_turn(speaker, text))
        self.condensed_upto += fold
        return True


def clip_for_model(text: str, max_chars: int) -> str:
    """Very long counsellor messages: the model hears the start and the end."""
    if len(text) <= max_chars:
        return text
    head = text[: int(max_chars * 0.7)]
    tail = text[-int(max_chars * 0.25):]
    head = re.sub(r"\s+\S*$", "", head)
    return f"{head} … [the counsellor went on at length] … {tail}"
