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
