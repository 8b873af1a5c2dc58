"""Session transcripts as JSON files: format "clientsim.session/1" (docs/transcript-format.md).

A transcript is the portable form of one session: it is what `clientsim
sessions export` writes, what `import` reads back, and what the judge
benchmarks read. Reading checks everything and names the problem.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clientsim.core.files import atomic_write_text
from clientsim.core.errors import UserError
from clientsim.storage.clock import new_session_id, parse_iso

if TYPE_CHECKING:
    from clientsim.storage import Database

FORMAT = "clientsim.session/1"
UNSAVED_FORMAT = "clientsim.unsaved/1"  # Database.emergency_dump: {"sessions": [transcript, ...]}
SPEAKERS = ("counsellor", "client")
STATUSES = ("active", "ended", "interrupted")


def build_transcript(session: dict, turns: list[dict], student_name: str | None = None) -> dict:
    """The transcript of `session` (as Database.get_session returns it) and its turns.

    `student_name` (the Settings field) is written as "student": {"name": ...} so an
    instructor can tell whose session it is; it is the only thing about the student
    an export carries, and it is left out when there is no name.
    """
    out_turns = []
    for t in turns:
        turn = {"index": t["index"], "speaker": t["speaker"], "text": t["text"], "at": t["at"]}
        if t.get("meta"):
            turn["meta"] = t["meta"]
        out_turns.append(turn)
    data = {
        "format": FORMAT,
        "id": session["id"],
        "persona": session.get("persona") or {},
        "model": session.get("model") or {},
        "seed": session.get("seed"),
        "started_at": session["started_at"],
        "ended_at": session.get("ended_at"),
        "status": session.get("status") or "ended",
        "turns": out_turns,
    }
    name = (student_name or "").strip()
    if name:
        data["student"] = {"name": name}
    return data


def export_session(db: "Database", session_id: str, student_name: str | None = None) -> dict:
    session = db.get_session(session_id)
    if session is None:
        raise UserError(
            f"No session with id '{session_id}'.", hint="Run 'clientsim sessions list' to see the ids."
        )
    return build_transcript(session, db.get_turns(session_id), student_name)


def suggested_file_name(data: dict) -> str:
    """A readable name for an export: 'ana-lima-daniel-alcohol-2026-11-20.json'."""
    parts = [(data.get("student") or {}).get("name") or "", (data.get("persona") or {}).get("id") or "session",
             str(data.get("started_at") or "")[:10]]
    slug = "-".join(p for p in (re.sub(r"[^a-z0-9]+", "-", str(x).lower()).strip("-") for x in parts) if p)
    return (slug[:80].strip("-") or "session") + ".json"


def write_transcript(data: dict, path: Path) -> None:
    """Write JSON atomically: a temporary file in the same folder, synced, then renamed over `path`."""
    atomic_write_text(Path(path), json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _load_json(path: Path) -> Any:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"{path}: no such file.") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read it ({exc.strerror or exc}).") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text (bad byte at offset {exc.start}).") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(
            f"{path}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from exc


def _problems_error(path: Path, problems: list[str]) -> UserError:
    shown = "; ".join(problems[:5])
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    return UserError(f"{path}: not a valid ClientSim transcript: {shown}{more}.")


def read_transcript(path: Path) -> dict:
    """Read and check a clientsim.session/1 file; UserError names the first problems found."""
    data = _load_json(path)
    problems = validate_transcript(data)
    if problems:
        raise _problems_error(path, problems)
    return data


def read_transcripts(path: Path) -> list[dict]:
    """A transcript file, or a file of unsaved sessions from Database.emergency_dump: a list of transcripts."""
    data = _load_json(path)
    if isinstance(data, dict) and data.get("format") == UNSAVED_FORMAT:
        sessions = data.get("sessions")
        if not isinstance(sessions, list):
            raise UserError(f"{path}: 'sessions' must be a list of transcripts.")
        problems = [
            f"session {i}: {p}" for i, s in enumerate(sessions) for p in validate_transcript(s)
        ]
        if problems:
            raise _problems_error(path, problems)
        return sessions
    problems = validate_transcript(data)
    if problems:
        raise _problems_error(path, problems)
    return [data]


def _is_time(value: Any) -> bool:
    try:
        parse_iso(value)
    except (ValueError, TypeError):
        return False
    return True


def _valid_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _json_type(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(value), "a number"
    )


def validate_transcript(data: Any) -> list[str]:
    """Every problem found, in plain words; [] when `data` is a valid transcript.

    Turns are numbered from 0 by their place in the list, as 'index' is.
    """
    if not isinstance(data, dict):
        return [f"the top level is {_json_type(data)}, expected an object"]
    problems: list[str] = []
    fmt = data.get("format")
    if fmt is None:
        problems.append(f"missing 'format' (expected '{FORMAT}')")
    elif fmt != FORMAT:
        problems.append(f"format is {fmt!r}, expected '{FORMAT}'")
    sid = data.get("id")
    if not isinstance(sid, str) or not sid.strip():
        problems.append("'id' must be a non-empty string")
    for key in ("persona", "model"):
        if key not in data:
            problems.append(f"missing '{key}'")
        elif not isinstance(data[key], dict):
            problems.append(f"'{key}' is {_json_type(data[key])}, expected an object")
    persona = data.get("persona")
    if isinstance(persona, dict) and "id" in persona and not isinstance(persona["id"], str):
        problems.append("'persona.id' must be a string")
    seed = data.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        problems.append("'seed' must be a whole number or null")
    if "started_at" not in data:
        problems.append("missing 'started_at'")
    elif not _is_time(data["started_at"]):
        problems.append(f"'started_at' is not an ISO-8601 time: {data['started_at']!r}")
    ended = data.get("ended_at")
    if ended is not None and not _is_time(ended):
        problems.append(f"'ended_at' is not an ISO-8601 time or null: {ended!r}")
    status = data.get("status")
    if status not in STATUSES:
        problems.append(f"'status' is {status!r}, expected one of {', '.join(STATUSES)}")
    turns = data.get("turns")
    if not isinstance(turns, list):
        problems.append("missing 'turns'" if turns is None else f"'turns' is {_json_type(turns)}, expected a list")
        return problems
    seen: set[int] = set()
    last = -1
    for n, turn in enumerate(turns):
        if not isinstance(turn, dict):
            problems.append(f"turn {n} is {_json_type(turn)}, expected an object")
            continue
        index = turn.get("index")
        if "index" not in turn:
            problems.append(f"turn {n} missing index")
        elif not isinstance(index, int) or isinstance(index, bool) or index < 0:
            problems.append(f"turn {n} index must be a whole number >= 0, not {index!r}")
        elif index in seen:
            problems.append(f"turn {n} repeats index {index}")
        elif index < last:
            problems.append(f"turn {n} index {index} comes after index {last}")
        else:
            seen.add(index)
            last = index
        speaker = turn.get("speaker")
        if "speaker" not in turn:
            problems.append(f"turn {n} missing speaker")
        elif speaker not in SPEAKERS:
            problems.append(f"unknown speaker {speaker!r} at turn {n} (expected 'counsellor' or 'client')")
        if "text" not in turn:
            problems.append(f"turn {n} missing text")
        elif not isinstance(turn["text"], str):
            problems.append(f"turn {n} text is {_json_type(turn['text'])}, expected a string")
        elif not _valid_unicode(turn["text"]):
            problems.append(f"turn {n} text holds invalid Unicode (a lone surrogate)")
        if "at" not in turn:
            problems.append(f"turn {n} missing 'at' time")
        elif not _is_time(turn["at"]):
            problems.append(f"turn {n} 'at' is not an ISO-8601 time: {turn['at']!r}")
        if "meta" in turn and not isinstance(turn["meta"], dict):
            problems.append(f"turn {n} 'meta' must be an object")
    if "student" in data:
        student = data["student"]
        if not isinstance(student, dict) or not isinstance(student.get("name"), str):
            problems.append("'student' must be an object with a 'name' string")
    return problems


def import_transcript(db: "Database", data: dict) -> str:
    """Add the transcript's session to `db` in one transaction; returns the id it was stored under.

    A session id already in the database gets a fresh id. A session exported
    while 'active' is stored as 'interrupted' (no process is writing it). If
    anything fails, the database is left as it was.
    """
    problems = validate_transcript(data)
    if problems:
        raise UserError("Not a valid ClientSim transcript: " + "; ".join(problems[:5]) + ".")
    session_id = data["id"]
    if db.session_exists(session_id):
        session_id = new_session_id()
    status = "interrupted" if data["status"] == "active" else data["status"]
    db.import_session(
        session_id=session_id,
        persona=data["persona"],
        model=data["model"],
        seed=data.get("seed"),
        started_at=data["started_at"],
        ended_at=data.get("ended_at") or (data["turns"][-1]["at"] if status == "interrupted" and data["turns"] else None),
        status=status,
        turns=data["turns"],
    )
    return session_id


def restore_transcript(db: "Database", data: dict) -> tuple[str, int]:
    """Bring back a session from a file of unsaved turns; returns (session id, turns added).

    When the database already holds the session and its saved turns are the
    start of the file's turns, only the missing turns are added (one
    transaction), so no duplicate session appears. Otherwise the whole session
    is imported as import_transcript does.
    """
    problems = validate_transcript(data)
    if problems:
        raise UserError("Not a valid ClientSim transcript: " + "; ".join(problems[:5]) + ".")
    saved = db.get_turns(data["id"]) if db.session_exists(data["id"]) else None
    if saved is not None:
        key = lambda t: (t["index"], t["speaker"], t["text"])  # noqa: E731
        if [key(t) for t in saved] == [key(t) for t in data["turns"][: len(saved)]]:
            missing = data["turns"][len(saved):]
            if missing:
                db.append_turns(data["id"], missing)
            current = db.get_session(data["id"])
            if data["status"] == "ended" and current and current["status"] != "ended":
                db.end_session(data["id"], "ended", data.get("ended_at"))
            return data["id"], len(missing)
    new_id = import_transcript(db, data)
    return new_id, len(data["turns"])
