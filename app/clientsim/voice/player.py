"""Plays the client's speech piece by piece; stops at once; knows how far it got.

``StreamPlayer`` keeps one output stream open and fills it from a queue of
(piece, audio) on PortAudio's thread, so ``stop()`` silences the speaker
within one block (~46 ms). ``spoken_offset()`` is the character offset in the
reply reached so far, snapped back to a word boundary, which is what a
barge-in records as ``cut_at``. ``CollectingPlayer`` has no device: it keeps
the audio (the CLI writes it to WAV files) and counts it as played at once.
"""

from __future__ import annotations

import collections
import threading
import time
from typing import Callable, Protocol

import numpy as np

from clientsim.voice.audio import AudioBackend, AudioStream
from clientsim.voice.chunker import Piece


def snap_back_to_word(piece: Piece, fraction: float) -> int:
    """Offset in the reply after the last whole word heard within ``piece``."""
    if fraction <= 0:
        return piece.start
    if fraction >= 1:
        return piece.end
    k = int(len(piece.text) * fraction)
    space = piece.text.rfind(" ", 0, k + 1)
    return piece.start + (space if space > 0 else 0)


class Player(Protocol):
    muted: bool

    def enqueue(self, piece: Piece, audio: np.ndarray, rate: int) -> None: ...
    def stop(self) -> int: ...
    def spoken_offset(self) -> int: ...
    def busy(self) -> bool: ...
    def wait_idle(self, timeout: float | None = None) -> bool: ...
    def close(self) -> None: ...


class StreamPlayer:
    def __init__(self, backend: AudioBackend, device: str | int | None = None, *, blocksize: int = 1024,
                 on_piece_started: Callable[[Piece], None] | None = None,
                 on_error: Callable[[str], None] | None = None) -> None:
        self.backend = backend
        self.device = device
        self.blocksize = blocksize
        self.on_piece_started = on_piece_started
        self.on_error = on_error
        self.muted = False
        self._stream: AudioStream | None = None
        self._rate = 0
        self._lock = threading.Lock()
        self._queue: collections.deque[tuple[Piece, np.ndarray]] = collections.deque()
        self._current: tuple[Piece, np.ndarray] | None = None
        self._pos = 0
        self._done_offset = 0
        self._idle = threading.Event()
        self._idle.set()
        self.first_sound_at: float | None = None  # monotonic time the first sample went out
        self.error: str | None = None

    def _ensure_stream(self, rate: int) -> None:
        if self._stream is not None and self._rate == rate:
            return
        self.close()
        self._rate = rate
        self.error = None
        self._stream = self.backend.open_output(device=self.device, samplerate=rate, blocksize=self.blocksize,
                                                fill=self._fill, on_error=self._lost)

    def _lost(self, message: str) -> None:
        self.error = message
        with self._lock:
            self._queue.clear()
            self._current = None
            self._idle.set()
        self._stream = None
        if self.on_error:
            self.on_error(message)

    def enqueue(self, piece: Piece, audio: np.ndarray, rate: int) -> None:
        self._ensure_stream(rate)
        with self._lock:
            self._queue.append((piece, np.asarray(audio, dtype=np.float32)))
            self._idle.clear()

    def _fill(self, n: int) -> np.ndarray:  # PortAudio's thread
        out = np.zeros(n, np.float32)
        filled = 0
        started: list[Piece] = []
        with self._lock:
            while filled < n:
                if self._current is None:
                    if not self._queue:
                        self._idle.set()
                        break
                    self._current = self._queue.popleft()
                    self._pos = 0
                    started.append(self._current[0])
                piece, audio = self._current
                take = min(n - filled, len(audio) - self._pos)
                if not self.muted:
                    out[filled:filled + take] = audio[self._pos:self._pos + take]
                self._pos += take
                filled += take
                if self._pos >= len(audio):
                    self._done_offset = piece.end
                    self._current = None
        if filled and self.first_sound_at is None:
            self.first_sound_at = time.monotonic()
        for p in started:
            if self.on_piece_started:
                self.on_piece_started(p)
        return out

    def stop(self) -> int:
        """Silence now; returns the offset reached (see spoken_offset)."""
        with self._lock:
            offset = self._offset_locked()
            self._queue.clear()
            self._current = None
            self._idle.set()
        return offset

    def _offset_locked(self) -> int:
        if self._current is None:
            return self._done_offset
        piece, audio = self._current
        return snap_back_to_word(piece, self._pos / max(1, len(audio)))

    def spoken_offset(self) -> int:
        with self._lock:
            return self._offset_locked()

    def busy(self) -> bool:
        return not self._idle.is_set()

    def wait_idle(self, timeout: float | None = None) -> bool:
        return self._idle.wait(timeout)

    def new_reply(self) -> None:
        with self._lock:
            self._done_offset = 0
            self.first_sound_at = None

    def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.close()


class CollectingPlayer:
    """No device: audio is kept (for --reply-audio) and counts as spoken when queued."""

    def __init__(self, on_piece_started: Callable[[Piece], None] | None = None) -> None:
        self.muted = False
        self.on_piece_started = on_piece_started
        self.audio: list[np.ndarray] = []
        self.rate = 0
        self._done_offset = 0
        self.first_sound_at: float | None = None
        self.error: str | None = None

    def enqueue(self, piece: Piece, audio: np.ndarray, rate: int) -> None:
        if self.first_sound_at is None:
            self.first_sound_at = time.monotonic()
        self.rate = rate
        self.audio.append(np.asarray(audio, dtype=np.float32))
        self._done_offset = piece.end
        if self.on_piece_started:
            self.on_piece_started(piece)

    def stop(self) -> int:
        return self._done_offset

    def spoken_offset(self) -> int:
        return self._done_offset

    def busy(self) -> bool:
        return False

    def wait_idle(self, timeout: float | None = None) -> bool:
        return True

    def new_reply(self) -> None:
        self._done_offset = 0
        self.first_sound_at = None
        self.audio = []

    def close(self) -> None:
        pass

    def joined(self) -> np.ndarray:
        if not self.audio:
            return np.zeros(0, np.float32)
        gap = np.zeros(int(0.15 * (self.rate or 22050)), np.float32)
        out = []
        for a in self.audio:
            out += [a, gap]
        return np.concatenate(out[:-1])
