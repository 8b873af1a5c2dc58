"""Reading a folder of exported sessions (``clientsim.session/1`` files) for a class review.

Every ``*.json`` file under the folder is read. A file that is not valid JSON,
not a valid transcript, in a newer format, or a second copy of a session
already read (same session id) is listed with the reason and skipped; the
others are reviewed. Nothing in the folder is ever written.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from clientsim.sessions.transcript import FORMAT, UNSAVED_FORMAT, validate_transcript

FORMAT_PREFIX = "clientsim.session/"
MAX_FILE = 20 * 1024 * 1024  # a two-hour session is well under 1 MB


@dataclass(frozen=True)
class ExportedSession:
    path: Path
    transcript: dict

    @property
    def id(self) -> str:
        return self.transcript["id"]


@dataclass(frozen=True)
class SkippedFile:
    path: Path
    reason: str


@dataclass
class ClassFolder:
    folder: Path
    sessions: list[ExportedSession] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)


def read_folder(folder: Path) -> ClassFolder:
    folder = Path(folder)
    if not folder.is_dir():
        from clientsim.core.errors import UserError

        raise UserError(f"{folder}: no such folder", hint="Give the folder that holds the exported sessions (.json).")
    out = ClassFolder(folder)
    first_file: dict[str, Path] = {}
    first_content: dict[str, Path] = {}
    for path in sorted(p for p in folder.rglob("*.json") if p.is_file()):
        transcript, reason = read_export(path)
        if transcript is None:
            out.skipped.append(SkippedFile(path, reason))
            continue
        sid, content = transcript["id"], _fingerprint(transcript)
        if sid in first_file:
            out.skipped.append(SkippedFile(path, f"duplicate: the same session (id {sid}) as "
                                                 f"{first_file[sid].relative_to(folder)}"))
            continue
        if content in first_content:
            # a session imported elsewhere gets a new id; its turns give it away
            out.skipped.append(SkippedFile(path, f"duplicate: the same conversation as "
                                                 f"{first_content[content].relative_to(folder)} under another id"))
            continue
        first_file[sid] = first_content[content] = path
        out.sessions.append(ExportedSession(path, transcript))
    return out


def _fingerprint(t: dict) -> str:
    """The same student, client, start and words, whatever the session id."""
    persona = t.get("persona") or {}
    key = [(t.get("student") or {}).get("name"), persona.get("id"), t["started_at"],
           [(turn["speaker"], turn["text"]) for turn in t["turns"]]]
    return hashlib.sha256(json.dumps(key, ensure_ascii=False).encode("utf-8", "surrogatepass")).hexdigest()


def read_export(path: Path) -> tuple[dict | None, str]:
    """(transcript, "") or (None, why it is skipped)."""
    try:
        if path.stat().st_size > MAX_FILE:
            return None, f"too large for a session export ({path.stat().st_size // (1024 * 1024)} MB)"
        raw = path.read_bytes()
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc})"
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        return None, f"corrupt: not UTF-8 text (bad byte at position {exc.start})"
    except json.JSONDecodeError as exc:
        return None, f"corrupt: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
    except (ValueError, RecursionError) as exc:
        return None, f"corrupt: not valid JSON ({exc})"
    if not isinstance(data, dict):
        return None, "not a session export (the file does not hold a JSON object)"
    fmt = data.get("format")
    if isinstance(fmt, str) and fmt.startswith(FORMAT_PREFIX) and fmt != FORMAT:
        number = fmt[len(FORMAT_PREFIX):]
        if number.isdigit() and int(number) > 1:
            return None, f"newer format ({fmt}), written by a later ClientSim; update ClientSim to read it"
    if fmt == UNSAVED_FORMAT:
        return None, "not a session export but a file of unsaved turns (import it with `clientsim sessions import`)"
    if fmt != FORMAT:
        return None, f"not a session export (format {fmt!r}, expected '{FORMAT}')"
    problems = validate_transcript(data)
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        return None, "corrupt: " + "; ".join(problems[:3]) + more
    return data, ""
