"""Suggested better responses written by a real (tiny) local model."""

from __future__ import annotations

import pytest

from clientsim.judge.mi import suggest
from clientsim.judge.report import build_report, render
from mi_sample import TURNS, transcript


def test_validation_rules():
    assert suggest.valid("open_question", "What makes you want to cut down?", "Do you want to cut down?")
    assert not suggest.valid("open_question", "Do you want to cut down?", "Do you drink?")
    assert not suggest.valid("open_question", "Tell me more.", "Do you drink?")
    assert suggest.valid("complex_reflection", "You're worried about what it is doing to your family.", "x")
    assert not suggest.valid("complex_reflection", "Are you worried?", "x")
    assert not suggest.valid("complex_reflection", "I'm sorry to hear that you are struggling.", "x")
    assert not suggest.valid("complex_reflection", "same words here you", "Same words here you")
    # a looping reply from the small model is not shown
    assert not suggest.valid("complex_reflection", "You're not doing it, but you're not doing it either.", "x")
    assert suggest.valid("complex_reflection", "You want to do it, and part of you is not sure you can.", "x")
    assert suggest.clean('Counsellor: "What would help?"\nmore') == "What would help?"


class CountingEngine:
    """The real engine, counting calls (to see the model was asked)."""

    def __init__(self, engine):
        self.engine, self.calls, self.prompts = engine, 0, []

    def chat(self, messages, **kw):
        self.calls += 1
        self.prompts.append(messages)
        return self.engine.chat(messages, **kw)


@pytest.fixture(scope="module")
def smollm(request):
    from conftest import MODELS_DIR, SMOLLM_FILE
    from clientsim.llm.engine import LlmEngine

    path = MODELS_DIR / SMOLLM_FILE
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return LlmEngine(path, n_ctx=1024).load()


@pytest.mark.model
def test_suggestions_from_smollm(smollm):
    engine = CountingEngine(smollm)
    persona = transcript()["persona"]
    got = []
    for weak, idx in (("closed_question", 2), ("simple_reflection", 4)):
        s = suggest.suggest(engine, weak_code=weak, turn_text=TURNS[idx][1], client_before=TURNS[idx - 1][1],
                            persona=persona)
        if s is not None:
            assert s["is_suggestion"] is True and suggest.valid(s["kind"], s["text"], TURNS[idx][1])
            got.append(s)
    assert 2 <= engine.calls <= 4  # one try each, one retry at most
    system = engine.prompts[0][0]["content"]
    assert "Dan Miller" in system and "reduce drinking" in system and "contemplation" in system
    assert TURNS[1][1] in engine.prompts[0][1]["content"]  # the client's words before the turn


@pytest.mark.model
@pytest.mark.slow
def test_report_with_suggestions_from_smollm(smollm):
    engine = CountingEngine(smollm)
    rep = build_report(transcript(), engine=engine)
    mi = rep["mi"]
    weak = [x for x in mi["things_to_try"] if x["code"] in suggest.KINDS]
    assert weak and engine.calls >= len(weak)
    for s in mi["suggestions"]:
        assert s["is_suggestion"] is True and suggest.valid(s["kind"], s["text"], s["original"])
        assert any(x.get("suggestion") is s for x in mi["things_to_try"]) or s in [x.get("suggestion") for x in mi["things_to_try"]]
    if mi["suggestions"]:
        assert "Suggestion (written by the local AI model" in render(rep, "html")
    else:
        assert "did not pass the checks" in mi["suggestions_note"]
