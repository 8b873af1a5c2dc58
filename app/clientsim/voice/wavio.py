"""WAV files in and out; everything inside voice is mono float32 in [-1, 1]."""

from __future__ import annotations

import wave
from math import gcd
from pathlib import Path

import numpy as np

from clientsim.core.errors import UserError

SAMPLE_RATE = 16_000  # what the VAD and whisper expect


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """Samples (mono float32) and sample rate of a PCM WAV file."""
    try:
        with wave.open(str(path), "rb") as w:
            rate, width, channels = w.getframerate(), w.getsampwidth(), w.getnchannels()
            raw = w.readframes(w.getnframes())
    except (OSError, wave.Error, EOFError) as exc:
        raise UserError(f"Cannot read {path} as a WAV file: {exc}",
                        hint="Give a PCM WAV file (16-bit is best).") from exc
    if width == 2:
        x = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    elif width == 4:
        x = np.frombuffer(raw, dtype="<i4").astype(np.float32) / 2147483648.0
    elif width == 1:
        x = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    else:
        raise UserError(f"{path}: {8 * width}-bit samples are not supported.", hint="Use 16-bit PCM WAV.")
    if channels > 1:
        x = x.reshape(-1, channels).mean(axis=1)
    return x, rate


def resample(x: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    if rate_in == rate_out:
        return np.asarray(x, dtype=np.float32)
    from scipy.signal import resample_poly

    g = gcd(rate_in, rate_out)
    return resample_poly(x, rate_out // g, rate_in // g).astype(np.float32)


def read_wav_16k(path: str | Path) -> np.ndarray:
    x, rate = read_wav(path)
    return resample(x, rate, SAMPLE_RATE)


def write_wav(path: str | Path, x: np.ndarray, rate: int) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pcm = (np.clip(np.asarray(x, dtype=np.float32), -1.0, 1.0) * 32767.0).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(int(rate))
        w.writeframes(pcm.tobytes())
    return path


def rms(frame: np.ndarray) -> float:
    if frame.size == 0:
        return 0.0
    return float(np.sqrt(np.mean(np.square(frame, dtype=np.float64))))
