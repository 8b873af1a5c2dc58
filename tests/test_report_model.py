"""Suggested better responses written by a real (tiny) local model, on real practice sessions."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from markupsafe import escape

from clientsim.judge.mi import suggest
from clientsim.judge.mi.grounding import ALLOWED, words
from clientsim.judge.report import build_report, render
from mi_sample import TURNS, transcript


class CountingEngine:
    """The real engine, counting calls (to see the model was asked)."""

    def __init__(self, engine):
        self.engine, self.calls, self.prompts = engine, 0, []

    def chat(self, messages, **kw):
        self.calls += 1
        self.prompts.append(messages)
        return self.engine.chat(messages, **kw)


@pytest.fixture(scope="module")
def smollm():
    from conftest import SMOLLM_FILE, _model
    from clientsim.llm.engine import LlmEngine

    return LlmEngine(_model(SMOLLM_FILE), n_ctx=2048).load()


PRACTICE = sorted((Path(__file__).resolve().parents[1] / "app/clientsim/judge/mi/practice").glob("*.json"))


def _practice(path: Path) -> dict:
    data = json.loads(path.read_text())
    return {"format": "clientsim.session/1", "id": data["id"], "persona": None,
            "turns": [{"index": i, "speaker": t["speaker"], "text": t["text"]} for i, t in enumerate(data["turns"])]}


def _said_before(transcript: dict, turn_index: int) -> list[str]:
    return [t["text"] for t in transcript["turns"] if t["speaker"] == "client" and t["index"] < turn_index]


def _unsaid(text: str, sources: list[str]) -> list[str]:
    """Written apart from grounding.py's stemmer on purpose: a word of ``text`` is said if a source word
    shares its first four letters (or is the same short word), or it is on the allowed MI/function list."""
    said = {w for src in sources for w in words(src)}
    return [w for w in words(text) if w not in ALLOWED and w not in said
            and not (len(w) >= 4 and any(len(s) >= 4 and s[:4] == w[:4] for s in said))]


@pytest.mark.model
def test_suggestion_prompt_holds_only_the_session_words_and_the_answer_is_grounded(smollm):
    engine = CountingEngine(smollm)
    client = [TURNS[1][1], TURNS[3][1]]
    s = suggest.suggest(engine, weak_code="persuade", turn_text=TURNS[6][1], client_turns=client + [TURNS[5][1]])
    assert 1 <= engine.calls <= 2  # one try, one retry at most
    prompt = " ".join(m["content"] for m in engine.prompts[0])
    assert TURNS[5][1] in prompt and TURNS[6][1] in prompt  # the client's words before the turn, and the turn
    # the persona is not in the prompt: the model cannot take a fact from it that the client never said
    for fact in ("Dan Miller", "reduce drinking", "contemplation", "drinking after work"):
        assert fact not in prompt
    assert s is not None and s["kind"] == "complex_reflection"
    assert _unsaid(s["text"], client + [TURNS[5][1], TURNS[6][1]]) == []
    if s["source"] == "model":  # taken on the try that passed every check
        assert s["attempts"] == engine.calls
    else:  # the model's tries were each turned down for a reason, and the client's words said back
        assert s["source"] == "template" and len(s["rejected"]) == engine.calls
        assert all(r["problems"] for r in s["rejected"])


@pytest.mark.model
def test_the_time_budget_stops_the_model_and_the_client_words_are_used(smollm):
    engine = CountingEngine(smollm)
    s = suggest.suggest(engine, weak_code="confront", turn_text="You're in denial.",
                        client_turns=["My wife is worried about my drinking"], deadline=time.monotonic() + 0.01)
    assert engine.calls == 1  # stopped at the deadline, and no retry after it
    assert s["source"] == "template" and s["rejected"][0]["problems"] == ["time"]
    assert s["text"] == "It sounds like your wife is worried about your drinking, and that matters to you."


def _annomi_session() -> dict:
    """40 turns of a real counselling session (AnnoMI), as the bench times the report on."""
    from conftest import need_annomi
    from clientsim.bench.judge import sample_session, transcript_of
    from clientsim.judge.mi.data import load_sessions

    need_annomi()
    _, utts = sample_session(load_sessions())
    return {**transcript_of(utts, sid="annomi-sample"), "persona": None}


@pytest.fixture(scope="module")
def practice_reports(smollm):
    out = []
    for tr in [_practice(p) for p in PRACTICE] + [transcript(), _annomi_session()]:
        out.append((tr, build_report(tr, engine=smollm, other_sections=False)))
    return out


@pytest.mark.model
@pytest.mark.slow
def test_every_weak_line_of_real_sessions_gets_a_grounded_suggestion(practice_reports):
    assert len(practice_reports) == len(PRACTICE) + 2 >= 6
    for tr, rep in practice_reports:
        mi = rep["mi"]
        weak = mi["things_to_try"]
        assert 2 <= len(weak) <= 3 and all(x["code"] in suggest.KINDS for x in weak), tr["id"]
        # one for each of the weakest lines, in their order
        assert [x["suggestion"]["turn_index"] for x in weak] == [x["turn_index"] for x in weak], tr["id"]
        assert [s["turn_index"] for s in mi["suggestions"]] == [x["turn_index"] for x in weak]
        for s in mi["suggestions"]:
            sources = _said_before(tr, s["turn_index"]) + [s["original"]]
            assert _unsaid(s["text"], sources) == [], (tr["id"], s["text"])
            assert suggest.valid(s["kind"], s["text"], s["original"]), (tr["id"], s["text"])
        texts = [suggest.normalised(s["text"]) for s in mi["suggestions"]]
        assert len(set(texts)) == len(texts), (tr["id"], texts)
        assert not any(suggest.same_suggestion(a, b) for k, a in enumerate(texts) for b in texts[k + 1:])


@pytest.mark.model
@pytest.mark.slow
def test_a_confrontation_gets_the_first_suggestion(practice_reports):
    confronting = [(tr, rep) for tr, rep in practice_reports
                   if any(t["code"] == "confront" for t in rep["mi"]["turns"])]
    assert len(confronting) >= 3  # t01, t03 and t04 confront the client
    for tr, rep in confronting:
        first = rep["mi"]["suggestions"][0]
        coded = {t["index"]: t for t in rep["mi"]["turns"]}
        assert coded[first["turn_index"]]["code"] == "confront", (tr["id"], first)
        assert rep["mi"]["things_to_try"][0]["code"] == "confront"


@pytest.mark.model
@pytest.mark.slow
def test_report_shows_the_suggestions(smollm):
    rep = build_report(transcript(), engine=smollm, other_sections=False)
    html = render(rep, "html")
    assert rep["mi"]["suggestions"]
    assert html.count("Suggestion (written by the local AI model") == len(rep["mi"]["suggestions"])
    for s in rep["mi"]["suggestions"]:
        assert str(escape(s["text"])) in html
