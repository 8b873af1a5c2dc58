"""What a counsellor turn did, as the client's state needs it.

The live MITI code (and the coder's confidence) is the main signal; a few
things MITI does not code but a client feels are found here with phrase
patterns: reassurance, evoking questions, agenda-setting, summaries, Socratic
questions, lectures, and a request to rate belief in a thought. Patterns are
written from the MITI 4.2.1 and CTRS manuals' definitions, not from any
validation transcript (docs/client-state.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_I = re.IGNORECASE


def _rx(*patterns: str) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in patterns), _I)


REASSURANCE = _rx(
    r"\bdon'?t (you )?worry\b", r"\bno need to (worry|panic|be (scared|afraid|nervous))\b",
    r"\bnothing to (worry|be (scared|afraid)) about\b", r"\byou('ll| will) be (just )?(fine|ok(ay)?|alright|all right)\b",
    r"\b(it|everything)('ll| will) (all )?(be (fine|ok(ay)?|alright)|work out)\b",
    r"\bi'?m sure (it|you|things|everything)('ll| will| is| are)\b", r"\byou('re| are) (completely |totally |perfectly )?(fine|safe|healthy)\b",
    r"\b(it'?s|that'?s) (just|only) (anxiety|stress|nerves|in your head)\b", r"\bthere'?s nothing wrong with (you|your)\b",
    r"\byou (really )?(don'?t|do not) need to (be )?(worry|scared|afraid|panic)",
)
EVOKING = _rx(
    r"\bwhy (would|might|do) you (want|think about|consider)\b", r"\bwhat (would|might|could) be (different|better)\b",
    r"\bhow (would|might|could) (things|your life|life) be\b", r"\b(good|best|benefits?|upsides?) (things )?(of|about|from) (changing|cutting|stopping|quitting|giving)",
    r"\bwhat (worries|concerns|bothers) you\b", r"\breasons?\b.*\b(change|cut|stop|quit)", r"\bwhat would it take\b",
    r"\bhow important\b", r"\bhow confident\b", r"\bwhat (makes|made) you (want|decide|think about|come)\b",
    r"\b(in|looking) (the future|ahead)\b", r"\bwhat (do|would) you (want|hope)\b", r"\bmatters? (most|to you)\b",
    r"\b(down ?sides?|not so good things|costs?) (of|about|to) (your )?(drinking|smoking|using|the way)",
    r"\bwhat (might|could|would) you (gain|lose|like to see)\b", r"\bif you (did|were to) (change|cut|stop|quit)\b",
)
AGENDA = _rx(
    r"\bagenda\b", r"\b(today|this session) (i thought|we could|shall we|let'?s|maybe we)\b",
    r"\bwhat would you like to (focus|talk|cover|put|start|work)\b", r"\bplan for (today|the session|our time)\b",
    r"\bhow (about|shall) we (start|spend|use)\b", r"\bwhat('s| is) (most )?important (to cover|to talk about|for today)\b",
)
SUMMARY = _rx(
    r"\b(to |let me |can i |if i )?sum(marise|marize|ming)? (it |things |that )?up\b", r"\bin summary\b",
    r"\bso far (you'?ve|we'?ve|you have|we have)\b", r"\blet me (check|see) (if|whether) i('ve| have) (got|understood)\b",
    r"\bwhat i'?m hearing\b", r"\bput (it|that|this) all together\b", r"\bto recap\b",
)
SOCRATIC = _rx(
    r"\bevidence\b", r"\bwhat makes you (think|so sure|believe|certain)\b", r"\b(another|other|different) (way|explanation|view)\b",
    r"\bwhat else (could|might)\b", r"\bwhat would you (say|tell) (to )?(a|your) (friend|colleague|sister|brother|daughter|son)\b",
    r"\bhow likely\b", r"\b(worst|best)(-| )(that could|case|thing that could)\b", r"\bmost (realistic|likely)\b",
    r"\b(has|have) there (ever )?been (a )?times?\b", r"\bwhat (actually )?happened (when|the last time)\b",
    r"\bhow do you know\b", r"\bis there (any )?(other|another)\b", r"\bwhat would it mean\b",
    r"\bwhat'?s the (evidence|proof)\b", r"\b(for|against) (that|the|this) thought\b", r"\btest (it|that|this) out\b",
)
BELIEF_RATING = _rx(
    r"\bhow much do you (still |really )?believe\b", r"\b(0|zero) to (100|a hundred)\b", r"\bwhat percent",
    r"\bhow (strongly|true|much) does (that|it|this)( thought)? (feel|seem)", r"\bhow (strongly|much) do you (still )?believe\b",
    r"\brate (that|it|this|your|how)\b.*\b(believ|true|thought)",
)
# A question that expects "no" ("You're not thinking of doing anything silly, are you?") gets a denial
LEADING = _rx(r"\byou'?re not (thinking|going|planning|considering)\b[^?]*\?", r"\banything (silly|stupid|daft)\b",
              r"\b(you|you'?re) (don'?t|do not|wouldn'?t|aren'?t)\b[^?]*,\s*(do|would|are) you\?")
HOMEWORK = _rx(r"\bhomework\b", r"\b(between now and|before) (next|our next) (time|session|week)\b", r"\bthis (coming )?week\b.*\b(try|practi[cs]e|notice|write)")
LECTURE_WORDS = 45  # a persuading or informing turn this long reads as a lecture

_PUSHING = {"persuade", "confront"}


@dataclass(frozen=True)
class TurnSignal:
    code: str  # the turn's MITI code from the live coder ("other" when unknown)
    confidence: float  # the coder's confidence in it, 0-1
    others: tuple[str, ...] = ()
    reassurance: bool = False
    evoking: bool = False
    agenda: bool = False
    summary: bool = False
    socratic: bool = False
    lecture: bool = False
    belief_rating: bool = False
    homework: bool = False
    leading: bool = False
    text: str = ""

    @property
    def weight(self) -> float:
        """How much one turn may move the client: the coder's confidence, never all or nothing.

        A code the coder is unsure of still counts a little (0.35), so a
        student's real confrontation is felt; a wrong, unsure code cannot
        swing the client on its own.
        """
        return max(0.35, min(1.0, self.confidence))

    def has(self, code: str) -> bool:
        return self.code == code or code in self.others


def read_turn(text: str, coded: dict | None) -> TurnSignal:
    """The signal of one counsellor turn; `coded` is the live coder's row (or None)."""
    coded = coded or {}
    code = coded.get("code") or "other"
    words = len(text.split())
    question = "?" in text
    return TurnSignal(
        code=code, confidence=float(coded.get("confidence") or 0.5), others=tuple(coded.get("others") or ()),
        reassurance=bool(REASSURANCE.search(text)),
        evoking=bool(EVOKING.search(text)) and (question or code.endswith("reflection")),
        agenda=bool(AGENDA.search(text)), summary=bool(SUMMARY.search(text)),
        socratic=bool(SOCRATIC.search(text)) and question,
        lecture=words >= LECTURE_WORDS and (code in _PUSHING or code == "giving_information"),
        belief_rating=bool(BELIEF_RATING.search(text)), homework=bool(HOMEWORK.search(text)),
        leading=bool(LEADING.search(text)),
        text=text.lower(),
    )
