"""Suggested better responses written by a real (tiny) local model."""

from __future__ import annotations

import pytest

from clientsim.judge.mi import suggest
from clientsim.judge.report import build_report, render
from mi_sample import transcript


def test_validation_rules():
    assert suggest.valid("open_question", "What makes you want to cut down?", "Do you want to cut down?")
    assert not suggest.valid("open_question", "Do you want to cut down?", "Do you drink?")
    assert not suggest.valid("open_question", "Tell me more.", "Do you drink?")
    assert suggest.valid("complex_reflection", "You're worried about what it is doing to your family.", "x")
    assert not suggest.valid("complex_reflection", "Are you worried?", "x")
    assert not suggest.valid("complex_reflection", "same words here ok", "Same words here ok")
    assert suggest.clean('Counsellor: "What would help?"\nmore') == "What would help?"


class CountingEngine:
    """The real engine, counting calls (to see the model was asked)."""

    def __init__(self, engine):
        self.engine, self.calls, self.prompts = engine, 0, []

    def chat(self, messages, **kw):
        self.calls += 1
        self.prompts.append(messages)
        return self.engine.chat(messages, **kw)


@pytest.mark.model
def test_suggestions_from_smollm(smollm_path):
    from clientsim.llm.engine import LlmEngine

    engine = CountingEngine(LlmEngine(smollm_path, n_ctx=1024).load())
    rep = build_report(transcript(), engine=engine)
    mi = rep["mi"]
    weak = [x for x in mi["things_to_try"] if x["code"] in suggest.KINDS]
    assert weak and engine.calls >= len(weak)  # every weak turn was tried
    assert "Dan Miller" in engine.prompts[0][0]["content"]  # persona context in the prompt
    assert "reduce drinking" in engine.prompts[0][0]["content"]
    for s in mi["suggestions"]:
        assert s["is_suggestion"] is True
        assert suggest.valid(s["kind"], s["text"], s["original"])
    if mi["suggestions"]:
        assert "Suggestion (written by the local AI model" in render(rep, "html")
    else:
        assert "did not pass the checks" in mi["suggestions_note"]
