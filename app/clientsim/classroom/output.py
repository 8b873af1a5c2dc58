"""Writing a ClassReport: CSV for spreadsheets, HTML (Jinja2, autoescaped) for reading.

CSV: ``NAME.csv`` holds one row per session; ``NAME-students.csv`` the
summary per student; ``NAME-skipped.csv`` the files that were skipped, when
any were. Text cells that a spreadsheet would run as a formula (starting with
= + - @) get a leading apostrophe: names come from students' own settings.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from clientsim.classroom.review import BANDS, ClassReport, SessionRow, StudentSummary
from clientsim.core.errors import UserError
from clientsim.core.files import atomic_write_text

FORMATS = ("csv", "html")

SESSION_COLUMNS = [  # (field, heading)
    ("student", "Student"), ("persona_name", "Persona"), ("persona_id", "Persona id"), ("modality", "Modality"),
    ("date", "Date (UTC)"), ("minutes", "Minutes"), ("status", "Status"), ("counsellor_turns", "Counsellor turns"),
    ("reflection_to_question", "R:Q"), ("percent_complex_reflections", "% complex reflections"),
    ("percent_open_questions", "% open questions"), ("technical", "MITI technical"),
    ("relational", "MITI relational"), ("mi_band", "MI band"), ("ctrs_total", "CTRS total (/66)"),
    ("ctrs_rated_items", "CTRS items rated"), ("safety_flags", "Safety flags"), ("safety_checks", "Safety checks"),
    ("file", "File"), ("session_id", "Session id"),
]
STUDENT_COLUMNS = [
    ("student", "Student"), ("sessions", "Sessions"), ("minutes", "Minutes"), ("first", "First (UTC)"),
    ("last", "Last (UTC)"), ("mean_reflection_to_question", "Mean R:Q"),
    ("mean_percent_complex_reflections", "Mean % complex reflections"), ("mean_technical", "Mean MITI technical"),
    ("mean_relational", "Mean MITI relational"), *[(f"band:{b}", f"MI band {b}") for b in BANDS],
    ("mean_ctrs_total", "Mean CTRS total"), ("ctrs_sessions", "CTRS sessions"), ("safety_flags", "Safety flags"),
]


def write_report(report: ClassReport, path: Path) -> list[Path]:
    """Write CSV or HTML by the file's extension; returns the files written."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    fmt = {"htm": "html"}.get(fmt, fmt)
    if fmt not in FORMATS:
        raise UserError(f"{path}: unknown report format {path.suffix or '(none)'!r}",
                        hint="Name the output FILE.csv or FILE.html.")
    try:
        if fmt == "html":
            return [atomic_write_text(path, render_html(report))]
        written = [atomic_write_text(path, sessions_csv(report))]
        written.append(atomic_write_text(path.with_name(f"{path.stem}-students.csv"), students_csv(report)))
        skipped = path.with_name(f"{path.stem}-skipped.csv")
        if report.skipped:
            written.append(atomic_write_text(skipped, skipped_csv(report)))
        return written
    except OSError as exc:
        raise UserError(f"Cannot write {path}: {exc.strerror or exc}.") from exc


def session_cells(row: SessionRow) -> list:
    d = asdict(row)
    return [d[f] for f, _ in SESSION_COLUMNS]


def student_cells(s: StudentSummary) -> list:
    d = asdict(s)
    return [d["bands"][f[5:]] if f.startswith("band:") else d[f] for f, _ in STUDENT_COLUMNS]


def sessions_csv(report: ClassReport) -> str:
    return _csv([h for _, h in SESSION_COLUMNS], [session_cells(r) for r in report.rows])


def students_csv(report: ClassReport) -> str:
    return _csv([h for _, h in STUDENT_COLUMNS], [student_cells(s) for s in report.students])


def skipped_csv(report: ClassReport) -> str:
    return _csv(["File", "Why it was skipped"],
                [[str(s.path.relative_to(report.folder)), s.reason] for s in report.skipped])


def _csv(header: list[str], rows: list[list]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for row in rows:
        w.writerow([_cell(v) for v in row])
    return buf.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return str(value)


def _env() -> Environment:
    env = Environment(loader=PackageLoader("clientsim.classroom", "templates"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["show"] = lambda v: "–" if v is None else v
    return env


def render_html(report: ClassReport) -> str:
    return _env().get_template("class_report.html").render(
        report=report,
        session_headings=[h for _, h in SESSION_COLUMNS[:-1]],
        sessions=[session_cells(r)[:-1] for r in report.rows],
        student_headings=[h for _, h in STUDENT_COLUMNS],
        students=[student_cells(s) for s in report.students],
        skipped=[(str(s.path.relative_to(report.folder)), s.reason) for s in report.skipped],
    )
