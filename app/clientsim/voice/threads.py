"""How many CPU threads each model gets, so none starves the others.

On the 2-core machines students use, a turn runs in phases:

1. The student speaks: only the VAD runs (1 thread, ~0.2 ms per 32 ms frame).
2. End of speech: whisper recognises while the LLM is idle -> whisper gets
   every core (2).
3. The LLM writes the reply while piper speaks its first sentences: these two
   overlap, so piper gets 1 thread (onnxruntime intra_op_num_threads=1) and the
   LLM keeps ``llm`` threads. llama.cpp threads busy-wait, so LLM 2 + piper 1
   oversubscribes two cores by one thread; `clientsim bench voice
   --llm-threads 1` measures the other choice (figures in docs/voice.md).

The VAD keeps running during playback (for barge-in) on 1 thread; it is light.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class ThreadBudget:
    cores: int
    stt: int  # faster-whisper cpu_threads (LLM idle while it runs)
    tts: int  # piper onnxruntime intra-op threads (runs while the LLM writes)
    llm: int  # llama.cpp n_threads
    vad: int = 1

    def describe(self) -> str:
        return (f"{self.cores} cores: recognition {self.stt} threads, synthesis {self.tts}, "
                f"client LLM {self.llm}, VAD {self.vad}")


def thread_budget(cores: int | None = None, llm: int | None = None) -> ThreadBudget:
    cores = max(1, cores or os.cpu_count() or 1)
    if cores <= 2:
        return ThreadBudget(cores, stt=cores, tts=1, llm=llm or cores)
    if cores <= 4:
        return ThreadBudget(cores, stt=min(4, cores), tts=1, llm=llm or cores - 1)
    return ThreadBudget(cores, stt=4, tts=2, llm=llm or cores - 2)
