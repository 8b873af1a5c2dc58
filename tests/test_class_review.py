"""Class review: the student's name in exports, and `clientsim class report` over a folder of exports."""

from __future__ import annotations

import collections
import csv
import json
import shutil
import time
from pathlib import Path

import pytest

from clientsim.classroom import build_class_report, read_folder
from clientsim.classroom.output import render_html, sessions_csv, students_csv, write_report
from clientsim.cli.main import main
from clientsim.judge.report import build_report
from clientsim.personas import PersonaLibrary
from clientsim.sessions.transcript import read_transcript, validate_transcript
from clientsim.settings import STUDENT_NAME_MAX, Settings
from clientsim.storage import Database
from mi_sample import TURNS

REPO = Path(__file__).resolve().parents[1]

CBT_TURNS = [
    ("counsellor", "Last week we agreed you'd try speaking up once in the team meeting. How did that go?"),
    ("client", "I didn't manage it. I kept thinking everyone would think I'm stupid."),
    ("counsellor", "So the thought was 'they'll think I'm stupid'. How strongly did you believe it, 0 to 100?"),
    ("client", "About 90 percent."),
    ("counsellor", "What evidence do you have for that thought, and what evidence against it?"),
    ("client", "Well, nobody has actually said that. My manager said my report was good."),
    ("counsellor", "Shall we put that on the agenda for today, along with planning another small experiment?"),
    ("client", "Okay, that sounds alright."),
    ("counsellor", "What would be a fair experiment to test the thought this week?"),
    ("client", "I could ask one question in Thursday's meeting."),
    ("counsellor", "For homework, then: ask one question on Thursday and write down what happens and how you feel."),
    ("client", "Okay. I'll write it in my notebook."),
    ("counsellor", "Let me summarise what we covered, and could you tell me how today's session felt?"),
    ("client", "It helped to write the thought down."),
]


def export(pid: str, sid: str, student: str | None, turns=TURNS, started="2026-11-20T09:00:00.000Z",
           minutes: int = 20) -> dict:
    persona = PersonaLibrary.load([REPO / "personas"]).get(pid).to_dict()
    data = {
        "format": "clientsim.session/1", "id": sid, "persona": persona,
        "model": {"name": "test"}, "seed": 0, "started_at": started,
        "ended_at": started.replace("09:00", f"09:{minutes:02d}"), "status": "ended",
        "turns": [{"index": i, "speaker": s, "text": t, "at": started} for i, (s, t) in enumerate(turns)],
    }
    if student is not None:
        data["student"] = {"name": student}
    assert validate_transcript(data) == []
    return data


@pytest.fixture
def folder(tmp_path) -> Path:
    d = tmp_path / "class"
    (d / "week2").mkdir(parents=True)
    files = {
        "ana-1.json": export("daniel-alcohol", "s1", "Ana Lima"),
        "ana-2.json": export("amara-social-anxiety", "s2", "Ana Lima", CBT_TURNS, "2026-11-27T09:00:00Z", 35),
        "week2/ben.json": export("linh-smoking", "s3", "=HYPERLINK(\"http://x\")"),
        "week2/nameless.json": export("linh-smoking", "s4", None, minutes=5),
        "week2/xss.json": export("linh-smoking", "s5", "<script>alert(1)</script>"),
    }
    for name, data in files.items():
        (d / name).write_text(json.dumps(data), encoding="utf-8")
    shutil.copy(d / "ana-1.json", d / "week2" / "ana-1-copy.json")  # duplicate
    reimported = export("daniel-alcohol", "s1-imported-elsewhere", "Ana Lima")  # same talk, new id
    (d / "week2" / "ana-1-again.json").write_text(json.dumps(reimported), encoding="utf-8")
    (d / "broken.json").write_text('{"format": "clientsim.session/1", "id": ', encoding="utf-8")
    newer = export("linh-smoking", "s9", "Cara")
    newer["format"] = "clientsim.session/2"
    (d / "newer.json").write_text(json.dumps(newer), encoding="utf-8")
    bad_turns = export("linh-smoking", "s10", "Cara")
    bad_turns["turns"][1]["speaker"] = "narrator"
    (d / "bad-turns.json").write_text(json.dumps(bad_turns), encoding="utf-8")
    (d / "list.json").write_text("[1, 2]", encoding="utf-8")
    (d / "notes.txt").write_text("not read", encoding="utf-8")
    return d


# --- the student's name --------------------------------------------------------------------


def test_settings_keep_a_clean_student_name(tmp_path):
    s = Settings()
    assert s.student_name is None
    s.student_name = "  Ana \n Lima  "
    s._sanitise()
    assert s.student_name == "Ana Lima"
    path = s.save(tmp_path / "settings.json")
    assert Settings.load(path).student_name == "Ana Lima"
    for bad in ("", "   ", 42, ["x"]):
        assert Settings.from_dict({"version": 2, "student_name": bad}).student_name is None
    assert len(Settings.from_dict({"student_name": "x" * 500}).student_name) == STUDENT_NAME_MAX


def test_export_carries_the_name_and_nothing_else_about_the_student(clientsim_home, tmp_path, capsys):
    with Database.open() as db:
        db.create_session(session_id="abc", persona={"id": "p", "name": "P"}, model={"name": "m"}, seed=1,
                          started_at="2026-11-20T09:00:00.000Z")
        db.add_turn("abc", 0, "counsellor", "Hello.", "2026-11-20T09:00:01.000Z", None)
        db.end_session("abc", "ended")
    out = tmp_path / "none.json"
    assert main(["sessions", "export", "abc", "-o", str(out)]) == 0
    assert "student" not in read_transcript(out)
    s = Settings()
    s.student_name = "Ana Lima"
    s.save()
    assert main(["sessions", "export", "abc", "-o", str(out), "--force"]) == 0  # replacing needs --force
    data = read_transcript(out)
    assert data["student"] == {"name": "Ana Lima"}
    assert set(data) == {"format", "id", "persona", "model", "seed", "started_at", "ended_at", "status", "turns",
                         "student"}
    assert main(["sessions", "export", "abc", "-o", str(out), "--student", "", "--force"]) == 0
    assert "student" not in read_transcript(out)
    capsys.readouterr()


def test_a_bad_student_field_is_a_transcript_problem():
    data = export("linh-smoking", "s", None)
    data["student"] = "Ana"
    assert validate_transcript(data) == ['field \'student\': expected an object {"name": ...}: the name the student '
                                         'set in Settings, found the text "Ana"']


# --- reading the folder --------------------------------------------------------------------


def test_corrupt_newer_and_duplicate_exports_are_listed_and_skipped(folder):
    found = read_folder(folder)
    assert sorted(s.id for s in found.sessions) == ["s1", "s2", "s3", "s4", "s5"]
    reasons = {str(s.path.relative_to(folder)): s.reason for s in found.skipped}
    assert set(reasons) == {"broken.json", "newer.json", "bad-turns.json", "list.json", "week2/ana-1-copy.json",
                            "week2/ana-1-again.json"}
    assert reasons["broken.json"].startswith("corrupt: not valid JSON")
    assert reasons["newer.json"].startswith("newer format (clientsim.session/2)")
    assert "turns[1].speaker" in reasons["bad-turns.json"] and '"narrator"' in reasons["bad-turns.json"]
    assert reasons["week2/ana-1-copy.json"] == "duplicate: the same session (id s1) as ana-1.json"
    assert reasons["week2/ana-1-again.json"] == "duplicate: the same conversation as ana-1.json under another id"
    assert "JSON object" in reasons["list.json"]


def test_missing_folder_is_a_clear_error(tmp_path, capsys):
    assert main(["class", "report", str(tmp_path / "nope"), "-o", str(tmp_path / "r.csv")]) == 2
    assert "no such folder" in capsys.readouterr().err


# --- the report ------------------------------------------------------------------------------


def test_rows_and_student_summaries(folder):
    t0 = time.perf_counter()
    report = build_class_report(folder)
    assert time.perf_counter() - t0 < 60
    rows = {r.session_id: r for r in report.rows}
    assert set(rows) == {"s1", "s2", "s3", "s4", "s5"}
    mi, cbt = rows["s1"], rows["s2"]
    assert (mi.student, mi.persona_id, mi.modality, mi.date, mi.minutes) == (
        "Ana Lima", "daniel-alcohol", "MI", "2026-11-20 09:00", 20.0)
    # each row carries the figures of the report the student saw: the same judge, on the same transcript
    seen = {sid: build_report(json.loads((folder / name).read_text()), engine=None)
            for sid, name in (("s1", "ana-1.json"), ("s2", "ana-2.json"))}
    mi_summary = seen["s1"]["mi"]["summary"]
    assert mi.counsellor_turns == 6 and mi.mi_band == mi_summary["band"] != "not rated"
    assert mi.reflection_to_question == mi_summary["reflection_to_question"]
    assert mi.ctrs_total is None and mi.ctrs_rated_items == 0  # not a CBT client
    assert cbt.modality == "CBT" and cbt.minutes == 35.0
    assert (cbt.ctrs_total, cbt.ctrs_rated_items) == (seen["s2"]["ctrs"]["total"], seen["s2"]["ctrs"]["rated_items"])
    assert cbt.ctrs_rated_items >= 5  # agenda, feedback, guided discovery, homework… are in CBT_TURNS
    for row, sid in ((mi, "s1"), (cbt, "s2")):
        flags = seen[sid]["safety"]["flags"]
        assert row.safety_flags == len(flags)
        assert row.safety_checks == "; ".join(
            f"{c} x{n}" for c, n in sorted(collections.Counter(f["check"] for f in flags).items()))
    assert rows["s4"].student == "(no name)"
    by = {s.student: s for s in report.students}
    ana = by["Ana Lima"]
    assert (ana.sessions, ana.minutes, ana.first, ana.last, ana.ctrs_sessions) == (
        2, 55.0, "2026-11-20 09:00", "2026-11-27 09:00", 1)
    assert sum(ana.bands.values()) == 2
    assert report.students[-1].student == "(no name)"
    assert set(report.reports) == set(rows)  # each session's review is at hand


def test_csv_and_html_output(folder, tmp_path, capsys):
    out = tmp_path / "out" / "class.csv"
    assert main(["class", "report", str(folder), "-o", str(out)]) == 0
    printed = capsys.readouterr()
    assert "5 session(s) from 4 student(s), 6 file(s) skipped" in printed.out
    assert "skipped newer.json: newer format" in printed.err
    sessions = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(sessions) == 5
    assert {"Student", "Persona", "Date (UTC)", "Minutes", "R:Q", "MI band", "CTRS total (/66)",
            "Safety flags"} <= set(sessions[0])
    assert "'=HYPERLINK(\"http://x\")" in [r["Student"] for r in sessions]  # no formula runs in a spreadsheet
    students = list(csv.DictReader((tmp_path / "out" / "class-students.csv").open(encoding="utf-8")))
    assert sorted(r["Student"] for r in students) == ["'=HYPERLINK(\"http://x\")", "(no name)",
                                                      "<script>alert(1)</script>", "Ana Lima"]
    skipped = list(csv.DictReader((tmp_path / "out" / "class-skipped.csv").open(encoding="utf-8")))
    assert len(skipped) == 6

    html_path = tmp_path / "out" / "class.html"
    assert main(["class", "report", str(folder), "-o", str(html_path)]) == 0
    html = html_path.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Ana Lima" in html and "Skipped files" in html and "newer format" in html
    assert html.count("<table") == 3


def test_unknown_output_format(folder, tmp_path, capsys):
    assert main(["class", "report", str(folder), "-o", str(tmp_path / "r.xlsx")]) == 2
    assert "FILE.csv or FILE.html" in capsys.readouterr().err


def test_nothing_in_the_folder_is_written(folder, tmp_path):
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    report = build_class_report(folder)
    write_report(report, tmp_path / "r.html")
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before


def test_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    report = build_class_report(tmp_path / "empty")
    assert report.rows == [] and report.students == []
    assert sessions_csv(report).count("\n") == 1 and students_csv(report).count("\n") == 1
    assert "0 session(s)" in render_html(report)


def test_odd_but_valid_exports_never_sink_the_report(tmp_path):
    """Transcripts that pass the format check with strange personas and texts: a row or a skipped file each."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    odd_values = st.one_of(st.none(), st.integers(), st.text(max_size=20), st.lists(st.text(max_size=5), max_size=3),
                           st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))
    texts = st.text(max_size=200)

    @settings(max_examples=40, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(persona=st.dictionaries(st.sampled_from(["id", "name", "modality", "mi", "cbt", "risk"]), odd_values),
           turns=st.lists(st.tuples(st.sampled_from(["counsellor", "client"]), texts), max_size=12),
           status=st.sampled_from(["active", "ended", "interrupted"]))
    def check(persona, turns, status):
        folder = tmp_path / "odd"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        if not isinstance(persona.get("id"), str):
            persona.pop("id", None)
        data = {"format": "clientsim.session/1", "id": "x", "persona": persona, "model": {}, "seed": None,
                "started_at": "2026-11-20T09:00:00Z", "ended_at": None, "status": status,
                "turns": [{"index": i, "speaker": s, "text": t, "at": "2026-11-20T09:01:00Z"}
                          for i, (s, t) in enumerate(turns)]}
        if validate_transcript(data):
            return
        (folder / "x.json").write_text(json.dumps(data), encoding="utf-8")
        report = build_class_report(folder)
        assert len(report.rows) + len(report.skipped) == 1
        render_html(report), sessions_csv(report), students_csv(report)

    check()


def test_from_the_students_export_to_the_class_table(clientsim_home, tmp_path, capsys):
    """sessions export (with the name from Settings) -> a folder -> class report."""
    persona = PersonaLibrary.load([REPO / "personas"]).get("daniel-alcohol").to_dict()
    with Database.open() as db:
        db.create_session(session_id="real1", persona=persona, model={"name": "m"}, seed=1,
                          started_at="2026-11-20T09:00:00.000Z")
        for i, (speaker, text) in enumerate(TURNS):
            db.add_turn("real1", i, speaker, text, f"2026-11-20T09:{i:02d}:30.000Z", None)
        db.end_session("real1", "ended", "2026-11-20T09:18:00.000Z")
    s = Settings()
    s.student_name = "Dana Kim"
    s.save()
    folder = tmp_path / "inbox"
    assert main(["sessions", "export", "real1", "-o", str(folder / "dana.json")]) == 0
    assert main(["class", "report", str(folder), "-o", str(tmp_path / "class.csv")]) == 0
    [row] = list(csv.DictReader((tmp_path / "class.csv").open(encoding="utf-8")))
    assert (row["Student"], row["Persona"], row["Minutes"], row["Date (UTC)"]) == (
        "Dana Kim", "Daniel Mercer", "18.0", "2026-11-20 09:00")
    seen = build_report(json.loads((folder / "dana.json").read_text()), engine=None)
    assert row["MI band"] == seen["mi"]["summary"]["band"] != "not rated" and row["CTRS total (/66)"] == ""
    capsys.readouterr()
