"""Session figures from coded turns: MITI 4.2.1 summary scores, estimated
global ratings, composites, proficiency thresholds and the overall band.

The global ratings are estimated by documented rules (docs/mi-judge.md):
AnnoMI labels whole sessions only as high or low quality, so there is no
rating to fit directly. Each rule reads observable behaviour (how the
counsellor answers change and sustain talk, how much they reflect, ask,
inform, persuade) and maps it linearly onto 1-5.
"""

from __future__ import annotations

from collections import Counter

from clientsim.judge.mi import ratings
from clientsim.judge.mi.codes import CODES, MI_ADHERENT, MI_NON_ADHERENT

GOOD_TO_CHANGE = {"open_question", "simple_reflection", "complex_reflection", "affirm"}
GOOD_TO_SUSTAIN = {"simple_reflection", "complex_reflection", "emphasizing_autonomy", "seeking_collaboration"}
BAD_TO_SUSTAIN = {"persuade", "confront", "giving_information"}

# MITI 4.2.1 proficiency thresholds (Moyers, Manuel & Ernst 2014, "Summary
# scores" table: "fair" and "good" levels of clinician performance).
THRESHOLDS = {
    "technical": {"fair": 3.0, "good": 4.0},
    "relational": {"fair": 3.5, "good": 4.0},
    "percent_complex_reflections": {"fair": 40.0, "good": 50.0},
    "reflection_to_question": {"fair": 1.0, "good": 2.0},
}
BANDS = ("below fair", "fair", "good")

# MITI 4.2.1 global anchors: a clinician who argues, labels or shames (Confront) is not working in partnership
# and is not showing accurate empathy at that moment, and one who lectures (repeated unasked advice, the righting
# reflex) takes the expert role. The estimated globals (fitted on AnnoMI, which has few such moves) are capped
# when the session shows them, so a lecture or a confrontation cannot sit beside a "good" relational rating.
CONFRONT_CAP = 3.0  # partnership and empathy after any confrontation (relational then below fair: 3.5)
LECTURE_CAP = 3.0  # partnership and softening sustain talk after a lecture
LECTURE_MIN_PERSUADE = 3  # unasked advice or warnings in the session ...
LECTURE_MIN_SHARE = 0.2  # ... or this share of the counsellor's turns, whichever is smaller (at least 2)


def _ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def level(metric: str, value: float | None) -> str:
    """'good', 'fair' or 'below fair' against the MITI threshold of one figure."""
    if value is None:
        return "not enough data"
    t = THRESHOLDS[metric]
    if value >= t["good"]:
        return "good"
    if value >= t["fair"]:
        return "fair"
    return "below fair"


def _responses(turns: list[dict], codes: list[dict], talk: str) -> list[str]:
    """Code of the counsellor turn that answers each client turn of one talk type."""
    out = []
    for i, (t, c) in enumerate(zip(turns, codes)):
        if t["speaker"] != "client" or c.get("talk_type") != talk:
            continue
        for j in range(i + 1, len(turns)):
            if turns[j]["speaker"] == "counsellor":
                out.append(codes[j]["code"])
                break
            if turns[j]["speaker"] == "client" and codes[j].get("talk_type") != talk:
                break
    return out


def session_metrics(turns: list[dict], codes: list[dict], weights: dict | None = None) -> dict:
    """turns: [{"speaker", "text"}] (speaker already counsellor|client); codes: MiCoder rows."""
    counsellor = [c for t, c in zip(turns, codes) if t["speaker"] == "counsellor" and c.get("confidence", 0) > 0]
    client = [c for t, c in zip(turns, codes) if t["speaker"] == "client" and c.get("confidence", 0) > 0]
    counts = Counter(c["code"] for c in counsellor)
    code_counts = {code: counts.get(code, 0) for code in CODES}  # main codes: what the fitted score reads
    # MI-adherent / non-adherent behaviours are counted wherever they occur in a turn
    behaviour = Counter()
    for c in counsellor:
        for code in {c["code"], *c.get("others", [])}:
            behaviour[code] += 1
    oq, cq = counts["open_question"], counts["closed_question"]
    sr, cr = counts["simple_reflection"], counts["complex_reflection"]
    q, r = oq + cq, sr + cr
    talk = Counter(c["talk_type"] for c in client)
    change, sustain = talk.get("change", 0), talk.get("sustain", 0)

    rq = _ratio(r, q)
    if rq is None and r > 0:
        rq = float(r)  # reflections and no questions: at least as good as r:1
    pct_cr = None if r == 0 else 100.0 * cr / r
    pct_oq = None if q == 0 else 100.0 * oq / q
    mia = sum(behaviour[c] for c in MI_ADHERENT)
    mina = sum(behaviour[c] for c in MI_NON_ADHERENT)

    # --- global ratings (ratings.py; reasoning in docs/mi-judge.md)
    ct_resp = _responses(turns, codes, "change")
    st_resp = _responses(turns, codes, "sustain")
    ct_good = (sum(c in GOOD_TO_CHANGE for c in ct_resp) / len(ct_resp)) if ct_resp else None
    st_good = (sum(c in GOOD_TO_SUSTAIN for c in st_resp) / len(st_resp)) if st_resp else None
    st_bad = (sum(c in BAD_TO_SUSTAIN for c in st_resp) / len(st_resp)) if st_resp else 0.0
    partial = {"counsellor_turns": len(counsellor), "code_counts": code_counts, "reflections": r,
               "complex_reflections": cr, "questions": q, "mi_adherent": mia, "mi_non_adherent": mina}
    globals_, z = ratings.global_ratings(partial, ct_good, st_good, st_bad, weights)
    caps = _cap_globals(globals_, behaviour, len(counsellor))
    technical = round((globals_["cultivating_change_talk"] + globals_["softening_sustain_talk"]) / 2, 2)
    relational = round((globals_["partnership"] + globals_["empathy"]) / 2, 2)

    figures = {
        "technical": technical,
        "relational": relational,
        "percent_complex_reflections": None if pct_cr is None else round(pct_cr, 1),
        "reflection_to_question": None if rq is None else round(rq, 2),
    }
    thresholds = {
        k: {"value": v, **THRESHOLDS[k], "level": level(k, v)} for k, v in figures.items()
    }
    return {
        "counsellor_turns": len(counsellor),
        "client_turns": len(client),
        "code_counts": code_counts,
        # every code a line holds, main and secondary, as the transcript shows them (MITI codes each utterance,
        # and one typed line can hold several); R:Q and %CR use the main codes
        "code_counts_all": {code: behaviour.get(code, 0) for code in CODES},
        "questions": q,
        "reflections": r,
        "open_questions": oq,
        "closed_questions": cq,
        "simple_reflections": sr,
        "complex_reflections": cr,
        "reflection_to_question": figures["reflection_to_question"],
        "percent_complex_reflections": figures["percent_complex_reflections"],
        "percent_open_questions": None if pct_oq is None else round(pct_oq, 1),
        "mi_adherent": mia,
        "mi_adherent_by_code": {c: behaviour[c] for c in MI_ADHERENT},
        "persuade_with_permission": behaviour["persuade_with_permission"],
        "mi_non_adherent": mina,
        "mi_non_adherent_by_code": {c: behaviour[c] for c in MI_NON_ADHERENT},
        "change_talk": change,
        "sustain_talk": sustain,
        "neutral_talk": talk.get("neutral", 0),
        "percent_change_talk": None if change + sustain == 0 else round(100.0 * change / (change + sustain), 1),
        "globals": globals_,
        "global_caps": caps,
        "mi_evidence_score": z,
        "change_talk_answered_well": None if ct_good is None else round(ct_good, 2),
        "sustain_talk_answered_well": None if st_good is None else round(st_good, 2),
        "sustain_talk_answered_badly": round(st_bad, 2),
        "technical": technical,
        "relational": relational,
        "thresholds": thresholds,
        "band": band(technical, relational, figures),
    }


def _cap_globals(globals_: dict, behaviour: Counter, n_turns: int) -> list[str]:
    """Apply the confrontation and lecture caps in place; return what was capped, in plain words."""
    notes = []
    if behaviour["confront"]:
        for k in ("partnership", "empathy"):
            globals_[k] = min(globals_[k], CONFRONT_CAP)
        notes.append(f"Partnership and empathy are at most {CONFRONT_CAP:.0f} because the session has "
                     f"{behaviour['confront']} confrontation(s) (arguing, labelling or shaming the client).")
    need = max(2, min(LECTURE_MIN_PERSUADE, round(LECTURE_MIN_SHARE * n_turns)))
    if behaviour["persuade"] >= need:
        for k in ("partnership", "softening_sustain_talk"):
            globals_[k] = min(globals_[k], LECTURE_CAP)
        notes.append(f"Partnership and softening sustain talk are at most {LECTURE_CAP:.0f} because the counsellor "
                     f"gave advice or warnings without asking {behaviour['persuade']} times (lecturing).")
    return notes


def band(technical: float, relational: float, figures: dict) -> str:
    """Overall band: both composites decide fair; good also needs %CR and R:Q at good.

    The R:Q and %CR thresholds alone are not used for 'fair': in the expert
    demonstration sessions of AnnoMI most high-quality sessions are short and
    question-led (see docs/mi-judge.md), and the composites separate high
    from low quality far better.
    """
    if technical >= THRESHOLDS["technical"]["fair"] and relational >= THRESHOLDS["relational"]["fair"]:
        good = (
            technical >= THRESHOLDS["technical"]["good"]
            and relational >= THRESHOLDS["relational"]["good"]
            and level("percent_complex_reflections", figures["percent_complex_reflections"]) == "good"
            and level("reflection_to_question", figures["reflection_to_question"]) == "good"
        )
        return "good" if good else "fair"
    return "below fair"
