"""A stand-in for the ``sounddevice`` module: real WAV files go into the microphone,
what would reach the speaker is recorded. Like Buzz's tests/mock_sounddevice.py.

Pass it to ``SoundDeviceBackend(FakeSoundDevice(...))``: the app's own backend
code runs unchanged on top of it. Streams run on threads at ``speed`` times
real time (1.0 = real time), calling back with the block sizes asked for. An
output stream whose thread ran late goes on from the present, as a sound card
does; it never plays what it missed faster than real time.

Test controls:
- ``say(path_or_array)``: queue speech into the microphone (silence with a
  little noise is sent between and after clips)
- ``wait_said(timeout)``: until every queued clip has gone into the microphone
- ``unplug()``: every open stream ends as a removed device's would
  (finished_callback, no more callbacks); later opens raise PortAudioError
- ``played()``: everything the output streams were given, as one array
"""

from __future__ import annotations

import threading
import time
from collections import deque
from pathlib import Path

import numpy as np

from clientsim.voice.wavio import read_wav, resample


class PortAudioError(Exception):
    pass


class CallbackFlags:
    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "CallbackFlags()"


LATE_BLOCKS = 2  # an output stream this many blocks late starts again from now


class _Default:
    def __init__(self) -> None:
        self.device = [0, 1]


class _FakeStream:
    def __init__(self, fake: "FakeSoundDevice", kind: str, *, samplerate, blocksize, channels, dtype,
                 callback, finished_callback=None, device=None, **_) -> None:
        if fake.unplugged:
            raise PortAudioError("Device unavailable [PaErrorCode -9985]")
        if device is not None and fake._find(device, kind) is None:
            raise ValueError(f"No {kind} device matching {device!r}")
        if samplerate not in fake.supported_rates:
            raise PortAudioError(f"Invalid sample rate [PaErrorCode -9997]: {samplerate}")
        self.fake = fake
        self.kind = kind
        self.samplerate = int(samplerate)
        self.blocksize = int(blocksize or 512)
        self.channels = channels
        self.callback = callback
        self.finished_callback = finished_callback
        self.active = False
        self.closed = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.fake.unplugged:
            raise PortAudioError("Device unavailable [PaErrorCode -9985]")
        self.active = True
        self._stop.clear()
        self.fake._streams.append(self)
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"fake-{self.kind}")
        self._thread.start()

    def _run(self) -> None:
        period = self.blocksize / self.samplerate / self.fake.speed
        next_t = time.monotonic()
        while not self._stop.is_set():
            if self.fake.unplugged:
                break
            if self.kind == "input":
                block = self.fake._mic_block(self.blocksize, self.samplerate)
                self.callback(block.reshape(-1, 1), self.blocksize, None, CallbackFlags())
            else:
                out = np.zeros((self.blocksize, self.channels), np.float32)
                self.callback(out, self.blocksize, None, CallbackFlags())
                self.fake._record(out[:, 0].copy(), self.samplerate)
            next_t += period
            delay = next_t - time.monotonic()
            if delay > 0:
                self._stop.wait(delay)
            elif self.kind == "output" and delay < -LATE_BLOCKS * period:
                # A late output callback (a busy machine) is a gap on a sound card, which plays at its own
                # pace: catching up here would play the backlog faster than real time, and a whole reply
                # could be "heard" before the UI thread could cut in. A microphone's backlog does arrive
                # in a burst, so input keeps catching up.
                next_t = time.monotonic()
        self.active = False
        if self.fake.unplugged and not self._stop.is_set() and self.finished_callback:
            self.finished_callback()

    def stop(self) -> None:
        if self.fake.unplugged and self.active:
            raise PortAudioError("Stream is not active (device removed)")
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
        self.active = False

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
        self.active = False
        self.closed = True
        if self in self.fake._streams:
            self.fake._streams.remove(self)


class FakeSoundDevice:
    PortAudioError = PortAudioError
    CallbackFlags = CallbackFlags

    def __init__(self, *, speed: float = 1.0, inputs=("Fake USB Microphone",), outputs=("Fake Headphones",),
                 supported_rates=(16000, 22050, 44100, 48000), noise: float = 0.002, seed: int = 0) -> None:
        self.speed = speed
        self.supported_rates = tuple(supported_rates)
        self.default = _Default()
        self.unplugged = False
        self.noise = noise
        self._rng = np.random.default_rng(seed)
        self._devices = ([{"name": n, "max_input_channels": 1, "max_output_channels": 0} for n in inputs]
                         + [{"name": n, "max_input_channels": 0, "max_output_channels": 2} for n in outputs])
        for i, d in enumerate(self._devices):
            d.update(index=i, default_samplerate=48000.0, hostapi=0)
        self.default.device = [0 if inputs else -1, len(inputs) if outputs else -1]
        self._clips: deque[np.ndarray] = deque()  # at 16 kHz
        self._clip_pos = 0
        self._clips_lock = threading.Lock()
        self._said = threading.Event()
        self._said.set()
        self._streams: list[_FakeStream] = []
        self._played: list[tuple[float, np.ndarray, int]] = []  # (time, block, rate)
        self.InputStream = lambda **kw: _FakeStream(self, "input", **kw)
        self.OutputStream = lambda **kw: _FakeStream(self, "output", **kw)

    # -- the sounddevice API used by the app ----------------------------------------
    def query_devices(self, device=None, kind=None):
        if self.unplugged:
            return [] if device is None and kind is None else self._lookup_or_raise(None, kind)
        if device is None and kind is None:
            return list(self._devices)
        return self._lookup_or_raise(device, kind)

    def _lookup_or_raise(self, device, kind):
        if device is None:
            idx = self.default.device[0 if kind == "input" else 1]
            if idx < 0 or self.unplugged:
                raise PortAudioError(f"No default {kind} device")
            return self._devices[idx]
        d = self._find(device, kind)
        if d is None:
            raise ValueError(f"No {kind} device matching {device!r}")
        return d

    def _find(self, device, kind):
        if self.unplugged:
            return None
        key = "max_input_channels" if kind == "input" else "max_output_channels"
        for d in self._devices:
            if d[key] > 0 and (d["index"] == device or (isinstance(device, str) and device in d["name"])):
                return d
        return None

    # -- test controls ----------------------------------------------------------------
    def say(self, clip, rate: int = 16000) -> None:
        if isinstance(clip, (str, Path)):
            x, r = read_wav(clip)
            clip = resample(x, r, 16000)
        elif rate != 16000:
            clip = resample(clip, rate, 16000)
        with self._clips_lock:
            self._clips.append(np.asarray(clip, np.float32))
            self._said.clear()

    def wait_said(self, timeout: float = 30.0) -> bool:
        return self._said.wait(timeout)

    def clear_mic(self) -> None:
        """Drop what was queued for the microphone and not yet sent."""
        with self._clips_lock:
            self._clips.clear()
            self._clip_pos = 0
            self._said.set()

    def unplug(self) -> None:
        self.unplugged = True

    def plug_in(self) -> None:
        self.unplugged = False

    def played(self, rate: int | None = None) -> np.ndarray:
        blocks = [b for _, b, r in list(self._played) if rate is None or r == rate]
        return np.concatenate(blocks) if blocks else np.zeros(0, np.float32)

    def sound_played_seconds(self, threshold: float = 1e-3) -> float:
        """Seconds of non-silent output so far (the client's voice reaching the speaker)."""
        total = 0.0
        for _, b, r in list(self._played):
            if np.max(np.abs(b)) > threshold:
                total += len(b) / r
        return total

    # -- stream internals ---------------------------------------------------------------
    def _mic_block(self, n: int, rate: int) -> np.ndarray:
        n16 = int(round(n * 16000 / rate))
        out = self._rng.normal(0, self.noise, n16).astype(np.float32) if self.noise else np.zeros(n16, np.float32)
        filled = 0
        with self._clips_lock:
            while filled < n16 and self._clips:
                clip = self._clips[0]
                take = min(n16 - filled, len(clip) - self._clip_pos)
                out[filled:filled + take] += clip[self._clip_pos:self._clip_pos + take]
                filled += take
                self._clip_pos += take
                if self._clip_pos >= len(clip):
                    self._clips.popleft()
                    self._clip_pos = 0
            if not self._clips:
                self._said.set()
        return out if rate == 16000 else resample(out, 16000, rate)[:n]

    def _record(self, block: np.ndarray, rate: int) -> None:
        self._played.append((time.monotonic(), block, rate))
