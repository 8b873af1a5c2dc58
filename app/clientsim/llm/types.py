"""What every chat engine shares: the model it runs, sampling settings and per-reply figures.

Used by the local engine (llm/engine.py) and the lab-server engine (llm/remote.py) alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from clientsim.models.gguf import human_params


@dataclass(frozen=True)
class ModelInfo:
    name: str
    path: Path
    size_bytes: int
    n_params: int
    quantization: str
    context_length: int | None
    n_ctx: int
    n_threads: int

    def to_dict(self) -> dict:
        return {"name": self.name, "file": self.path.name, "size_bytes": self.size_bytes,
                "n_params": self.n_params, "quantization": self.quantization,
                "context_length": self.context_length, "n_ctx": self.n_ctx, "n_threads": self.n_threads}

    def summary(self) -> str:
        return f"{self.name} ({human_params(self.n_params)}, {self.quantization})"


@dataclass
class GenerationStats:
    prompt_tokens: int = 0
    new_prompt_tokens: int = 0  # tokens actually evaluated (after the cached prefix)
    completion_tokens: int = 0
    prompt_s: float = 0.0  # call start -> the prompt evaluated up to its last token (the rest of ttft: that token, sampling)
    ttft_s: float = 0.0  # call start -> first token
    gen_s: float = 0.0  # first token -> last token
    stopped_by: str = ""  # eog | max_tokens | cancelled | caller

    @property
    def tok_per_s(self) -> float:
        return (self.completion_tokens - 1) / self.gen_s if self.completion_tokens > 1 and self.gen_s > 0 else 0.0


@dataclass
class SamplingParams:
    temperature: float = 0.7
    top_p: float = 0.9
    top_k: int = 40
    min_p: float = 0.05
    repeat_penalty: float = 1.1
    max_tokens: int = 160
    seed: int | None = None
