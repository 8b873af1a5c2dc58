"""Session transcripts as JSON files: format "clientsim.session/1" (docs/transcript-format.md).

A transcript is the portable form of one session: it is what `clientsim
sessions export` writes, what `import` reads back, and what the judge
benchmarks read. Reading checks everything and names the problem.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clientsim.core import safe_json
from clientsim.core.errors import BadFile, UserError
from clientsim.core.files import atomic_write_text
from clientsim.core.schema_messages import TOP_LEVEL, SchemaMessages, json_type, show
from clientsim.storage.clock import new_session_id, parse_iso
from clientsim.storage.rescue import FORMAT, UNSAVED_FORMAT, build_transcript  # noqa: F401 - re-exported
from clientsim.storage.values import SPEAKERS, STATUSES  # noqa: F401 - re-exported

if TYPE_CHECKING:
    from clientsim.storage import Database

SCHEMA_PATH = Path(__file__).with_name("transcript.schema.json")


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
    return safe_json.read_json(Path(path))


def _problems_error(path: Path, problems: list[str]) -> UserError:
    shown = "; ".join(problems[:5])
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    return UserError(f"{path}: not a valid ClientSim transcript: {shown}{more}.")


def read_transcript(path: Path) -> dict:
    """Read and check a clientsim.session/1 file; UserError names the file, the fields and the problems."""
    data = _load_json(path)
    problems = validate_transcript(data)
    if problems:
        raise _problems_error(path, problems)
    return data


def is_unsaved_file(data: Any) -> bool:
    return isinstance(data, dict) and data.get("format") == UNSAVED_FORMAT


def read_transcripts(path: Path) -> tuple[list[dict], bool]:
    """The transcripts in a transcript file or in a rescue file of unsaved turns (Database.emergency_dump).

    Returns (transcripts, True when it was a rescue file).
    """
    data = _load_json(path)
    if is_unsaved_file(data):
        sessions = data.get("sessions")
        if not isinstance(sessions, list):
            raise BadFile(path, "sessions", "must be a list of transcripts")
        problems = [
            f"sessions[{i}].{p}" for i, s in enumerate(sessions) for p in validate_transcript(s)
        ]
        if problems:
            raise _problems_error(path, problems)
        return sessions, True
    problems = validate_transcript(data)
    if problems:
        raise _problems_error(path, problems)
    return [data], False


@cache
def _messages() -> SchemaMessages:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return SchemaMessages(schema, doc="docs/transcript-format.md")


def _is_time(value: Any) -> bool:
    try:
        parse_iso(value)
    except (ValueError, TypeError, OverflowError):
        return False
    return True


def validate_transcript(data: Any) -> list[str]:
    """Every problem found, as "field 'turns[1].speaker': problem"; [] when `data` is a valid transcript.

    The structure is checked against transcript.schema.json (the persona
    validator's messages); then what a schema cannot say: lone surrogates and
    non-finite numbers, times that parse, turn indexes unique and increasing.
    """
    if not isinstance(data, dict):
        return [f"field '{TOP_LEVEL}': expected an object {{...}} holding the transcript, found {json_type(data)}"]
    bad = safe_json.find_bad_value(data)
    if bad:
        return [f"field '{bad[0]}': {bad[1]}"]
    problems = [(f, p) for f, p in _messages().problems(data)]
    for key in ("started_at", "ended_at"):
        value = data.get(key)
        if isinstance(value, str) and not _is_time(value):
            problems.append((key, f"is {show(value)}; expected an ISO-8601 time such as \"2026-11-20T09:00:00.000Z\""))
    turns = data.get("turns")
    last = -1
    seen: set[int] = set()
    for n, turn in enumerate(turns if isinstance(turns, list) else []):
        if not isinstance(turn, dict):
            continue
        at = turn.get("at")
        if isinstance(at, str) and not _is_time(at):
            problems.append((f"turns[{n}].at", f"is {show(at)}; expected an ISO-8601 time"))
        index = turn.get("index")
        if isinstance(index, int) and not isinstance(index, bool) and index >= 0:
            if index in seen:
                problems.append((f"turns[{n}].index", f"repeats index {index}; each turn has its own index"))
            elif index < last:
                problems.append((f"turns[{n}].index", f"is {index}, after index {last}; indexes must increase"))
            else:
                seen.add(index)
                last = index
    return [f"field '{f}': {p}" for f, p in problems]


def import_transcript(db: "Database", data: dict) -> str:
    """Add the transcript's session to `db` in one transaction; returns the id it was stored under.

    A transcript already in the database (same id, start and turns) is not
    added again: its id is returned. A session id already in the database
    with other content gets a fresh id. A session exported
    while 'active' is stored as 'interrupted' (no process is writing it). If
    anything fails, the database is left as it was.
    """
    problems = validate_transcript(data)
    if problems:
        raise UserError("Not a valid ClientSim transcript: " + "; ".join(problems[:5]) + ".")
    same = same_session_in(db, data)
    if same is not None:
        return same
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


def _turn_key(t: dict) -> tuple:
    return (t["index"], t["speaker"], t["text"])


def same_session_in(db: "Database", data: dict) -> str | None:
    """The id under which this very transcript is already stored (same id, start and turns), or None."""
    session = db.get_session(data["id"])
    if session is None or session["started_at"] != data["started_at"]:
        return None
    if [_turn_key(t) for t in db.get_turns(data["id"])] != [_turn_key(t) for t in data["turns"]]:
        return None
    return data["id"]


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
    same = same_session_in(db, data)
    if same is not None:
        return same, 0
    saved = db.get_turns(data["id"]) if db.session_exists(data["id"]) else None
    if saved is not None:
        if [_turn_key(t) for t in saved] == [_turn_key(t) for t in data["turns"][: len(saved)]]:
            missing = data["turns"][len(saved):]
            if missing:
                db.append_turns(data["id"], missing)
            current = db.get_session(data["id"])
            if data["status"] == "ended" and current and current["status"] != "ended":
                db.end_session(data["id"], "ended", data.get("ended_at"))
            return data["id"], len(missing)
    new_id = import_transcript(db, data)
    return new_id, len(data["turns"])
