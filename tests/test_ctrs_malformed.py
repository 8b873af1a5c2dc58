"""CTRS when the model's replies are not scores: retried, then reported, never a crash or a made-up score."""

from __future__ import annotations

from clientsim.judge.ctrs import ITEMS, rate
from clientsim.judge.report import render_section
from clientsim.judge.ctrs.graded import load_graded


def _doc():
    return next(d for d in load_graded("tuning") if d["id"] == "marcus-1-good")


class _JunkEngine:
    """Stands in for a model whose replies are not scores (the shape of a grammar-less failure)."""

    def __init__(self):
        self.calls = 0

    def chat(self, messages, max_tokens=256, temperature=0.0, grammar=None):
        self.calls += 1
        return "The counsellor was quite good overall!"


def test_malformed_output_is_retried_then_reported_not_scored():
    doc = _doc()
    junk = _JunkEngine()
    s = rate(doc["transcript"], engine=junk)
    assert junk.calls == 3 * len(ITEMS)  # one try and two retries per item
    assert all(i["status"] == "model_error" and i["score"] is None for i in s["items"])
    assert "3 attempts" in s["items"][0]["rationale"] and s["total"] is None
    assert any("unusable" in n for n in s["notes"])




class _RaisingEngine:
    def chat(self, messages, max_tokens=256, temperature=0.0, grammar=None):
        raise RuntimeError("llama_decode returned -1")


def test_model_exceptions_become_item_errors_not_crashes():
    s = rate(_doc()["transcript"], engine=_RaisingEngine())
    assert all(i["status"] == "model_error" for i in s["items"])
    assert "llama_decode returned -1" in s["items"][0]["rationale"]
    assert "not rated" in render_section("ctrs", s, "md")


class _FlakyEngine:
    """Junk first, a clean digit on the retry."""

    def __init__(self):
        self.calls = 0

    def chat(self, messages, max_tokens=256, temperature=0.0, grammar=None):
        self.calls += 1
        return "hmm, let me think" if self.calls % 2 == 1 else "4"


def test_a_retry_that_succeeds_gives_the_score_and_counts_attempts():
    s = rate(_doc()["transcript"], engine=_FlakyEngine())
    assert all(i["status"] == "rated" and i["model"]["attempts"] == 2 and i["model"]["expected"] == 4 for i in s["items"])
