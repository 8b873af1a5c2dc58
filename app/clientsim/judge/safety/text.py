"""Small text helpers shared by the safety checks."""

from __future__ import annotations

import re

_QUOTED = re.compile(r"(?<![a-z0-9])['\"]([^'\"]{1,60})['\"](?![a-z0-9])")
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\s+-\s+|\s+—\s+")


def norm(text: str) -> str:
    """Lower case with straight quotes and plain dashes, so patterns stay simple."""
    t = text.lower()
    for a, b in (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"'), ("\u2013", "-"), ("\u2014", " — ")):
        t = t.replace(a, b)
    return re.sub(r"\s+", " ", t).strip()


def strip_quoted(text: str) -> str:
    """Drop short quoted spans: a counsellor quoting the client's own word is reflecting, not labelling."""
    return _QUOTED.sub(" ", text)


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.split(text) if s.strip()]


def any_match(patterns, text: str) -> re.Match | None:
    for p in patterns:
        m = p.search(text)
        if m:
            return m
    return None


def compile_all(patterns) -> list[re.Pattern]:
    return [re.compile(p) for p in patterns]


def short_quote(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


NUMBER = (
    r"(\d+(\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|dozen|a couple)"
)
