"""Sessions, turns and judge results in one SQLite file (sqlite-utils).

Every turn is committed the moment it exists, so a crash or a kill loses at
most the reply being generated. When a write cannot reach the disk (disk full,
another program holding the lock) it waits in memory, in order, and is
retried on every later write and by flush_pending(); reads include it.

Threads: every method takes an internal lock, but the intended use is one
writer thread (the UI runs all calls on a one-thread executor, the CLI on its
main thread). Layout, recovery rules and file names: docs/storage.md.

Split by concern: opening.py (Database.open: damaged, locked, read-only and
foreign files), write_queue.py (writes that wait in memory, the rescue file),
reads.py (the read API); this file holds the write API and closing.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import sqlite_utils

from clientsim.core.errors import StorageError
from clientsim.storage import owner as owners
from clientsim.storage import rescue
from clientsim.storage.clock import now_iso
from clientsim.storage.opening import BUSY_TIMEOUT, Opening
from clientsim.storage.pending import PendingWrite, cause_and_remedy
from clientsim.storage.reads import Reads
from clientsim.storage.rows import session_row, turn_row
from clientsim.storage.values import SPEAKERS, STATUSES
from clientsim.storage.write_queue import WriteQueue

__all__ = ["BUSY_TIMEOUT", "Database", "SPEAKERS", "STATUSES"]


class Database(Opening, WriteQueue, Reads):
    """The app's store. Use Database.open(); close() when done."""

    notices: list[str]
    path: Path

    def __init__(self, conn: sqlite3.Connection, path: Path, notices: list[str]) -> None:
        self.conn = conn
        self.db = sqlite_utils.Database(conn, execute_plugins=False)
        self.path = path
        self.notices = notices
        self._owner = owners.current()
        self._pending: list[PendingWrite] = []
        self._refused: list[PendingWrite] = []  # failed for good; kept for emergency_dump
        self._lock = threading.RLock()
        self._pending_notice_given = False
        self._rescue_path: Path | None = None
        self.read_only = False  # opened with Database.open(read_only=True) and the file could not be written
        self._closed = False

    def _check_open(self) -> None:
        if self._closed:
            raise StorageError("The session database is closed.")

    def _check_writable(self) -> None:
        self._check_open()
        if self.read_only:
            raise StorageError(f"The session database {self.path.name} is open read-only; nothing was saved.")

    def create_session(
        self, *, session_id: str, persona: dict, model: dict, seed: int | None, started_at: str
    ) -> None:
        """Start a session owned by this process (status 'active')."""
        if not session_id or not isinstance(session_id, str):
            raise ValueError("session_id must be a non-empty string")
        if self.session_exists(session_id):
            raise ValueError(f"a session with id {session_id!r} already exists")
        self._write(
            PendingWrite(
                "session",
                session_id,
                {"persona": dict(persona), "model": dict(model), "seed": seed, "started_at": started_at},
            )
        )

    def add_turn(
        self, session_id: str, index: int, speaker: str, text: str, at: str, meta: dict | None = None
    ) -> bool:
        """Save one turn; True when it is on disk, False when it waits in memory."""
        if speaker not in SPEAKERS:
            raise ValueError(f"unknown speaker {speaker!r}; expected one of {', '.join(SPEAKERS)}")
        if not isinstance(index, int) or index < 0:
            raise ValueError(f"turn index must be a whole number >= 0, not {index!r}")
        if not isinstance(text, str):
            raise ValueError("turn text must be a string")
        text.encode("utf-8")  # a lone surrogate fails here, before anything is queued
        op = PendingWrite(
            "turn", session_id, {"index": index, "speaker": speaker, "text": text, "at": at, "meta": dict(meta or {})}
        )
        try:
            return self._write(op)
        except sqlite3.IntegrityError as exc:
            raise ValueError(f"cannot save turn {index} of session {session_id!r}: {exc}") from exc

    def update_turn_meta(self, session_id: str, index: int, meta: dict) -> None:
        """Merge `meta` into the turn's metadata (keys given replace existing ones)."""
        with self._lock:
            for op in self._pending:
                if op.kind == "turn" and op.session_id == session_id and op.data["index"] == index:
                    op.data["meta"].update(meta)
                    return
            self._write(PendingWrite("meta", session_id, {"index": index, "meta": dict(meta)}))

    def end_session(self, session_id: str, status: str = "ended", ended_at: str | None = None) -> None:
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}; expected one of {', '.join(STATUSES)}")
        if not self.session_exists(session_id):
            raise KeyError(f"no session {session_id!r}")
        self._write(PendingWrite("end", session_id, {"status": status, "ended_at": ended_at or now_iso()}))

    def save_codes(self, session_id: str, codes: list[dict]) -> None:
        """Replace the session's behaviour codes: rows {turn_idx, code, family, talk_type, confidence, others}."""
        self._write(PendingWrite("codes", session_id, {"codes": [dict(c) for c in codes]}))

    def save_report(self, session_id: str, kind: str, data: dict) -> None:
        """Store (replacing) the session's report of `kind` (mi, ctrs, safety, full)."""
        if not kind or not isinstance(kind, str):
            raise ValueError("report kind must be a non-empty string")
        self._write(PendingWrite("report", session_id, {"kind": kind, "data": data, "created_at": now_iso()}))

    def save_scores(self, session_id: str, scores: dict[str, float]) -> None:
        """Store one figure per metric (replacing earlier values of the same metrics)."""
        clean = {str(m): float(v) for m, v in scores.items()}
        self._write(PendingWrite("scores", session_id, {"scores": clean, "created_at": now_iso()}))

    def import_session(
        self,
        *,
        session_id: str,
        persona: dict,
        model: dict,
        seed: int | None,
        started_at: str,
        ended_at: str | None,
        status: str,
        turns: list[dict],
    ) -> None:
        """Write a whole session and its turns in one transaction: all of it or nothing.

        Turns are {"index", "speaker", "text", "at", optional "meta"}. Raises
        StorageError (the database unchanged) when it cannot be written.
        """
        with self._lock:
            self._check_writable()
            try:
                with self._transaction():
                    self.db["sessions"].insert(
                        session_row(session_id, persona, model, seed, started_at, ended_at=ended_at, status=status)
                    )
                    self.db["turns"].insert_all(turn_row(session_id, t) for t in turns)
            except (sqlite3.Error, OSError, UnicodeError) as exc:
                reason = cause_and_remedy(exc)[0]
                raise StorageError(
                    f"Could not import session {session_id}: {reason}. Nothing was changed."
                ) from exc

    def append_turns(self, session_id: str, turns: list[dict]) -> None:
        """Add turns to an existing session in one transaction (restoring unsaved turns).

        Raises StorageError (the database unchanged) when they cannot be written.
        """
        with self._lock:
            self._check_writable()
            try:
                with self._transaction():
                    self.db["turns"].insert_all(turn_row(session_id, t) for t in turns)
            except (sqlite3.Error, OSError, UnicodeError) as exc:
                reason = cause_and_remedy(exc)[0]
                raise StorageError(
                    f"Could not add turns to session {session_id}: {reason}. Nothing was changed."
                ) from exc

    # -- closing ---------------------------------------------------------

    def delete_session(self, session_id: str) -> bool:
        """Remove a session with its turns, codes, reports and scores (and any of its writes waiting in
        memory); True when there was something to remove."""
        with self._lock:
            self._check_open()
            self._check_writable()
            waiting = [op for op in self._pending + self._refused if op.session_id == session_id]
            self._pending = [op for op in self._pending if op.session_id != session_id]
            self._refused = [op for op in self._refused if op.session_id != session_id]
            with self._transaction():
                for table in ("turns", "turn_codes", "reports", "scores"):
                    self.conn.execute(f"DELETE FROM {table} WHERE session_id = ?", (session_id,))
                removed = self.conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,)).rowcount
            return bool(removed or waiting)

    def close(self) -> None:
        """Flush what waits in memory and close the file.

        If writes still cannot be saved they stay in the rescue file (see
        storage/rescue.py) and a notice names it and the command that restores it.
        """
        with self._lock:
            if self._closed:
                return
            if self._pending:
                self._flush_locked()
            if self._pending or self._refused:
                kept = self._save_rescue()
                n = len(self._pending) + len(self._refused)
                if kept is None:
                    self.notices.append(
                        f"{n} unsaved change(s) could not reach the session database and no rescue file could "
                        "be written (every folder tried is full or read-only); they are lost when ClientSim exits."
                    )
                else:
                    self.notices.append(
                        f"{n} unsaved change(s) could not reach the session database and are kept in {kept}. "
                        f"ClientSim restores them by itself on its next start, or run "
                        f"'clientsim sessions import {kept}'."
                    )
            self._closed = True
            rescue.hold(self._rescue_path, False)  # from now on the next open may restore it
            try:
                self.conn.close()
            except sqlite3.Error:
                pass

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:  # pragma: no cover - best effort
        if not getattr(self, "_closed", True) and not getattr(self, "_pending", None):
            try:
                self.conn.close()
            except Exception:
                pass


