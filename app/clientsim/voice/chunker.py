"""Splits a reply that is still being written into pieces that can be spoken.

A piece ends at a sentence end (. ! ? followed by a space). The first piece of
a reply is kept short so the client starts talking at its first natural break:
it ends at the first sentence end, comma, semicolon, colon or dash once it has
``first_min_words`` (3) words ("I guess so," but never "Yeah." alone: a one-
or two-word fragment waits for the words after it), or just before a
conjunction that opens a clause ("and", "but", "because", "when"…) once it has
3 words, as soon as that conjunction is written ("Honestly I have a few cans |
and then…"). A first piece with none of these within ``first_max_words`` (6)
words is cut after the sixth word (a word or two earlier if that one is "a",
"the", "my"…); any later piece longer than ``max_words`` is cut at a clause
mark or, failing that, a word.

The text fed here has already passed the character guard (the simulator
releases only checked text: nothing that could still grow into a break,
``guard.safe_end``), so nothing is spoken that the guard has not seen.

Works on any iterable of text pieces, or on the ``ReplyEvent`` objects that
``PracticeSession.generate_reply`` pushes (kind "text" adds ``text``; kind
"reset" means the reply is being regenerated: discard everything so far).
Offsets count characters of the reply as written, so a barge-in can say where
the client was cut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Iterator

_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)")
_CLAUSE_END = re.compile(r"[,;:—–]+(?=\s)|\s[-–—]+(?=\s)")
# Conjunctions before which a first piece may end (a clause starts there). Not "so", "or", "that":
# too often inside a clause ("not so sure", "one or two").
_CLAUSE_OPENERS = {"and", "but", "because", "although", "though", "since", "until", "unless", "while", "when",
                   "if"}
_CLINGING = {"a", "an", "the", "to", "of", "my", "your", "his", "her", "our", "their", "i", "i'm", "in", "on",
             "at", "for", "with", "is", "was", "be", "it's", "that's", "some", "this", "very", "really", "not"}
_ABBREVIATIONS = {"mr.", "mrs.", "ms.", "dr.", "st.", "e.g.", "i.e.", "etc.", "vs.", "no."}


@dataclass(frozen=True)
class Piece:
    text: str  # stripped, to be spoken
    start: int  # offset in the reply of its first character
    end: int  # offset just after its last character


@dataclass(frozen=True)
class Reset:
    """The reply is being written again from the start: what was queued must go."""


def _words(s: str) -> int:
    return len(s.split())


class SpeechChunker:
    def __init__(self, first_min_words: int = 3, first_max_words: int = 6, min_words: int = 2,
                 max_words: int = 30) -> None:
        self.first_min_words = first_min_words
        self.first_max_words = first_max_words
        self.min_words = min_words
        self.max_words = max_words
        self.reset()

    def reset(self) -> None:
        self.text = ""  # the whole reply so far
        self._start = 0  # where the next piece starts
        self.pieces_out = 0

    def feed(self, delta: str) -> list[Piece]:
        self.text += delta
        return list(self._ready(final=False))

    def finish(self) -> list[Piece]:
        return list(self._ready(final=True))

    def _ready(self, final: bool) -> Iterator[Piece]:
        while True:
            cut = self._next_cut()
            if cut is None:
                break
            piece = self._take(cut)
            if piece is not None:
                yield piece
        if final:
            piece = self._take(len(self.text))
            if piece is not None:
                yield piece

    def _first_cut(self, rest: str) -> int | None:
        """Where the first piece ends, relative to ``rest``; None to wait for more text."""
        marks = sorted([m.end() for m in _SENTENCE_END.finditer(rest)] + [m.end() for m in _CLAUSE_END.finditer(rest)])
        for end in marks:
            before = rest[:end].split()
            if before and before[-1].lower() in _ABBREVIATIONS:
                continue
            if len(before) >= self.first_min_words:
                return end
        words = list(re.finditer(r"\S+", rest))
        for w in words[self.first_min_words:self.first_max_words + 1]:
            if w.group().lower() in _CLAUSE_OPENERS and w.end() < len(rest) and rest[w.end()].isspace():
                return w.start()
        if len(words) > self.first_max_words:
            # No break yet and the model is still writing: start speaking now, before a joining word if
            # there is one so the break sounds natural.
            joins = [w for w in words[self.first_min_words:self.first_max_words + 1]
                     if w.group().lower() in _CLAUSE_OPENERS]
            if joins:
                return joins[-1].start()
            last = self.first_max_words - 1  # never end on "a", "the", "my"…: it would hang in the air
            while last > self.first_min_words - 1 and words[last].group().lower() in _CLINGING:
                last -= 1
            return words[last].end()
        return None

    def _next_cut(self) -> int | None:
        rest = self.text[self._start:]
        first = self.pieces_out == 0
        if first:
            cut = self._first_cut(rest)
            return None if cut is None else self._start + cut
        cuts = []
        for m in _SENTENCE_END.finditer(rest):
            before = rest[:m.end()]
            last_word = before.split()[-1].lower() if before.split() else ""
            if last_word in _ABBREVIATIONS:
                continue
            if _words(before) >= self.min_words:
                cuts.append(m.end())
                break
        if cuts:
            return self._start + min(cuts)
        limit_words = self.max_words
        words = list(re.finditer(r"\S+", rest))
        if len(words) > limit_words:
            # A run-on: cut at the last clause mark, else at a word, within the limit.
            limit = words[limit_words - 1].end()
            marks = [m.end() for m in _CLAUSE_END.finditer(rest[:limit])]
            return self._start + (marks[-1] if marks else limit)
        return None

    def _take(self, cut: int) -> Piece | None:
        raw = self.text[self._start:cut]
        start = self._start
        self._start = cut
        stripped = raw.strip()
        if not stripped:
            return None
        lead = len(raw) - len(raw.lstrip())
        self.pieces_out += 1
        return Piece(stripped, start + lead, start + lead + len(stripped))


def as_text_events(stream: Iterable) -> Iterator[str | Reset]:
    """Plain strings pass; ReplyEvent-like objects (``kind``, ``text``) become str or Reset."""
    for item in stream:
        if isinstance(item, str):
            yield item
            continue
        kind = getattr(item, "kind", "text")
        if kind == "reset":
            yield Reset()
        elif kind == "text":
            yield getattr(item, "text", "") or ""


def pieces(stream: Iterable, chunker: SpeechChunker | None = None) -> Iterator[Piece | Reset]:
    """Speakable pieces from a stream of text deltas (or ReplyEvents), resets passed through."""
    chunker = chunker or SpeechChunker()
    for ev in as_text_events(stream):
        if isinstance(ev, Reset):
            chunker.reset()
            yield ev
            continue
        yield from chunker.feed(ev)
    yield from chunker.finish()
