"""A microphone that speaks WAV audio in real time, for `clientsim bench voice` hands-free turns.

``WavMicrophone`` is an ``AudioBackend`` with one input device and no output
(replies are collected, as with ``NoAudioBackend``). Its input stream calls
back every 32 ms, like a sound card, with the queued clips and faint noise in
between, so the pipeline's own capture thread, VAD, end-pointer and streaming
recogniser run exactly as they do on a real microphone.
"""

from __future__ import annotations

import threading
import time
from collections import deque

import numpy as np

from clientsim.voice.audio import AudioDevice, NoAudioBackend
from clientsim.voice.wavio import SAMPLE_RATE


class _WavStream:
    def __init__(self, mic: "WavMicrophone", blocksize: int, on_frames) -> None:
        self.mic = mic
        self.blocksize = blocksize
        self.on_frames = on_frames
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="clientsim-wavmic", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        period = self.blocksize / SAMPLE_RATE
        next_t = time.monotonic()
        while not self._stop.is_set():
            self.on_frames(self.mic._block(self.blocksize))
            next_t += period
            delay = next_t - time.monotonic()
            if delay > 0:
                self._stop.wait(delay)

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=2)


class WavMicrophone(NoAudioBackend):
    def __init__(self, noise: float = 0.002, seed: int = 0) -> None:
        self.noise = noise
        self._rng = np.random.default_rng(seed)
        self._clips: deque[np.ndarray] = deque()
        self._pos = 0
        self._lock = threading.Lock()
        self.spoken_at: float | None = None  # monotonic time the last queued clip's last sample went in

    def input_devices(self) -> list[AudioDevice]:
        return [AudioDevice(0, "WAV files", 1, 0, float(SAMPLE_RATE), is_default_input=True)]

    def open_input(self, *, device=None, samplerate=SAMPLE_RATE, blocksize=512, on_frames=None, on_error=None):
        if samplerate != SAMPLE_RATE:
            raise ValueError("WavMicrophone runs at 16 kHz only")
        return _WavStream(self, blocksize, on_frames)

    def say(self, audio: np.ndarray) -> None:
        """Queue 16 kHz mono audio; it goes into the microphone in real time after what is queued."""
        with self._lock:
            self._clips.append(np.asarray(audio, np.float32))
            self.spoken_at = None

    @property
    def saying(self) -> bool:
        with self._lock:
            return bool(self._clips)

    def _block(self, n: int) -> np.ndarray:
        out = self._rng.normal(0, self.noise, n).astype(np.float32) if self.noise else np.zeros(n, np.float32)
        filled = 0
        with self._lock:
            while filled < n and self._clips:
                clip = self._clips[0]
                take = min(n - filled, len(clip) - self._pos)
                out[filled:filled + take] += clip[self._pos:self._pos + take]
                filled += take
                self._pos += take
                if self._pos >= len(clip):
                    self._clips.popleft()
                    self._pos = 0
                    if not self._clips:
                        self.spoken_at = time.monotonic()
        return out
