"""Automatic character checks on a client reply (documented in docs/character-checks.md).

Each check either *repairs* the reply (a label or stage direction is cut, an
over-long reply is trimmed) or marks it *fatal*: the reply is regenerated.
`scan_stream` runs the fatal checks on a growing reply so generation can stop
at the first broken token, before the student sees it; `safe_end` says how
much of a growing reply can be shown (or spoken) already: everything before
the first place where the words so far could still become a break.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

import regex  # partial matching: could these words still grow into a match?

ROLE_WORDS = r"(?:client|counsell?or|therapist|assistant|user|patient|system|ai|interviewer|student|trainee)"


@dataclass(frozen=True)
class Violation:
    check: str
    detail: str
    fatal: bool


_AI = re.compile(
    r"\b(?:as an? (?:ai|a\.i\.|artificial intelligence|language model|assistant|chatbot|virtual assistant)"
    r"|i(?:'m| am) (?:an? |just an? |only an? )?(?:ai|a\.i\.|artificial intelligence|language model|large language model|chatbot|bot|computer program|virtual assistant|assistant|machine)\b"
    r"|language model|\bllm\b|openai|chatgpt|\bqwen\b|alibaba cloud|anthropic|hugging ?face|smollm"
    r"|i(?:'m| am) not a (?:real )?(?:person|human)|i don'?t have (?:personal )?(?:feelings|emotions|a body)"
    r"|(?:as|i am|i'm) (?:a|an) (?:simulated|simulation|fictional|virtual) (?:client|person|patient|character))",
    re.IGNORECASE,
)
_INSTRUCTIONS = re.compile(
    r"\b(?:my (?:instructions|prompt|system prompt|persona|character sheet|programming|guidelines)"
    r"|system prompt|(?:i was|i've been|i have been|i am|i'm) (?:told|instructed|programmed|asked) to (?:play|act|pretend|role)"
    r"|role-?play(?:ing)?|stay(?:ing)? in character|break(?:ing)? character|(?:this|the) simulation"
    r"|learning objectives?|instructor notes?|trainee brief"
    r"|the client,? answers in the first person|reply in (?:one|two|three) (?:or|to) (?:two|three|four|six) sentences)",
    re.IGNORECASE,
)
_COUNSELLOR_VOICE = re.compile(
    r"(?:how (?:can|may|could) i (?:help|assist|support) you"
    r"|what brings you (?:in|here)"
    r"|is there anything else i can"
    r"|i(?:'m| am) (?:here|happy|glad) to (?:help|listen|support)\b"
    r"|\bi (?:don'?t|do not) have the (?:ability|capacity|expertise) to\b|\bi(?:'m| am) not (?:able|qualified|equipped) to (?:give|provide|offer)\b"
    r"|as your (?:counsell?or|therapist|assistant)"
    r"|let'?s explore (?:that|this|your)"
    r"|how does that make you feel\??$"
    r"|i(?:'m| am) sorry,? but i (?:can(?:no|')t|am unable to|won'?t)"
    r"|i (?:can(?:no|')t|am unable to|'m unable to) (?:provide|give|offer) (?:advice|medical|professional|assistance)"
    r"|i(?:'m| am) (?:happy|glad) to help"
    r"|\bi(?:'d| would) (?:recommend|suggest|advise)\b|\bmy (?:advice|recommendation|suggestion) (?:is|would be)\b"
    r"|^(?:certainly|of course|absolutely|sure)[!,.] (?:here|i|first|let)"
    r"|\bit sounds like you(?:'re| are| have| feel)?\b|\bi(?:'m| am) sorry to hear (?:that )?you"
    r"|\bi understand (?:that |how )?you(?:'re| are| feel)\b|\bthank you for sharing\b"
    r"|\bhow (?:are you|have you been) feeling about (?:that|this)\b"
    r"|\bfeel free to (?:ask|reach|let me know|share)|\bif you have any (?:more |other |further )?questions\b"
    r"|\bi can help you\b|\b(?:is there )?anything else (?:i can|you'?d like)|\blet me know if\b"
    r"|(?:^|\. )i(?:'d| would) (?:recommend|suggest|advise) (?:you|that you)"
    r"|here are (?:some|a few) (?:tips|strategies|suggestions|steps)"
    r"|it'?s important (?:for you )?to (?:remember|seek|consult|talk to a)"
    r"|(?:please )?(?:consider )?(?:reach(?:ing)? out to|consult(?:ing)?) (?:a|your) (?:mental health )?professional)",
    re.IGNORECASE | re.MULTILINE,
)
# Counsellor-speak the 1.5B model falls into when a client should answer: the
# counsellor's questions turned back, comfort and support offered, advice given.
_COUNSELLOR_QUESTION = re.compile(
    r"(?:\bwhat (?:are|is|were) (?:some of )?(?:the )?(?:things|ways|concerns|worries|feelings) (?:that )?"
    r"(?:concern|worry|bother|matter to|are important to) you\b"
    r"|\bwhat (?:concerns|worries|matters to) you(?: the)?(?: most)?\?"
    r"|\bhow (?:do|does|did) (?:that|this|it) (?:make|leave) you feel\b"
    r"|\bcan you tell me (?:a bit |a little )?(?:more )?about (?:your|how you|what you)\b"
    r"|\bwhat (?:would|do) you (?:like|want) to (?:discuss|talk|focus|work)\b"
    r"|\bhow (?:can|could|shall) we (?:work|figure|start)\b"
    r"|\bwhat do you think (?:would|might|could) help you\b"
    r"|\bhow are you (?:feeling|coping|doing) (?:about|with)\b)",
    re.IGNORECASE,
)
_REASSURES = re.compile(
    r"(?:\byou have my support\b|\bi'?m (?:always )?here for you\b|\byou(?:'re| are) not alone\b"
    r"|\bit'?s (?:okay|ok|normal|natural) (?:for you )?to feel\b|\bremember,? (?:that )?you\b|\btake care of yourself\b"
    r"|\byou(?:'ve| have) got this\b|\bi believe in you\b|\bwe(?:'ll| will| can) (?:get through|figure) (?:this|it out) together\b"
    r"|\bi appreciate your (?:honesty|concern)\b|\bthank you for your (?:honesty|concern)\b)",
    re.IGNORECASE,
)
_ADVISES = re.compile(
    r"(?:\bit'?s important (?:to|that you) (?:prioriti[sz]e|take care|look after|focus on)\b|\bi (?:encourage|urge) you\b"
    r"|\bdon'?t hesitate to\b|\byou (?:should|need to|might want to) (?:try|consider|talk to|speak to|reach out|seek)\b)",
    re.IGNORECASE,
)
# Words for the client's own people and problem: "your son" from a client who has a son is the counsellor's voice.
OWN_WORDS = ("son", "daughter", "wife", "husband", "partner", "kids", "children", "boyfriend", "girlfriend",
             "mum", "mom", "dad", "mother", "father", "ex", "drinking", "smoking", "cannabis", "weed", "diabetes",
             "anxiety", "panic", "mood", "depression", "liver", "blood sugar", "medication", "tablets", "boss", "team")


def own_words_pattern(persona_text: str) -> re.Pattern | None:
    """`your <word>` for the words of OWN_WORDS that the persona's own story uses."""
    text = persona_text.lower()
    words = [w for w in OWN_WORDS if re.search(rf"\b{re.escape(w)}", text)]
    if not words:
        return None
    return re.compile(r"\byour (?:" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)


# A move note leaking from the prompt (client/state/moves.py writes them, after the client's first name)
_MOVE_NOTE = (r"(?:opens up a little|defends things as they are|feels judged or pushed|answers plainly"
              r"|decides to tell, hesitantly|is not ready to talk about|says no, nothing like that|starts to wonder if"
              r"|still believes \"|answers in these words|answers:)")


def _cue(name: str) -> re.Pattern:
    """A move note after ``name`` (a regular expression for the name)."""
    return re.compile(rf"\(?\b{name} {_MOVE_NOTE}")


_CUE = _cue(r"[A-Z][a-z]+")

_CODE = re.compile(r"```|`[^`\n]{1,40}\(\)`|^\s*(?:def |class |import |#include|<\?php|function\s*\()", re.MULTILINE)
_LABEL_START = re.compile(rf"^\s*(?:\*\*)?(?:{ROLE_WORDS}|[A-Z][a-z]+(?: [A-Z][a-z]+)?)(?:\*\*)?\s*(?:\([^)]*\))?\s*:\s*", re.IGNORECASE)
_LABEL_MID = re.compile(rf"(?:\n|^|(?<=[.!?\"'])\s+)(?:\*\*)?{ROLE_WORDS}(?:\*\*)?\s*:", re.IGNORECASE)
_STAGE = re.compile(r"\*[^*\n]{1,80}\*|\((?:[^()\n]{0,60})\b(?:sigh|sighs|pause|pauses|laugh|laughs|cries|crying|looks|shrugs|nods|smiles|tears|quietly|softly|silence|long pause)\b[^()\n]{0,60}\)|\[[^\]\n]{1,240}\]|\[[^\]\n]*$", re.IGNORECASE)
_MARKDOWN = re.compile(r"^\s*(?:[-*•]\s+|\d+[.)]\s+|#+\s+)", re.MULTILINE)
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+(?=[A-Z\"'(])")


def sentences(text: str) -> list[str]:
    text = text.strip()
    if not text:
        return []
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def _own_label(persona_name: str) -> re.Pattern:
    first = re.escape(persona_name.split()[0])
    full = re.escape(persona_name)
    return re.compile(rf"^\s*(?:\*\*)?(?:{full}|{first}|{ROLE_WORDS})(?:\*\*)?\s*(?:\([^)]*\))?\s*:\s*", re.IGNORECASE)


# The fatal checks, in the order they are reported (the persona's "your son" check goes after the sixth)
FATAL_CHECKS: tuple[tuple[str, re.Pattern], ...] = (
    ("ai_disclosure", _AI), ("instruction_reveal", _INSTRUCTIONS), ("counsellor_voice", _COUNSELLOR_VOICE),
    ("asks_counsellor_question", _COUNSELLOR_QUESTION), ("reassures_counsellor", _REASSURES),
    ("gives_advice", _ADVISES), ("instruction_reveal", _CUE), ("not_speech", _CODE),
)


def scan_stream(text: str, persona_name: str = "", own: re.Pattern | None = None) -> Violation | None:
    """Fatal breaks visible in a (possibly partial) reply.

    `own` is the persona's `own_words_pattern`: the client talking about "your
    son" when the son is their own.
    """
    checks = FATAL_CHECKS if own is None else FATAL_CHECKS[:6] + (("wrong_person", own),) + FATAL_CHECKS[6:]
    for check, pattern in checks:
        if m := pattern.search(text):
            return Violation(check, m.group(0), True)
    return None


@lru_cache(maxsize=16)
def _partial_checks(persona_name: str, own: re.Pattern | None) -> tuple[regex.Pattern, ...]:
    """What `safe_end` waits for, compiled once per persona for partial matching (`regex`). Labels and move
    notes: with the persona's own name ("Daniel:", "(Daniel opens up a little…") or a role's ("Client:").
    The checks themselves take any name ("Mike:" is cut when complete, after showing for a word); waiting for
    any name would hold back every capitalised word."""
    name = persona_name or "Client"
    checks = [p for _check, p in FATAL_CHECKS if p is not _CUE]
    checks += [_cue(re.escape(name.split()[0])), _own_label(name), _LABEL_MID, _STAGE, _MARKDOWN]
    if own is not None:
        checks.append(own)
    return tuple(regex.compile(p.pattern, p.flags) for p in checks)


def safe_end(text: str, persona_name: str = "", own: re.Pattern | None = None) -> int:
    """How much of a growing reply can be shown now: the index of the first place where a fatal check, the
    persona's or a role's label, a stage direction or a list could still match once more words come, else
    ``len(text)``.

    A complete fatal match has already stopped generation (`scan_stream`); complete labels and stage
    directions are cut by `repair`. Only the words that could still turn into one wait: "As" waits for
    the next word ("As an AI…" or "As I said…"), "I don't know" shows at once. So a break is never shown
    however many words it takes, and an ordinary reply is not held back at all.
    """
    end = len(text)
    for p in _partial_checks(persona_name, own):
        for m in p.finditer(text, partial=True):
            if m.partial:
                end = min(end, m.start())
                break
    return end


# Checks that mean the client spoke as a counsellor or an assistant (bench fidelity's "counsellor-speak")
COUNSELLOR_SPEAK = ("counsellor_voice", "asks_counsellor_question", "reassures_counsellor", "gives_advice", "wrong_person")


ECHO_RATIO = 0.75
ECHO_NEW_WORDS = 2  # a reply that adds this many words of its own ("several days") answers, even in the counsellor's words


# Swapping "you" for "I" or adding "yeah, well" adds nothing of the client's own
_FUNCTION_WORDS = set("""i me my mine myself i'm i've i'd i'll you your yours yourself you're you've we our us the a an
and or but so to of in on at for with is am are was were be been have has had do does did it it's that this these those
yes yeah yep no well just really oh um uh like""".split())


def new_words(reply: str, counsellor: str) -> int:
    """How many content words of the reply the counsellor did not say."""
    said = set(re.findall(r"[a-z']+", counsellor.lower()))
    return len([w for w in re.findall(r"[a-z']+", reply.lower()) if w not in said and w not in _FUNCTION_WORDS])


def is_echo(reply: str, counsellor: str) -> bool:
    """The reply mostly repeats the counsellor and adds almost nothing.

    "Nearly every day, I've been feeling tired and having little energy" repeats
    a questionnaire item's words but answers it: not an echo.
    """
    return echo_score(reply, counsellor) > ECHO_RATIO and new_words(reply, counsellor) < ECHO_NEW_WORDS


def echo_score(reply: str, counsellor: str) -> float:
    a = re.sub(r"\W+", " ", reply.lower()).strip()
    b = re.sub(r"\W+", " ", counsellor.lower()).strip()
    if not a or not b or len(b) < 12:
        return 0.0
    return SequenceMatcher(None, a, b).ratio()


def repair(text: str, persona_name: str, counsellor_text: str = "", max_sentences: int = 4,
           own: re.Pattern | None = None) -> tuple[str, list[Violation]]:
    """Repair what can be repaired; report fatal breaks. Returns (text, violations)."""
    found: list[Violation] = []
    out = text.replace("\r", "")
    label = _own_label(persona_name) if persona_name else _LABEL_START
    if m := label.match(out):
        found.append(Violation("role_label", m.group(0).strip(), False))
        out = out[m.end():]
    elif (m := _LABEL_START.match(out)) and len(m.group(0)) < 30:
        found.append(Violation("role_label", m.group(0).strip(), False))
        out = out[m.end():]
    if m := _LABEL_MID.search(out):
        # the model went on to write the counsellor's next line: cut it
        found.append(Violation("speaks_for_counsellor", m.group(0).strip(), False))
        out = out[: m.start()]
    if _STAGE.search(out):
        found.append(Violation("stage_direction", _STAGE.search(out).group(0), False))
        out = _STAGE.sub(" ", out)
    if _MARKDOWN.search(out):
        found.append(Violation("markdown", "list or heading", False))
        out = _MARKDOWN.sub("", out)
    out = out.replace("**", "").replace("__", "")
    out = re.sub(r"[ \t]+", " ", out)
    out = re.sub(r"\s*\n\s*", " ", out).strip()
    out = re.sub(r"^[\"“”]+|[\"“”]+$", "", out).strip() if out.count('"') + out.count("“") + out.count("”") == 2 else out
    fatal = scan_stream(out, persona_name, own)
    if fatal:
        found.append(fatal)
    sents = sentences(out)
    if len(sents) > max_sentences:
        found.append(Violation("too_long", f"{len(sents)} sentences", False))
        out = " ".join(sents[:max_sentences])
    if not re.search(r"\w", out):
        found.append(Violation("empty", "no words", True))
    elif counsellor_text and is_echo(out, counsellor_text):
        found.append(Violation("echo", "repeats the counsellor", True))
    return out, found


def is_fatal(violations: list[Violation]) -> bool:
    return any(v.fatal for v in violations)
