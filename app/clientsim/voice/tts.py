"""Text to speech with piper, in-process.

PiperVoice.load() gives onnxruntime its default thread count (all cores),
which would fight the LLM for both cores while the reply is being written;
we build the session ourselves with ``intra_op_num_threads`` from the budget.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np

from clientsim.core.errors import ModelError
from clientsim.voice.voices import DEFAULT_VOICE, VoiceFile, find_voice


@dataclass(frozen=True)
class VoiceStyle:
    """How a persona sounds: piper's scales (persona.voice in personas/model.py)."""

    id: str = DEFAULT_VOICE
    length_scale: float = 1.0
    noise_scale: float = 0.667
    noise_w: float = 0.8

    @classmethod
    def of(cls, persona_voice) -> "VoiceStyle":
        if persona_voice is None:
            return cls()
        return cls(persona_voice.id, float(persona_voice.length_scale), float(persona_voice.noise_scale),
                   float(persona_voice.noise_w))


@dataclass(frozen=True)
class Speech:
    audio: np.ndarray  # float32 mono
    rate: int
    seconds: float  # wall time of synthesis

    @property
    def audio_seconds(self) -> float:
        return len(self.audio) / self.rate

    @property
    def rtf(self) -> float:
        return self.seconds / self.audio_seconds if len(self.audio) else 0.0


class SpeechSynthesizer:
    def __init__(self, *, threads: int = 1) -> None:
        self.threads = threads
        self._voices: dict[str, object] = {}
        self._files: dict[str, VoiceFile] = {}
        self._lock = threading.Lock()  # one synthesis at a time; onnxruntime sessions are shared

    def load(self, voice_id: str = DEFAULT_VOICE):
        with self._lock:
            return self._load(voice_id)

    def _load(self, voice_id: str):
        if voice_id in self._voices:
            return self._voices[voice_id]
        vf = find_voice(voice_id)
        import onnxruntime
        from piper import PiperVoice
        from piper.config import PiperConfig
        import json

        opts = onnxruntime.SessionOptions()
        opts.intra_op_num_threads = self.threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        # The arena keeps the largest sentence's buffers for good (~150 MB); without it memory is given back.
        opts.enable_cpu_mem_arena = False
        try:
            session = onnxruntime.InferenceSession(str(vf.path), sess_options=opts,
                                                   providers=["CPUExecutionProvider"])
            config = PiperConfig.from_dict(json.loads(vf.config_path.read_text(encoding="utf-8")))
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ModelError(f"The voice {vf.path} could not be loaded: {exc}",
                             hint="Replace the .onnx/.onnx.json pair, or choose another voice.") from exc
        voice = PiperVoice(session=session, config=config)
        self._voices[voice_id] = voice
        self._files[voice_id] = vf
        return voice

    def sample_rate(self, voice_id: str = DEFAULT_VOICE) -> int:
        self.load(voice_id)
        return self._files[voice_id].sample_rate

    def synthesize(self, text: str, style: VoiceStyle = VoiceStyle()) -> Speech:
        from piper import SynthesisConfig

        cfg = SynthesisConfig(length_scale=style.length_scale, noise_scale=style.noise_scale,
                              noise_w_scale=style.noise_w)
        with self._lock:
            voice = self._load(style.id)
            rate = self._files[style.id].sample_rate
            t0 = time.perf_counter()
            parts = [c.audio_float_array for c in voice.synthesize(text, syn_config=cfg)]
            seconds = time.perf_counter() - t0
        audio = np.concatenate(parts).astype(np.float32) if parts else np.zeros(0, np.float32)
        return Speech(audio, rate, seconds)

    def warm(self, style: VoiceStyle = VoiceStyle()) -> None:
        self.synthesize("Hello.", style)
