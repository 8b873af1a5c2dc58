"""A voice practice session without a screen: persona + LLM + session + voice pipeline, warmed.

Shared by `clientsim speak` and `clientsim bench voice` so both run the very
pipeline the app runs.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from clientsim.core.jobs import JobState
from clientsim.voice.audio import AudioBackend, NoAudioBackend
from clientsim.voice.options import VoiceOptions
from clientsim.voice.pipeline import VoiceTurnPipeline
from clientsim.voice.replies import SessionReplies, session_reply_stream
from clientsim.voice.stt import SpeechRecognizer
from clientsim.voice.threads import ThreadBudget, thread_budget
from clientsim.voice.tts import SpeechSynthesizer, VoiceStyle
from clientsim.voice.warmup import warm_up


@dataclass
class VoicePractice:
    session: object
    engine: object
    pipeline: VoiceTurnPipeline
    replies: SessionReplies
    budget: ThreadBudget
    warm_s: float

    def close(self) -> None:
        self.pipeline.close()
        try:
            self.session.end()
        except Exception:
            pass


def stderr_progress(fraction: float, message: str) -> None:
    if message:
        print(f"[{fraction * 100:3.0f}%] {message}", file=sys.stderr, flush=True)


def open_voice_practice(persona_id: str, *, model: str | None = None, stt: str = "tiny.en", seed: int | None = 0,
                        db=None, llm_threads: int | None = None, backend: AudioBackend | None = None,
                        options: VoiceOptions | None = None, quiet: bool = False,
                        ctx: int = 4096, server=None) -> VoicePractice:
    """``server``: a ServerAddress (llm/remote.py) to use the lab server instead of this computer's model."""
    import time

    from clientsim.llm.choice import EngineChoice, make_engine
    from clientsim.personas import PersonaLibrary
    from clientsim.sessions.opener import open_practice
    from clientsim.storage import Database

    budget = thread_budget(llm=llm_threads)
    persona = PersonaLibrary.load().get(persona_id)
    style = VoiceStyle.of(persona.voice)
    recogniser = SpeechRecognizer(stt, cpu_threads=budget.stt)
    synth = SpeechSynthesizer(threads=budget.tts)
    choice = EngineChoice(model=model, threads=budget.llm, ctx=ctx, seed=seed, server=server)
    engine = make_engine(choice)
    state = JobState(on_progress=None if quiet else stderr_progress)
    t0 = time.perf_counter()
    warm = warm_up(state, stt=recogniser, tts=synth, style=style, engine=engine)
    db = db if db is not None else Database.open()
    session = open_practice(persona, choice, engine=engine, db=db, prime=False).session
    if not quiet:
        stderr_progress(1.0, "Reading the persona into the client model…")
    session.prime_now()
    warm_s = time.perf_counter() - t0
    opts = options or VoiceOptions(stt_model=stt)
    pipeline = VoiceTurnPipeline(recogniser, synth, backend or NoAudioBackend(), style=style, options=opts,
                                 vad=warm.vad, session_id=session.id)
    return VoicePractice(session, engine, pipeline, session_reply_stream(session), budget, warm_s)


def temporary_database(folder: Path):
    from clientsim.storage import Database

    return Database.open(Path(folder) / "voice.sqlite3")
