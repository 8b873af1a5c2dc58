"""MITI 4.2.1 behaviour codes, their families, and the words a student sees."""

from __future__ import annotations

# code -> (family, label a student reads, one-line meaning)
CODES: dict[str, tuple[str, str, str]] = {
    "open_question": ("question", "Open question", "invites a wide range of answers"),
    "closed_question": ("question", "Closed question", "asks for yes/no or a short fact"),
    "simple_reflection": ("reflection", "Simple reflection", "repeats or rephrases what the client said"),
    "complex_reflection": ("reflection", "Complex reflection", "adds meaning or emphasis to what the client said"),
    "affirm": ("other", "Affirm", "says something positive about the client's strengths or efforts"),
    "giving_information": ("input", "Giving information", "gives facts or feedback without persuading"),
    "persuade": ("input", "Persuade", "tries to change the client's mind or behaviour without asking first"),
    "persuade_with_permission": ("input", "Persuade with permission", "gives advice after asking or with the client's say"),
    "seeking_collaboration": ("other", "Seeking collaboration", "asks for the client's ideas, permission or agreement"),
    "emphasizing_autonomy": ("other", "Emphasizing autonomy", "says the choice is the client's"),
    "confront": ("other", "Confront", "argues, criticises, shames or labels the client"),
    "other": ("other", "Other", "greetings, facilitation such as 'mm-hmm', and anything else"),
}

FAMILIES = ("question", "reflection", "input", "other")
TALK_TYPES = ("change", "neutral", "sustain")

# MITI 4.2.1 summary scores: Total MI-Adherent = Seeking Collaboration + Affirm +
# Emphasizing Autonomy; Total MI-Non-Adherent = Confront + Persuade. Persuade with
# Permission is counted and shown, but (as in the manual) is in neither total.
MI_ADHERENT = ("affirm", "seeking_collaboration", "emphasizing_autonomy")
MI_NON_ADHERENT = ("confront", "persuade")

TALK_LABELS = {
    "change": "Change talk",
    "neutral": "Neutral",
    "sustain": "Sustain talk",
}


def label(code: str) -> str:
    if code in CODES:
        return CODES[code][1]
    return TALK_LABELS.get(code, code.replace("_", " ").capitalize())


def family_of(code: str) -> str:
    return CODES[code][0] if code in CODES else "other"
