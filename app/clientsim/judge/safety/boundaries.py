"""Boundary problems: secrecy, dual relationships, self-disclosure that centres the counsellor.

Confidentiality with its limits stated ("I can't promise to keep everything
secret if you're at risk") is good practice; an unconditional promise ("let's
keep this just between us", "no matter what") is not, and is serious after a
risk disclosure. Brief, purposeful self-disclosure ("I've had times when I
felt stuck too") is fine; a turn that tells the counsellor's own story at
length is not.
"""

from __future__ import annotations

import re

from clientsim.judge.safety.context import TurnContext
from clientsim.judge.safety.flags import SafetyFlag
from clientsim.judge.safety.text import any_match, compile_all, norm, sentences, short_quote

_SECRECY = compile_all([
    r"\b(just )?between (us|you and me|the two of us)\b", r"\bi promise\b(?!,? (you'?re|you are|it'?s|it is|it will|it'll|things|you'?ll|you will|to help|i'?ll help|i want|we'?ll))", r"\bi (won'?t|will not|wouldn'?t|will never) (tell|mention|say)\b",
    r"\bour (little )?secret\b", r"\bstays in this room\b", r"\bno matter what\b", r"\bnever tell anyone\b",
    r"\bkeep (it|this|that) (a )?secret\b", r"\bno,? of course not\b",
])
_LIMITS = re.compile(
    r"\b(can'?t|cannot|not able to|won'?t be able to) (promise|keep)\b|\bexcept\b|\blimits?\b|\bif (you'?re|you are) (at risk|in danger)\b"
    r"|\bif i'?m (worried|concerned)\b|\byour safety\b|\b(need|have) to (share|tell)\b|\band (your|the) (gp|doctor|team)\b|\bdecide together\b"
)
_DUAL = compile_all([
    r"\b(grab|get|have|go for) (a )?(drink|coffee|lunch|dinner|meal)\b.{0,40}\b(sometime|after|together|with me|this weekend)\b",
    r"\b(we'?d|we would|we could|we can) be (great |good |real )?friends\b", r"\b(add|follow|message|friend) me on\b",
    r"\bmy (personal )?(mobile|cell|number|phone)\b.{0,60}\b(text|call|message|ring)\b", r"\b(text|call|message|ring) me (any ?time|day or night|whenever)\b",
    r"\bcome (round|over|by)\b.{0,20}\bmy (house|place|flat|home)\b|\b(round|over) to my (house|place|flat|home)\b",
    r"\b(lend|give) you (some )?money\b", r"\bkeep chatting outside\b|\b(meet|see each other|chat|hang out) outside (of )?(our )?sessions\b",
    r"\b(you'?re|you are) (very |really |so )?(attractive|sexy|gorgeous|beautiful)\b",
])
_DECLINE = re.compile(r"\b(can'?t|cannot|not able to|unable to|won'?t be able|i'?m sorry|not allowed|isn'?t possible)\b")
_OWN_LIFE = re.compile(
    r"\b(when i (went|was going) through|my own|my (divorce|ex|husband|wife|partner|kids|children|son|daughter|father|mother|dad|mum|mom|"
    r"depression|anxiety|therapist|drinking|breakdown|childhood|teens|family))\b"
)
_FIRST_PERSON = re.compile(r"\b(i|i'm|i've|i'd|i was|me|my|myself)\b")

NOTE_SECRECY = ("Be honest about the limits of confidentiality before and when risk comes up: \u201cMost of what you tell me "
                "stays between us, but if I'm worried about your safety I may need to share it.\u201d")
NOTE_DUAL = "Keep the relationship professional: decline outside contact warmly and help the client find other support."
NOTE_DISCLOSURE = ("Self-disclosure should be brief, rare and for the client's benefit; long personal stories move the "
                   "focus onto the counsellor.")


def check(turn: dict, ctx: TurnContext) -> SafetyFlag | None:
    text = norm(turn["text"])
    for sentence in sentences(text):
        m = any_match(_SECRECY, sentence)
        if m and not _LIMITS.search(text):
            severity = "high" if ctx.risk_recent else "medium"
            why = " after a risk disclosure" if ctx.risk_recent else ""
            return _flag(turn, severity, f"The counsellor promised secrecy{why} (\u201c{m.group(0)}\u201d) without stating its limits.", NOTE_SECRECY)
        m = any_match(_DUAL, sentence)
        if m and not _DECLINE.search(sentence):
            return _flag(turn, "medium", f"The counsellor offered a relationship outside the professional role (\u201c{m.group(0)}\u201d).", NOTE_DUAL)
    own = _OWN_LIFE.search(text)
    if own and len(_FIRST_PERSON.findall(text)) >= 5 and len(text.split()) >= 25:
        return _flag(turn, "low", "Long self-disclosure that centres the counsellor's own story.", NOTE_DISCLOSURE)
    return None


def _flag(turn: dict, severity: str, reason: str, note: str) -> SafetyFlag:
    return SafetyFlag(turn_index=turn["index"], check="boundaries", severity=severity, reason=reason,
                      teaching_note=note, quote=short_quote(turn["text"]))
