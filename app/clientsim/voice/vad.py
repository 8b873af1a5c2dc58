"""Voice activity on short frames: is the student speaking now?

Silero VAD runs from the ONNX file that faster-whisper ships
(``faster_whisper/assets/silero_vad_v6.onnx``), with onnxruntime and no torch,
one frame (512 samples at 16 kHz = 32 ms) at a time, its recurrent state
carried between frames. Should that file or onnxruntime be missing, an energy
VAD (adaptive noise floor) stands in, and ``name`` says so.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

import numpy as np

from clientsim.voice.wavio import rms

log = logging.getLogger(__name__)

FRAME = 512  # samples per frame at 16 kHz
CONTEXT = 64  # samples of the previous frame the v5/v6 model sees


class Vad(Protocol):
    name: str

    def __call__(self, frame: np.ndarray) -> float: ...  # speech probability 0..1

    def reset(self) -> None: ...


def silero_model_path() -> Path | None:
    try:
        import faster_whisper
    except ImportError:
        return None
    p = Path(faster_whisper.__file__).parent / "assets" / "silero_vad_v6.onnx"
    return p if p.exists() else None


class SileroVad:
    name = "silero"

    def __init__(self, path: str | Path | None = None) -> None:
        import onnxruntime

        path = path or silero_model_path()
        if path is None:
            raise FileNotFoundError("silero_vad_v6.onnx not found")
        opts = onnxruntime.SessionOptions()
        opts.intra_op_num_threads = 1  # 32 ms frames are tiny; more threads only add overhead
        opts.inter_op_num_threads = 1
        opts.enable_cpu_mem_arena = False
        opts.log_severity_level = 4
        self._session = onnxruntime.InferenceSession(str(path), sess_options=opts,
                                                     providers=["CPUExecutionProvider"])
        self.reset()

    def reset(self) -> None:
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(CONTEXT, dtype=np.float32)

    def __call__(self, frame: np.ndarray) -> float:
        frame = np.asarray(frame, dtype=np.float32)
        if frame.shape[0] != FRAME:
            frame = np.pad(frame[:FRAME], (0, max(0, FRAME - frame.shape[0])))
        x = np.concatenate([self._context, frame])[None, :]
        out, self._h, self._c = self._session.run(None, {"input": x, "h": self._h, "c": self._c})
        self._context = frame[-CONTEXT:].copy()
        return float(np.asarray(out).reshape(-1)[0])


class EnergyVad:
    """Fallback: loudness well above a slowly tracked noise floor counts as speech."""

    name = "energy"

    def __init__(self, ratio: float = 4.0, min_level: float = 0.01) -> None:
        self.ratio = ratio
        self.min_level = min_level
        self.reset()

    def reset(self) -> None:
        self._floor = 0.003

    def __call__(self, frame: np.ndarray) -> float:
        level = rms(frame)
        speech = level > max(self.min_level, self._floor * self.ratio)
        if not speech:  # follow the room's noise, slowly
            self._floor = 0.95 * self._floor + 0.05 * level
        return 1.0 if speech else 0.0


def load_vad() -> Vad:
    try:
        return SileroVad()
    except Exception as exc:  # missing file or onnxruntime: still end-point, less well
        log.warning("Silero VAD unavailable (%s); using the energy VAD", exc)
        return EnergyVad()
