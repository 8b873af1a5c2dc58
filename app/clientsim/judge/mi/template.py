"""A reflection or open question built from the client's own words.

When the local model's attempts fail the checks (new content, a loop, a
repeat), the weak line still gets an example: the client's clause with the
persons turned round ("I bet on the football" -> "you bet on the football"),
in a reflection or an open question. It adds nothing the client did not say.
"""

from __future__ import annotations

import re

from clientsim.judge.mi.grounding import content_words, words

_SWAP = {
    "i": "you", "me": "you", "my": "your", "mine": "yours", "myself": "yourself", "i'm": "you're",
    "im": "you're", "i've": "you've", "ive": "you've", "i'll": "you'll", "ill": "you'll", "i'd": "you'd",
    "am": "are", "we": "you", "us": "you", "our": "your", "ours": "yours", "we're": "you're",
}
_MAX_WORDS = 16
# a clause that opens on one of these has lost its subject ("that could work" -> "could work")
_NO_SUBJECT = {"could", "would", "might", "may", "should", "will", "can", "is", "was", "does", "did", "has", "had",
               "sounds", "seems", "feels", "looks", "works", "helps", "makes", "gets", "goes", "isn't", "wasn't",
               "doesn't", "didn't", "won't", "can't", "couldn't", "wouldn't"}
_TOKEN = re.compile(r"[A-Za-z0-9']+|[^A-Za-z0-9'\s]+")
# fillers a client opens with, left out of the echo ("yeah, well, I mean it's fine")
_LEAD = {"yeah", "yes", "yep", "no", "nah", "well", "um", "uh", "erm", "oh", "so", "and", "but", "like", "ok",
         "okay", "right", "honestly", "look", "that"}
_LEAD_PAIRS = {("i", "mean"), ("i", "guess"), ("you", "know"), ("i", "suppose"), ("i", "dunno")}
# words that answer but say nothing to reflect ("yeah I guess", "mostly", "that's it exactly")
_EMPTY = {"guess", "obviously", "exactly", "mostly", "suppose", "dunno", "totally", "definitely", "sure", "thats",
          "yep", "yup", "nope", "mm", "hmm", "true", "fine", "alright", "kinda", "sort", "whatever", "course",
          "absolutely", "agree", "probably", "basically", "honestly", "anyway", "tbh", "lol", "though"}
_TAIL = {"though", "really", "honestly", "anyway", "tbh", "lol", "either", "too", "cause", "'cause", "because", "and",
         "but", "so", "like", "yeah", "um", "uh"}


def second_person(clause: str) -> str | None:
    """The client's clause said back to them ("my wife is worried" -> "your wife is worried"), or
    None when it speaks to the counsellor ("you don't get it") and cannot be turned round."""
    tokens = [t.replace("\u2019", "'") for t in _TOKEN.findall(clause)]
    low = [t.lower() for t in tokens]
    if any(t in ("you", "your", "you're", "yours", "u", "ur") for t in low):
        return None
    out: list[str] = []
    for k, (tok, lw) in enumerate(zip(tokens, low)):
        if lw == "was" and k > 0 and low[k - 1] == "i":
            out.append("were")
        else:
            out.append(_SWAP.get(lw, tok if tok != "I" else "you"))
    text = " ".join(out)
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    return text.strip(" ,.;:!?-")


def _clauses(text: str) -> list[str]:
    parts = re.split(r"[.!?;…]+|\s+--+\s*|\s+-\s+|,\s*(?:but|and|though|because|'cause|cause)?\s*|\s+but\s+", text)
    return [p.strip() for p in parts if p and p.strip()]


def _trim(clause: str) -> str:
    toks = clause.split()
    while len(toks) > 2:
        first = [w for t in toks[:2] for w in words(t)]
        if first and first[0] in _LEAD:
            toks = toks[1:]
        elif len(first) >= 2 and tuple(first[:2]) in _LEAD_PAIRS:
            toks = toks[2:]
        else:
            break
    toks = toks[:_MAX_WORDS]
    while len(toks) > 2 and words(toks[-1]) and words(toks[-1])[-1] in _TAIL:
        toks = toks[:-1]
    return " ".join(toks)


def _says_something(clause: str) -> int | None:
    """How many content words the clause has, or None when it has nothing to reflect ("yeah I guess",
    "that's a bit much"); a plain clause of four words or more counts ("you can't just do that")."""
    ws = words(clause)
    if len(ws) < 2:
        return None
    n = len([w for w in content_words(clause) if w not in _EMPTY])
    if n == 0 and (len(ws) < 4 or ws[0] not in ("you", "you're", "you've", "you'll", "your")
                   or any(w in _EMPTY for w in ws)):
        return None
    return n


def best_clause(client_turns: list[str]) -> str | None:
    """The clause of the client's latest words that says most (most content words), turned round;
    earlier turns when the latest has nothing to reflect ("yeah", "mostly")."""
    for turn in reversed(client_turns):
        scored = []
        for k, c in enumerate(_clauses(turn)):
            swapped = second_person(_trim(c))
            if swapped and _says_something(swapped) is not None:
                scored.append((_says_something(swapped), k, swapped))
        if scored:
            return max(scored)[2]
    return None


# When the client has said nothing to reflect yet ("yeah", "mm"), an invitation with no content of its own.
_PLAIN = {"open_question": ("What would you like me to know about that?", "How do you feel about that now?"),
          "complex_reflection": ("It sounds like there is a lot going on for you right now.",
                                 "You're still thinking about what this means for you.")}
VARIANTS = 2


def template_response(kind: str, client_turns: list[str], variant: int = 0) -> str | None:
    """A reflection (kind "complex_reflection") or an open question ("open_question") from the
    client's own words; ``variant`` (0 to VARIANTS - 1) picks another wording (used when one repeats an
    earlier suggestion). With nothing to reflect, a plain invitation that adds no content."""
    clause = best_clause(client_turns)
    if clause is None:
        plain = _PLAIN.get(kind, ())
        return plain[variant] if variant < len(plain) else None
    clause = clause[0].lower() + clause[1:]
    if words(clause)[0] in _NO_SUBJECT:  # "could work" -> "it could work"
        clause = "it " + clause
    if kind == "open_question":
        forms = (f"You said {clause}. What would you like me to know about that?",
                 f"You told me {clause}. How do you feel about that now?")
    else:
        forms = (f"It sounds like {clause}, and that matters to you.",
                 f"You're saying {clause}, and part of you is still thinking about what that means.")
    return forms[variant % len(forms)] if variant < len(forms) else None
