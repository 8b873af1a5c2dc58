"""Load and warm every model at session start, with progress, so the first turn is not slow."""

from __future__ import annotations

from dataclasses import dataclass

from clientsim.core.jobs import JobState
from clientsim.voice.stt import SpeechRecognizer
from clientsim.voice.tts import SpeechSynthesizer, VoiceStyle
from clientsim.voice.vad import Vad, load_vad


@dataclass
class WarmModels:
    stt: SpeechRecognizer
    tts: SpeechSynthesizer | None
    vad: Vad
    engine: object | None = None


def warm_up(state: JobState, *, stt: SpeechRecognizer, tts: SpeechSynthesizer | None = None,
            style: VoiceStyle = VoiceStyle(), vad: Vad | None = None, engine=None,
            prime_messages: list[dict] | None = None) -> WarmModels:
    """Loads VAD, whisper, piper and (if given) the LLM; each gets one tiny run.

    ``prime_messages``: the session's opening messages; if the engine can
    ``prime()`` them, the system prompt's KV cache is filled now rather than
    on the student's first turn.
    """
    steps = 3 + (1 if tts is not None else 0) + (1 if engine is not None else 0)
    done = 0

    def step(msg: str) -> None:
        nonlocal done
        state.check()
        state.progress(done / steps, msg)
        done += 1

    step("Loading voice activity detector…")
    vad = vad or load_vad()
    import numpy as np

    vad(np.zeros(512, np.float32))
    vad.reset()
    step(f"Loading speech recognition ({stt.model_name})…")
    stt.load()
    step("Warming up speech recognition…")
    stt.warm()
    if tts is not None:
        step(f"Loading the client's voice ({style.id})…")
        tts.warm(style)
    if engine is not None:
        step("Loading the client model…")
        engine.load()
        if prime_messages and hasattr(engine, "prime"):
            engine.prime(prime_messages)
    state.progress(1.0, "Ready")
    return WarmModels(stt, tts, vad, engine)
