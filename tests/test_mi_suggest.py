"""Suggestions that fit: the grounding check, the template from the client's words, repeats, and which
weak lines come first. No model here (see test_report_model.py for the real SmolLM2)."""

from __future__ import annotations

from clientsim.judge.mi import feedback, suggest
from clientsim.judge.mi.coder import MiCoder
from clientsim.judge.mi.grounding import new_content_words, stem
from clientsim.judge.mi.template import second_person, template_response
from mi_sample import TURNS


def test_stem_matches_forms_of_a_word():
    assert stem("worried") == stem("worries") == stem("worrying") == stem("worry")
    assert stem("drinks") == stem("drinking") == stem("drink")
    assert stem("stopped") == stem("stop")
    assert stem("stress") == "stress"


def test_new_content_words_names_what_the_client_never_said():
    client = ["I bet a bit on the football, she thinks it's a problem", "maybe 900 quid. I'll win it back"]
    line = "how much did you lose last month"
    # the example: a lip piercing nobody mentioned
    assert new_content_words("What is the relationship between your lip piercing and your better oral health?",
                             client + [line]) == ["relationship", "lip", "piercing", "better", "oral", "health"]
    assert new_content_words("You're worried your wife will find out about the betting.", client + [line]) \
        == ["wife", "find"]
    # rewording the client's own words, in other forms, with MI words around them, passes
    assert new_content_words("It sounds like betting on football feels like a problem to her, and part of you "
                             "wants to win back the 900.", client + [line]) == []
    # the student's own line counts as said
    assert new_content_words("How did losing last month feel?", client + [line]) == []
    # numbers are content too
    assert new_content_words("You lost 2000 quid.", client) == ["lost", "2000"]
    assert new_content_words("", client) == []


def test_stilted_quoted_and_looping_wordings_fail_the_form_check():
    assert suggest.valid("open_question", "What makes you want to cut down?", "Do you want to cut down?")
    assert not suggest.valid("open_question", "What is the relationship between your drinking and your sleep?", "x")
    assert not suggest.valid("open_question", "Do you want to cut down?", "Do you drink?")
    assert not suggest.valid("open_question", "Tell me more.", "Do you drink?")
    assert suggest.valid("complex_reflection", "You're worried about what it is doing to your family.", "x")
    assert not suggest.valid("complex_reflection", "Are you worried?", "x")
    assert not suggest.valid("complex_reflection", "I'm sorry to hear that you are struggling.", "x")
    assert not suggest.valid("complex_reflection", 'You said "I drink too much" and "it helps".', "x")
    assert not suggest.valid("complex_reflection", "You said you drink too much.", "x")
    assert not suggest.valid("complex_reflection", "You're not doing it, but you're not doing it either.", "x")
    assert suggest.valid("complex_reflection", "You want to do it, and part of you is not sure you can.", "x")
    assert suggest.clean('Counsellor: "What would help?"\nmore') == "What would help?"


def test_same_suggestion_sees_repeats_past_case_punctuation_contractions_and_small_edits():
    a = "You're worried about your sleep, and part of you wants to feel better."
    assert suggest.same_suggestion(a, "you are worried about your sleep and part of you wants to feel better")
    assert suggest.same_suggestion(a, "You're worried about your sleep, and part of you wants to feel better now.")
    assert not suggest.same_suggestion(a, "It sounds like the beers help you unwind after work.")
    found = suggest.problems("complex_reflection", a.upper(), "Do you drink?", ["my sleep is bad, I want to feel better"],
                             avoid=[a])
    assert found == ["repeat"]
    assert suggest.problems("complex_reflection", "You are just being irrational about it!",
                            "you're just being irrational about it", ["I felt like it"], []) == ["original"]


def test_second_person_turns_the_clause_round():
    assert second_person("I was gutted and my wife is worried") == "you were gutted and your wife is worried"
    assert second_person("I'm tired of it, I've tried") == "you're tired of it, you've tried"
    assert second_person("you don't get it") is None  # said to the counsellor: cannot be turned round


def test_template_reflects_the_clause_that_says_most_and_skips_empty_answers():
    client = ["maybe 900 quid. i'll win it back though", "yeah i guess"]
    r = template_response("complex_reflection", client)
    assert r == "It sounds like you'll win it back, and that matters to you."
    q = template_response("open_question", client)
    assert q.endswith("?") and "you'll win it back" in q
    assert template_response("complex_reflection", client, variant=1) != r
    # nothing to reflect yet: a plain invitation that brings in no content of its own
    for said in (["no obviously not", "yeah"], []):
        for kind in ("complex_reflection", "open_question"):
            plain = [template_response(kind, said, v) for v in range(3)]
            assert plain[0] and plain[1] and plain[0] != plain[1] and plain[2] is None
            assert all(new_content_words(p, []) == [] and suggest.valid(kind, p, "Do you drink?") for p in plain[:2])
    for text, kind in ((r, "complex_reflection"), (q, "open_question")):
        assert suggest.valid(kind, text, "honestly you are a compulsive gambler")
        assert new_content_words(text, client) == []


def _coded(turns):
    rows = [{"index": i, "speaker": s, "text": t} for i, (s, t) in enumerate(turns)]
    return rows, MiCoder.load().code_session([(s, t) for s, t in turns])


def test_weakest_lines_put_confrontation_first_then_persuasion_then_closed_then_simple():
    turns = list(TURNS[:8]) + [("counsellor", "You're in denial about how much you drink."),
                               ("client", "That's not fair.")]
    rows, codes = _coded(turns)
    ranked = feedback.weakest_lines(rows, codes)
    order = [code for _, code in ranked]
    assert order[0] == "confront" and rows[ranked[0][0]]["text"].startswith("You're in denial")
    assert order == sorted(order, key=feedback.WEAK_RANK.index)
    assert {"confront", "persuade", "closed_question"} <= set(order)
    to_try = feedback.things_to_try(rows, codes)
    assert [x["code"] for x in to_try] == order[:3] and to_try[0]["turn_index"] == 8


def test_two_confrontations_both_come_before_a_closed_question():
    turns = [("counsellor", "Do you drink every day?"), ("client", "Most days."),
             ("counsellor", "You're in denial."), ("client", "No I'm not."),
             ("counsellor", "That's just an excuse."), ("client", "Whatever.")]
    rows, codes = _coded(turns)
    assert [code for _, code in feedback.weakest_lines(rows, codes)] == ["confront", "confront", "closed_question"]


def test_a_confrontations_own_words_do_not_come_back_and_advice_is_heard():
    client = ["i bet a bit on the football, she thinks its a problem", "maybe 900 quid. i'll win it back though"]
    line = "honestly you are a compulsive gambler, you need to accept that"
    # the small model's answer to a confrontation, seen once: the label again, as a "reflection"
    again = "You are a compulsive gambler, and it's time to accept that."
    assert suggest.problems("complex_reflection", again, line, client, [], "confront") == \
        ["new words: compulsive, gambler, accept"]
    # a closed question's topic words may come back: only its form was weak
    assert suggest.problems("open_question", "What is it like to lose 900 quid in a month?",
                            "did you lose 900 quid last month", client, [], "closed_question") == []
    # grounded in the client's words, yet advice or a label: the MI coder hears it
    assert suggest.codes_as_unfit("You should really just bet less on the football.", client)
    assert suggest.codes_as_unfit("You are in denial about the football.", client)
    assert not suggest.codes_as_unfit("You bet on the football, and part of you wonders if she is right.", client)
    assert suggest.problems("complex_reflection", "You should really just bet less on the football.", line,
                            client, [], "confront") == ["confronts or advises"]
