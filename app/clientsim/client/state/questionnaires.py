"""PHQ-9, GAD-7 and AUDIT-C: which item a counsellor is asking, and the persona's answer.

A persona may declare a questionnaire total (and item scores). When the
counsellor asks an item in session, the client's move carries the answer that
goes with the declared score, so an item-by-item PHQ-9 adds up to what the
persona declared. Item wording follows the published questionnaires; the
patterns match the key words of each item, as a counsellor paraphrases them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FREQUENCY = ("not at all", "several days", "more than half the days", "nearly every day")


@dataclass(frozen=True)
class Item:
    number: int
    pattern: re.Pattern
    about: str  # what the client is answering about, for the cue


def _item(n: int, pattern: str, about: str) -> Item:
    return Item(n, re.compile(pattern, re.IGNORECASE), about)


QUESTIONNAIRES: dict[str, tuple[Item, ...]] = {
    "PHQ-9": (
        _item(1, r"\b(little|no|less|lost?) (interest|pleasure)\b|\benjoy(ing|ment)?\b", "little interest or pleasure in doing things"),
        _item(2, r"\b(feeling down|depressed|hopeless)\b", "feeling down, depressed or hopeless"),
        _item(3, r"\b(a)?sleep(ing)?\b|\binsomnia\b", "trouble sleeping, or sleeping too much"),
        _item(4, r"\b(tired|energy|exhausted)\b", "feeling tired or having little energy"),
        _item(5, r"\b(appetite|over-?eating|eating)\b", "poor appetite or overeating"),
        _item(6, r"\b(bad about yourself|failure|let (yourself|your family|people) down)\b", "feeling bad about yourself"),
        _item(7, r"\b(concentrat\w*|focus(ing)? on)\b", "trouble concentrating"),
        _item(8, r"\b(slow(ly|ed)?|fidgety|restless)\b", "moving or speaking slowly, or being restless"),
        _item(9, r"\b(better off dead|hurting yourself|hurt yourself|thoughts? of (death|dying))\b", "thoughts of being better off dead or of hurting yourself"),
    ),
    "GAD-7": (
        _item(1, r"\b(nervous|anxious|on edge)\b", "feeling nervous, anxious or on edge"),
        _item(2, r"\b(stop|control) (the )?worr", "not being able to stop or control worrying"),
        _item(3, r"\bworr(y|ying) too much\b|\bdifferent things\b", "worrying too much about different things"),
        _item(4, r"\btrouble relaxing\b|\brelax\b", "trouble relaxing"),
        _item(5, r"\brestless\b|\bhard to sit still\b", "being so restless it is hard to sit still"),
        _item(6, r"\b(annoyed|irritable|irritated)\b", "becoming easily annoyed or irritable"),
        _item(7, r"\b(afraid|scared)\b.*\b(awful|terrible|something bad)\b", "feeling afraid as if something awful might happen"),
    ),
    "AUDIT-C": (
        _item(1, r"\bhow often\b.*\b(a drink|drink alcohol|drink containing|do you drink)\b", "how often you have a drink containing alcohol"),
        _item(2, r"\bhow many (drinks|units|cans|pints|glasses)\b", "how many drinks on a typical day when drinking"),
        _item(3, r"\b(six|6) or more\b|\bbinge\b", "how often six or more drinks on one occasion"),
    ),
}
ITEM_MAX = {"PHQ-9": 3, "GAD-7": 3, "AUDIT-C": 4}
AUDIT_ANSWERS = {
    1: ("never", "monthly or less", "two to four times a month", "two to three times a week", "four or more times a week"),
    2: ("one or two", "three or four", "five or six", "seven to nine", "ten or more"),
    3: ("never", "less than monthly", "monthly", "weekly", "daily or almost daily"),
}


def item_scores(name: str, total: int, items: tuple[int, ...] = ()) -> tuple[int, ...]:
    """The declared item scores, or a spread of the total over the items (deterministic)."""
    n = len(QUESTIONNAIRES[name])
    if items:
        return tuple(items)
    top = ITEM_MAX[name]
    base, extra = divmod(max(0, min(total, n * top)), n)
    # the first `extra` items carry one more point; no item exceeds the scale
    return tuple(min(top, base + (1 if i < extra else 0)) for i in range(n))


# A line asks a questionnaire item when it frames a frequency or a score, or follows an item just asked
# ("And trouble sleeping?"): "How's your sleep?" on its own is conversation, not PHQ-9 item 3.
FRAME = re.compile(r"\b(how often|how many (days|drinks|units|times)|(over|in|during) the (last|past) (two|2|couple of) weeks"
                   r"|bothered by|on a scale|questionnaire|phq|gad|audit|score)\b", re.I)
FOLLOW_ON_TURNS = 2


def asked_items(text: str, names, turns_since_item: int = 99) -> list[tuple[str, Item]]:
    """Questionnaire items a counsellor line asks about."""
    if not FRAME.search(text) and not ("?" in text and turns_since_item <= FOLLOW_ON_TURNS):
        return []
    found = []
    for name in names:
        # one item per questionnaire: the one whose words match most of the line
        hits = [(len(m.group(0)), item) for item in QUESTIONNAIRES.get(name, ()) if (m := item.pattern.search(text))]
        if hits:
            found.append((name, max(hits, key=lambda h: h[0])[1]))
    return found


def answer_words(name: str, item: Item, score: int) -> str:
    if name == "AUDIT-C":
        return AUDIT_ANSWERS[item.number][score]
    return FREQUENCY[score]
