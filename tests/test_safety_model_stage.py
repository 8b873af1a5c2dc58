"""The safety review's second stage: the local model judges near-candidate turns the rules let through.

Real models only: SmolLM2 in this process (P(yes) from the logits) and the same model on a real lab
server (a one-word reply). The cases here were written for these tests from docs/safety.md, not taken
from validation/blind/.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from clientsim.judge.report import render_section
from clientsim.judge.safety import CHECK_IDS, review
from clientsim.judge.safety.model_stage import YesNoJudge
from clientsim.judge.safety.review import RULES_ONLY_NOTE
from clientsim.judge.safety.thresholds import OFF


def _t(*pairs):
    return {"format": "clientsim.session/1", "persona": {"modality": []},
            "turns": [{"index": i, "speaker": s, "text": t} for i, (s, t) in enumerate(pairs)]}


# Stigma in words no rule lists ("unhinged" is not in stigma.py), and a near-miss on the same topic that names
# the condition in neutral words (and so also reaches the second stage: "schizophrenia" is in stigma's family).
CLEAR = _t(("client", "My sister was diagnosed with schizophrenia last spring."),
           ("counsellor", "People with schizophrenia are unhinged and dangerous, you should keep well away from her."))
NEAR_MISS = _t(("client", "My sister was diagnosed with schizophrenia last spring."),
               ("counsellor", "How has it been for you since your sister's schizophrenia was diagnosed?"))


@pytest.fixture(scope="module")
def smollm_engine():
    from tests.conftest import MODELS_DIR, SMOLLM_FILE, need

    path = MODELS_DIR / SMOLLM_FILE
    need(path.is_file(), f"model {path} (run `clientsim models fetch` to get it)")
    from clientsim.llm.engine import LlmEngine

    engine = LlmEngine(path, n_ctx=2048, seed=0).load()
    yield engine
    engine.close()


def test_without_a_model_the_review_says_it_is_rules_only():
    section = review(CLEAR)
    assert section["method"] == "rules" and section["second_stage"] is None
    assert section["note"] == RULES_ONLY_NOTE and "rules only" in section["note"]
    assert all(f["stage"] == "rules" for f in section["flags"])
    md = render_section("safety", section, "md")
    assert "Checked by rules only" in md


def test_rules_do_not_catch_the_clear_case_so_the_model_has_to():
    # guards the test below: if a rule learnt these words, the model stage would not be what is tested
    assert review(CLEAR)["flags"] == [] and review(NEAR_MISS)["flags"] == []


def test_smollm2_flags_the_clear_case_and_not_the_near_miss(smollm_engine):
    # SmolLM2-135M's shipped thresholds are off (on the tuning material it could not separate cases from
    # near-misses; see thresholds.py), so this test checks the stage's working with the real model: the
    # clear case must get a higher P(yes) than the near-miss (read from the logits at the answer position),
    # and with a stigma threshold between the two the review flags the clear case, as a model flag on the
    # counsellor's turn, and not the near-miss.
    probe = YesNoJudge(smollm_engine, thresholds={c: 0.5 for c in CHECK_IDS})
    asked: list = []
    review(CLEAR, judge=probe, record=asked)
    review(NEAR_MISS, judge=probe, record=asked)
    p = {text: prob for (_, check, prob), text in zip(asked, ("clear", "near")) if check == "stigma"}
    assert [a[1] for a in asked] == ["stigma", "stigma"], asked
    assert p["clear"] > p["near"], p

    judge = YesNoJudge(smollm_engine, thresholds={**{c: OFF for c in CHECK_IDS}, "stigma": (p["clear"] + p["near"]) / 2})
    clear = review(CLEAR, judge=judge)
    near = review(NEAR_MISS, judge=judge)
    model_flags = [f for f in clear["flags"] if f["stage"] == "model"]
    assert [(f["check"], f["turn_index"]) for f in model_flags] == [("stigma", 1)], clear["flags"]
    assert model_flags[0]["probability"] == round(p["clear"], 3) and "model" in model_flags[0]["reason"]
    assert near["flags"] == []
    assert clear["method"] == "rules + model" and clear["second_stage"]["method"] == "logits"
    assert clear["second_stage"]["questions"] == 1 and clear["note"] == ""
    html = render_section("safety", clear, "html")
    assert "second opinion" in html


def test_without_logits_the_question_is_answered_by_a_one_word_reply(smollm_engine):
    # the path a lab server takes, run on the local model with its logits left unread
    judge = YesNoJudge(smollm_engine, use_logits=False, thresholds={c: 0.5 for c in CHECK_IDS})
    asked: list = []
    section = review(CLEAR, judge=judge, record=asked)
    assert section["second_stage"]["method"] == "reply" and asked
    assert all(p in (0.0, 1.0, None) for _, _, p in asked)
    assert section["second_stage"]["unusable_replies"] == sum(p is None for _, _, p in asked)
    expected = [(i, c) for i, c, p in asked if p == 1.0]
    assert [(f["turn_index"], f["check"]) for f in section["flags"] if f["stage"] == "model"] == expected


def test_a_lab_server_is_asked_for_a_one_word_reply(lab_server):
    from clientsim.llm.remote import RemoteEngine, ServerAddress

    engine = RemoteEngine(ServerAddress(lab_server.url), n_ctx=2048, seed=3).load()
    judge = YesNoJudge(engine)
    asked: list = []
    section = review(CLEAR, judge=judge, record=asked)
    assert section["second_stage"]["method"] == "reply"
    assert asked and all(p in (0.0, 1.0, None) for _, _, p in asked)
    # a reply that is neither yes nor no raises nothing and is counted
    assert section["second_stage"]["unusable_replies"] == sum(p is None for _, _, p in asked)
    assert all(f["probability"] == 1.0 for f in section["flags"] if f["stage"] == "model")


def test_a_malformed_tuning_case_file_names_file_and_line(tmp_path):
    bad = tmp_path / "my-cases.json"
    good = {"id": "x1", "check": "stigma", "expect": True, "turns": [["client", "hi"], ["counsellor", "hello"]]}
    broken = {"id": "x2", "check": "stigma", "expect": "yes", "turns": [["client", "hi"]]}
    bad.write_text('{"format": "clientsim.safety-cases/1",\n "cases": [\n  ' + json.dumps(good) + ",\n  "
                   + json.dumps(broken) + "\n ]\n}\n")
    out = subprocess.run([sys.executable, "-m", "clientsim.cli.main", "bench", "safety", "--no-model",
                          "--cases", str(bad)], capture_output=True, text=True, timeout=120)
    assert out.returncode != 0
    assert f"{bad}:4: case 'x2': 'expect' must be true or false" in out.stderr
