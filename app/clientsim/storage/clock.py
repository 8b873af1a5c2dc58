"""Timestamps: ISO-8601 in UTC, millisecond precision, 'Z' suffix."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone


def now_iso() -> str:
    """The current time, e.g. '2026-11-22T02:03:04.123Z' (sorts as text)."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(value: str) -> datetime:
    """Parse an ISO-8601 timestamp; a time without zone is taken as UTC. Raises ValueError."""
    if not isinstance(value, str):
        raise ValueError(f"not a timestamp: {value!r}")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def stamp() -> str:
    """A compact UTC stamp for file names, e.g. '20261122T020304'."""
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")


def new_session_id() -> str:
    return uuid.uuid4().hex
