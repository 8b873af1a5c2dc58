"""The report in the database: its codes, the whole report and the scores that progress over sessions reads."""

from __future__ import annotations

from clientsim.judge.report.build import NOT_RATED


def score_rows(report: dict) -> dict[str, float]:
    s = report["mi"]["summary"]
    out: dict[str, float] = {}
    for key in ("technical", "relational", "reflection_to_question", "percent_complex_reflections",
                "percent_open_questions", "mi_adherent", "mi_non_adherent", "change_talk", "sustain_talk",
                "questions", "reflections", "counsellor_turns"):
        if s.get(key) is not None:
            out[f"mi.{key}"] = float(s[key])
    for key, value in s["globals"].items():
        if value is not None:
            out[f"mi.{key}"] = float(value)
    if s["band"] != NOT_RATED:
        out["mi.band"] = float(("below fair", "fair", "good").index(s["band"]))
    return out


def save_report_to_db(db, session_id: str, report: dict) -> None:
    """Store the codes, the whole report and the scores (for progress over sessions)."""
    rows = [
        {"turn_idx": t["index"], "code": t["code"], "family": t.get("family"), "talk_type": t.get("talk_type"),
         "confidence": t["confidence"], "others": list(t.get("others") or [])}
        for t in report["mi"]["turns"]
    ]
    db.save_codes(session_id, rows)
    db.save_report(session_id, "full", report)
    db.save_scores(session_id, score_rows(report))
