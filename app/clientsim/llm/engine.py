"""LlmEngine: one llama-cpp-python model, used by one thread at a time.

Why not `create_chat_completion`: the client needs to stop at any token, see
every token as it comes (character checks), and know exactly which tokens are
new. We format with the model's own chat template (from the GGUF), tokenize,
and drive `Llama.generate`, which keeps the KV cache and evaluates only the
tokens after the longest common prefix with the previous call. The persona
prompt therefore costs its evaluation once per session (see `prime`).
"""

from __future__ import annotations

import codecs
import os
import threading
import time
from pathlib import Path
from typing import Iterator

from clientsim.core.errors import ModelError
from clientsim.core.jobs import JobState
from clientsim.llm.types import GenerationStats, ModelInfo, SamplingParams
from clientsim.models.gguf import GgufHeader, check_model_file

CHATML = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


STABLE_PROBES = ("a", "I", "1", " ", "'", '"', "(", "é", "\n", "-")  # first characters a student's words may have


def default_threads() -> int:
    """Physical cores are what llama.cpp scales with; 2 on a student laptop."""
    return max(1, min(os.cpu_count() or 2, 8))


class LlmEngine:
    """A GGUF model in this process (the `ChatEngine` of llm/backend.py for "this computer")."""

    kind = "local"

    def __init__(self, model_path: Path | str, n_threads: int | None = None, n_ctx: int = 4096,
                 seed: int | None = 0, n_batch: int = 256) -> None:
        self.model_path = Path(model_path)
        self.n_threads = n_threads or default_threads()
        self.requested_ctx = n_ctx
        self.seed = seed
        self.n_batch = n_batch
        # Evaluating the student's words while they type (prime_draft): from `_base` (where the student's
        # next words start, set by prime(..., upto=...)) the prompt is evaluated in chunks of `draft_chunk`
        # tokens aligned at _base + k*draft_chunk, by the draft and at send alike, so a reply does not
        # depend on when the background evaluation ran (same seed, same reply). None: one batch, as before.
        self.draft_chunk: int | None = None
        self._base: int | None = None
        self.llama = None
        self.header: GgufHeader | None = None
        self._formatter = None
        self._grammars: dict[str, object] = {}
        self._lock = threading.RLock()
        self.last_stats = GenerationStats()

    # ---- loading -------------------------------------------------------
    @property
    def loaded(self) -> bool:
        return self.llama is not None

    def load(self, state: JobState | None = None) -> "LlmEngine":
        with self._lock:
            if self.llama is not None:
                return self
            self.header = check_model_file(self.model_path)
            self._warm_page_cache(state)
            try:
                from llama_cpp import Llama
            except ImportError as exc:  # pragma: no cover - install problem
                raise ModelError("llama-cpp-python is not installed.", hint="Run the set-up command from the README.") from exc
            n_ctx = min(self.requested_ctx, self.header.context_length or self.requested_ctx)
            if state:
                state.progress(0.9, "starting the model")
            try:
                self.llama = Llama(
                    model_path=str(self.model_path), n_ctx=n_ctx, n_threads=self.n_threads,
                    n_threads_batch=self.n_threads, n_batch=self.n_batch, n_ubatch=self.n_batch,
                    seed=self.seed if self.seed is not None else 0xFFFFFFFF, verbose=False,
                    # Read, not mapped: llama.cpp repacks most weights for this CPU into memory of its own,
                    # and the mapped file's pages stayed resident beside the copy (1.5B model: 1.89 GB
                    # resident mapped, 1.30 GB read; same speed, the file is in the page cache already)
                    use_mmap=False,
                )
            except Exception as exc:  # llama.cpp reports load failures as ValueError/RuntimeError
                raise ModelError(f"{self.model_path.name} could not be loaded: {exc}",
                                 hint="The file may be damaged or of an unsupported architecture. Run "
                                 "`clientsim models fetch`, or choose another model.") from exc
            self._formatter = self._make_formatter()
            if state:
                state.progress(1.0, "ready")
            return self

    def _warm_page_cache(self, state: JobState | None, chunk: int = 16 << 20) -> None:
        """Read the file once so loading shows real progress (disk is the slow part on a laptop)."""
        size = self.model_path.stat().st_size
        done = 0
        with self.model_path.open("rb", buffering=0) as f:
            while True:
                n = len(f.read(chunk))
                if not n:
                    break
                done += n
                if state:
                    state.check()
                    state.progress(0.9 * done / size, f"reading {self.model_path.name}")

    def _make_formatter(self):
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        meta = self.llama.metadata or {}
        template = meta.get("tokenizer.chat_template") or CHATML
        model = self.llama._model
        eos_id, bos_id = self.llama.token_eos(), self.llama.token_bos()
        eos = model.token_get_text(eos_id) if eos_id >= 0 else ""
        bos = model.token_get_text(bos_id) if bos_id >= 0 else ""
        return Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos, stop_token_ids=[eos_id])

    def close(self) -> None:
        with self._lock:
            if self.llama is not None:
                self.llama.close()
                self.llama = None

    @property
    def info(self) -> ModelInfo:
        h = self.header or check_model_file(self.model_path)
        return ModelInfo(h.name, self.model_path, h.file_size, h.n_params, h.quantization, h.context_length,
                         self.n_ctx, self.n_threads)

    def label(self) -> str:
        return f"{self.model_path.name} on this computer"

    def model_record(self) -> dict:
        from clientsim.models.checksums import cached_sha256

        return self.info.to_dict() | {"sha256": cached_sha256(self.model_path, compute=False)}

    @property
    def n_ctx(self) -> int:
        return self.llama.n_ctx() if self.llama is not None else self.requested_ctx

    def _require(self):
        if self.llama is None:
            self.load()
        return self.llama

    # ---- tokens ---------------------------------------------------------
    def tokenize(self, text: str, special: bool = False) -> list[int]:
        with self._lock:  # llama.cpp's tokenizer is not safe to run from two threads at once
            return self._require().tokenize(text.encode("utf-8"), add_bos=False, special=special)

    def count_tokens(self, messages: list[dict]) -> int:
        return len(self.chat_tokens(messages))

    def chat_tokens(self, messages: list[dict], add_generation_prompt: bool = True, upto: str | None = None) -> list[int]:
        """The prompt for ``messages`` as tokens; with ``upto``, only the part before that marker.

        Under the engine's lock: the chat formatter is shared state (add_generation_prompt is set per
        call) and llama.cpp's tokenizer is not safe to run from two threads at once (a priming thread and
        the session thread building the next prompt).
        """
        with self._lock:
            return self._chat_tokens(messages, add_generation_prompt, upto)

    def _chat_tokens(self, messages: list[dict], add_generation_prompt: bool, upto: str | None) -> list[int]:
        prompt, add_bos = self._chat_prompt(messages, add_generation_prompt, upto)
        return self.llama.tokenize(prompt.encode("utf-8"), add_bos=add_bos, special=True)

    def _chat_prompt(self, messages: list[dict], add_generation_prompt: bool, upto: str | None) -> tuple[str, bool]:
        """The prompt text (cut before ``upto`` when given) and whether a BOS token goes first."""
        self._require()
        self._formatter.add_generation_prompt = add_generation_prompt
        try:
            result = self._formatter(messages=messages)
        except Exception:
            # templates without a system role (e.g. Gemma): fold it into the first user turn
            merged = _fold_system(messages)
            result = self._formatter(messages=merged)
        finally:
            self._formatter.add_generation_prompt = True
        prompt = result.prompt
        if upto is not None:
            cut = prompt.find(upto)
            prompt = prompt[:cut] if cut >= 0 else prompt
        return prompt, not result.added_special

    def _stable_length(self, prompt: str, add_bos: bool, tokens: list[int]) -> int:
        """How many of ``prompt``'s tokens stay the same whatever text follows it: a tokenizer may merge
        the last whitespace with the next word ("\n\n" + "It" -> "\n", "\nIt")."""
        from llama_cpp import Llama

        stable = len(tokens)
        for probe in STABLE_PROBES:
            more = self.llama.tokenize((prompt + probe).encode("utf-8"), add_bos=add_bos, special=True)
            stable = min(stable, Llama.longest_token_prefix(tokens, more))
        return stable

    def prime(self, messages: list[dict], upto: str | None = None) -> int:
        """Evaluate a prompt prefix now so the next reply only pays for the tokens after it.

        At session start that is the persona prompt; between turns (``upto``
        marks where the student's next words will go) it is also the last
        reply as stored and the template tokens that open the next message.
        Returns how many tokens were evaluated.
        """
        with self._lock:
            self._require()
            prompt, add_bos = self._chat_prompt(messages, False, upto)
            tokens = self.llama.tokenize(prompt.encode("utf-8"), add_bos=add_bos, special=True)
            self._base = None  # evaluated the way it always is, whatever a draft left in the cache
            n = self._extend_cache(tokens, len(tokens))
            self._base = self._stable_length(prompt, add_bos, tokens) if upto is not None else None
            return n

    def prime_draft(self, messages: list[dict], opening: str = "", state: JobState | None = None) -> int:
        """Evaluate the prompt the reply would get if the student sent their draft now, in whole aligned
        chunks (see draft_chunk), stopping at the chunk before the last token; cancellable between
        chunks. At send only the chunk where the final prompt departs from the draft and what follows
        are evaluated. Returns how many tokens were evaluated (0 when drafts are not evaluated)."""
        with self._lock:
            if self.draft_chunk is None or self._base is None:
                return 0
            self._require()
            tokens = self.chat_tokens(messages) + (self.tokenize(opening) if opening else [])
            end = self._aligned_end(len(tokens))
            if end is None or end <= self._base or tokens[:self._base] != self.llama._input_ids[:self._base].tolist():
                return 0
            return self._extend_cache(tokens, end, state)

    def _aligned_end(self, n: int) -> int | None:
        """With draft evaluation on: the last chunk boundary before a prompt of n tokens ends (the tail from
        there, last token included, is evaluated in one batch by generate). None when it is off."""
        if self.draft_chunk is None or self._base is None or n - 1 <= self._base:
            return None
        return self._base + (n - 1 - self._base) // self.draft_chunk * self.draft_chunk

    def reset_cache(self) -> None:
        """Forget every evaluated token: the next prompt is evaluated from its first token.

        A reply's last logits depend slightly on how its prompt's tokens were
        batched (llama.cpp's CPU kernels), and so on what the cache held
        before; a session replayed with the same seed from a reset cache gives
        the same replies (docs/client-prompt.md).
        """
        with self._lock:
            self._require().reset()
            self._base = None

    def _pieces(self, cached: int, end: int, state: JobState | None, chunk: int) -> list[tuple[int, int]]:
        """The [start, stop) pieces in which tokens cached..end are evaluated."""
        base, c = self._base, self.draft_chunk
        if c is not None and base is not None:
            head = [(cached, min(base, end))] if cached < base else []
            return head + [(p, min(p + c, end)) for p in range(max(cached, base), end, c)]
        if state is None:
            return [(cached, end)]  # nothing to cancel: one call, batched by llama.cpp itself
        return [(p, min(p + chunk, end)) for p in range(cached, end, chunk)]

    def _extend_cache(self, tokens: list[int], end: int, state: JobState | None = None, chunk: int = 64) -> int:
        """Make the KV cache hold tokens[:end]: keep the common prefix, evaluate the rest.

        With a JobState, evaluated in chunks so Stop works during a long prompt too
        (llama.cpp cannot be interrupted inside one decode call). Past `_base` with
        `draft_chunk` set, the kept prefix ends on a chunk boundary and the rest is
        evaluated in aligned chunks. Returns how many tokens were evaluated.
        """
        from llama_cpp import Llama

        llama = self.llama
        cached = min(Llama.longest_token_prefix(llama._input_ids.tolist(), tokens), end)
        if self.draft_chunk is not None and self._base is not None and cached > self._base:
            cached = self._base + (cached - self._base) // self.draft_chunk * self.draft_chunk
        if cached >= end and llama.n_tokens == cached:
            return 0
        if cached > 0 and llama._ctx.kv_cache_seq_rm(-1, cached, -1):
            llama.n_tokens = cached
        else:
            llama.reset()
            cached = 0
        for start, stop in self._pieces(cached, end, state, chunk):
            if state is not None and state.cancelled:
                return start - cached
            llama.eval(tokens[start:stop])
        return end - cached

    # ---- generation -----------------------------------------------------
    def _grammar(self, text: str | None):
        """GBNF text as llama-cpp-python's grammar object, parsed once per text."""
        if not text:
            return None
        if text not in self._grammars:
            from llama_cpp import LlamaGrammar

            self._grammars[text] = LlamaGrammar.from_string(text, verbose=False)
        return self._grammars[text]

    def stream_tokens(self, tokens: list[int], params: SamplingParams | None = None,
                      state: JobState | None = None, grammar: str | None = None) -> Iterator[str]:
        """Yield text pieces for a prompt given as tokens. Stops at end-of-turn, max_tokens or cancel."""
        import llama_cpp
        from llama_cpp import Llama

        p = params or SamplingParams()
        stats = GenerationStats(prompt_tokens=len(tokens))
        self.last_stats = stats
        with self._lock:
            llama = self._require()
            cached = Llama.longest_token_prefix(llama._input_ids.tolist(), tokens)
            if self.draft_chunk is not None and self._base is not None and cached > self._base:
                cached = self._base + (cached - self._base) // self.draft_chunk * self.draft_chunk  # as _extend_cache
            stats.new_prompt_tokens = len(tokens) - min(cached, len(tokens) - 1)
            if len(tokens) + p.max_tokens > llama.n_ctx():
                raise ModelError(f"The conversation no longer fits the model's context ({llama.n_ctx()} tokens).",
                                 hint="This is a bug: older turns should have been condensed.")
            start = time.perf_counter()
            aligned = self._aligned_end(len(tokens))
            if aligned is not None:
                # whole chunks from where the student's words start, as a draft evaluates them; generate()
                # then evaluates the last, partial chunk with the last token in one batch
                self._extend_cache(tokens, aligned, state)
                stats.prompt_s = time.perf_counter() - start
            elif state is not None and len(tokens) - 1 - cached > 128:
                # generate() evaluates the last token itself and finds the rest cached
                self._extend_cache(tokens, len(tokens) - 1, state)
                stats.prompt_s = time.perf_counter() - start
            if state is not None and state.cancelled:
                stats.stopped_by = "cancelled"
                return
            seed = p.seed if p.seed is not None else (self.seed if self.seed is not None else int(time.time()))
            llama.set_seed(seed)
            decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
            vocab = llama._model.vocab
            first = None
            stats.stopped_by = "max_tokens"
            gen = llama.generate(tokens, top_k=p.top_k, top_p=p.top_p, min_p=p.min_p, temp=p.temperature,
                                 repeat_penalty=p.repeat_penalty, grammar=self._grammar(grammar))
            try:
                for token in gen:
                    if state is not None and state.cancelled:
                        stats.stopped_by = "cancelled"
                        break
                    if llama_cpp.llama_vocab_is_eog(vocab, token):
                        stats.stopped_by = "eog"
                        break
                    now = time.perf_counter()
                    if first is None:
                        first = now
                        stats.ttft_s = now - start
                    stats.completion_tokens += 1
                    stats.gen_s = now - first
                    piece = decoder.decode(llama.detokenize([token]))
                    if piece:
                        yield piece
                    if stats.completion_tokens >= p.max_tokens:
                        break
            except GeneratorExit:
                stats.stopped_by = "caller"
                raise
            finally:
                gen.close()

    def stream_chat(self, messages: list[dict], params: SamplingParams | None = None,
                    state: JobState | None = None, grammar: str | None = None, opening: str = "") -> Iterator[str]:
        """Stream the assistant's reply; ``opening`` is put in its mouth first (evaluated, not yielded)."""
        with self._lock:
            tokens = self.chat_tokens(messages) + (self.tokenize(opening) if opening else [])
            yield from self.stream_tokens(tokens, params, state, grammar)

    def chat(self, messages: list[dict], max_tokens: int = 256, temperature: float = 0.0,
             grammar: str | None = None, stop: list[str] | None = None, state: JobState | None = None, seed: int | None = None) -> str:
        """A whole reply; temperature 0 is greedy (deterministic)."""
        params = SamplingParams(temperature=temperature, max_tokens=max_tokens, seed=seed if seed is not None else 0,
                                top_k=1 if temperature == 0 else 40, repeat_penalty=1.0 if temperature == 0 else 1.1)
        out = []
        text = ""
        for piece in self.stream_chat(messages, params, state, grammar):
            out.append(piece)
            if stop:
                text = "".join(out)
                if any(s in text for s in stop):
                    break
        text = "".join(out)
        if stop:
            cut = min((text.index(s) for s in stop if s in text), default=len(text))
            text = text[:cut]
        return text.strip()


def _fold_system(messages: list[dict]) -> list[dict]:
    system = "\n".join(m["content"] for m in messages if m["role"] == "system")
    rest = [dict(m) for m in messages if m["role"] != "system"]
    if system:
        if rest and rest[0]["role"] == "user":
            rest[0]["content"] = system + "\n\n" + rest[0]["content"]
        else:
            rest.insert(0, {"role": "user", "content": system})
    # strict templates want user/assistant alternation starting with user
    fixed: list[dict] = []
    for m in rest:
        if fixed and fixed[-1]["role"] == m["role"]:
            fixed[-1]["content"] += "\n" + m["content"]
        else:
            fixed.append(m)
    return fixed
