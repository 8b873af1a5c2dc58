"""Progress page (charts, filters, click to open, CSV and PDF exports), band and delete on past sessions."""

from __future__ import annotations

import csv
import random
import sqlite3
from datetime import timedelta

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QMessageBox

from clientsim import paths
from clientsim.bench.progress import fill, sample_report
from clientsim.judge.report import score_rows
from clientsim.progress import CHARTS, filter_sessions, load_progress, write_scores_csv
from clientsim.settings import Settings
from clientsim.storage import Database
from clientsim.ui.timefmt import human_time
from clientsim.ui.main_window import HISTORY, PROGRESS, SESSION, MainWindow
from ui_helpers import make_past_session



@pytest.fixture
def filled():
    db = Database.open()
    ids = fill(db, 30, seed=3)
    db.close()
    return ids


def _reviewed_past_session(approach: str = "MI") -> str:
    from clientsim.personas import PersonaLibrary

    persona = next(p for p in PersonaLibrary.load().all() if approach in p.modality)
    sid = make_past_session(persona)
    db = Database.open()
    report = sample_report(random.Random(1), sid, approach, 100)
    db.save_report(sid, "full", report)
    db.save_scores(sid, score_rows(report))
    db.close()
    return sid


def _window(qtbot, size=(1240, 820)) -> MainWindow:
    w = MainWindow(load_model=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.wait(20)
    w.resize(*size)  # after show: the offscreen screen is only 800x800 and the window fits itself to it
    return w


def _show_progress(w: MainWindow, qtbot) -> None:
    w.activateWindow()
    qtbot.waitUntil(lambda: w.isActiveWindow(), timeout=5000)
    with qtbot.waitSignal(w.progress_view.drawn, timeout=20000):
        qtbot.keyClick(w, Qt.Key_4, Qt.ControlModifier)
    qtbot.waitUntil(lambda: not w.progress_view.is_drawing(), timeout=10000)


# ---------------------------------------------------------------- core (no Qt)

def test_load_progress_reads_scores_and_report_figures(filled):
    rows = load_progress(paths.database_path())
    assert [r.session_id for r in rows] == filled  # oldest first
    mi = next(r for r in rows if r.persona_id == "maria")
    cbt = next(r for r in rows if r.persona_id == "james")
    for metric in ("mi.reflection_to_question", "mi.percent_complex_reflections", "mi.percent_open_questions",
                   "mi.technical", "mi.relational", "mi.empathy", "mi.band", "mi.percent_change_talk",
                   "safety.flags", "client.readiness", "client.trust"):
        assert metric in mi.values, metric
    assert "ctrs.prorated_total" not in mi.values
    assert cbt.values["ctrs.prorated_total"] == cbt.values["ctrs.total"]
    assert sum(v for k, v in cbt.values.items() if k.startswith("ctrs.item.")) == cbt.values["ctrs.total"]
    assert "client.belief" in cbt.values and "client.readiness" not in cbt.values
    con = sqlite3.connect(paths.database_path())
    stored = {sid: v for sid, v in con.execute("SELECT session_id, value FROM scores WHERE metric = 'mi.band'")}
    con.close()
    assert mi.band == ("below fair", "fair", "good")[int(stored[mi.session_id])]
    assert {r.band for r in rows if r.session_id in stored} == {("below fair", "fair", "good")[int(v)]
                                                                 for v in stored.values()}
    assert {c.key for c in CHARTS} >= {"rq", "complex", "open", "technical", "relational", "ctrs_total",
                                       "ctrs_items", "safety", "change_talk", "readiness"}


def test_filters_by_persona_approach_and_dates(filled):
    rows = load_progress(paths.database_path())
    assert {r.persona_id for r in filter_sessions(rows, persona_id="sam")} == {"sam"}
    assert {r.persona_id for r in filter_sessions(rows, approach="CBT")} == {"james", "sam"}
    assert {r.persona_id for r in filter_sessions(rows, approach="MI")} == {"maria", "sam"}
    last = rows[-1].day
    recent = filter_sessions(rows, start=last - timedelta(days=4))
    assert 4 <= len(recent) <= 6 and all(r.day >= last - timedelta(days=4) for r in recent)
    assert filter_sessions(rows, end=rows[0].day - timedelta(days=1)) == []


def test_sessions_without_review_are_not_charted(filled):
    from clientsim.personas import PersonaLibrary

    make_past_session(PersonaLibrary.load().all()[0])
    rows = load_progress(paths.database_path())
    assert len(rows) == 31 and len(filter_sessions(rows)) == 30


def test_csv_has_every_stored_score(filled, tmp_path):
    rows = load_progress(paths.database_path())
    out = write_scores_csv(rows, tmp_path / "scores.csv")
    table = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(table) == 30
    con = sqlite3.connect(paths.database_path())
    stored = {m for (m,) in con.execute("SELECT DISTINCT metric FROM scores")}
    con.close()
    assert stored <= set(table[0])  # every metric in the scores table is a column
    assert {"ctrs.total", "safety.flags", "client.trust", "band", "persona", "approach"} <= set(table[0])
    first = table[0]
    assert first["session_id"] == filled[0] and first["band"] == next(r.band for r in rows if r.session_id == filled[0])


def test_database_delete_removes_turns_codes_reports_and_scores(filled):
    db = Database.open()
    sid = filled[0]
    db.save_codes(sid, [{"turn_idx": 1, "code": "open_question", "family": "question", "talk_type": None,
                         "confidence": 0.9, "others": []}])
    assert db.delete_session(sid) is True
    assert db.get_session(sid) is None and db.get_turns(sid) == [] and db.get_codes(sid) == []
    assert db.get_report(sid, "full") is None
    assert sid not in {s for s, _a, _v in db.score_history("mi.band")}
    assert db.delete_session(sid) is False
    assert len(db.list_sessions()) == 29
    db.close()


def test_human_time():
    from datetime import datetime

    now = datetime(2026, 12, 2, 15, 0).astimezone()
    assert human_time(now.replace(hour=9, minute=5).isoformat(), now) == "today 09:05"
    assert human_time((now - timedelta(days=1)).isoformat(), now) == "yesterday 15:00"
    assert human_time((now - timedelta(days=40)).isoformat(), now) == "23 Oct 2026 15:00"
    assert human_time(None) == "?"


# ---------------------------------------------------------------- the page

def test_progress_page_is_the_fourth_section_and_draws_the_charts(qtbot, filled):
    w = _window(qtbot)
    _show_progress(w, qtbot)
    pv = w.progress_view
    assert w.stack.currentIndex() == PROGRESS and w.nav.item(PROGRESS).text() == "Progress"
    assert len(filter_sessions(pv.rows)) == 30
    assert set(pv.visible_charts()) == {c.key for c in CHARTS}
    rq = pv.panels["rq"]
    lines = [i for i in rq.plot.getPlotItem().items if i.__class__.__name__ == "InfiniteLine"]
    assert sorted(line.value() for line in lines) == [1.0, 2.0]  # MITI fair and good
    assert len(rq.series["mi.reflection_to_question"][0]) == 30  # the MI coder reads every session
    assert "30 reviewed sessions" in pv.status.text()

    # CBT only: the MI charts are hidden, the CTRS ones and the shared ones stay
    with qtbot.waitSignal(pv.drawn, timeout=10000):
        pv.approach.setCurrentIndex(pv.approach.findData("CBT"))
    assert set(pv.visible_charts()) == {"ctrs_total", "ctrs_items", "safety", "change_talk", "readiness"}
    assert "20 reviewed sessions (of 30)" in pv.status.text()  # james and sam
    with qtbot.waitSignal(pv.drawn, timeout=10000):
        pv.persona.setCurrentIndex(pv.persona.findData("james"))
    assert "10 reviewed sessions (of 30)" in pv.status.text()
    with qtbot.waitSignal(pv.drawn, timeout=10000):
        pv.approach.setCurrentIndex(pv.approach.findData("MI"))
    assert pv.empty.isVisibleTo(pv) and "None of your 30" in pv.status.text()
    with qtbot.waitSignal(pv.drawn, timeout=10000):
        pv.approach.setCurrentIndex(pv.approach.findData("CBT"))
    assert len(pv.panels["ctrs_total"].series["ctrs.prorated_total"][0]) == 10


def test_click_on_a_point_opens_that_sessions_review(qtbot):
    sid = _reviewed_past_session("MI")
    w = _window(qtbot)
    _show_progress(w, qtbot)
    panel = w.progress_view.panels["rq"]
    xs, ys, ids = panel.series["mi.reflection_to_question"]
    assert ids == [sid]
    vb = panel.plot.getPlotItem().getViewBox()
    pos = panel.plot.mapFromScene(vb.mapViewToScene(QPointF(xs[0], ys[0])))
    qtbot.mouseClick(panel.plot.viewport(), Qt.LeftButton, pos=pos)
    qtbot.waitUntil(lambda: w.stack.currentIndex() == SESSION, timeout=5000)
    assert w.session_view.session.id == sid and w.session_view.read_only


def test_empty_progress_page_says_what_to_do(qtbot):
    w = _window(qtbot)
    _show_progress(w, qtbot)
    pv = w.progress_view
    assert pv.empty.isVisibleTo(pv) and "No reviewed sessions yet" in pv.empty.text()
    assert not pv.pdf_button.isEnabled() and not pv.csv_button.isEnabled()


def test_exports_csv_and_pdf_portfolio(qtbot, filled, tmp_path):
    s = Settings.load()
    s.student_name = "Ada Student"
    s.save()
    w = _window(qtbot)
    _show_progress(w, qtbot)
    out = w.export_scores_csv(tmp_path / "scores.csv")
    assert out and len(out.read_text(encoding="utf-8").splitlines()) == 31
    assert f"to {out}" in " ".join(w.message_bar.texts())
    pdf = w.export_portfolio(tmp_path / "portfolio.pdf", session_ids=filled[-3:])
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 20000
    assert "3 reviews" in " ".join(w.message_bar.texts()) and "10 charts" in " ".join(w.message_bar.texts())


def test_portfolio_dialog_lists_the_filtered_sessions_ticked(qtbot, filled):
    from clientsim.ui.portfolio import PortfolioDialog

    rows = filter_sessions(load_progress(paths.database_path()), persona_id="maria")
    dlg = PortfolioDialog(rows)
    qtbot.addWidget(dlg)
    assert dlg.list.count() == 10 and dlg.chosen() == [r.session_id for r in rows]
    dlg.list.item(0).setCheckState(Qt.Unchecked)  # the newest
    assert dlg.chosen() == [r.session_id for r in rows[:-1]]


# ---------------------------------------------------------------- past sessions

def test_past_sessions_show_the_band_and_can_be_deleted(qtbot, monkeypatch):
    from clientsim.personas import PersonaLibrary

    reviewed = _reviewed_past_session("MI")
    plain = make_past_session(PersonaLibrary.load().all()[0])
    w = _window(qtbot)
    w.activateWindow()
    qtbot.waitUntil(lambda: w.isActiveWindow(), timeout=5000)
    w.show_page(HISTORY)
    hv = w.history_view
    assert hv.band_texts()[reviewed] in ("Below fair", "Fair", "Good") and hv.band_texts()[plain] == "–"

    # Cancel keeps it; Yes removes it and says so
    hv.tree.setCurrentItem(hv.tree.topLevelItem(hv.ids().index(plain)))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Cancel)
    qtbot.mouseClick(hv.delete_button, Qt.LeftButton)
    assert plain in hv.ids()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    hv.tree.setFocus()
    qtbot.keyClick(hv.tree, Qt.Key_Delete)
    assert hv.ids() == [reviewed]
    assert "Deleted the session" in " ".join(w.message_bar.texts())
    assert Database.open().get_session(plain) is None


def test_a_session_open_read_only_can_be_deleted_and_is_closed(qtbot):
    sid = _reviewed_past_session("MI")
    w = _window(qtbot)
    w.open_past_session(sid)
    assert w.session_view.has_session()
    assert w.delete_past_session(sid, confirm=False)
    assert not w.session_view.has_session()


# ---------------------------------------------------------------- sizes

@pytest.mark.parametrize("size,font", [((1024, 640), 9), ((1024, 640), 16), ((1600, 1000), 11), ((2560, 1440), 22)])
def test_progress_page_screenshots(qtbot, filled, screenshots_dir, size, font):
    s = Settings.load()
    s.font_size = font
    s.save()
    w = _window(qtbot, size)
    _show_progress(w, qtbot)
    pv = w.progress_view
    for button in (pv.csv_button, pv.pdf_button):
        assert button.isVisible() and button.width() >= button.sizeHint().width() - 2, button.text()
    assert pv.scroll.isVisible()
    w.grab().save(str(screenshots_dir / f"progress-{size[0]}x{size[1]}-{font}pt.png"))


def test_cli_progress_show_and_csv(filled, tmp_path, capsys):
    from clientsim.cli.main import main

    assert main(["progress", "show", "--persona", "james"]) == 0
    out = capsys.readouterr().out
    assert len(out.strip().splitlines()) == 11 and "CTRS" in out
    assert main(["progress", "csv", "--approach", "MI", "-o", str(tmp_path / "s.csv")]) == 0
    assert len((tmp_path / "s.csv").read_text(encoding="utf-8").splitlines()) == 21
