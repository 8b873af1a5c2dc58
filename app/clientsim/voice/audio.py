"""The sound device, passed in through constructors.

``AudioBackend`` is what the rest of voice needs from hardware: list devices,
open an input stream that calls back with frames, open an output stream that
asks for frames. ``SoundDeviceBackend`` does it with the ``sounddevice``
module. That module is imported lazily because it raises OSError on import
when the PortAudio library is missing; the module can also be passed in, which
is how tests run this very class on a fake device that plays WAV files.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Callable, Protocol

import numpy as np

from clientsim.voice.errors import DeviceLost, VoiceUnavailable

log = logging.getLogger(__name__)

FrameCallback = Callable[[np.ndarray], None]  # mono float32 frames
FillCallback = Callable[[int], np.ndarray]  # n frames wanted -> mono float32 of that length
ErrorCallback = Callable[[str], None]


@dataclass(frozen=True)
class AudioDevice:
    index: int
    name: str
    input_channels: int
    output_channels: int
    default_samplerate: float
    is_default_input: bool = False
    is_default_output: bool = False

    def label(self) -> str:
        return f"{self.name} (default)" if (self.is_default_input or self.is_default_output) else self.name


class AudioStream(Protocol):
    def stop(self) -> None: ...
    def close(self) -> None: ...


class AudioBackend(Protocol):
    def input_devices(self) -> list[AudioDevice]: ...

    def output_devices(self) -> list[AudioDevice]: ...

    def open_input(self, *, device: str | int | None, samplerate: int, blocksize: int,
                   on_frames: FrameCallback, on_error: ErrorCallback) -> AudioStream: ...

    def open_output(self, *, device: str | int | None, samplerate: int, blocksize: int,
                    fill: FillCallback, on_error: ErrorCallback) -> AudioStream: ...


class _Stream:
    """A started sounddevice stream; tells on_error if it ends without being asked to."""

    def __init__(self, sd_stream: Any, on_error: ErrorCallback, what: str) -> None:
        self._s = sd_stream
        self._on_error = on_error
        self._what = what
        self._stopping = threading.Event()

    def _finished(self) -> None:
        if not self._stopping.is_set():
            self._on_error(f"The {self._what} stopped working (was it unplugged?).")

    def stop(self) -> None:
        self._stopping.set()
        try:
            self._s.stop()
        except Exception as exc:  # a vanished device may refuse to stop; closing is what matters
            log.debug("stopping %s: %s", self._what, exc)

    def close(self) -> None:
        self.stop()
        try:
            self._s.close()
        except Exception as exc:
            log.debug("closing %s: %s", self._what, exc)


class SoundDeviceBackend:
    def __init__(self, sd: Any = None) -> None:
        self._sd_module = sd

    # -- the module ---------------------------------------------------------
    @property
    def sd(self) -> Any:
        if self._sd_module is None:
            try:
                import sounddevice  # noqa: PLC0415 - raises OSError without libportaudio
            except OSError as exc:
                raise VoiceUnavailable(
                    "Voice needs the PortAudio sound library, which is not installed.",
                    hint="On Debian/Ubuntu: sudo apt install libportaudio2. You can keep typing meanwhile.",
                ) from exc
            self._sd_module = sounddevice
        return self._sd_module

    def _port_audio_error(self) -> type[BaseException]:
        return getattr(self.sd, "PortAudioError", OSError)

    # -- devices ------------------------------------------------------------
    def _devices(self) -> list[AudioDevice]:
        sd = self.sd
        try:
            raw = list(sd.query_devices())
            default_in, default_out = _defaults(sd)
        except self._port_audio_error() as exc:
            raise VoiceUnavailable(f"The sound system could not list devices: {exc}") from exc
        out = []
        for i, d in enumerate(raw):
            idx = int(d.get("index", i))
            out.append(AudioDevice(idx, str(d["name"]), int(d["max_input_channels"]),
                                   int(d["max_output_channels"]), float(d["default_samplerate"]),
                                   idx == default_in, idx == default_out))
        return out

    def input_devices(self) -> list[AudioDevice]:
        return [d for d in self._devices() if d.input_channels > 0]

    def output_devices(self) -> list[AudioDevice]:
        return [d for d in self._devices() if d.output_channels > 0]

    # -- streams ------------------------------------------------------------
    def open_input(self, *, device, samplerate, blocksize, on_frames, on_error) -> AudioStream:
        sd = self.sd
        if not self.input_devices():
            raise VoiceUnavailable("No microphone was found.",
                                   hint="Plug one in and press Retry. You can keep typing meanwhile.")
        holder: dict[str, _Stream] = {}

        def callback(indata, frames, time_info, status):  # PortAudio's thread: be quick
            if status:
                log.debug("input status: %s", status)
            on_frames(np.asarray(indata[:, 0], dtype=np.float32).copy())

        def open_at(rate: int, cb) -> None:
            s = sd.InputStream(device=device, samplerate=rate, blocksize=blocksize * rate // samplerate,
                               channels=1, dtype="float32", callback=cb,
                               finished_callback=lambda: holder["s"]._finished())
            holder["s"] = _Stream(s, on_error, "microphone")
            s.start()

        try:
            try:
                open_at(samplerate, callback)
            except self._port_audio_error():
                # Some hardware devices refuse 16 kHz: record at their own rate and resample.
                native = int(sd.query_devices(device, "input")["default_samplerate"])
                if native == samplerate:
                    raise
                open_at(native, _resampling(callback, native, samplerate))
        except self._port_audio_error() as exc:
            raise DeviceLost(f"The microphone could not be opened: {exc}") from exc
        except ValueError as exc:  # unknown device name
            raise DeviceLost(f"The microphone {device!r} is not available: {exc}") from exc
        return holder["s"]

    def open_output(self, *, device, samplerate, blocksize, fill, on_error) -> AudioStream:
        sd = self.sd
        if not self.output_devices():
            raise VoiceUnavailable("No speaker or headphones were found.",
                                   hint="The client's replies are shown as text. Plug in headphones and press Retry.")
        holder: dict[str, _Stream] = {}

        def callback(outdata, frames, time_info, status):
            if status:
                log.debug("output status: %s", status)
            outdata[:, 0] = fill(frames)

        try:
            s = sd.OutputStream(device=device, samplerate=samplerate, blocksize=blocksize, channels=1,
                                dtype="float32", callback=callback,
                                finished_callback=lambda: holder["s"]._finished())
            holder["s"] = _Stream(s, on_error, "speaker")
            s.start()
        except self._port_audio_error() as exc:
            raise DeviceLost(f"The speaker could not be opened: {exc}") from exc
        except ValueError as exc:
            raise DeviceLost(f"The speaker {device!r} is not available: {exc}") from exc
        return holder["s"]


def _resampling(callback, rate_in: int, rate_out: int):
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(rate_in, rate_out)
    up, down = rate_out // g, rate_in // g

    def cb(indata, frames, time_info, status):
        y = resample_poly(np.asarray(indata[:, 0], dtype=np.float32), up, down).astype(np.float32)
        callback(y[:, None], len(y), time_info, status)

    return cb


def _defaults(sd: Any) -> tuple[int, int]:
    try:
        d = sd.default.device
        return int(d[0]), int(d[1])
    except (AttributeError, TypeError, IndexError, ValueError):
        return -1, -1


class NoAudioBackend:
    """No devices at all: for the CLI working from WAV files, and when voice is switched off."""

    def input_devices(self) -> list[AudioDevice]:
        return []

    def output_devices(self) -> list[AudioDevice]:
        return []

    def open_input(self, **_) -> AudioStream:
        raise VoiceUnavailable("No microphone in this mode.")

    def open_output(self, **_) -> AudioStream:
        raise VoiceUnavailable("No speaker in this mode.")
