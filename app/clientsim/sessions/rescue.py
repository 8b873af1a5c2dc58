"""Opening the session database the way every entry point should: with rescue files restored.

A rescue file (storage/rescue.py) holds turns that could not reach the
database. On the next start, open_database() puts them back (only the turns
the database lacks, so nothing is doubled), renames each restored file
'<name>.restored-<stamp>' (kept, not deleted) and says so in db.notices. A
file still written by a live ClientSim process is left alone; a file that
cannot be read is left where it is, with a notice naming it.
"""

from __future__ import annotations

import os
from pathlib import Path

from clientsim.core import safe_json
from clientsim.core.errors import UserError
from clientsim.sessions.transcript import read_transcripts, restore_transcript
from clientsim.storage import Database, owner
from clientsim.storage import rescue as rescue_files
from clientsim.storage.clock import stamp


def open_database(path: Path | None = None, **kwargs) -> Database:
    """Database.open(path, **kwargs), then restore_rescue_files() unless the file could only be read."""
    db = Database.open(path, **kwargs)
    if not db.read_only:
        restore_rescue_files(db)
    return db


def _in_use(path: Path) -> bool:
    """Is the process that wrote this rescue file still running (it may still add to it)?"""
    try:
        doc = safe_json.read_json(path)
    except UserError:
        return False
    who = doc.get("owner") if isinstance(doc, dict) else None
    if not isinstance(who, dict) or not isinstance(who.get("pid"), int):
        return False
    me = owner.current()
    if who.get("host") != me.host:
        return False
    if who["pid"] == me.pid:
        return rescue_files.held_here(path)  # a Database of this very process still holds its writes
    return owner.is_alive(who["pid"], who.get("token") if isinstance(who.get("token"), str) else None)


def restore_rescue_files(db: Database) -> list[Path]:
    """Restore every rescue file of the data and cache folders into `db`; returns the files restored."""
    done: list[Path] = []
    for path in rescue_files.restorable_files(db.path):
        if _in_use(path):
            continue
        try:
            transcripts, _ = read_transcripts(path)
            added = 0
            for data in transcripts:
                added += restore_transcript(db, data)[1]
        except UserError as exc:
            db.notices.append(
                f"The rescue file {path} could not be restored ({exc}). It is kept as it is; once the "
                f"problem is fixed, run 'clientsim sessions import {path}'."
            )
            continue
        kept = path.with_name(f"{path.name}.restored-{stamp()}")
        try:
            os.replace(path, kept)
        except OSError:
            kept = path
        db.notices.append(
            f"{added} turn(s) kept in the rescue file {path.name} after an earlier problem were restored "
            f"into the session database ({len(transcripts)} session(s)); the file is kept as {kept}."
        )
        done.append(path)
    return done
