"""An audit of client replies that shares no pattern with the character guard.

`bench fidelity` once re-ran the guard on replies the guard had already
passed, so "0 % shown" held by construction. This audit looks at the replies
the student sees in other ways:

- second person: a client talks about themselves; a reply with several
  "you"/"your" and fewer "I"/"my" speaks to or about the counsellor's
  listener, as a counsellor does;
- the MI coder, reading the reply as if a counsellor had said it: a confident
  reflection or open question addressed to "you" is counsellor-speak;
- assistant manners: trivia answered, service phrases.
"""

from __future__ import annotations

import re

_YOU = re.compile(r"\b(?:you|your|you're|yours|yourself|you've|you'll|you'd)\b", re.IGNORECASE)
_ME = re.compile(r"\b(?:i|me|my|mine|myself|i'm|i've|i'll|i'd)\b", re.IGNORECASE)
_ASSISTANT = re.compile(r"\b(?:paris|capital of|great question|happy to|as requested|here(?:'s| is) (?:a|the|an) (?:function|list|recipe|answer))\b"
                        r"|^\s*(?:sure|certainly|absolutely)!", re.IGNORECASE)
CODER_CONFIDENCE = 0.7


def audit(reply: str, coder=None, earlier: list[tuple[str, str]] | None = None) -> list[str]:
    """The audit's findings for one client reply (empty when it reads as a client)."""
    found = []
    you, me = len(_YOU.findall(reply)), len(_ME.findall(reply))
    if you >= 3 and you > 1.5 * me:
        found.append("second_person")
    if coder is not None and you >= 1:
        row = coder.code_turn(reply, "counsellor", earlier or [])
        if row["family"] in ("reflection", "question") and row["confidence"] >= CODER_CONFIDENCE and me == 0:
            found.append(f"coded_{row['code']}")
    if _ASSISTANT.search(reply):
        found.append("assistant")
    return found
