"""Session metrics on hand-made coded transcripts with known counts."""

from __future__ import annotations

import pytest

from clientsim.judge.mi.metrics import THRESHOLDS, band, level, session_metrics


def c(code, family, others=(), conf=0.9):
    return {"code": code, "family": family, "talk_type": None, "confidence": conf, "others": list(others)}


def t(talk, conf=0.9):
    return {"code": talk, "family": None, "talk_type": talk, "confidence": conf, "others": []}


def session(rows):
    turns = [{"speaker": "counsellor" if r["family"] is not None else "client", "text": "x"} for r in rows]
    return turns, rows


def test_counts_ratios_and_adherence():
    rows = [
        c("open_question", "question"), t("change"),
        c("complex_reflection", "reflection"), t("change"),
        c("simple_reflection", "reflection"), t("sustain"),
        c("complex_reflection", "reflection", others=["affirm"]), t("neutral"),
        c("closed_question", "question"), t("sustain"),
        c("persuade", "input"), t("sustain"),
        c("emphasizing_autonomy", "other"), t("change"),
        c("confront", "other"), t("neutral"),
        c("persuade_with_permission", "input"),
        c("other", "other", conf=0.0),  # an empty turn: not counted
    ]
    m = session_metrics(*session(rows))
    assert m["counsellor_turns"] == 9
    assert m["questions"] == 2 and m["reflections"] == 3
    assert m["open_questions"] == 1 and m["closed_questions"] == 1
    assert m["reflection_to_question"] == 1.5
    assert m["percent_complex_reflections"] == pytest.approx(66.7)
    assert m["percent_open_questions"] == 50.0
    # MITI 4.2.1: MIA = seek + affirm + autonomy (affirm counted from "others"), MINA = confront + persuade
    assert m["mi_adherent"] == 2
    assert m["mi_adherent_by_code"] == {"affirm": 1, "seeking_collaboration": 0, "emphasizing_autonomy": 1}
    assert m["persuade_with_permission"] == 1
    assert m["mi_non_adherent"] == 2
    assert m["change_talk"] == 3 and m["sustain_talk"] == 3 and m["neutral_talk"] == 2
    assert m["code_counts"]["complex_reflection"] == 2
    assert sum(m["code_counts"].values()) == 9
    assert m["technical"] == pytest.approx((m["globals"]["cultivating_change_talk"]
                                            + m["globals"]["softening_sustain_talk"]) / 2, abs=0.01)
    assert m["relational"] == pytest.approx((m["globals"]["partnership"] + m["globals"]["empathy"]) / 2, abs=0.01)
    for g in m["globals"].values():
        assert 1.0 <= g <= 5.0
    assert m["thresholds"]["reflection_to_question"] == {"value": 1.5, "fair": 1.0, "good": 2.0, "level": "fair"}
    assert m["thresholds"]["percent_complex_reflections"]["level"] == "good"


def test_no_questions_and_no_reflections():
    m = session_metrics(*session([c("giving_information", "input"), t("neutral")]))
    assert m["reflection_to_question"] is None and m["percent_complex_reflections"] is None
    assert m["thresholds"]["reflection_to_question"]["level"] == "not enough data"
    only_refl = session_metrics(*session([c("simple_reflection", "reflection"), c("simple_reflection", "reflection")]))
    assert only_refl["reflection_to_question"] == 2.0  # reflections and no question: counted as r:1


def test_reflective_session_scores_higher_than_a_lecture():
    mi = [c("open_question", "question"), t("change"), c("complex_reflection", "reflection"), t("sustain"),
          c("complex_reflection", "reflection"), t("change"), c("simple_reflection", "reflection"), t("change"),
          c("emphasizing_autonomy", "other"), t("change"), c("complex_reflection", "reflection")]
    lecture = [c("closed_question", "question"), t("sustain"), c("persuade", "input"), t("sustain"),
               c("confront", "other"), t("sustain"), c("giving_information", "input"), t("neutral"),
               c("persuade", "input")]
    good, bad = session_metrics(*session(mi)), session_metrics(*session(lecture))
    for k in good["globals"]:
        assert good["globals"][k] > bad["globals"][k], k
    assert good["band"] in ("fair", "good") and bad["band"] == "below fair"


def test_threshold_levels_and_band_rule():
    assert THRESHOLDS["technical"] == {"fair": 3.0, "good": 4.0}
    assert THRESHOLDS["relational"] == {"fair": 3.5, "good": 4.0}
    assert level("percent_complex_reflections", 39.9) == "below fair"
    assert level("percent_complex_reflections", 40) == "fair"
    assert level("reflection_to_question", 2.0) == "good"
    figs_good = {"percent_complex_reflections": 55.0, "reflection_to_question": 2.5}
    assert band(4.2, 4.1, figs_good) == "good"
    assert band(4.2, 4.1, {"percent_complex_reflections": 45.0, "reflection_to_question": 2.5}) == "fair"
    assert band(3.0, 3.5, figs_good) == "fair"
    assert band(2.9, 4.5, figs_good) == "below fair"
    assert band(4.5, 3.4, figs_good) == "below fair"
