"""Word error rate, with both texts normalised first so that writing differences are not counted.

The steps follow Whisper's English text normaliser (``EnglishTextNormalizer``,
the usual choice when reporting Whisper WER), cut down to what counsellor
speech needs. Reference and hypothesis go through the same steps:

- lower case; curly apostrophes straightened; accents dropped
- notes in brackets removed ("[BLANK_AUDIO]", "(laughs)"); fillers dropped (um, uh, hmm, mm, mhm)
- contractions expanded: "you're" = "you are", "can't" = "can not", "let's" = "let us",
  "'s" = "is" ("it's been" = "it has been"), "'d" = "would", "'ll", "'ve", "'m"
- punctuation and hyphens become spaces: "follow-up" = "follow up"
- spelled-out numbers become digits: "ten" = "10", "one hundred" = "100",
  "twenty five" = "25"; "one" and "1" both stay "one" (as in Whisper: "one" is
  usually a pronoun, "on the one hand")
- "%" and "per cent" = "percent"; "ok" = "okay"; "alright" = "all right"
- British and American spellings unified: -ise/-ize, -our/-or, -tre/-ter, counsellor/counselor

Not done (Whisper does): ordinals, currencies, decimals, its 1,700-word spelling list.
"""

from __future__ import annotations

import re
import unicodedata

_FILLERS = re.compile(r"\b(hmm|mm|mhm|mmm|uh|um)\b")
_CONTRACTIONS = (  # order matters: whole words and perfect tenses before the general endings
    (r"\bwon't\b", "will not"), (r"\bcan't\b", "can not"), (r"\blet's\b", "let us"),
    (r"\bgonna\b", "going to"), (r"\bwanna\b", "want to"), (r"\bgotta\b", "got to"),
    (r"'s been\b", " has been"), (r"'d been\b", " had been"), (r"'s got\b", " has got"),
    (r"n't\b", " not"), (r"'re\b", " are"), (r"'s\b", " is"), (r"'d\b", " would"),
    (r"'ll\b", " will"), (r"'ve\b", " have"), (r"'m\b", " am"),
)
_SPELLINGS = (
    (re.compile(r"^(\w{3,})is(e|ed|es|ing|ation|ations)$"), r"\1iz\2"),  # summarise = summarize
    (re.compile(r"^(behavi|col|fav|hon|neighb|hum|lab|rum|flav|harb)our"), r"\1or"),  # behaviour = behavior
    (re.compile(r"^(cen|thea|fib)tre(s?)$"), r"\1ter\2"),  # centre = center
    (re.compile(r"^counsell(or|ors|ing|ed)$"), r"counsel\1"),
)
_WORDS = {"ok": "okay", "alright": "all right", "cannot": "can not", "programme": "program", "judgement": "judgment"}

_SMALL = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)}
_SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}


def normalise(text: str) -> list[str]:
    """The words of ``text`` after the steps in the module docstring."""
    t = unicodedata.normalize("NFKD", text.lower().replace("’", "'").replace("‘", "'"))
    t = "".join(c for c in t if not unicodedata.combining(c))
    t = re.sub(r"\[[^\]]*\]|\([^)]*\)", " ", t)
    t = _FILLERS.sub(" ", t)
    t = re.sub(r"\s+'", "'", t)
    for pattern, replacement in _CONTRACTIONS:
        t = re.sub(pattern, replacement, t)
    t = re.sub(r"(\d),(\d)", r"\1\2", t)  # 1,000
    t = t.replace("%", " percent ")
    t = re.sub(r"[^a-z0-9' ]+", " ", t)
    words = []
    for w in t.split():
        w = w.strip("'")
        if not w:
            continue
        for pattern, replacement in _SPELLINGS:
            w = pattern.sub(replacement, w)
        words.extend(_WORDS.get(w, w).split())
    words = _numbers_as_digits(words)
    out = []
    for w in words:
        if w == "cent" and out and out[-1] == "per":
            out[-1] = "percent"
        else:
            out.append("one" if w == "1" else w)
    return out


def _numbers_as_digits(words: list[str]) -> list[str]:
    """Runs of number words become one number: "one hundred and five" -> "105"; "four two" -> "4", "2"."""
    out: list[str] = []
    total, cur, last = 0, None, None  # last: "small", "tens", "hundred" or "scale" (what ``cur`` ended with)

    def flush() -> None:
        nonlocal total, cur, last
        if cur is not None or last == "scale":
            out.append(str(total + (cur or 0)))
        total, cur, last = 0, None, None

    for i, w in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else None
        if w in _SMALL:
            v = _SMALL[w]
            joins = cur is not None and (last == "hundred" or (last == "tens" and v < 10)) or \
                (cur is None and last == "scale")
            if not joins:
                flush()
            cur = (cur or 0) + v
            last = "small"
        elif w in _TENS:
            if not (cur is not None and last == "hundred" or cur is None and last == "scale"):
                flush()
            cur = (cur or 0) + _TENS[w]
            last = "tens"
        elif w == "hundred" and (cur is None or cur < 100) and last != "hundred":
            if cur is None:
                flush()
            cur = (cur or 1) * 100
            last = "hundred"
        elif w in _SCALES and cur is not None and last != "scale":
            total += cur * _SCALES[w]
            cur, last = None, "scale"
        elif w == "and" and last in ("hundred", "scale") and (nxt in _SMALL or nxt in _TENS):
            continue  # "one hundred and five"
        else:
            flush()
            out.append(w)
    flush()
    return out


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edit distance in words, number of reference words) after normalising both."""
    ref, hyp = normalise(reference), normalise(hypothesis)
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1], len(ref)


def wer(pairs) -> float:
    """Corpus word error rate over (reference, hypothesis) pairs: all errors over all reference words."""
    errors = words = 0
    for ref, hyp in pairs:
        e, n = word_errors(ref, hyp)
        errors += e
        words += n
    return errors / words if words else 0.0
