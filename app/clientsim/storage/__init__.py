"""SQLite storage: sessions, turns and judge results (see docs/storage.md)."""

from clientsim.storage.clock import new_session_id, now_iso, parse_iso
from clientsim.storage.database import BUSY_TIMEOUT, SPEAKERS, STATUSES, Database
from clientsim.storage.schema import LATEST_VERSION, MIGRATIONS

__all__ = [
    "BUSY_TIMEOUT",
    "Database",
    "LATEST_VERSION",
    "MIGRATIONS",
    "SPEAKERS",
    "STATUSES",
    "new_session_id",
    "now_iso",
    "parse_iso",
]
