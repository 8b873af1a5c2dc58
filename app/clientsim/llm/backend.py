"""ChatEngine: the one small interface the client, the judge and the benches use.

Two implementations: `LlmEngine` (llm/engine.py, a GGUF model in this
process through llama-cpp-python) and `RemoteEngine` (llm/remote.py, a lab
server that speaks the OpenAI chat-completions protocol: llama.cpp's
llama-server, vLLM, ...). Which one runs is decided in one place,
`clientsim.llm.choice.make_engine`; nothing else needs to know.

What the two do differently, and where callers may care:
- `prime` evaluates a prompt prefix into this process's KV cache; a server
  keeps its own per-slot cache (llama-server's cache_prompt), so `prime` is a
  no-op there and returns 0.
- `count_tokens` is exact locally and a conservative estimate remotely (the
  OpenAI protocol has no tokenizer endpoint), so the context-window budget
  errs on the safe side.
- `grammar` (GBNF text) is honoured by both llama.cpp backends; a server
  that ignores it still answers, and callers check the reply (the CTRS scorer
  does).
- Reading digit probabilities from logits (judge/ctrs/model_scorer.py) needs
  the local engine's `llama`; with a server the scorer asks for a reply.
"""

from __future__ import annotations

from typing import Iterator, Protocol, runtime_checkable

from clientsim.core.jobs import JobState
from clientsim.llm.types import GenerationStats, SamplingParams


@runtime_checkable
class ChatEngine(Protocol):
    kind: str  # "local" | "remote"
    last_stats: GenerationStats

    @property
    def loaded(self) -> bool: ...

    @property
    def n_ctx(self) -> int: ...

    def load(self, state: JobState | None = None) -> "ChatEngine": ...

    def close(self) -> None: ...

    def label(self) -> str:
        """One line for people: which model, where."""

    def model_record(self) -> dict:
        """What a session stores about the model that played the client."""

    def count_tokens(self, messages: list[dict]) -> int: ...

    def prime(self, messages: list[dict], upto: str | None = None) -> int: ...

    def reset_cache(self) -> None: ...

    def stream_chat(self, messages: list[dict], params: SamplingParams | None = None, state: JobState | None = None,
                    grammar: str | None = None, opening: str = "") -> Iterator[str]: ...

    def chat(self, messages: list[dict], max_tokens: int = 256, temperature: float = 0.0, grammar: str | None = None,
             stop: list[str] | None = None, state: JobState | None = None, seed: int | None = None) -> str: ...
