"""An open microphone: 512-sample frames in a queue, a level per frame, device loss noticed.

PortAudio calls back on its own thread; the callback only re-blocks samples
and puts them in a queue. Whoever reads ``frames()`` does the work (VAD,
recognition) on its own thread. A device that stops sending frames, or whose
stream ends without being asked to, raises ``DeviceLost`` from ``frames()``.
"""

from __future__ import annotations

import queue
import threading
from typing import Iterator

import numpy as np

from clientsim.voice.audio import AudioBackend, AudioStream
from clientsim.voice.errors import DeviceLost
from clientsim.voice.vad import FRAME
from clientsim.voice.wavio import SAMPLE_RATE

_LOST = object()


class Microphone:
    def __init__(self, backend: AudioBackend, device: str | int | None = None, *,
                 rate: int = SAMPLE_RATE, frame: int = FRAME, stall_s: float = 2.0) -> None:
        self.backend = backend
        self.device = device
        self.rate = rate
        self.frame = frame
        self.stall_s = stall_s  # no frames for this long means the device is gone
        self._q: queue.Queue = queue.Queue(maxsize=int(60 * rate / frame))  # a minute at most
        self._pending = np.zeros(0, np.float32)
        self._stream: AudioStream | None = None
        self._lost_message = ""
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return self._stream is not None

    def open(self) -> None:
        if self._stream is not None:
            return
        self._lost_message = ""
        self._pending = np.zeros(0, np.float32)
        self._stream = self.backend.open_input(device=self.device, samplerate=self.rate, blocksize=self.frame,
                                               on_frames=self._on_frames, on_error=self._on_error)

    def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.close()

    def _on_frames(self, samples: np.ndarray) -> None:
        with self._lock:
            buf = np.concatenate([self._pending, samples]) if self._pending.size else samples
            n = len(buf) // self.frame
            for i in range(n):
                try:
                    self._q.put_nowait(buf[i * self.frame:(i + 1) * self.frame])
                except queue.Full:  # nobody reading for a minute: drop the oldest audio
                    try:
                        self._q.get_nowait()
                    except queue.Empty:
                        pass
            self._pending = buf[n * self.frame:].copy()

    def _on_error(self, message: str) -> None:
        self._lost_message = message
        self._q.put(_LOST)

    def read(self, timeout: float | None = None) -> np.ndarray | None:
        """The next frame; None if none came within ``timeout`` (the caller decides what that means)."""
        try:
            item = self._q.get(timeout=timeout)
        except queue.Empty:
            return None
        if item is _LOST:
            self.close()
            raise DeviceLost(self._lost_message or "The microphone stopped working.")
        return item

    def frames(self, stop: threading.Event | None = None) -> Iterator[np.ndarray]:
        """Frames until ``stop`` is set; DeviceLost if the device goes quiet or away."""
        waited = 0.0
        while not (stop is not None and stop.is_set()):
            frame = self.read(timeout=0.1)
            if frame is None:
                waited += 0.1
                if waited >= self.stall_s:
                    self.close()
                    raise DeviceLost("The microphone stopped sending sound (was it unplugged?).")
                continue
            waited = 0.0
            yield frame

    def drain(self) -> None:
        while True:
            try:
                self._q.get_nowait()
            except queue.Empty:
                return
