"""How long a pause ends the student's turn, from what they have said so far.

People hear the end of a sentence and answer quickly; after "and", "but",
"so", "because", a filler or half a clause they wait. The end-pointer asks
``silence_needed(text)`` on every silent frame, where ``text`` is the running
transcript of the whole utterance (``streaming.py``) if a recognition pass has
already covered all the speech so far, else None:

- a complete sentence (ends in . ? !, last word not a joining word or a
  filler): ``SHORT_S`` (0.3 s);
- no transcript that covers the speech yet: ``default`` (the options'
  ``silence_s``, 0.5 s), as before adaptive end-pointing; but if a pass that
  will cover it is running (``pending``), up to ``LONG_S`` for its answer.
  Waiting for it costs nothing: recognition would have to wait for the same
  pass after the turn ended;
- a joining word, a filler, a comma or dash, or no closing mark (mid-clause):
  ``LONG_S`` (0.8 s).
"""

from __future__ import annotations

import re

SHORT_S = 0.3
LONG_S = 0.8

# Words after which a speaker has not finished: conjunctions, and fillers whisper writes out.
OPEN_ENDINGS = {
    "and", "but", "so", "because", "or", "then", "if", "when", "while", "although", "though", "since",
    "until", "unless", "that", "which", "who", "where", "whether", "like", "as", "than", "the", "a", "an",
    "to", "of", "for", "with", "about", "my", "your", "um", "uh", "er", "erm", "hmm", "mm", "ah", "well",
}
_SENTENCE_END = re.compile(r"[.?!…]+[\"'”’)\]]*\s*$")
_OPEN_MARK = re.compile(r"[,;:\-–—]\s*$|\.\.\.\s*$|…\s*$")


def last_word(text: str) -> str:
    words = re.findall(r"[A-Za-z']+", text)
    return words[-1].lower().strip("'") if words else ""


def sounds_finished(text: str) -> bool:
    """The transcript ends a sentence: closing mark, and not on a joining word or a filler."""
    t = text.strip()
    if not t or _OPEN_MARK.search(t) or not _SENTENCE_END.search(t):
        return False
    return last_word(t) not in OPEN_ENDINGS


def silence_needed(text: str | None, default: float = 0.5, pending: bool = False) -> float:
    """Seconds of silence that end the turn, given the transcript covering all speech so far (or None,
    with ``pending`` True if a pass that will cover it is on its way)."""
    if text is None:
        return max(LONG_S, default) if pending else default
    if sounds_finished(text):
        return min(SHORT_S, default)
    if not text.strip():
        return default  # a pass heard nothing (noise, a cough): no reason to wait longer or shorter
    return max(LONG_S, default)
