"""The class review: one row per exported session and a summary per student.

Exports carry the transcript, not the scores, so every session is judged
again here with the same judge the student saw (``judge.report.build_report``
without a language model): the MI coder and MITI figures, the safety rules,
and for CBT clients the CTRS from its transcript detectors (without the
model's item scores, so less reliable on understanding and interpersonal
skill; docs/class-review.md says so too).
"""

from __future__ import annotations

import logging
import statistics
from dataclasses import dataclass, field
from datetime import timezone
from pathlib import Path

from clientsim.classroom.folder import ExportedSession, SkippedFile, read_folder
from clientsim.core.jobs import Cancelled, JobState
from clientsim.storage.clock import parse_iso

log = logging.getLogger(__name__)
NO_NAME = "(no name)"
BANDS = ("good", "fair", "below fair")


@dataclass(frozen=True)
class SessionRow:
    file: str  # relative to the folder
    session_id: str
    student: str
    persona_id: str
    persona_name: str
    modality: str  # "MI", "CBT", "MI+CBT"
    started_at: str  # ISO-8601 as exported
    date: str  # "2026-11-20 09:00" (UTC)
    minutes: float | None
    status: str
    counsellor_turns: int
    reflection_to_question: float | None
    percent_complex_reflections: float | None
    percent_open_questions: float | None
    technical: float | None
    relational: float | None
    mi_band: str
    ctrs_total: int | None  # CBT clients only
    ctrs_rated_items: int
    safety_flags: int
    safety_checks: str  # "missed_risk_cue x1; harmful_advice x2"


@dataclass(frozen=True)
class StudentSummary:
    student: str
    sessions: int
    minutes: float
    first: str
    last: str
    mean_reflection_to_question: float | None
    mean_percent_complex_reflections: float | None
    mean_technical: float | None
    mean_relational: float | None
    bands: dict[str, int]
    mean_ctrs_total: float | None
    ctrs_sessions: int
    safety_flags: int


@dataclass
class ClassReport:
    folder: Path
    rows: list[SessionRow] = field(default_factory=list)
    students: list[StudentSummary] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    reports: dict[str, dict] = field(default_factory=dict)  # session id -> SessionReport, for the review view
    transcripts: dict[str, dict] = field(default_factory=dict)


def build_class_report(folder: Path, state: JobState | None = None, coder=None) -> ClassReport:
    from clientsim.judge.mi.coder import MiCoder

    state = state or JobState()
    found = read_folder(folder)
    out = ClassReport(Path(folder), skipped=list(found.skipped))
    coder = coder or MiCoder.load()
    n = len(found.sessions)
    for k, session in enumerate(found.sessions):
        state.check()
        state.progress(k / max(n, 1), f"judging {session.path.name}")
        try:
            row, report = judge_session(session, Path(folder), coder)
        except (Cancelled, MemoryError):
            raise
        except Exception as exc:  # noqa: BLE001 - one odd export must not sink the class report
            log.warning("class report: %s could not be judged", session.path, exc_info=True)
            out.skipped.append(SkippedFile(session.path, f"could not be judged ({exc.__class__.__name__}: {exc})"))
            continue
        out.rows.append(row)
        out.reports[row.session_id] = report
        out.transcripts[row.session_id] = session.transcript
    out.rows.sort(key=lambda r: (r.student == NO_NAME, r.student.lower(), r.started_at, r.file))
    out.students = summarise(out.rows)
    state.progress(1.0, "done")
    return out


def judge_session(session: ExportedSession, folder: Path, coder) -> tuple[SessionRow, dict]:
    from clientsim.judge.report import build_report

    t = session.transcript
    report = build_report(t, engine=None, coder=coder)
    persona = t.get("persona") or {}
    modality = persona.get("modality") or []
    modality = [modality] if isinstance(modality, str) else modality if isinstance(modality, list) else []
    modality = [m.upper() for m in modality if isinstance(m, str)]
    summary = report["mi"]["summary"]
    ctrs = report.get("ctrs") or {}
    cbt = "CBT" in modality
    safety = report.get("safety") or {}
    flags = safety.get("flags") or []
    counts = {c: n for c, n in (safety.get("counts") or {}).items() if n}
    student = (t.get("student") or {}).get("name") or NO_NAME
    row = SessionRow(
        file=str(session.path.relative_to(folder)),
        session_id=t["id"],
        student=" ".join(student.split()) or NO_NAME,
        persona_id=str(persona.get("id") or ""),
        persona_name=str(persona.get("name") or persona.get("id") or "?"),
        modality="+".join(modality),
        started_at=t["started_at"],
        date=_date(t["started_at"]),
        minutes=_minutes(t),
        status=t["status"],
        counsellor_turns=summary["counsellor_turns"],
        reflection_to_question=summary.get("reflection_to_question"),
        percent_complex_reflections=summary.get("percent_complex_reflections"),
        percent_open_questions=summary.get("percent_open_questions"),
        technical=summary.get("technical") if summary["counsellor_turns"] else None,
        relational=summary.get("relational") if summary["counsellor_turns"] else None,
        mi_band=summary["band"] if summary["counsellor_turns"] else "not rated",
        ctrs_total=ctrs.get("total") if cbt else None,
        ctrs_rated_items=int(ctrs.get("rated_items") or 0) if cbt else 0,
        safety_flags=len(flags),
        safety_checks="; ".join(f"{c} x{n}" for c, n in sorted(counts.items())),
    )
    return row, report


def summarise(rows: list[SessionRow]) -> list[StudentSummary]:
    by_student: dict[str, list[SessionRow]] = {}
    for r in rows:
        by_student.setdefault(r.student, []).append(r)
    out = []
    for student in sorted(by_student, key=lambda s: (s == NO_NAME, s.lower())):
        rs = sorted(by_student[student], key=lambda r: r.started_at)
        ctrs = [r.ctrs_total for r in rs if r.ctrs_total is not None]
        out.append(StudentSummary(
            student=student,
            sessions=len(rs),
            minutes=round(sum(r.minutes or 0 for r in rs), 1),
            first=rs[0].date,
            last=rs[-1].date,
            mean_reflection_to_question=_mean(r.reflection_to_question for r in rs),
            mean_percent_complex_reflections=_mean(r.percent_complex_reflections for r in rs),
            mean_technical=_mean(r.technical for r in rs),
            mean_relational=_mean(r.relational for r in rs),
            bands={b: sum(r.mi_band == b for r in rs) for b in BANDS},
            mean_ctrs_total=_mean(ctrs),
            ctrs_sessions=len(ctrs),
            safety_flags=sum(r.safety_flags for r in rs),
        ))
    return out


def _mean(values) -> float | None:
    vs = [v for v in values if v is not None]
    return round(statistics.fmean(vs), 2) if vs else None


def _date(iso: str) -> str:
    try:
        return parse_iso(iso).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")
    except (ValueError, TypeError):
        return str(iso)[:16]


def _minutes(t: dict) -> float | None:
    end = t.get("ended_at") or (t["turns"][-1]["at"] if t["turns"] else None)
    if not end:
        return None
    try:
        seconds = (parse_iso(end) - parse_iso(t["started_at"])).total_seconds()
    except (ValueError, TypeError):
        return None
    return round(seconds / 60, 1) if seconds >= 0 else None
