"""Every stored session's figures, one row per session, for the progress page and the CSV export.

Read through a connection of its own (read-only, WAL lets it read while the
app writes), so the progress job never holds the database lock the session
writer needs. The big report JSON is never parsed in Python: SQLite's JSON
functions pick the few values the charts need (and SQLite runs without
Python's GIL, so the window keeps painting while 500 sessions load).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from clientsim.core.jobs import JobState
from clientsim.judge.ctrs.items import COMPETENCE_LINE, ITEMS as CTRS_ITEMS
from clientsim.judge.mi.metrics import THRESHOLDS

BAND_WORDS = ("below fair", "fair", "good")


@dataclass
class SessionScores:
    session_id: str
    started_at: str
    persona_id: str
    persona_name: str
    approaches: tuple[str, ...]  # the persona's modalities: ("MI",), ("CBT",) or both
    status: str
    values: dict[str, float] = field(default_factory=dict)  # metric -> value; absent when not measured
    day: date | None = None  # local date the session started

    def __post_init__(self) -> None:
        if self.day is None and self.started_at:
            try:
                self.day = datetime.fromisoformat(self.started_at.replace("Z", "+00:00")).astimezone().date()
            except ValueError:
                self.day = None

    @property
    def band(self) -> str | None:
        v = self.values.get("mi.band")
        return None if v is None else BAND_WORDS[int(v)]


@dataclass(frozen=True)
class Chart:
    """One chart of the progress page: which metrics, on what scale, with which lines."""

    key: str
    title: str
    metrics: tuple[tuple[str, str], ...]  # (metric, legend)
    unit: str = ""
    fair: float | None = None  # MITI fair / good (drawn as lines)
    good: float | None = None
    approach: str | None = None  # "MI" or "CBT" when the figure belongs to one approach
    y_range: tuple[float, float] | None = None


def _miti(metric: str) -> dict:
    return {"fair": THRESHOLDS[metric]["fair"], "good": THRESHOLDS[metric]["good"]}


CHARTS: tuple[Chart, ...] = (
    Chart("rq", "Reflections per question (R:Q)", (("mi.reflection_to_question", "R:Q"),), "",
          approach="MI", **_miti("reflection_to_question")),
    Chart("complex", "Complex reflections", (("mi.percent_complex_reflections", "% complex"),), "%",
          approach="MI", y_range=(0, 100), **_miti("percent_complex_reflections")),
    Chart("open", "Open questions", (("mi.percent_open_questions", "% open"),), "%", approach="MI",
          y_range=(0, 100)),
    Chart("technical", "MITI technical global", (("mi.technical", "Technical"),
                                                 ("mi.cultivating_change_talk", "Cultivating change talk"),
                                                 ("mi.softening_sustain_talk", "Softening sustain talk")),
          "1-5", approach="MI", y_range=(1, 5), **_miti("technical")),
    Chart("relational", "MITI relational global", (("mi.relational", "Relational"), ("mi.partnership", "Partnership"),
                                                   ("mi.empathy", "Empathy")),
          "1-5", approach="MI", y_range=(1, 5), **_miti("relational")),
    Chart("ctrs_total", "CTRS total (prorated, of 66)", (("ctrs.prorated_total", "CTRS total"),), "",
          approach="CBT", fair=float(COMPETENCE_LINE), y_range=(0, 66)),
    Chart("ctrs_items", "CTRS items (0-6)", tuple((f"ctrs.item.{i.key}", i.title) for i in CTRS_ITEMS), "0-6",
          approach="CBT", y_range=(0, 6)),
    Chart("safety", "Safety flags", (("safety.flags", "Flags"), ("safety.high", "High severity")), ""),
    Chart("change_talk", "Client change talk", (("mi.percent_change_talk", "% change talk"),), "%",
          y_range=(0, 100)),
    Chart("readiness", "Client at the end of the session", (("client.readiness", "Readiness (0-10)"),
                                                            ("client.trust", "Trust (0-10)")), "0-10",
          y_range=(0, 10)),
)

# Values the charts need from the stored "full" report (JSON path -> metric).
_REPORT_VALUES = (
    ("$.ctrs.total", "ctrs.total"),
    ("$.ctrs.prorated_total", "ctrs.prorated_total"),
    ("$.mi.summary.percent_change_talk", "mi.percent_change_talk"),
    ("$.client.points[#-1].readiness", "client.readiness"),
    ("$.client.points[#-1].belief", "client.belief"),
    ("$.client.points[#-1].trust", "client.trust"),
    ("$.client.points[#-1].discord", "client.discord"),
)


def _connect(db_path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"{Path(db_path).as_uri()}?mode=ro", uri=True, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 5000")
    return conn


def load_progress(db_path: Path, state: JobState | None = None) -> list[SessionScores]:
    """Every stored session with its scores, oldest first."""
    state = state or JobState()
    if not Path(db_path).exists():
        return []
    conn = _connect(db_path)
    try:
        rows: dict[str, SessionScores] = {}
        for sid, started, pid, name, modality, status in conn.execute(
                "SELECT id, started_at, persona_id, json_extract(persona_json, '$.name'), "
                "json_extract(persona_json, '$.modality'), status FROM sessions ORDER BY started_at, id"):
            try:
                approaches = tuple(a for a in json.loads(modality or "[]") if isinstance(a, str))
            except (ValueError, TypeError):
                approaches = ()
            rows[sid] = SessionScores(sid, started or "", pid or "", name or pid or "?", approaches, status or "")
        state.check()
        state.progress(0.3, "scores")
        for sid, metric, value in conn.execute("SELECT session_id, metric, value FROM scores"):
            if sid in rows:
                rows[sid].values[metric] = float(value)
        state.check()
        state.progress(0.5, "reports")
        picks = ", ".join(f"json_extract(json, '{p}')" for p, _ in _REPORT_VALUES)
        for sid, *values in conn.execute(f"SELECT session_id, {picks} FROM reports WHERE kind = 'full'"):
            row = rows.get(sid)
            if row is None:
                continue
            for (_, metric), value in zip(_REPORT_VALUES, values):
                if isinstance(value, (int, float)):
                    row.values.setdefault(metric, float(value))
        state.check()
        state.progress(0.7, "CTRS items and safety flags")
        for sid, key, score in conn.execute(
                "SELECT r.session_id, json_extract(i.value, '$.key'), json_extract(i.value, '$.score') "
                "FROM reports r, json_each(r.json, '$.ctrs.items') i WHERE r.kind = 'full'"):
            if sid in rows and isinstance(score, (int, float)) and key:
                rows[sid].values[f"ctrs.item.{key}"] = float(score)
        for sid, n, high in conn.execute(
                "SELECT r.session_id, json_array_length(r.json, '$.safety.flags'), "
                "(SELECT COUNT(*) FROM json_each(r.json, '$.safety.flags') f "
                " WHERE json_extract(f.value, '$.severity') = 'high') "
                "FROM reports r WHERE r.kind = 'full' AND json_type(r.json, '$.safety') = 'object'"):
            if sid in rows and n is not None:
                rows[sid].values.setdefault("safety.flags", float(n))
                rows[sid].values.setdefault("safety.high", float(high or 0))
        state.progress(1.0, "done")
        return list(rows.values())
    finally:
        conn.close()


def filter_sessions(rows: list[SessionScores], *, persona_id: str | None = None, approach: str | None = None,
                    start: date | None = None, end: date | None = None, scored_only: bool = True
                    ) -> list[SessionScores]:
    """Sessions matching every filter given (None = any); by default only sessions with a review."""
    out = []
    for r in rows:
        if scored_only and not r.values:
            continue
        if persona_id and r.persona_id != persona_id:
            continue
        if approach and approach not in r.approaches:
            continue
        day = r.day
        if start and (day is None or day < start):
            continue
        if end and (day is None or day > end):
            continue
        out.append(r)
    return out
