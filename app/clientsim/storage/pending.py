"""Writes that could not reach the disk yet, and which errors are worth retrying.

When the disk is full or another program holds the database, a turn the
student just wrote must not be lost: it waits here, in order, and is written
on the next write or by Database.flush_pending().
"""

from __future__ import annotations

import errno
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from clientsim.storage.clock import now_iso

# Primary SQLite result codes that say "the disk or the file is unavailable
# right now" rather than "this statement is wrong".
_TRANSIENT_CODES = {
    5,  # SQLITE_BUSY
    6,  # SQLITE_LOCKED
    7,  # SQLITE_NOMEM
    8,  # SQLITE_READONLY
    10,  # SQLITE_IOERR
    11,  # SQLITE_CORRUPT
    13,  # SQLITE_FULL
    14,  # SQLITE_CANTOPEN
    15,  # SQLITE_PROTOCOL
    26,  # SQLITE_NOTADB
}


@dataclass
class PendingWrite:
    kind: str  # session | turn | meta | end | codes | report | scores
    session_id: str
    data: dict[str, Any]
    queued_at: str = field(default_factory=now_iso)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "session_id": self.session_id, "data": self.data, "queued_at": self.queued_at}


def is_transient(exc: BaseException) -> bool:
    """Could this write succeed later without changing the code (disk full, lock, I/O)?"""
    if isinstance(exc, OSError):
        return True
    if isinstance(exc, (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError)):
        return False
    if isinstance(exc, sqlite3.DatabaseError):
        code = getattr(exc, "sqlite_errorcode", None)
        if code is None:
            return isinstance(exc, sqlite3.OperationalError)
        return (code & 0xFF) in _TRANSIENT_CODES
    return False


def is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return exc.errno == errno.ENOSPC
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF == 13
    return "disk is full" in str(exc)


def is_locked(exc: BaseException) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (5, 6)
    text = str(exc)
    return "locked" in text or "busy" in text


def is_read_only(exc: BaseException) -> bool:
    """The file, folder or disk refuses writes (permissions, a read-only mount): not a full disk."""
    if isinstance(exc, OSError):
        return exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM)
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF == 8  # SQLITE_READONLY
    return "readonly" in str(exc) or "read-only" in str(exc)


def cause_and_remedy(exc: BaseException | None) -> tuple[str, str]:
    """What went wrong and what to do, in plain words, for a write that could not be saved."""
    if exc is not None and is_disk_full(exc):
        return "the disk is full", "Free some disk space"
    if exc is not None and is_read_only(exc):
        return ("the session database cannot be written: it is read-only (the file's or the folder's "
                "permissions, or a disk mounted read-only)"), "Make the file and its folder writable"
    if exc is not None and is_locked(exc):
        return ("another program is holding the session database",
                "Close other ClientSim windows or programs using the database")
    return f"the session database cannot be written ({exc})", "Check the disk"
