"""Lexical detectors for the MITI codes AnnoMI does not label.

AnnoMI tells us the family (question / reflection / input / other), open vs
closed, simple vs complex and the input subtype. It does not label Affirm,
Seeking Collaboration, Emphasizing Autonomy, Confront, or Persuade vs
Persuade with Permission. These are found with phrase patterns. They are
deliberately conservative (precision over recall): a missed affirm costs
the student less than a wrongly reported confrontation. Limits are listed in
docs/mi-judge.md.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE


def _rx(*patterns: str) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in patterns), _I)


AUTONOMY = _rx(
    r"\b(it'?s|it is|that'?s|that is)\s+(really\s+|totally\s+|entirely\s+|completely\s+)?(up to you|your (choice|decision|call))",
    r"\bup to you\b",
    r"\byour (own )?(choice|decision)\b",
    r"\byou('re| are) the (one|only one|expert|best judge)\b",
    r"\bwhatever you (decide|choose)\b",
    r"\byou (get to|can) (decide|choose)\b",
    r"\bno one can (make|force) you\b",
    r"\byou know (yourself|your life) (best|better)\b",
    r"\bin charge of\b.*\b(your|you)\b",
)

PERMISSION = _rx(
    r"\b(is it|would it be|would that be|is that) (ok(ay)?|alright|all right)( with you)? if i\b",
    r"\b(do|would) you mind if i\b",
    r"\bwould you like (me to|to hear|some|to know)\b",
    r"\bcan i (share|tell you|offer|give you|make a suggestion|suggest)\b",
    r"\bmay i (share|tell you|offer|give you|suggest)\b",
    r"\bwith your permission\b",
    r"\bif (it'?s|that'?s) (ok(ay)?|alright|all right)( with you)?\b",
    r"\bif you('re| are) (interested|open to)\b",
    r"\bif you('d| would) like\b",
)

COLLABORATION = _rx(
    r"\bwhat (do|would) you (think|make of)\b",
    r"\bwhat would you like to (do|talk|focus|work)\b",
    r"\bwhere would you like to (start|begin|go)\b",
    r"\bwhat would (work|be helpful|help) (best )?(for you)?\b",
    r"\b(let'?s|we could|we can)\b.*\btogether\b",
    r"\bhow does that sound\b",
    r"\bdoes that (sound|seem) (ok(ay)?|alright|all right|right|reasonable|fair)\b",
    r"\bwhat are your thoughts\b",
    r"\byou know (yourself|your situation) better than\b",
)

AFFIRM = _rx(
    r"\b(well done|good for you|great job|good job|nice work|that'?s (great|wonderful|fantastic|impressive|terrific|a big step|a real strength))\b",
    r"\byou('ve| have) (done|worked|managed|made) (so |really |a )?(well|hard|great|a lot|real progress|good progress|an effort)\b",
    r"\bthat (takes|took) (a lot of |some |real )?(courage|strength|guts|commitment|honesty|effort)\b",
    r"\b(i|i really) (appreciate|admire|respect) (that you|your|you)\b",
    r"\byou (should|can) be (proud|pleased)\b",
    r"\byou('re| are) (clearly |really |obviously )?(a (caring|strong|resourceful|determined|loving)|someone who (really )?cares|very (determined|committed|resourceful|strong))\b",
    r"\bthank you for (being so|sharing|your honesty|being honest|coming)\b",
    r"\bit (shows|says) (a lot )?(about you|how much you care|that you care)\b",
)

CONFRONT = _rx(
    r"\byou('re| are) (in denial|an alcoholic|an addict|a drunk|being (ridiculous|irresponsible|selfish|stupid|silly))\b",
    r"\byou('re| are) (just )?making excuses\b",
    r"\b(that'?s|that is) (just )?(not true|ridiculous|nonsense|an excuse|a lie|irresponsible)\b",
    r"\b(don'?t|do not) you (care|think|see|realize|realise)\b.*\?",
    r"\bwhat were you thinking\b",
    r"\bhow (could|can) you\b",
    r"\byou (can'?t|cannot) (be serious|really think|honestly)\b",
    r"\byou('re| are) (not|never) (going to|gonna) (get|make it|succeed|change)\b",
    r"\b(you|you'?ve) (obviously|clearly) (have|got) a problem\b",
    r"\byou (always|never) (do|listen|try)\b",
    r"\bshame on you\b",
    r"\byou know better\b",
    r"\bare you (even )?(listening|serious)\b",
)

DIRECTIVE = _rx(
    r"\byou (really )?(need|have|ought|must|got) to\b",
    r"\byou('d| had) better\b",
    r"\byou (should|must)\b",
    r"\bi (want|need) you to\b",
    r"\b(just|simply) (stop|quit|cut|don'?t)\b",
    r"\bi('d| would) (strongly )?(recommend|advise|suggest)\b",
    r"\bmy (advice|recommendation|suggestion) (is|would be)\b",
)

# "You feel you should…" reports the client's view: a reflection, not a directive.
REPORTED = re.compile(r"\b(feel|feeling|felt|think|thinking|thought|believe|said|say|saying|wonder|sounds|seems|"
                      r"wish|worry|worried|heard|told|know|realis|realiz|like)\b[^.?!]{0,25}$", re.I)


def directive_statement(text: str) -> bool:
    """A directive ("you need to stop") said in the counsellor's own voice, not a question or a reflection."""
    for sentence in re.split(r"(?<=[.!?])\s+", text.strip()):
        m = DIRECTIVE.search(sentence)
        if m and not sentence.rstrip().endswith("?") and not REPORTED.search(sentence[: m.start()]):
            return True
    return False


# Very common English words: a turn with few of these is likely not English.
_ENGLISH = set(
    """the a an and or but if i you he she it we they me my your his her our their is are was were be been am
    do does did have has had not no yes yeah ok okay so that this what how why when where who which can could
    would should will to of in on at for with about from as just like really think know feel want go get
    there here then than more some any all very too also well oh um uh mm hmm right sure because out up down
    one time much many now people thing things going said say tell told make made work life day week drink
    smoke help good bad little lot bit back over into off only still even never always something anything
    let me us them him been being by kind maybe pretty sort""".split()
)

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)


def english_share(text: str) -> float | None:
    """Share of words that are common English words; None when too short to tell."""
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < 3:
        non_ascii = sum(1 for ch in text if ord(ch) > 127 and ch.isalpha())
        if words and non_ascii >= 2:
            return 0.0
        return None
    hits = sum(1 for w in words if w in _ENGLISH or w.split("'")[0] in _ENGLISH)
    return hits / len(words)


def looks_non_english(text: str) -> bool:
    share = english_share(text)
    return share is not None and share < 0.15


def detect(text: str) -> set[str]:
    """Which of the lexically detected codes the text shows."""
    found = set()
    if AUTONOMY.search(text):
        found.add("emphasizing_autonomy")
    if PERMISSION.search(text):
        found.add("permission")
    if COLLABORATION.search(text):
        found.add("seeking_collaboration")
    if AFFIRM.search(text):
        found.add("affirm")
    if CONFRONT.search(text):
        found.add("confront")
    if directive_statement(text):
        found.add("directive")
    return found
