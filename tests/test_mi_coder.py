"""The shipped MI coder on real AnnoMI rows and on clear hand-written turns."""

from __future__ import annotations

import pytest

from clientsim.judge.mi.coder import MiCoder, UnknownSpeaker
from clientsim.judge.mi.codes import CODES
from clientsim.judge.mi.data import load_sessions


@pytest.fixture(scope="module")
def coder():
    return MiCoder.load()


def test_load_is_a_cached_singleton(coder):
    assert MiCoder.load() is coder


@pytest.mark.parametrize("text,code", [
    ("What brings you in today?", "open_question"),
    ("How do you feel about your drinking these days?", "open_question"),
    ("Do you drink every day?", "closed_question"),
    ("Are you a smoker?", "closed_question"),
])
def test_questions(coder, text, code):
    row = coder.code_turn(text, "counsellor", [])
    assert row["family"] == "question" and row["code"] == code
    assert 0 < row["confidence"] <= 1 and row["talk_type"] is None


def test_reflection_of_the_clients_words(coder):
    ctx = [{"speaker": "counsellor", "text": "How has it been going?"},
           {"speaker": "client", "text": "My wife keeps nagging me about the beer, and honestly I'm tired of it."}]
    row = coder.code_turn("You're tired of hearing about it from her.", "counsellor", ctx)
    assert row["family"] == "reflection" and row["code"] in ("simple_reflection", "complex_reflection")


def test_rule_codes_layered_on(coder):
    assert coder.code_turn("You're in denial, you're an alcoholic.", "counsellor", [])["code"] == "confront"
    # a reflection or question that also emphasises autonomy keeps its main code; autonomy is listed too
    row = coder.code_turn("It's really up to you, it's your choice.", "counsellor", [])
    assert "emphasizing_autonomy" in [row["code"], *row["others"]]
    affirm = coder.code_turn("Well done, you should be proud of that.", "counsellor", [])
    assert "affirm" in [affirm["code"], *affirm["others"]]


def test_permission_turns_advice_into_persuade_with_permission(coder):
    ctx = [{"speaker": "counsellor", "text": "Would it be okay if I shared some ideas that have helped other people?"},
           {"speaker": "client", "text": "Yeah, sure, go ahead."}]
    advice = "You should try cutting down to two drinks a night and keep alcohol out of the house."
    with_permission = coder.code_turn(advice, "counsellor", ctx)
    without = coder.code_turn(advice, "counsellor", [])
    assert without["code"] == "persuade"
    assert with_permission["code"] == "persuade_with_permission"


def test_client_talk_types(coder):
    ctx = [{"speaker": "counsellor", "text": "What would be different if you stopped smoking?"}]
    assert coder.code_turn("I really want to quit, I'm going to stop before the baby comes.", "client",
                           ctx)["talk_type"] == "change"
    ctx2 = [{"speaker": "counsellor", "text": "What do you think about cutting down?"}]
    row = coder.code_turn("I don't want to quit. I like smoking and it helps me relax, I'm not going to stop.",
                          "client", ctx2)
    assert row["talk_type"] == "sustain" and row["family"] is None and row["code"] == "sustain"


def test_empty_foreign_and_unknown(coder):
    empty = coder.code_turn("   ", "counsellor", [])
    assert empty["confidence"] == 0.0 and "empty" in empty["note"]
    foreign = coder.code_turn("¿Cuántos cigarrillos fuma usted cada día en su casa?", "counsellor", [])
    assert foreign["confidence"] <= 0.2 and "English" in foreign["note"]
    with pytest.raises(UnknownSpeaker, match="unknown speaker"):
        coder.code_turn("hello", "narrator", [])


def test_only_earlier_turns_are_used(coder):
    turns = [("counsellor", "What brings you here?"), ("client", "My doctor said I drink too much."),
             ("counsellor", "You're not sure you agree with her."), ("client", "No, I mean I want to cut down."),
             ("counsellor", "What would cutting down look like?")]
    whole = coder.code_session(turns)
    for k in range(1, len(turns) + 1):
        assert coder.code_session(turns[:k])[-1] == whole[k - 1]


def test_every_code_is_known(coder):
    rows = coder.code_session([("counsellor", "Hi, nice to meet you."), ("client", "Hi."),
                               ("counsellor", "You've done really well to come today.")])
    for r in rows:
        assert r["code"] in CODES or r["code"] in ("change", "neutral", "sustain")
        assert set(r) >= {"code", "family", "talk_type", "confidence", "others"}


def test_agrees_with_experts_on_annomi(coder, annomi_present):
    # Real rows from AnnoMI. The shipped model was trained on them, so this checks the
    # artefact loads and codes correctly, not generalisation (that is `clientsim bench judge`).
    sessions = load_sessions()[:6]
    agree = n = 0
    talk_agree = talk_n = 0
    for s in sessions:
        rows = coder.code_session([(u.speaker, u.text) for u in s.utterances])
        for u, r in zip(s.utterances, rows):
            if u.speaker == "counsellor":
                n += 1
                agree += r["family"] == u.family or (r["code"] in ("confront", "emphasizing_autonomy", "affirm",
                                                                   "seeking_collaboration"))
            else:
                talk_n += 1
                talk_agree += r["talk_type"] == u.talk_type
    assert agree / n > 0.75 and talk_agree / talk_n > 0.6
    # speed (< 50 ms a turn) is measured by `clientsim bench judge`, not asserted here
