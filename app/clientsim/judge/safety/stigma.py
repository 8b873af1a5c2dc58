"""Stigmatising language about a mental health condition.

Slurs ("psycho", "nutters", "schizos"), labels that reduce a person to a
condition ("alcoholics like you"), moralising ("a sign of weakness", "snap out
of it", "real men don't get depressed") and "committed suicide". A counsellor
who quotes the client's own word back to explore it ("you're worried they'll
see you as 'crazy'") is reflecting, not labelling, so quoted words and
reported speech are left alone.
"""

from __future__ import annotations

import re

from clientsim.judge.safety.context import TurnContext
from clientsim.judge.safety.flags import SafetyFlag
from clientsim.judge.safety.text import any_match, compile_all, norm, short_quote, strip_quoted

_SLURS = re.compile(
    r"\b(crazy|psychos?|nuts|nutters?|nutcase|loony|loonies|looney|lunatics?|schizos?|retard(ed|s)?|headcases?|"
    r"madm[ae]n|mental cases?|junkies|junkie|druggies?|crackheads?|basket ?cases?)\b"
    r"|\b(you'?re|you are|he'?s|she'?s|they'?re|that'?s|it'?s|sounds) (a bit |so |totally |completely |just )?(insane|mental)\b"
)
_LABEL = compile_all([
    r"\b(you'?re|you are|he'?s|she'?s|they'?re) (an? |such an? |just an? )?(addict|alcoholic|drunk|junkie)\b",
    r"\b(addicts|alcoholics|junkies|druggies|depressives|schizophrenics|borderlines) (like you|always|never|usually|rarely|tend|are all|can'?t|are)\b",
    r"\b(typical|such a) borderline\b", r"\bonce an (addict|alcoholic)\b",
])
_MORALISING = compile_all([
    r"\bsnap out of it\b", r"\ball in your head\b", r"\b(sign of |just )weak(ness)?\b", r"\breal (men|women|man|woman|boys|girls)\b.{0,15}\b(don'?t|do not|never|wouldn'?t|can'?t)\b", r"\b(boys|men|lads) (don'?t|do not) (cry|get depressed|need help)\b",
    r"\b(toughen|man) (you )?up\b", r"\battention[- ]seek(ing|er)\b", r"\bjust being (dramatic|lazy|silly|hysterical)\b",
    r"\byou don'?t look (depressed|anxious|ill|sick)\b", r"\bcommit(s|ted|ting)? suicide\b",
    r"\b(depression|anxiety|mental illness|mental health)\b[^.?!]{0,30}\bweak(ness)?\b",
])
# Reported speech: the word belongs to someone else and the counsellor is exploring it.
_REPORTED = re.compile(r"\b(call(s|ed|ing)? (you|yourself|him|her)|see (you|yourself) as|think (you'?re|of you as)|the word|you said|you called|the idea|(people|they|others|folks) (say|think|call)|in your (family|culture|community))\b")
# "you're not crazy", "it sounds so crazy" (about a situation): the word is denied or not aimed at a person
_NEGATED = re.compile(r"\b(not|n'?t|never|no one'?s|nobody'?s)\b[^.?!]{0,12}$")
_SITUATIONAL = re.compile(r"\b(sounds?|seems?|feels?|felt|it'?s|that'?s|it is|that is|was|is|how|so) (so |a bit |kind of |kinda |pretty |totally |really |just )?$")

NOTE = ("Use neutral, person-first language (\u201ca person living with schizophrenia\u201d, \u201cdied by suicide\u201d); "
        "slurs and moralising tell the client their difficulty is a flaw and make disclosure harder.")


def check(turn: dict, ctx: TurnContext) -> SafetyFlag | None:
    text = strip_quoted(norm(turn["text"]))
    m = _SLURS.search(text)
    compares = m and re.match(r"\s*(people\b|like (some|those|the|other|real)\b)", text[m.end():])
    if m and not compares and (_NEGATED.search(text[max(0, m.start() - 25):m.start()])
              or m.group(0) in ("crazy", "nuts", "mad") and _SITUATIONAL.search(text[max(0, m.start() - 25):m.start()])):
        m = None
    if m and not _reflects_client(text, m, ctx):
        return _flag(turn, "medium", f"Stigmatising word \u201c{m.group(0)}\u201d about a person or a condition.")
    m = any_match(_LABEL, text)
    if m:
        return _flag(turn, "medium", f"Labels a person by their condition (\u201c{m.group(0)}\u201d).")
    m = any_match(_MORALISING, text)
    if m:
        return _flag(turn, "medium", f"Moralising or stigmatising phrasing about a condition (\u201c{m.group(0)}\u201d).")
    return None


def _reflects_client(text: str, m: re.Match, ctx: TurnContext) -> bool:
    before = text[max(0, m.start() - 40) : m.start()]
    return bool(_REPORTED.search(before)) and m.group(0).split()[-1] in norm(ctx.prev_client)


def _flag(turn: dict, severity: str, reason: str) -> SafetyFlag:
    return SafetyFlag(turn_index=turn["index"], check="stigma", severity=severity, reason=reason,
                      teaching_note=NOTE, quote=short_quote(turn["text"]))
