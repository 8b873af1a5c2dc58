"""Where a spoken turn starts and ends, frame by frame.

Speech starts after ``start_frames`` voiced frames in a row; the turn then
includes ``preroll_s`` of audio from before that moment, so first syllables
are not lost. It ends after ``silence_s`` of unvoiced frames, or, when
``silence_for`` is given, after as much silence as it asks for at that moment
(the pipeline asks ``turn_end.silence_needed`` with the running transcript:
0.3 s after a complete sentence, 0.8 s after "and" or mid-clause). Hysteresis
(enter at ``threshold``, stay while above ``threshold - 0.15``) keeps soft
word endings inside the turn.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from clientsim.voice.vad import FRAME, Vad
from clientsim.voice.wavio import SAMPLE_RATE


@dataclass
class EndpointEvent:
    kind: str  # "start" | "end"
    audio: np.ndarray | None = None  # the whole turn, pre-roll included (on "end")
    speech_end_frame: int = 0  # frame index after the last voiced frame (on "end")


@dataclass
class EndPointer:
    vad: Vad
    threshold: float = 0.5
    silence_s: float = 0.5
    preroll_s: float = 0.3
    start_frames: int = 3  # ~100 ms of speech before a turn counts (a cough or click does not)
    min_speech_s: float = 0.25
    silence_for: Callable[[], float] | None = None  # seconds of silence that end the turn now
    frame: int = FRAME
    rate: int = SAMPLE_RATE
    _ring: deque = field(default_factory=deque, init=False)
    _turn: list = field(default_factory=list, init=False)
    _in_speech: bool = field(default=False, init=False)
    _voiced_run: int = field(default=0, init=False)
    _silent_run: int = field(default=0, init=False)
    _voiced_total: int = field(default=0, init=False)
    frames_seen: int = field(default=0, init=False)
    last_prob: float = field(default=0.0, init=False)

    @property
    def in_speech(self) -> bool:
        return self._in_speech

    def _preroll_frames(self) -> int:
        return max(1, round(self.preroll_s * self.rate / self.frame))

    def reset(self) -> None:
        self._ring.clear()
        self._turn = []
        self._in_speech = False
        self._voiced_run = self._silent_run = self._voiced_total = 0
        self.vad.reset()

    def voiced(self, prob: float) -> bool:
        """Inside a turn, a frame with this speech probability still counts as speech (hysteresis)."""
        return prob >= self.threshold - 0.15

    @property
    def turn_frames(self) -> list[np.ndarray]:
        """The frames of the turn so far (pre-roll included), while in speech."""
        return list(self._turn)

    def feed(self, frame: np.ndarray, prob: float | None = None) -> EndpointEvent | None:
        """``prob``: the VAD's speech probability of this frame if the caller already ran it."""
        self.frames_seen += 1
        p = self.last_prob = self.vad(frame) if prob is None else prob
        if not self._in_speech:
            self._ring.append(frame)
            keep = self._preroll_frames() + self.start_frames
            while len(self._ring) > keep:
                self._ring.popleft()
            self._voiced_run = self._voiced_run + 1 if p >= self.threshold else 0
            if self._voiced_run >= self.start_frames:
                self._in_speech = True
                self._turn = list(self._ring)
                self._ring.clear()
                self._silent_run = 0
                self._voiced_total = self._voiced_run
                return EndpointEvent("start")
            return None
        self._turn.append(frame)
        if self.voiced(p):
            self._silent_run = 0
            self._voiced_total += 1
            return None
        self._silent_run += 1
        needed = self.silence_for() if self.silence_for is not None else self.silence_s
        if self._silent_run * self.frame >= needed * self.rate:
            return self._end()
        return None

    def _end(self) -> EndpointEvent | None:
        audio = np.concatenate(self._turn) if self._turn else np.zeros(0, np.float32)
        voiced_s = self._voiced_total * self.frame / self.rate
        end_frame = self.frames_seen - self._silent_run
        self._turn = []
        self._in_speech = False
        self._voiced_run = self._silent_run = self._voiced_total = 0
        self.vad.reset()
        if voiced_s < self.min_speech_s:
            return None
        return EndpointEvent("end", audio, end_frame)

    def flush(self) -> EndpointEvent | None:
        """End a turn now (device lost, mode switched): what was said is kept."""
        if not self._in_speech:
            return None
        return self._end()
