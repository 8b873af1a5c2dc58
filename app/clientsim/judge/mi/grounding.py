"""Does a suggested response use only what the client said?

A suggestion may reword the client's words, the student's own line and the
words every reflection or question is made of ("it sounds like", "part of
you", "what matters to you"), but no content word the client never said: the
small model otherwise writes about a wife, a doctor or a lip piercing that
the session never mentioned, and a student cannot trust such an example.

Words are compared by a crude stem ("worried" = "worry", "drinks" = "drink")
and by a shared start of five letters or more ("stress" / "stressful").
"""

from __future__ import annotations

import re
from typing import Iterable

# English function words: pronouns, determiners, auxiliaries, prepositions, conjunctions, common adverbs.
FUNCTION_WORDS = frozenset("""
a an the this that these those there here it its it's itself i me my mine myself you your yours yourself
yourselves he him his she her hers they them their theirs we us our ours one ones someone somebody anyone
anybody everyone everything nothing something anything somewhere
am is are was were be been being do does did doing done have has had having will would shall should can
could may might must ought i'm i've i'll i'd you're you've you'll you'd he's she's they're they've we're
we've isn't aren't wasn't weren't don't doesn't didn't haven't hasn't hadn't won't wouldn't can't cannot
couldn't shouldn't that's what's there's let's let
and or but nor so if then than because as while when whenever where wherever why how what which who whom
whose whether though although until unless since
of to in on at by for with about from into onto over under up down out off through between after before
again around against during without within along across toward towards upon
not no yes yeah very really just only also too even still already ever never always often sometimes
maybe perhaps quite rather much many more most less least lot lots bit little few some any all both
each every other another own same such else enough well now today right ok okay
""".split())

# The words reflections and open questions are made of, and a few plain feelings a complex
# reflection may name beneath what the client said (MITI: a complex reflection adds meaning or feeling).
MI_WORDS = frozenset("""
sound sounds seem seems feel feels felt feeling feelings like want wants wanted wish hope wonder part sense hear
heard say said saying tell telling told think thinking thought know knowing mean means meaning matter matters
important sure unsure way thing things time times happen happens happened make makes get go going take
try trying keep need needs help ready able change changing different side sides reason reasons
worry worried hard difficult tough torn stuck tired frustrated scared afraid upset unsure mixed
anxious nervous struggle struggling sad angry annoyed unhappy relieved proud ashamed guilty embarrassed
care cares enjoy like likes
""".split())

ALLOWED = FUNCTION_WORDS | MI_WORDS

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_PREFIX = 5


def words(text: str) -> list[str]:
    """Lower-case words, apostrophes kept ("don't"), curly quotes made straight."""
    return _WORD.findall(text.lower().replace("\u2019", "'").replace("\u2018", "'"))


def stem(word: str) -> str:
    """A crude English stem: enough to match "worries", "worried", "worrying" with "worry"."""
    w = word.lower()
    for tail in ("'s", "'ll", "'re", "'ve", "'d", "n't"):
        if w.endswith(tail) and len(w) > len(tail) + 1:
            w = w[: -len(tail)]
            break
    if len(w) > 4 and w.endswith(("ies", "ied")):
        return w[:-3] + "y"
    for tail in ("ing", "ed", "es", "s", "ly"):
        if len(w) - len(tail) >= 3 and w.endswith(tail) and not w.endswith("ss"):
            w = w[: -len(tail)]
            break
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":  # stopped -> stopp -> stop
        w = w[:-1]
    if len(w) > 3 and w.endswith("e"):  # lose / losing, hope / hoped
        w = w[:-1]
    return w


def content_words(text: str) -> list[str]:
    """The words of ``text`` that carry content: not function words, not MI words."""
    return [w for w in words(text) if w not in ALLOWED and stem(w) not in ALLOWED]


def new_content_words(suggestion: str, sources: Iterable[str]) -> list[str]:
    """Content words of ``suggestion`` that none of ``sources`` (the client's words, the student's
    line) contains, in order of appearance, each once. An empty list means the suggestion is grounded."""
    said = {stem(w) for text in sources for w in words(text)}
    new: list[str] = []
    for w in content_words(suggestion):
        s = stem(w)
        if s in said or w in new:
            continue
        if len(s) >= _PREFIX and any(len(t) >= _PREFIX and (t.startswith(s) or s.startswith(t)) for t in said):
            continue
        new.append(w)
    return new
