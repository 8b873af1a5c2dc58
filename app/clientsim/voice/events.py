"""What the voice pipeline tells its listeners (state.partial, the UI panel)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Level:
    rms: float  # of the last 32 ms frame, 0..1

    @property
    def meter(self) -> int:
        """0..100 on a dB scale (-60 dBFS .. 0), for a progress bar."""
        import math

        if self.rms <= 1e-6:
            return 0
        db = 20 * math.log10(self.rms)
        return max(0, min(100, int((db + 60) * 100 / 60)))


@dataclass(frozen=True)
class SpeechStarted:
    pass


@dataclass(frozen=True)
class UtteranceEnded:
    seconds: float  # length of the captured turn, pre-roll included


@dataclass(frozen=True)
class Transcribed:
    text: str


@dataclass(frozen=True)
class PartialTranscript:
    """The running transcript of the utterance being spoken (a recognition pass finished).

    ``covers``: the pass reached the last voiced frame, i.e. this is everything said so far. A hook
    for work that can start before the turn ends; the final text is ``Transcribed``.
    """
    text: str
    covers: bool


@dataclass(frozen=True)
class Caption:
    text: str  # the piece of the client's reply being spoken now
    start: int
    end: int


@dataclass(frozen=True)
class BargeIn:
    cut_at: int  # character offset of the reply spoken when the student cut in


@dataclass(frozen=True)
class VoiceProblem:
    message: str  # readable, says what to do next
    input: bool = True  # microphone (True) or speaker (False)
