"""The coder on what students type (tuning examples written from the MITI 4.2.1 definitions, not blind lines).

Each line here was written for this test; none comes from validation/blind/.
"""

from __future__ import annotations

import pytest

from clientsim.judge.mi import rules
from clientsim.judge.mi.coder import MiCoder
from clientsim.judge.mi.metrics import session_metrics


@pytest.fixture(scope="module")
def coder():
    return MiCoder.load()


CTX = [{"speaker": "counsellor", "text": "how has the week been"},
       {"speaker": "client", "text": "rough. i keep thinking my chest pain means something is wrong with my heart"}]


@pytest.mark.parametrize("text,code", [
    # false reassurance and sympathy are Other, never a reflection
    ("honestly dont worry, your lungs are totally fine and nothing bad will happen", "other"),
    ("i'm sure it'll all work out for you", "other"),
    # labelling and arguing are Confront
    ("ur basically in denial about this", "confront"),
    ("you are a problem drinker, plain and simple", "confront"),
    ("thats just an excuse", "confront"),
    # agenda-setting and asking for feedback are Seeking Collaboration
    ("before we start, can we agree on what we focus on today?", "seeking_collaboration"),
    ("what would you like to put on the agenda", "seeking_collaboration"),
    ("how did this session feel for you", "seeking_collaboration"),
    # autonomy support
    ("whatever happens next its your choice", "emphasizing_autonomy"),
    ("you get to decide what happens with the gym", "emphasizing_autonomy"),
    # questions typed without a question mark, by their words
    ("what made you decide to come today", "open_question"),
    ("did you sleep ok last night", "closed_question"),
    ("how many nights a week do you go out", "closed_question"),
    ("on a scale of 0 to 10 how ready do you feel", "closed_question"),
    # advice put as a question, and a warning
    ("why don't you just try cutting down at the weekends", "persuade"),
    ("if you keep skipping the tablets you'll end up in hospital", "persuade"),
    # advice with the client's say in the same line
    ("you could try a nicotine patch, but it's your call", "persuade_with_permission"),
    # affirmation of effort, not a reflection
    ("it took real courage to tell your sister", "affirm"),
    ("you've kept trying even when it felt pointless", "affirm"),
    # agenda information
    ("today we'll spend ten minutes on the diary and then look at the train", "giving_information"),
])
def test_student_lines(coder, text, code):
    row = coder.code_turn(text, "counsellor", CTX)
    assert row["code"] == code, (text, row)


def test_reflection_stays_a_reflection(coder):
    row = coder.code_turn("you're worried it's your heart even though the doctor said it isn't", "counsellor", CTX)
    assert row["code"] in ("simple_reflection", "complex_reflection")


def test_question_form_reads_words_not_just_the_mark():
    assert rules.question_form("what brings u here") == "open"
    assert rules.question_form("ok. do u drink every day") == "closed"
    assert rules.question_form("so you feel stuck?") == "tag"
    assert rules.question_form("you feel stuck") is None


def _session(lines):
    turns = []
    for i, (text, talk) in enumerate(lines):
        turns.append({"speaker": "client", "text": talk})
        turns.append({"speaker": "counsellor", "text": text})
    return turns


def test_confrontation_and_lecture_cap_the_relational_rating(coder):
    good = _session([("tell me more about what worries you", "i drink too much i think"),
                     ("you're starting to wonder if the drinking is costing you", "maybe, my wife says so"),
                     ("part of you wants things to change and part of you enjoys the nights out", "yeah exactly"),
                     ("it took courage to say that", "thanks"),
                     ("what would you like to do next", "cut down on weeknights maybe")])
    bad = good + _session([("you need to stop drinking on weeknights", "i dunno"),
                           ("you should go to AA this week", "no way"),
                           ("you must stop before it ruins your liver", "ok"),
                           ("you're in denial about this", "i'm not")])
    mg = session_metrics(good, coder.code_session(good))
    mb = session_metrics(bad, coder.code_session(bad))
    assert mb["global_caps"] and not mg["global_caps"]
    assert mb["globals"]["partnership"] <= 3.0 and mb["globals"]["empathy"] <= 3.0
    assert mb["relational"] < 3.5 and mb["band"] == "below fair"
    assert any("confrontation" in n for n in mb["global_caps"]) and any("lecturing" in n for n in mb["global_caps"])


def test_secondary_codes_are_counted_as_the_transcript_shows_them(coder):
    turns = [{"speaker": "client", "text": "i might try the patches"},
             {"speaker": "counsellor", "text": "you're thinking about patches, and it's totally up to you what you try?"}]
    rows = coder.code_session(turns)
    shown = {rows[1]["code"], *rows[1]["others"]}
    m = session_metrics(turns, rows)
    for code in shown:
        assert m["code_counts_all"][code] == 1, (code, rows[1])
    assert "emphasizing_autonomy" in shown
