"""Speech to text with faster-whisper on the CPU, from local model folders only.

Settings chosen for two cores: int8, English, no timestamps, no
previous-text conditioning, no temperature fallback, and no built-in VAD
filter (we end-point ourselves). ``cpu_threads`` is fixed when the model loads
(see ``threads.py`` for the budget).

Beam search with 5 beams (whisper's own default), not greedy: on the bench's
counsellor utterances it lowers tiny.en's word error rate by about a third,
and greedy decoding without the fallback sometimes falls into a repetition
loop ("left, left, left, …" for a whole window), which costs seconds as well
as words. Its price is about a fifth more recognition time (see docs/voice.md).

Context: ``transcribe(audio, prompt=...)`` hands whisper the text said just
before (the app passes the client's last reply) as ``initial_prompt``. Whisper
was trained with the preceding transcript in that slot, so it reads the
counsellor's words as the next line of a conversation: it keeps that text's
way of writing (punctuation, numbers in words) and leans towards its words.
On the bench it lowers the word error rate (docs/voice.md). Only the last
``PROMPT_WORDS`` words are passed: each prompt token is one more decoder
position on every step.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from clientsim import paths
from clientsim.core.errors import ModelError
from clientsim.voice.wavio import SAMPLE_RATE

MODEL_DIRS = {"tiny.en": "whisper-tiny.en", "base": "whisper-base"}
DEFAULT_STT = "tiny.en"
PROMPT_WORDS = 40
BEAM_SIZE = 5


def find_whisper_dir(name: str = DEFAULT_STT) -> Path:
    """A CTranslate2 whisper folder: a known short name (tiny.en, base) or a path."""
    p = Path(name).expanduser()
    if p.is_dir() and (p / "model.bin").exists():
        return p
    folder = MODEL_DIRS.get(name, name if name.startswith("whisper-") else f"whisper-{name}")
    for base in paths.model_dirs():
        d = base / folder
        if (d / "model.bin").exists():
            return d
    raise ModelError(f"The speech recognition model '{name}' is not installed.",
                     hint="Run `clientsim models fetch` or put a faster-whisper (CTranslate2) folder named "
                     f"{folder} into {paths.user_models_dir()}.")


def prompt_tail(text: str | None, words: int = PROMPT_WORDS) -> str | None:
    """The last ``words`` words of ``text``, or None when there is nothing to say."""
    tail = " ".join((text or "").split()[-words:])
    return tail or None


@dataclass(frozen=True)
class Word:
    text: str  # as written, punctuation included
    start: float  # seconds from the start of the audio recognised
    end: float


@dataclass(frozen=True)
class Recognition:
    text: str
    seconds: float  # wall time of recognition (for a streamed utterance: what was left after its end)
    audio_seconds: float
    words: tuple[Word, ...] = ()  # only when asked for (``word_timestamps=True``)
    passes: int = 1  # whisper passes over this utterance (streamed: during speech and after)
    streamed: bool = False  # the text came from a pass made while the student was still (or just) speaking

    @property
    def rtf(self) -> float:
        """Real-time factor: seconds of work per second of audio (below 1 is faster than speech)."""
        return self.seconds / self.audio_seconds if self.audio_seconds else 0.0


class SpeechRecognizer:
    def __init__(self, model: str = DEFAULT_STT, *, cpu_threads: int = 2, beam_size: int = BEAM_SIZE) -> None:
        self.model_name = model
        self.cpu_threads = cpu_threads
        self.beam_size = beam_size
        self.path = find_whisper_dir(model)
        self._model = None
        self._lock = threading.Lock()  # one pass at a time: the streaming thread and a recognise job share it
        # "base" is multilingual; we still fix English so it never guesses the language.
        self.language = "en"

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        if self._model is not None:
            return
        os.environ["HF_HUB_OFFLINE"] = "1"  # a local folder path never needs a hub; make sure of it
        from faster_whisper import WhisperModel

        try:
            self._model = WhisperModel(str(self.path), device="cpu", compute_type="int8",
                                       cpu_threads=self.cpu_threads, num_workers=1, local_files_only=True)
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelError(f"The speech model in {self.path} could not be loaded: {exc}",
                             hint="Run `clientsim models fetch` to restore it.") from exc

    def transcribe(self, audio: np.ndarray, prompt: str | None = None, *,
                   word_timestamps: bool = False) -> Recognition:
        """``prompt``: what was said just before this audio (the client's last reply), or None.

        ``word_timestamps``: also where each word ends (an extra alignment step, ~0.2 s on tiny.en;
        the streaming recogniser asks for it only on long utterances, to drop audio it has settled).
        """
        self.load()
        audio = np.asarray(audio, dtype=np.float32)
        with self._lock:
            t0 = time.perf_counter()
            segments, _info = self._model.transcribe(
                audio, language=self.language, beam_size=self.beam_size, temperature=0.0,
                without_timestamps=True, vad_filter=False, condition_on_previous_text=False,
                initial_prompt=prompt_tail(prompt), word_timestamps=word_timestamps,
            )
            segments = list(segments)
            seconds = time.perf_counter() - t0
        text = " ".join(s.text.strip() for s in segments).strip()
        words = tuple(Word(w.word.strip(), float(w.start), float(w.end))
                      for s in segments for w in (s.words or ()) if w.word.strip()) if word_timestamps else ()
        return Recognition(text, seconds, len(audio) / SAMPLE_RATE, words)

    def warm(self) -> None:
        """One short pass so the first real turn does not pay for allocation."""
        self.transcribe(np.zeros(SAMPLE_RATE // 2, np.float32))
