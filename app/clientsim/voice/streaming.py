"""Recognising an utterance while it is spoken, so that at its end little or nothing is left to do.

One ``UtteranceStream`` per utterance, with a thread of its own. The capture
thread only appends frames (``feed``, never blocks); the stream's thread runs
whisper passes on the audio so far:

- an **interim pass** once ``PASS_EVERY_S`` of new audio has come in while the
  student speaks, from ``INTERIM_AFTER_S`` into the utterance on; its words
  feed LocalAgreement-2: a word is *committed* once two consecutive passes
  agree on it (and on every word before it). Not earlier: a short turn needs
  no settling, and a pass still running when the turn ends is waited for
  (whisper cannot be interrupted) while it takes the CPU from the client
  model reading the next prompt;
- a **covering pass** as soon as the student falls silent (``SILENCE_FRAMES``
  unvoiced frames, ~64 ms): it covers all the speech so far, so if the pause
  turns out to be the end of the turn, its text is the transcript and nothing
  is left to recognise. If the student goes on, it was just one more interim
  pass.

Every pass runs with the app's settings (beam 5, the client's last reply as
context) over the whole utterance, so for the utterances of a conversation the
final transcript is the same full pass as before streaming, only started
earlier (whisper's encoder always reads a 30-second window: a pass costs about
the same for 1 s of audio as for 10 s).

Long utterances are settled as they go, because whisper (tiny.en, no
timestamps) drops whole sentences from long stretches of continuous speech: a
single pass over 46 s of twelve sentences once lost 63 % of the words. Once
``SETTLE_AFTER_S`` of audio is unsettled, a covering pass made at a pause
settles it: its text becomes fixed, passed to whisper as the context of what
follows, and the audio up to that pause is not read again (so the cut is in
silence, never inside a word). Talk without any pause for ``TRIM_AFTER_S``
falls back on LocalAgreement: passes ask for word times and the committed
words (and their audio) are settled.

``finish(audio)`` (the recognise job, after the end-pointer or the talk key
ended the turn) waits for a pass in flight; if the last pass covers every
voiced frame of exactly this audio its text is the transcript, otherwise one
last pass runs on the unsettled tail. The text is always of exactly the audio
delivered: never of an earlier, shorter piece.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from clientsim.voice.stt import Recognition, SpeechRecognizer, Word
from clientsim.voice.wavio import SAMPLE_RATE

log = logging.getLogger(__name__)

PASS_EVERY_S = 2.0
INTERIM_AFTER_S = 4.0
SILENCE_FRAMES = 2
SETTLE_AFTER_S = 8.0
TRIM_AFTER_S = 20.0


def _key(word: str) -> str:
    return re.sub(r"[^a-z0-9']", "", word.lower())


def agreed_prefix(a: list[str], b: list[str]) -> int:
    """How many leading words two hypotheses share (case and punctuation ignored)."""
    n = 0
    for x, y in zip(a, b):
        if _key(x) != _key(y):
            break
        n += 1
    return n


@dataclass(frozen=True)
class Pass:
    start: int  # first sample of the audio passed (what came before is ``fixed``)
    end: int  # samples covered
    fixed: str  # settled text before ``start``
    text: str  # this pass's text for audio[start:end]
    seconds: float

    @property
    def full(self) -> str:
        return f"{self.fixed} {self.text}".strip()


class UtteranceStream:
    def __init__(self, stt: SpeechRecognizer, prompt: str | None, frames: list[np.ndarray] | None = None, *,
                 on_text: Callable[[str, bool], None] | None = None, pass_every_s: float = PASS_EVERY_S,
                 trim_after_s: float = TRIM_AFTER_S, interim_after_s: float = INTERIM_AFTER_S,
                 settle_after_s: float = SETTLE_AFTER_S) -> None:
        """``frames``: audio of the utterance already captured (the pre-roll); ``on_text(text, covers)``
        gets each pass's text of the whole utterance, ``covers`` True if it reaches the last voiced frame."""
        self.stt = stt
        self.prompt = prompt or ""
        self.on_text = on_text
        self.pass_every = int(pass_every_s * SAMPLE_RATE)
        self.interim_after = int(interim_after_s * SAMPLE_RATE)
        self.settle_after = int(settle_after_s * SAMPLE_RATE)
        self.trim_after = int(trim_after_s * SAMPLE_RATE)
        self._cond = threading.Condition()
        self._frames: list[np.ndarray] = []
        self._n = 0
        self._voiced_end = 0  # sample just after the last voiced frame
        self._unvoiced = 0  # unvoiced frames since then
        self._start = 0  # audio before this is settled into ``_fixed``
        self._fixed = ""
        self._committed: list[Word] = []  # agreed words after ``_start`` (word times only on long audio)
        self._previous: list[str] | None = None  # the last hypothesis after ``_start``, for agreement
        self._last: Pass | None = None
        self._last_pass_at = 0  # ``_n`` when the last pass began
        self._busy = False
        self._closed = False
        self.passes = 0
        self.pass_seconds = 0.0
        for f in frames or ():
            self._append(f, True)
        self._thread = threading.Thread(target=self._loop, name="clientsim-stt-stream", daemon=True)
        self._thread.start()

    # -- the capture thread ---------------------------------------------------------
    def _append(self, frame: np.ndarray, voiced: bool) -> None:
        self._frames.append(frame)
        self._n += len(frame)
        if voiced:
            self._voiced_end = self._n
            self._unvoiced = 0
        else:
            self._unvoiced += 1

    def feed(self, frame: np.ndarray, voiced: bool) -> None:
        with self._cond:
            if self._closed:
                return
            self._append(frame, voiced)
            self._cond.notify()

    # -- what is known so far ---------------------------------------------------------
    def covering_text(self) -> str | None:
        """The transcript of all speech so far, if the last pass reached the last voiced frame; else None."""
        with self._cond:
            if self._voiced_end <= self._start:
                return self._fixed  # settled at the pause the student is in now
            last = self._last
            if last is None or last.start != self._start or last.end < self._voiced_end:
                return None
            return last.full

    @property
    def covering_pending(self) -> bool:
        """No covering text yet, but the student is silent, so a pass that will cover it runs or is next."""
        with self._cond:
            return not self._closed and self._unvoiced >= SILENCE_FRAMES and self._voiced_end > 0

    @property
    def settled_seconds(self) -> float:
        """Audio settled into fixed text and no longer passed to whisper (long utterances)."""
        return self._start / SAMPLE_RATE

    @property
    def running_text(self) -> str:
        """The latest pass's text of the whole utterance (it may lag the speech)."""
        last = self._last
        return last.full if last is not None else ""

    @property
    def committed_text(self) -> str:
        """Words two passes in a row agreed on (LocalAgreement-2), settled text included."""
        with self._cond:
            return " ".join([self._fixed] + [w.text for w in self._committed]).strip()

    # -- the stream's thread -----------------------------------------------------------
    def _due(self) -> int | None:
        """Samples the next pass should cover, or None to wait."""
        last = self._last
        covered = last.end if last is not None and last.start == self._start else self._start
        if self._voiced_end <= covered:
            return None  # nothing said since the last pass reached it
        if self._unvoiced >= SILENCE_FRAMES:
            return self._n  # a pause: cover everything, it may be the end
        if self._n >= self.interim_after and self._n - self._last_pass_at >= self.pass_every:
            return self._n
        return None

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._closed and (end := self._due()) is None:
                    self._cond.wait(0.2)
                if self._closed:
                    return
                start, fixed = self._start, self._fixed
                audio = np.concatenate(self._frames)[start:end]
                at_pause = self._unvoiced >= SILENCE_FRAMES
                self._busy = True
                self._last_pass_at = self._n
            try:
                self._run_pass(audio, start, end, fixed, at_pause)
            except Exception:  # the final pass in finish() still recognises; say why in the log
                log.exception("streaming recognition pass failed")
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _context(self, fixed: str) -> str | None:
        return f"{self.prompt} {fixed}".strip() or None

    def _run_pass(self, audio: np.ndarray, start: int, end: int, fixed: str, at_pause: bool = False) -> None:
        long = end - start > self.trim_after
        rec = self.stt.transcribe(audio, prompt=self._context(fixed), word_timestamps=long)
        log.debug("pass over %.2f s of audio took %.2f s: %r", len(audio) / SAMPLE_RATE, rec.seconds, rec.text)
        with self._cond:
            self.passes += 1
            self.pass_seconds += rec.seconds
            if start != self._start:
                return  # settled further meanwhile (cannot happen with one thread; kept for safety)
            self._last = Pass(start, end, fixed, rec.text, rec.seconds)
            words = rec.text.split()
            if self._previous is not None:
                agreed = agreed_prefix(self._previous, words)
                if agreed > len(self._committed):
                    timed = rec.words if len(rec.words) == len(words) else ()
                    self._committed = [timed[i] if timed else Word(words[i], 0.0, 0.0) for i in range(agreed)]
            self._previous = words
            text, covers = self._last.full, end >= self._voiced_end
            if at_pause and end - start >= self.settle_after:
                self._fixed, self._start = text, end  # everything up to this pause is settled
                self._committed, self._previous = [], None
            elif long and self._committed and self._committed[-1].end > 0:
                self._settle(start)
        if self.on_text is not None:
            try:
                self.on_text(text, covers)
            except Exception:
                log.exception("partial transcript listener failed")

    def _settle(self, start: int) -> None:
        """Long audio: committed words become fixed text and their audio is no longer passed."""
        last = self._committed[-1]
        cut = start + int(last.end * SAMPLE_RATE)
        self._fixed = f"{self._fixed} {' '.join(w.text for w in self._committed)}".strip()
        self._previous = self._previous[len(self._committed):] if self._previous else None
        self._committed = []
        self._start = cut

    # -- the end of the utterance -------------------------------------------------------
    def finish(self, audio: np.ndarray | None = None) -> Recognition:
        """The transcript of ``audio`` (default: every frame fed), using what the passes already did."""
        t0 = time.perf_counter()
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            while self._busy:
                self._cond.wait(0.05)
            whole = np.concatenate(self._frames) if self._frames else np.zeros(0, np.float32)
            same = audio is None or len(audio) == len(whole)
            audio = whole if audio is None else np.asarray(audio, np.float32)
            last, start, fixed = self._last, self._start, self._fixed
            if not same:  # not the audio streamed (should not happen): recognise it whole
                start, fixed = 0, ""
            settled = same and 0 < self._voiced_end <= start  # the last pause settled everything said
            covered = (same and last is not None and last.start == start and last.end >= self._voiced_end
                       and self._voiced_end > 0)
        self._thread.join(timeout=1.0)
        if settled:
            text = fixed
            covered = True
        elif covered:
            text = last.full
        else:
            rec = self.stt.transcribe(audio[start:], prompt=self._context(fixed))
            self.passes += 1
            self.pass_seconds += rec.seconds
            text = f"{fixed} {rec.text}".strip()
        return Recognition(text, time.perf_counter() - t0, len(audio) / SAMPLE_RATE, passes=self.passes,
                           streamed=covered)

    def cancel(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
