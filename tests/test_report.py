"""SessionReport: HTML with thresholds and inline codes, PDF, storage, the Qt view, cancelling."""

from __future__ import annotations

import json

import pytest

from clientsim.core.jobs import Cancelled, JobState
from clientsim.judge.report import build_report, make_report, render, save, save_report_to_db
from mi_sample import TURNS, transcript


@pytest.fixture(scope="module")
def report():
    return build_report(transcript())


def test_report_sections_and_hooks(report):
    json.dumps(report)  # JSON-able
    assert report["mi"]["summary"]["thresholds"]["relational"]["fair"] == 3.5
    assert 2 <= len(report["mi"]["strengths"]) + len(report["mi"]["things_to_try"])
    for item in report["mi"]["strengths"] + report["mi"]["things_to_try"]:
        turn = next(t for t in report["mi"]["turns"] if t["index"] == item["turn_index"])
        assert item["quote"].rstrip(" …") in turn["text"]
    # the safety module is installed in this tree: its section is present, flags carry turn_index
    assert "safety" in report and isinstance(report["safety"].get("flags"), list)


def test_a_short_session_is_said_to_be_short(report):
    # the sample has 6 counsellor turns: the band is given, and the report says it rests on little talk
    assert report["mi"]["summary"]["counsellor_turns"] == 6
    assert any("short session (6 counsellor turn(s))" in w for w in report["warnings"])
    assert "short session" in render(report, "html")
    longer = transcript(TURNS * 2)
    assert not any("short session" in w for w in build_report(longer)["warnings"])


def test_html_has_thresholds_inline_codes_and_text_labels(report):
    html = render(report, "html")
    for needle in ("Reflections per question (R:Q)", "1 : 1", "2 : 1", "40%", "50%", "Relational global",
                   "3.5", "Technical global"):
        assert needle in html, needle
    # codes inline with colour class AND words
    assert 'class="code fam-question"' in html and "[Closed question ·" in html
    assert "[Persuade ·" in html and 'class="code mi-bad"' in html
    assert 'id="turn-0"' in html and "<style>" in html and "http" not in html.split("<body>")[0]


def test_markdown(report):
    md = render(report, "md")
    assert "| Complex reflections (%CR) |" in md and "Overall band" in md


def test_pdf_is_written_by_the_qt_side(report, tmp_path):
    from clientsim.core.errors import UserError
    from clientsim.ui.report_pdf import write_pdf

    with pytest.raises(UserError, match="drawn by Qt"):
        save(report, tmp_path / "report.pdf")
    path = write_pdf(report, tmp_path / "out" / "report.pdf")
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 2000


def test_save_to_database(report, tmp_path):
    from clientsim.storage import Database, now_iso

    with Database.open(tmp_path / "db.sqlite3") as db:
        db.create_session(session_id="sess-1", persona={"id": "dan"}, model={"name": "m"}, seed=0,
                          started_at=now_iso())
        save_report_to_db(db, "sess-1", report)
        codes = db.get_codes("sess-1")
        assert len(codes) == len(report["mi"]["turns"])
        assert codes[2]["code"] == report["mi"]["turns"][2]["code"]
        assert db.get_report("sess-1", "full")["mi"]["band"] == report["mi"]["band"]
        hist = db.score_history("mi.relational")
        assert hist and hist[-1][2] == pytest.approx(report["mi"]["summary"]["relational"])


def test_progress_and_cancel():
    seen = []
    state = JobState(on_progress=lambda f, m: seen.append(m))
    rep = make_report(transcript(), None, state)
    assert rep["mi"]["turns"] and {"coding turns", "metrics", "suggestions"} <= set(seen)
    cancelled = JobState()
    cancelled.cancel()
    with pytest.raises(Cancelled):
        make_report(transcript(), None, cancelled)


def test_report_view(qtbot, report, tmp_path):
    from clientsim.ui.report_view import ReportView

    view = ReportView()
    qtbot.addWidget(view)
    assert not view.save_pdf_button.isEnabled()
    view.set_report(report)
    assert view.save_html_button.isEnabled() and view.save_pdf_button.accessibleName()
    assert "Closed question" in view.browser.toPlainText()
    html_path = view.save_to(tmp_path / "r.html", "html")
    pdf_path = view.save_to(tmp_path / "r.pdf", "pdf")
    assert "Relational global" in html_path.read_text() and pdf_path.read_bytes()[:4] == b"%PDF"
