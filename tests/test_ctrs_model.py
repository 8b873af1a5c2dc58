"""CTRS with a real model (SmolLM2 135M): determinism, progress and cancel, malformed output."""

from __future__ import annotations

import pytest

from clientsim.core.jobs import Cancelled, JobState
from clientsim.judge.ctrs import ITEMS, rate
from clientsim.judge.ctrs.graded import load_graded
from clientsim.judge.ctrs.model_scorer import ModelScorer

pytestmark = pytest.mark.model


def _short(doc_id: str, n_turns: int = 16) -> dict:
    """The first turns of a graded transcript: enough to rate, cheap enough for CI."""
    doc = next(d for d in load_graded("tuning") if d["id"] == doc_id)
    transcript = dict(doc["transcript"], turns=doc["transcript"]["turns"][:n_turns])
    return {"id": doc_id, "transcript": transcript}


@pytest.fixture(scope="module")
def doc():
    return _short("marcus-1-good")


def _engine(path):
    from clientsim.llm.engine import LlmEngine

    return LlmEngine(path, n_threads=2, n_ctx=4096, seed=0).load()


@pytest.fixture(scope="module")
def smol_engine():
    from tests.conftest import MODELS_DIR, SMOLLM_FILE

    path = MODELS_DIR / SMOLLM_FILE
    from tests.conftest import need

    need(path.is_file(), f"model {path}")
    eng = _engine(path)
    yield eng
    eng.close()


def _fingerprint(section):
    return [(i["key"], i["score"], (i.get("model") or {}).get("probs")) for i in section["items"]]


def test_same_transcript_rated_twice_gives_identical_scores(doc, smol_engine, smollm_path):
    first = rate(doc["transcript"], engine=smol_engine)
    assert first["method"] == "detectors+model"
    assert all(i["model"]["method"] == "logits" and abs(sum(i["model"]["probs"]) - 1) < 1e-3 for i in first["items"])
    # Rated again on the same engine (prefix reused from the cache) ...
    assert _fingerprint(rate(doc["transcript"], engine=smol_engine)) == _fingerprint(first)
    # ... after another transcript has filled the cache ...
    other = _short("riley-2-structured-directive")
    rate(other["transcript"], engine=smol_engine)
    assert _fingerprint(rate(doc["transcript"], engine=smol_engine)) == _fingerprint(first)
    # ... and on a freshly loaded engine.
    fresh = _engine(smollm_path)
    try:
        assert _fingerprint(rate(doc["transcript"], engine=fresh)) == _fingerprint(first)
    finally:
        fresh.close()


def test_progress_is_reported_and_cancel_stops_the_rating(doc, smol_engine):
    seen = []
    state = JobState(on_progress=lambda f, m: seen.append((f, m)))
    rate(doc["transcript"], engine=smol_engine, state=state)
    assert len(seen) >= len(ITEMS) and seen[-1][0] == pytest.approx(1.0)

    state = JobState()
    state.on_progress = lambda f, m: state.cancel() if f > 0.1 else None
    with pytest.raises(Cancelled):
        rate(doc["transcript"], engine=smol_engine, state=state)


def test_real_model_without_grammar_never_crashes_or_invents_a_score(doc, smol_engine):
    scorer = ModelScorer(smol_engine, use_logits=False, use_grammar=False)
    scores = scorer.score_items(doc["transcript"], list(ITEMS[:4]))
    for s in scores.values():
        if s.expected is not None:
            assert s.method == "reply" and s.expected in {0, 1, 2, 3, 4, 5, 6} and 1 <= s.attempts <= 3
        else:
            assert s.attempts == 3 and "did not return a score" in s.error


def test_grammar_constrained_reply_always_gives_a_digit(doc, smol_engine):
    scorer = ModelScorer(smol_engine, use_logits=False, use_grammar=True)
    scores = scorer.score_items(doc["transcript"], list(ITEMS[:3]))
    assert all(s.expected in {0, 1, 2, 3, 4, 5, 6} and s.attempts == 1 for s in scores.values())
