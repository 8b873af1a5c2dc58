"""Dates and durations in the words a student reads: '2 Dec 2026, 14:52', '23 min'.

Stored times are ISO 8601 in UTC; they are shown in the computer's local time
zone. Qt-free, so the report (judge) and the screens (ui/timefmt.py) say the
same thing.
"""

from __future__ import annotations

from datetime import datetime


def parse_iso(iso: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")) if iso else None
    except (ValueError, AttributeError):
        return None


def human_date(iso: str | None, unknown: str = "an unknown date") -> str:
    """``2 Dec 2026, 14:52`` in local time; the text itself when it is not a date."""
    if not iso:
        return unknown
    when = parse_iso(iso)
    if when is None:
        return str(iso)
    when = when.astimezone()
    return f"{when.day} {when:%b %Y}, {when:%H:%M}"


def seconds_between(start: str | None, end: str | None) -> float | None:
    """Seconds from ``start`` to ``end``; None if either is missing or unreadable."""
    a, b = parse_iso(start), parse_iso(end)
    return (b - a).total_seconds() if a and b else None


def human_duration(seconds: float | None) -> str:
    """'under a minute', '23 min', '1 h 05 min'; '' when unknown."""
    if seconds is None:
        return ""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return "under a minute"
    hours, mins = divmod(seconds // 60, 60)
    return f"{hours} h {mins:02d} min" if hours else f"{mins} min"
