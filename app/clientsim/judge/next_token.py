"""Reading a constrained answer from the local model's next-token distribution.

Shared by the CTRS scorer (P of each digit 0-6) and the safety review's second
stage (P of "yes" against "no"). Reading the logits of the answer tokens, rather
than sampling a reply, gives a probability that cannot drift with sampling: the
same tokens in, the same numbers out.
"""

from __future__ import annotations

import math


class NoLogits(Exception):
    """The engine gives no direct access to logits (a lab server), or the prompt does not fit."""


def llama_of(engine):
    """The llama-cpp `Llama` behind a local engine, loaded; NoLogits for engines without one."""
    if hasattr(engine, "load"):
        engine.load()
    llama = getattr(engine, "llama", None)
    if llama is None or not hasattr(engine, "chat_tokens"):
        raise NoLogits()
    return llama


def last_logits(llama):
    """The logits of the last evaluated token, read from the context (llama-cpp-python keeps no copy
    unless logits_all=True)."""
    import numpy as np

    n_vocab = llama.n_vocab()
    ctx = llama._ctx
    ptr = ctx.get_logits_ith(-1) if hasattr(ctx, "get_logits_ith") else ctx.get_logits()
    return np.ctypeslib.as_array(ptr, shape=(n_vocab,)).copy()


def common_prefix(seqs: list[list[int]]) -> int:
    if not seqs:
        return 0
    n = min(len(s) for s in seqs)
    first = seqs[0]
    for i in range(n):
        t = first[i]
        if any(s[i] != t for s in seqs[1:]):
            return i
    return n


def eval_prefix(llama, shared: list[int]) -> None:
    """Make the cache hold exactly `shared`, re-evaluated from position 0 unless it already does, so a
    prefix is always computed in the same chunks."""
    cached = common_prefix([list(llama._input_ids), shared])
    if cached >= len(shared):
        return
    llama.reset()
    llama._ctx.kv_cache_seq_rm(-1, 0, -1)
    llama.eval(shared)


def eval_after(llama, base: int, tokens: list[int]):
    """Evaluate tokens[base:] on top of the first `base` cached tokens; the logits of the last one."""
    llama._ctx.kv_cache_seq_rm(-1, base, -1)
    llama.n_tokens = base
    llama.eval(tokens[base:])
    return last_logits(llama)


def answer_ids(llama, answers: list[str]) -> dict[str, list[int]]:
    """The single-token forms of each answer ("5" and " 5", "yes" / " Yes" …); NoLogits when one has none."""
    ids: dict[str, list[int]] = {}
    for a in answers:
        group: list[int] = []
        forms = {a, " " + a, a.capitalize(), " " + a.capitalize()}
        for form in sorted(forms):
            toks = llama.tokenize(form.encode(), add_bos=False, special=False)
            if len(toks) == 1 and toks[0] not in group:
                group.append(toks[0])
        if not group:
            raise NoLogits()
        ids[a] = group
    return ids


def answer_probs(logits, ids: dict[str, list[int]]) -> dict[str, float]:
    """P of each answer, renormalised over the answers' tokens only."""
    m = max(float(logits[i]) for group in ids.values() for i in group)
    mass = {a: sum(math.exp(float(logits[i]) - m) for i in group) for a, group in ids.items()}
    total = sum(mass.values())
    return {a: x / total for a, x in mass.items()}
