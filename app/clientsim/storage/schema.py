"""The database schema, in one place: an ordered list of migrations.

``PRAGMA user_version`` holds the number of migrations applied. At start-up
``migrate()`` applies the missing ones, each in its own transaction together
with the new version number, so a crash mid-migration leaves the previous
version intact. Never edit a migration that has shipped: append a new one.
Tables are described in docs/storage.md.
"""

from __future__ import annotations

import sqlite3

MIGRATIONS: list[str] = [
    # 1: sessions, turns and everything the judge writes about them.
    """
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        persona_id TEXT,
        persona_json TEXT NOT NULL,
        model_json TEXT NOT NULL,
        seed INTEGER,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        status TEXT NOT NULL DEFAULT 'active',
        owner_host TEXT,          -- host of the process writing this session (active only)
        owner_pid INTEGER,        -- its process id
        owner_token TEXT,         -- its start time, to tell a reused pid apart
        last_active_at TEXT       -- last turn written, for owners on other hosts
    );
    CREATE INDEX sessions_persona ON sessions (persona_id, started_at);
    CREATE INDEX sessions_started ON sessions (started_at);
    CREATE INDEX sessions_status ON sessions (status);

    CREATE TABLE turns (
        id INTEGER PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        speaker TEXT NOT NULL,
        text TEXT NOT NULL,
        at TEXT NOT NULL,
        meta_json TEXT,
        UNIQUE (session_id, idx)
    );

    CREATE TABLE turn_codes (
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        turn_idx INTEGER NOT NULL,
        code TEXT,
        family TEXT,
        talk_type TEXT,
        confidence REAL,
        others_json TEXT,
        PRIMARY KEY (session_id, turn_idx)
    );

    CREATE TABLE reports (
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        kind TEXT NOT NULL,       -- mi | ctrs | safety | full
        created_at TEXT NOT NULL,
        json TEXT NOT NULL,
        PRIMARY KEY (session_id, kind)
    );

    CREATE TABLE scores (
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        metric TEXT NOT NULL,
        value REAL NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (session_id, metric)
    );
    CREATE INDEX scores_metric ON scores (metric);
    """,
]

LATEST_VERSION = len(MIGRATIONS)


class SchemaTooNew(Exception):
    """The file was written by a newer ClientSim than this one."""

    def __init__(self, found: int) -> None:
        super().__init__(found)
        self.found = found


def _statements(script: str) -> list[str]:
    """Split a migration into statements (executescript would commit on its own)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


def user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection) -> tuple[int, int]:
    """Bring the schema up to LATEST_VERSION; returns (version before, version after).

    Each step takes the write lock first (BEGIN IMMEDIATE) and re-reads the
    version inside it, so two app instances starting together migrate once.
    """
    before = user_version(conn)
    if before > LATEST_VERSION:
        raise SchemaTooNew(before)
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = user_version(conn)
            if version > LATEST_VERSION:
                raise SchemaTooNew(version)
            if version == LATEST_VERSION:
                conn.execute("COMMIT")
                return before, version
            for statement in _statements(MIGRATIONS[version]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
