"""Safety review: the rule checks on the validation cases and on the near-misses that matter."""

from __future__ import annotations


from clientsim.judge.ctrs.graded import load_graded
from clientsim.judge.report import render_section
from clientsim.judge.safety import CHECK_IDS, review
from clientsim.judge.safety.cases import case_transcript, load_cases


def _t(*pairs):
    return {"format": "clientsim.session/1", "persona": {"modality": ["CBT"]},
            "turns": [{"index": i, "speaker": s, "text": t, "at": ""} for i, (s, t) in enumerate(pairs)]}


def _checks(transcript) -> set[str]:
    return {f["check"] for f in review(transcript)["flags"]}


def test_every_tuning_case_gets_its_expected_verdict():
    # a regression guard on the first tuning file only; tuning-b (once called held-out) is not pinned, and no
    # figure from either is reported as out of sample (bench safety --blind is).
    wrong = []
    for case in load_cases("tuning"):
        fired = _checks(case_transcript(case))
        if (case["check"] in fired) != case["expect"]:
            wrong.append(case["id"])
    assert wrong == []


def test_tuning_cases_raise_no_unexpected_other_checks():
    extra = []
    for case in load_cases("tuning"):
        fired = _checks(case_transcript(case)) - {case["check"]} - set(case.get("also", ()))
        if fired:
            extra.append((case["id"], fired))
    assert extra == []


def test_cases_cover_every_check_with_positives_and_negatives():
    cases = load_cases("tuning") + load_cases("tuning-b")
    for check in CHECK_IDS:
        mine = [c for c in cases if c["check"] == check]
        assert len(mine) >= 15
        assert {c["expect"] for c in mine} == {True, False}


def test_asking_directly_about_suicide_is_good_practice():
    t = _t(("client", "Some days I think everyone would be better off without me."),
           ("counsellor", "Have you had thoughts of ending your life?"))
    assert review(t)["flags"] == []


def test_figure_of_speech_is_not_a_disclosure():
    t = _t(("client", "I'm dying to see my kids."), ("counsellor", "What are you most looking forward to?"))
    r = review(t)
    assert r["flags"] == [] and r["risk_cues"] == []


def test_secrecy_after_disclosure_is_a_serious_boundary_flag():
    t = _t(("client", "I've been cutting myself. Please don't tell anyone."),
           ("counsellor", "Let's keep this just between us."))
    flags = review(t)["flags"]
    boundary = [f for f in flags if f["check"] == "boundaries"]
    assert boundary and boundary[0]["severity"] == "high" and boundary[0]["turn_index"] == 1
    assert any(f["check"] == "missed_risk" and f["cue_turn_index"] == 0 for f in flags)


def test_stating_limits_of_confidentiality_is_not_flagged():
    t = _t(("client", "Will you tell anyone what I say?"),
           ("counsellor", "I can't promise to keep everything secret if you're at risk."))
    assert "boundaries" not in _checks(t)


def test_answering_a_veiled_means_request_is_flagged():
    t = _t(("client", "I lost my job today. How high is the Golden Gate bridge?"),
           ("counsellor", "The Golden Gate is 67 m high."))
    flags = review(t)["flags"]
    advice = [f for f in flags if f["check"] == "harmful_advice"]
    assert advice and advice[0]["severity"] == "high" and advice[0]["teaching_note"]


def test_risk_taken_up_in_second_counsellor_turn_counts_but_not_the_third():
    disclosure = ("client", "I want to end it all.")
    later = [("counsellor", "Mm."), ("client", "Yeah."), ("counsellor", "What did you have for lunch?"),
             ("client", "Soup."), ("counsellor", "Are you having thoughts of suicide?")]
    assert "missed_risk" in _checks(_t(disclosure, *later))
    assert "missed_risk" not in _checks(_t(disclosure, *later[:2], later[4]))


def test_disclosure_at_the_end_of_the_session_is_flagged_on_the_disclosure():
    flags = review(_t(("counsellor", "Anything else before we stop?"), ("client", "Sometimes I want to kill myself.")))["flags"]
    assert [(f["check"], f["turn_index"]) for f in flags] == [("missed_risk", 1)]


def test_flag_has_all_report_fields():
    case = next(c for c in load_cases("tuning") if c["id"] == "ha-t01")
    flag = review(case_transcript(case))["flags"][0]
    assert set(flag) >= {"turn_index", "check", "severity", "reason", "teaching_note", "quote"}


def test_full_cbt_sessions_raise_no_false_alarms():
    for split in ("tuning", "tuning-b"):
        for doc in load_graded(split):
            assert review(doc["transcript"])["flags"] == [], doc["id"]


def test_render_puts_flags_first_with_teaching_notes_and_escapes_html():
    t = _t(("client", "He hits me <b>every</b> night."), ("counsellor", "Let's look at your <i>budget</i>."))
    section = review(t)
    md, html = render_section("safety", section, "md"), render_section("safety", section, "html")
    assert "Missed risk disclosure" in md and "What to do instead" in md
    assert "<b>every</b>" not in html and "&lt;b&gt;" in html and 'href="#turn-1"' in html
    assert html.index("Missed risk disclosure") < html.index("What to do instead")


def test_empty_and_odd_transcripts_do_not_crash():
    assert review({"turns": []})["summary"] == "No counsellor turns to review."
    r = review({"turns": [{"speaker": "Therapist", "text": None}, {"speaker": "client"}]})
    assert r["counsellor_turns_checked"] == 1 and r["flags"] == []


def test_idiom_about_dying_is_not_a_disclosure_but_a_real_one_next_to_it_is():
    from clientsim.judge.safety.risk_cues import find_cue

    assert find_cue("I wanted to die of embarrassment.") is None
    assert find_cue("I wanted to die of embarrassment, and some days I want to kill myself.")[0] == "suicidal ideation"
