"""Rescue files: what the database could not take, kept on disk and named to the user.

When a write cannot reach the database (disk full, read-only file, a lock held
too long) it waits in memory, and at once a rescue file is (re)written with
everything waiting, so even a killed process loses nothing:

    <data folder>/clientsim-unsaved-<UTC stamp>-<pid>.json      (format clientsim.unsaved/1)

If the data folder cannot take it (the disk is full), the cache folder and
then the system temp folder are tried; every message names the file that was
written and the command that restores it (`clientsim sessions import FILE`).
On the next start clientsim.sessions.rescue restores the files of the data and
cache folders by itself and says so.

The sessions in a rescue file are clientsim.session/1 transcripts
(build_transcript); the format is described in docs/transcript-format.md.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from clientsim import paths
from clientsim.core.files import atomic_write_text
from clientsim.storage.clock import stamp
from clientsim.storage.owner import Owner

FORMAT = "clientsim.session/1"
UNSAVED_FORMAT = "clientsim.unsaved/1"
PREFIX = "clientsim-unsaved-"


def build_transcript(session: dict, turns: list[dict], student_name: str | None = None) -> dict:
    """The clientsim.session/1 transcript of `session` (as Database.get_session returns it) and its turns.

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


# Rescue files that an open Database of this process still writes to (it holds their writes in memory).
_held: set[Path] = set()


def hold(path: Path | None, held: bool) -> None:
    if path is not None:
        (_held.add if held else _held.discard)(Path(path))


def held_here(path: Path) -> bool:
    """Is `path` the rescue file of a Database still open in this process?"""
    return Path(path) in _held


def file_name(owner: Owner) -> str:
    return f"{PREFIX}{stamp()}-{owner.pid}.json"


def folders(database_path: Path) -> list[Path]:
    """Where a rescue file goes, best first: beside the database, the cache folder, the temp folder."""
    out = [Path(database_path).parent, paths.cache_dir(), Path(tempfile.gettempdir())]
    return list(dict.fromkeys(out))


def restorable_files(database_path: Path) -> list[Path]:
    """Rescue files the next start restores by itself (data and cache folders; not the shared temp folder)."""
    found: list[Path] = []
    for folder in folders(database_path)[:2]:
        try:
            found += sorted(p for p in folder.glob(f"{PREFIX}*.json") if p.is_file() and not p.is_symlink())
        except OSError:
            continue
    return found


def write(doc: dict, path: Path) -> None:
    atomic_write_text(path, json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
