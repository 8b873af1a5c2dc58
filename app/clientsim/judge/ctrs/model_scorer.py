"""Item scores from the local model, read from the next-token distribution over the digits 0-6.

Reading the logits of the score tokens (rather than sampling a reply) gives an
expected score that cannot drift with sampling: the same tokens in, the same
numbers out. The shared prefix (instructions + transcript) is evaluated once
per transcript, always from position 0 in the same chunks, and each item's
question is evaluated on top of it from the same position, so a transcript
rated twice is computed identically.

Engines without direct logit access (or a failure reading them) fall back to
a one-digit reply constrained by a GBNF grammar; a reply that is not a digit
is retried, and after the retries the item is reported as not rated, never
given an invented score.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

from clientsim.judge.ctrs import prompt
from clientsim.judge.ctrs.items import CtrsItem
from clientsim.judge.next_token import NoLogits, answer_ids, answer_probs, common_prefix, eval_after, eval_prefix, llama_of

DIGITS = "0123456"
DIGIT_GRAMMAR = 'root ::= [0-6]'
_REPLY = re.compile(r"^\s*(?:score\s*[:=]?\s*)?([0-6])(?:\s*/\s*6)?\s*[.!]?\s*$", re.IGNORECASE)


@dataclass
class ModelScore:
    expected: float | None  # 0-6, None when the model gave nothing usable
    probs: list[float] | None = None  # P(0..6) when read from logits
    method: str = "logits"  # logits | reply
    attempts: int = 1
    error: str = ""


class ModelScorer:
    def __init__(self, engine, *, retries: int = 2, use_logits: bool = True, use_grammar: bool = True,
                 answer_budget: int = 400) -> None:
        self.engine = engine
        self.retries = retries
        self.use_logits = use_logits
        self.use_grammar = use_grammar
        self.answer_budget = answer_budget
        self._digit_ids: dict[str, list[int]] | None = None

    # ---- public ---------------------------------------------------------
    def score_items(self, transcript: dict, items: list[CtrsItem], state=None, on_item=None) -> dict[str, ModelScore]:
        lines = self._lines(transcript)
        all_messages = {it.key: prompt.messages(transcript, lines, it) for it in items}
        out: dict[str, ModelScore] = {}
        if self.use_logits:
            try:
                return self._score_by_logits(all_messages, items, state, on_item)
            except NoLogits:
                pass
        for n, it in enumerate(items):
            if state is not None:
                state.check()
            out[it.key] = self._score_by_reply(all_messages[it.key])
            if on_item:
                on_item(n + 1, it)
        return out

    # ---- logits ---------------------------------------------------------
    def _score_by_logits(self, all_messages, items, state, on_item) -> dict[str, ModelScore]:
        eng = self.engine
        llama = llama_of(eng)
        suffix = eng.tokenize(prompt.ANSWER_PREFIX)
        token_lists = {k: eng.chat_tokens(m) + suffix for k, m in all_messages.items()}
        lists = list(token_lists.values())
        shared = lists[0][: common_prefix(lists)]
        longest = max(len(t) for t in token_lists.values())
        if longest + 1 > llama.n_ctx():
            raise NoLogits()
        out = {}
        with getattr(eng, "_lock", contextlib.nullcontext()):
            eval_prefix(llama, shared)
            for n, it in enumerate(items):
                if state is not None:
                    state.check()
                logits = eval_after(llama, len(shared), token_lists[it.key])
                out[it.key] = self._from_logits(llama, logits)
                if on_item:
                    on_item(n + 1, it)
        return out

    def _from_logits(self, llama, logits) -> ModelScore:
        if self._digit_ids is None:
            self._digit_ids = answer_ids(llama, list(DIGITS))
        p = answer_probs(logits, self._digit_ids)
        probs = [p[d] for d in DIGITS]
        expected = sum(k * q for k, q in enumerate(probs))
        return ModelScore(round(expected, 3), [round(q, 4) for q in probs], "logits")

    # ---- reply (fallback) -------------------------------------------------
    def _score_by_reply(self, messages: list[dict]) -> ModelScore:
        grammar = DIGIT_GRAMMAR if self.use_grammar else None
        replies = []
        for attempt in range(1, self.retries + 2):
            msgs = messages if attempt == 1 else messages + [
                {"role": "assistant", "content": replies[-1][:40]},
                {"role": "user", "content": "Reply with a single digit from 0 to 6 and nothing else."}]
            try:
                reply = self.engine.chat(msgs, max_tokens=4, temperature=0.0, grammar=grammar)
            except Exception as exc:  # a model failure is reported on the item, never a crash
                reply = f"<error: {exc}>"
            replies.append(str(reply))
            m = _REPLY.match(str(reply))
            if m:
                return ModelScore(float(m.group(1)), None, "reply", attempt)
        shown = "; ".join(repr(r[:60]) for r in replies)
        return ModelScore(None, None, "reply", len(replies), f"the model did not return a score after {len(replies)} attempts ({shown})")

    # ---- transcript -------------------------------------------------------
    def _lines(self, transcript: dict) -> list[str]:
        lines = prompt.transcript_lines(transcript)
        n_ctx = getattr(self.engine, "n_ctx", 4096)
        n_ctx = n_ctx() if callable(n_ctx) else n_ctx
        tokenize = getattr(self.engine, "tokenize", None)
        count = (lambda s: len(tokenize(s))) if tokenize and self.use_logits else (lambda s: len(s) // 3)
        return prompt.fit_lines(lines, count, int(n_ctx) - self.answer_budget)
