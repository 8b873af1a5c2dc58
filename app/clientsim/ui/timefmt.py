"""Times as the screens write them. Stored times are ISO 8601 in UTC; they are
shown in the computer's local time zone.
"""

from __future__ import annotations

from datetime import datetime

from clientsim.core.when import human_date, human_duration, parse_iso, seconds_between

__all__ = ["clock", "duration", "elapsed", "human_time", "long_date", "minutes", "parse_iso", "short_date"]


def elapsed(seconds: float | None) -> str:
    """A session clock: ``04:07``, or ``1:02:03`` past the hour."""
    seconds = max(0, int(seconds or 0))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def duration(start: str | None, end: str | None) -> float | None:
    """Seconds from ``start`` to ``end``; None if either is missing or unreadable."""
    return seconds_between(start, end)


def long_date(iso: str | None) -> str:
    """``2 Dec 2026, 09:15``: when a past session started, in a sentence (the report says it the same way)."""
    return human_date(iso)


def short_date(iso: str | None) -> str:
    """``2026-12-02 09:15``: a column of dates that sorts as it reads."""
    if not iso:
        return "?"
    when = parse_iso(iso)
    return when.astimezone().strftime("%Y-%m-%d %H:%M") if when else iso


def clock(iso: str | None) -> str:
    """``09:15``: when a turn was said (now, for a turn not stored yet; blank if unreadable)."""
    if not iso:
        return datetime.now().strftime("%H:%M")
    when = parse_iso(iso)
    return when.astimezone().strftime("%H:%M") if when else ""


def human_time(iso: str | None, now: datetime | None = None) -> str:
    """'today 14:05', 'yesterday 09:12', 'Tue 1 Dec 14:05' (this week), '2 Dec 2025 14:05'."""
    if not iso:
        return "?"
    when = parse_iso(iso)
    if when is None:
        return iso
    when = when.astimezone()
    now = now or datetime.now().astimezone()
    at = when.strftime("%H:%M")
    days = (now.date() - when.date()).days
    if days == 0:
        return f"today {at}"
    if days == 1:
        return f"yesterday {at}"
    if 1 < days < 7:
        return f"{when:%a} {when.day} {when:%b} {at}"
    return f"{when.day} {when:%b %Y} {at}"


def minutes(start: str | None, end: str | None) -> str:
    """'under a minute', '12 min': how long a past session lasted ('' when unknown)."""
    return human_duration(seconds_between(start, end))
