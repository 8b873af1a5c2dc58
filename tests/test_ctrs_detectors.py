"""CTRS without a model: structural detectors, short and off-modality sessions, n/a items, rendering."""

from __future__ import annotations

from scipy.stats import spearmanr

from clientsim.judge.ctrs import ITEM_KEYS, rate
from clientsim.judge.report import render_section
from clientsim.judge.ctrs.detectors import DETECTORS
from clientsim.judge.ctrs.graded import load_graded
from clientsim.judge.ctrs.items import ITEMS
from clientsim.judge.ctrs.session_view import SessionView


def _doc(doc_id: str) -> dict:
    return next(d for d in load_graded("tuning") + load_graded("tuning-b") if d["id"] == doc_id)


def _session(*counsellor_and_client, modality=("CBT",), status="ended") -> dict:
    turns = [{"index": i, "speaker": s, "text": t, "at": ""} for i, (s, t) in enumerate(counsellor_and_client)]
    return {"format": "clientsim.session/1", "persona": {"name": "Test", "modality": list(modality)}, "status": status, "turns": turns}


FILLER = [("client", "Work has been hard and I keep worrying about the meeting on Monday with my manager."),
          ("counsellor", "Tell me more about what happens before the meeting."),
          ("client", "I go over what I will say again and again, and I still feel sick about it."),
          ("counsellor", "What goes through your mind then?"),
          ("client", "That I will say something stupid and they will all notice and think less of me."),
          ("counsellor", "That sounds really hard.")]


def _score(doc_id: str, key: str) -> float:
    return DETECTORS[key](SessionView.from_transcript(_doc(doc_id)["transcript"])).estimate


def test_agenda_detector_separates_collaborative_agenda_from_none():
    assert _score("amara-1-strong", "agenda") >= 5
    assert _score("amara-3-warm-unstructured", "agenda") == 0
    assert 1 <= _score("amara-4-adequate", "agenda") <= 4  # vague opening question


def test_homework_detector_needs_homework_at_the_end():
    assert _score("riley-1-strong", "homework") >= 4
    assert _score("amara-3-warm-unstructured", "homework") == 0
    assert _score("marcus-2-poor", "homework") <= 1.5  # "try to relax more" is not homework


def test_feedback_detector_sees_end_of_session_feedback():
    assert _score("amara-1-strong", "feedback") >= 5
    assert _score("marcus-2-poor", "feedback") == 0


def test_structural_detectors_track_intended_scores_on_tuning_set():
    docs = load_graded("tuning")
    for key in ("agenda", "feedback", "homework"):
        intended = [d["intended"][key] for d in docs]
        judged = [DETECTORS[key](SessionView.from_transcript(d["transcript"])).estimate for d in docs]
        assert spearmanr(intended, judged)[0] >= 0.8, key


def test_short_session_is_not_enough_to_rate_not_zero():
    s = rate(_session(("counsellor", "Hi, how are you?"), ("client", "Fine.")))
    assert s["status"] == "not_enough_to_rate" and s["total"] is None and s["competent"] is None
    assert all(i["score"] is None and i["status"] == "not_enough" for i in s["items"])
    assert all(i["rationale"] == "Not rated: the session is too short (see above)." for i in s["items"])
    # the plain-words message says what is missing and only that
    assert s["message"] in s["notes"]
    assert "at least 6 things said by the counsellor (this session has 1)" in s["message"]
    assert "at least 80 words in all (this session has only 5)" in s["message"]
    assert "Not enough to rate on the CTRS yet" in render_section("ctrs", s, "md")


def test_not_enough_message_names_only_what_is_missing():
    from clientsim.judge.ctrs.rater import not_enough_message

    msg = not_enough_message(3, 201)
    assert "things said by the counsellor (this session has 3)" in msg
    assert "201" not in msg and "words" not in msg


def test_modality_string_is_one_modality_not_letters():
    from clientsim.judge.ctrs.rater import modality_of

    assert modality_of({"modality": "CBT"}) == ["CBT"]
    assert modality_of({"modality": "cbt, MI"}) == ["CBT", "MI"]
    assert modality_of({"modality": ["CBT"]}) == ["CBT"]
    assert modality_of({}) == []
    long = _session(*(FILLER * 3))
    long["persona"]["modality"] = "CBT"
    assert rate(long, use_model=False)["off_modality"] is False


def test_non_cbt_persona_is_rated_but_marked_off_modality():
    doc = _doc("amara-4-adequate")
    t = dict(doc["transcript"], persona={"name": "Dan", "modality": ["MI"]})
    s = rate(t)
    assert s["off_modality"] is True and s["status"] == "rated"
    assert "Off-modality" in render_section("ctrs", s, "md") and "off-modality" in render_section("ctrs", s, "html")
    assert rate(doc["transcript"])["off_modality"] is False


def test_interrupted_session_marks_homework_not_applicable_instead_of_zero():
    opening = [("counsellor", "Shall we set an agenda for today? What would you like to put on the list?")]
    s = rate(_session(*(opening + FILLER * 2), status="interrupted"))
    hw = next(i for i in s["items"] if i["key"] == "homework")
    assert hw["status"] == "not_applicable" and hw["score"] is None
    feedback = next(i for i in s["items"] if i["key"] == "feedback")  # none asked yet: also not reached
    assert feedback["status"] == "not_applicable"
    assert s["rated_items"] == 9 and s["prorated_total"] is not None
    ended = rate(_session(*(opening + FILLER * 2)))
    assert next(i for i in ended["items"] if i["key"] == "homework")["score"] == 0


def test_every_rated_item_has_rationale_evidence_and_anchors():
    s = rate(_doc("amara-1-strong")["transcript"])
    assert [i["key"] for i in s["items"]] == list(ITEM_KEYS)
    for item in s["items"]:
        assert 0 <= item["score"] <= 6 and item["rationale"].endswith(".")
        assert set(item["anchors"]) == {"0", "2", "4", "6"}
    agenda = s["items"][0]
    assert agenda["evidence"] and agenda["evidence"][0]["turn_index"] == 0
    assert s["total"] == sum(i["score"] for i in s["items"]) and s["max_total"] == 66
    assert s["competent"] == (s["total"] >= 40)
    assert s["families"]["general"]["max"] == 36 and s["families"]["conceptual"]["max"] == 30


def test_strong_session_outscores_poor_session():
    strong = rate(_doc("riley-1-strong")["transcript"])["total"]
    poor = rate(_doc("marcus-2-poor")["transcript"])["total"]
    assert strong >= 40 > poor


def test_mi_codes_are_used_when_given_and_either_key_name_is_accepted():
    doc = _doc("amara-3-warm-unstructured")
    counsellor = [t for t in doc["transcript"]["turns"] if t["speaker"] == "counsellor"]
    coded = [{"turn_idx": t["index"], "code": "confront"} for t in counsellor[:2]]
    coded_alt = [{"turn_index": t["index"], "code": "confront"} for t in counsellor[:2]]
    plain = next(i for i in rate(doc["transcript"])["items"] if i["key"] == "interpersonal")["raw"]
    with_codes = next(i for i in rate(doc["transcript"], coded=coded)["items"] if i["key"] == "interpersonal")["raw"]
    assert with_codes < plain
    assert rate(doc["transcript"], coded=coded_alt)["items"][3]["raw"] == with_codes


def test_items_and_families_follow_the_scale():
    assert len(ITEMS) == 11 and [i.number for i in ITEMS] == list(range(1, 12))
    assert {i.family for i in ITEMS[:6]} == {"general"} and {i.family for i in ITEMS[6:]} == {"conceptual"}


def test_long_transcripts_are_fitted_to_the_token_budget_keeping_start_and_end():
    from clientsim.judge.ctrs import prompt

    turns = [("counsellor" if i % 2 == 0 else "client", f"turn {i} " + "word " * 80) for i in range(120)]
    lines = prompt.transcript_lines(_session(*turns))
    assert all(len(line.split()) <= prompt.MAX_TURN_WORDS + 4 for line in lines)
    fitted = prompt.fit_lines(lines, lambda s: len(s.split()), budget=2000)
    assert len(" ".join(fitted).split()) <= 2000
    assert fitted[0].startswith("T0 ") and fitted[-1].startswith("T119 ")
    assert any("omitted" in line for line in fitted)


def test_every_item_prompt_shares_the_transcript_prefix():
    from clientsim.judge.ctrs import prompt

    t = _doc("riley-1-strong")["transcript"]
    lines = prompt.transcript_lines(t)
    texts = [prompt.messages(t, lines, it)[1]["content"] for it in ITEMS]
    shared = texts[0][: texts[0].index("Rate item")]
    assert all(x.startswith(shared) for x in texts) and len(shared) > 0.8 * max(len(x) for x in texts)
