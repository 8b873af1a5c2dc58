"""Salvage: every row of a damaged database that can still be read, copied into a new one.

The damaged file itself is never changed (it is read with immutable=1, or
read-only when committed writes wait in its -wal) and is kept aside by the
caller (opening.py). Rows are read in rowid order; a stretch that cannot be
read is jumped over, further each time, so one bad page costs the rows on it
and not the rest of the table.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from clientsim.storage.recovery import _COPY, Corrupt, Locked, Unusable, _uri, connect_read_only, decode_text

MAX_SKIPS = 40  # per table: how often salvage jumps past rows it cannot read


def _readable_rows(src: sqlite3.Connection, table: str, columns: str):
    """Every row of `table` that can still be read, in rowid order; skips past damaged stretches."""
    last: int | None = None
    skips = 0
    while skips <= MAX_SKIPS:
        sql = f"SELECT rowid, {columns} FROM {table}"
        params: tuple = ()
        if last is not None:
            sql += " WHERE rowid > ?"
            params = (last,)
        try:
            for row in src.execute(sql + " ORDER BY rowid", params):
                last = row[0]
                yield row[1:]
            return
        except (sqlite3.DatabaseError, UnicodeError):  # a damaged page; its error text may not be UTF-8
            skips += 1
            last = (last or 0) + 2 ** min(skips, 20)  # jump further each time a stretch stays unreadable


def salvage(damaged: Path, conn: sqlite3.Connection) -> dict[str, int]:
    """Copy every readable row of the damaged file `damaged` into `conn`'s (new) database.

    Row by row, in one transaction; a turn whose session row was lost keeps a
    placeholder session (status 'interrupted') so the student's words survive.
    Returns rows copied per table ({} when nothing could be read).
    """
    src = None
    if damaged.with_name(damaged.name + "-wal").exists():  # committed turns may wait in it: read it too
        try:
            src = connect_read_only(damaged, 0.5)
        except (Corrupt, Locked, Unusable):
            src = None
    if src is None:  # immutable: reads the file as it is and creates no -shm/-wal beside it
        try:
            src = sqlite3.connect(_uri(damaged, "immutable=1"), uri=True, isolation_level=None)
        except sqlite3.Error:
            return {}
        src.text_factory = decode_text
    copied: dict[str, int] = {}
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            for table, columns in _COPY.items():
                n = 0
                marks = ", ".join("?" * len(columns.split(",")))
                try:
                    rows = list(_readable_rows(src, table, columns))
                except (sqlite3.Error, UnicodeError):
                    rows = []
                for row in rows:
                    try:
                        if table != "sessions":
                            _ensure_session(conn, row[0], row)
                        cur = conn.execute(f"INSERT OR IGNORE INTO main.{table} ({columns}) VALUES ({marks})", row)
                        n += cur.rowcount
                    except (sqlite3.Error, UnicodeError, OverflowError):
                        continue  # a row too damaged to fit the schema
                copied[table] = n
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    finally:
        src.close()
    return copied


def _ensure_session(conn: sqlite3.Connection, session_id, row) -> None:
    if not isinstance(session_id, str):
        return
    if conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone():
        return
    when = next((v for v in row if isinstance(v, str) and v[:2] == "20" and "T" in v), None) or "1970-01-01T00:00:00Z"
    conn.execute(
        "INSERT INTO sessions (id, persona_id, persona_json, model_json, started_at, ended_at, status, last_active_at) "
        "VALUES (?, NULL, '{}', '{}', ?, ?, 'interrupted', ?)",
        (session_id, when, when, when),
    )
