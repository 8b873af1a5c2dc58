"""Sessions, turns and judge results in one SQLite file (sqlite-utils).

Every turn is committed the moment it exists, so a crash or a kill loses at
most the reply being generated. When a write cannot reach the disk (disk full,
another program holding the lock) it waits in memory, in order, and is
retried on every later write and by flush_pending(); reads include it.

Threads: every method takes an internal lock, but the intended use is one
writer thread (the UI runs all calls on a one-thread executor, the CLI on its
main thread). Layout, recovery rules and file names: docs/storage.md.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import sqlite_utils

from clientsim import paths
from clientsim.core.errors import StorageError
from clientsim.storage import owner as owners
from clientsim.storage import recovery
from clientsim.storage.clock import now_iso, stamp
from clientsim.storage.pending import PendingWrite, is_disk_full, is_locked, is_transient
from clientsim.storage.rows import code_from_row, session_info, session_row, turn_from_row, turn_row
from clientsim.storage.writes import apply_write

BUSY_TIMEOUT = 5.0  # seconds a write waits for another process's lock
SPEAKERS = ("counsellor", "client")
STATUSES = ("active", "ended", "interrupted")


class Database:
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
        self._closed = False

    # -- opening ---------------------------------------------------------

    @classmethod
    def open(cls, path: Path | None = None, *, busy_timeout: float = BUSY_TIMEOUT) -> "Database":
        """Open (creating folders and migrating) the database; recovers from a corrupt or locked file.

        Raises StorageError only when no database can be used at all
        (unwritable folder, file from a newer version).
        """
        path = Path(path) if path is not None else paths.database_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(
                f"Cannot create the data folder {path.parent}: {exc.strerror or exc}",
                hint="Check the folder's permissions, or set CLIENTSIM_HOME to a writable folder.",
            ) from exc
        notices: list[str] = []
        main_path = path
        try:
            conn = recovery.connect(path, busy_timeout)
        except recovery.Corrupt as exc:
            try:
                aside = recovery.set_aside(path)
            except OSError:  # e.g. Windows: another process has the file open
                path = recovery.side_file_for(main_path)
                notices.append(
                    f"The session database {main_path.name} is damaged ({exc}) and in use by another "
                    f"program, so it was left as it is; sessions are saved in {path.name} for now."
                )
            else:
                notices.append(
                    f"The session database {path.name} was damaged ({exc}). It has been kept as "
                    f"{aside.name} in {path.parent} and a new, empty database was started. Sessions "
                    "in the damaged file may be recoverable with the sqlite3 '.recover' command."
                )
            conn = cls._connect_or_fail(path, busy_timeout)
        except recovery.Locked:
            path = recovery.side_file_for(main_path)
            conn = cls._connect_or_fail(path, busy_timeout)
            notices.append(
                f"The session database {main_path.name} is locked by another program or another "
                f"ClientSim window that has not let go of it for {busy_timeout:g} seconds. It was "
                f"left untouched; this session is saved in {path.name} in the same folder and "
                "will be moved into the main database on a later start, once the lock is gone."
            )
        except recovery.Unusable as exc:
            raise cls._unusable(path, exc) from exc
        db = cls(conn, path, notices)
        try:
            crashed = recovery.mark_crashed_sessions(conn, db._owner)
        except sqlite3.Error as exc:  # e.g. a full disk: try again on the next start
            crashed = []
            notices.append(f"Sessions left open by a crash could not be marked interrupted yet ({exc}).")
        if crashed:
            n = len(crashed)
            notices.append(
                f"{n} session{'s were' if n > 1 else ' was'} left open when ClientSim last stopped "
                f"unexpectedly; {'they are' if n > 1 else 'it is'} marked interrupted and every "
                "saved turn is kept."
            )
        if path == main_path:
            db._merge_side_files(busy_timeout)
        return db

    @staticmethod
    def _unusable(path: Path, exc: BaseException) -> StorageError:
        return StorageError(
            f"Cannot use the session database {path}: {exc}",
            hint="Check free disk space and the folder's permissions, "
            "or set CLIENTSIM_HOME to another folder.",
        )

    @classmethod
    def _connect_or_fail(cls, path: Path, busy_timeout: float) -> sqlite3.Connection:
        try:
            return recovery.connect(path, busy_timeout)
        except (recovery.Corrupt, recovery.Locked, recovery.Unusable) as exc:
            raise cls._unusable(path, exc) from exc

    def _merge_side_files(self, busy_timeout: float) -> None:
        for side in recovery.side_files(self.path):
            try:
                result = recovery.merge_side_file(self.conn, side, min(busy_timeout, 1.0))
            except sqlite3.Error as exc:
                self.notices.append(
                    f"Sessions saved in {side.name} while the database was locked could not be "
                    f"moved back yet ({exc}); the file is kept and will be tried again."
                )
                continue
            if result is None:
                continue
            merged, skipped = result
            text = f"{merged} session(s) saved in {side.name} while the database was locked were moved into it."
            if skipped:
                text += f" {skipped} session(s) with an id already present were left in the renamed side file."
            self.notices.append(text)

    # -- writing ---------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise

    def _write(self, op: PendingWrite) -> bool:
        """Write `op` now if possible, else queue it; True when it is on disk."""
        with self._lock:
            self._check_open()
            if self._pending:
                self._flush_locked()
            if not self._pending:
                try:
                    with self._transaction():
                        apply_write(self.db, op, self._owner)
                    return True
                except Exception as exc:
                    if not is_transient(exc):
                        raise
                    self._queue(op, exc)
                    return False
            self._queue(op, None)
            return False

    def _queue(self, op: PendingWrite, exc: BaseException | None) -> None:
        self._pending.append(op)
        if self._pending_notice_given:
            return
        self._pending_notice_given = True
        if exc is not None and is_disk_full(exc):
            cause = "the disk is full"
            todo = "Free some disk space"
        elif exc is not None and is_locked(exc):
            cause = "another program is holding the session database"
            todo = "Close other ClientSim windows or programs using the database"
        else:
            cause = f"the session database cannot be written ({exc})"
            todo = "Check the disk"
        self.notices.append(
            f"Could not save to disk: {cause}. Nothing is lost: what you write is kept in memory "
            f"and saved as soon as it can be. {todo}. If it still cannot be saved when ClientSim "
            "closes, it is written to a file in another folder and you are told where."
        )

    def _flush_locked(self) -> int:
        written = 0
        while self._pending:
            op = self._pending[0]
            try:
                with self._transaction():
                    apply_write(self.db, op, self._owner)
            except Exception as exc:
                if is_transient(exc):
                    break
                # It will never succeed (e.g. its session vanished); keep it for emergency_dump.
                self._refused.append(self._pending.pop(0))
                self.notices.append(
                    f"A delayed {op.kind} write for session {op.session_id} could not be saved "
                    f"({exc}); it is kept in memory for 'Save unsaved turns'."
                )
                continue
            self._pending.pop(0)
            written += 1
        if written and not self._pending and self._pending_notice_given:
            self._pending_notice_given = False
            self.notices.append("Everything kept in memory has now been saved to disk.")
        return written

    def _check_open(self) -> None:
        if self._closed:
            raise StorageError("The session database is closed.")

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
            self._check_open()
            try:
                with self._transaction():
                    self.db["sessions"].insert(
                        session_row(session_id, persona, model, seed, started_at, ended_at=ended_at, status=status)
                    )
                    self.db["turns"].insert_all(turn_row(session_id, t) for t in turns)
            except (sqlite3.Error, OSError, UnicodeError) as exc:
                reason = "the disk is full" if is_disk_full(exc) else str(exc)
                raise StorageError(
                    f"Could not import session {session_id}: {reason}. Nothing was changed."
                ) from exc

    def append_turns(self, session_id: str, turns: list[dict]) -> None:
        """Add turns to an existing session in one transaction (restoring unsaved turns).

        Raises StorageError (the database unchanged) when they cannot be written.
        """
        with self._lock:
            self._check_open()
            try:
                with self._transaction():
                    self.db["turns"].insert_all(turn_row(session_id, t) for t in turns)
            except (sqlite3.Error, OSError, UnicodeError) as exc:
                reason = "the disk is full" if is_disk_full(exc) else str(exc)
                raise StorageError(
                    f"Could not add turns to session {session_id}: {reason}. Nothing was changed."
                ) from exc

    # -- pending writes --------------------------------------------------

    def pending_count(self) -> int:
        """Writes waiting in memory (turns and other changes not yet on disk)."""
        with self._lock:
            return len(self._pending)

    def flush_pending(self) -> int:
        """Try to write everything waiting in memory, in order; returns the number written."""
        with self._lock:
            self._check_open()
            return self._flush_locked()

    def emergency_dump(self, path: Path) -> Path:
        """Write every unsaved change to a JSON file (a folder gets a new file in it); returns the file.

        For each session touched, the file holds a full transcript
        (clientsim.session/1: turns on disk plus those waiting) that
        'clientsim sessions import' accepts. The writes stay queued: this is a
        copy for safe keeping, not a hand-over.
        """
        from clientsim.sessions.transcript import build_transcript, write_transcript

        with self._lock:
            ops = self._pending + self._refused
            path = Path(path)
            if path.is_dir():
                path = path / f"clientsim-unsaved-{stamp()}.json"
            session_ids = list(dict.fromkeys(op.session_id for op in ops if op.kind in ("session", "turn", "meta", "end")))
            transcripts = []
            for sid in session_ids:
                session = self._safe_read(lambda: self.get_session(sid))
                turns = self._safe_read(lambda: self.get_turns(sid)) or self._pending_turns(sid)
                if session is None:
                    session = {"id": sid, "persona": {}, "model": {}, "seed": None,
                               "started_at": turns[0]["at"] if turns else now_iso(),
                               "ended_at": None, "status": "interrupted"}
                transcripts.append(build_transcript(session, turns))
            doc = {
                "format": "clientsim.unsaved/1",
                "written_at": now_iso(),
                "database": str(self.path),
                "sessions": transcripts,
                "writes": [op.to_dict() for op in ops],
            }
            write_transcript(doc, path)
            return path

    @staticmethod
    def _safe_read(read):
        try:
            return read()
        except (sqlite3.Error, OSError):
            return None

    def _pending_turns(self, session_id: str) -> list[dict]:
        return [
            {"index": op.data["index"], "speaker": op.data["speaker"], "text": op.data["text"],
             "at": op.data["at"], "meta": dict(op.data["meta"])}
            for op in self._pending + self._refused
            if op.kind == "turn" and op.session_id == session_id
        ]

    def _pending_of(self, kind: str, session_id: str | None = None) -> list[PendingWrite]:
        return [
            op for op in self._pending
            if op.kind == kind and (session_id is None or op.session_id == session_id)
        ]

    def delete_session(self, session_id: str) -> bool:
        """Remove a session with its turns, codes, reports and scores (and any of its writes waiting in
        memory); True when there was something to remove."""
        with self._lock:
            self._check_open()
            waiting = [op for op in self._pending + self._refused if op.session_id == session_id]
            self._pending = [op for op in self._pending if op.session_id != session_id]
            self._refused = [op for op in self._refused if op.session_id != session_id]
            with self._transaction():
                for table in ("turns", "turn_codes", "reports", "scores"):
                    self.conn.execute(f"DELETE FROM {table} WHERE session_id = ?", (session_id,))
                removed = self.conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,)).rowcount
            return bool(removed or waiting)

    # -- reading ---------------------------------------------------------

    def session_exists(self, session_id: str) -> bool:
        with self._lock:
            self._check_open()
            if self._pending_of("session", session_id):
                return True
            return self.conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is not None

    def _pending_session_rows(self) -> list[dict]:
        return [
            {**session_row(op.session_id, op.data["persona"], op.data["model"], op.data["seed"],
                           op.data["started_at"]), "turn_count": 0}
            for op in self._pending_of("session")
        ]

    def _overlay(self, info: dict) -> dict:
        """Apply waiting turns and endings to a session as read from disk."""
        info["turn_count"] += len(self._pending_of("turn", info["id"]))
        for op in self._pending_of("end", info["id"]):
            info["status"], info["ended_at"] = op.data["status"], op.data["ended_at"]
        return info

    def list_sessions(self, persona_id: str | None = None) -> list[dict]:
        """Sessions newest first, each with 'turn_count' and decoded 'persona' and 'model'."""
        with self._lock:
            self._check_open()
            sql = (
                "SELECT s.*, (SELECT COUNT(*) FROM turns t WHERE t.session_id = s.id) AS turn_count "
                "FROM sessions s"
            )
            params: tuple = ()
            if persona_id is not None:
                sql += " WHERE s.persona_id = ?"
                params = (persona_id,)
            rows = list(self.db.query(sql, params))
            rows += [r for r in self._pending_session_rows() if persona_id in (None, r["persona_id"])]
            rows.sort(key=lambda r: (r["started_at"] or "", r["id"]), reverse=True)
            return [self._overlay(session_info(r)) for r in rows]

    def get_session(self, session_id: str) -> dict | None:
        """The session with 'persona' and 'model' decoded, or None."""
        with self._lock:
            self._check_open()
            rows = list(
                self.db.query(
                    "SELECT s.*, (SELECT COUNT(*) FROM turns t WHERE t.session_id = s.id) AS turn_count "
                    "FROM sessions s WHERE s.id = ?",
                    (session_id,),
                )
            )
            rows = rows or [r for r in self._pending_session_rows() if r["id"] == session_id]
            if not rows:
                return None
            return self._overlay(session_info(rows[0]))

    def get_turns(self, session_id: str) -> list[dict]:
        """[{"index", "speaker", "text", "at", "meta"}] in order, including turns waiting in memory."""
        with self._lock:
            self._check_open()
            turns = {
                r["idx"]: turn_from_row(r)
                for r in self.db.query(
                    "SELECT idx, speaker, text, at, meta_json FROM turns WHERE session_id = ? ORDER BY idx",
                    (session_id,),
                )
            }
            for op in self._pending:
                if op.session_id != session_id:
                    continue
                if op.kind == "turn":
                    turns[op.data["index"]] = {k: op.data[k] for k in ("index", "speaker", "text", "at")}
                    turns[op.data["index"]]["meta"] = dict(op.data["meta"])
                elif op.kind == "meta" and op.data["index"] in turns:
                    turns[op.data["index"]]["meta"].update(op.data["meta"])
            return [turns[i] for i in sorted(turns)]

    def get_codes(self, session_id: str) -> list[dict]:
        with self._lock:
            self._check_open()
            waiting = self._pending_of("codes", session_id)
            if waiting:
                return [dict(c) for c in waiting[-1].data["codes"]]
            return [
                code_from_row(r)
                for r in self.db.query(
                    "SELECT * FROM turn_codes WHERE session_id = ? ORDER BY turn_idx", (session_id,)
                )
            ]

    def get_report(self, session_id: str, kind: str) -> dict | None:
        with self._lock:
            self._check_open()
            waiting = [op for op in self._pending_of("report", session_id) if op.data["kind"] == kind]
            if waiting:
                return waiting[-1].data["data"]
            row = self.conn.execute(
                "SELECT json FROM reports WHERE session_id = ? AND kind = ?", (session_id, kind)
            ).fetchone()
            return None if row is None else json.loads(row[0])

    def score_history(self, metric: str) -> list[tuple[str, str, float]]:
        """(session_id, started_at, value) for every session with this metric, oldest first."""
        with self._lock:
            self._check_open()
            return [
                (r[0], r[1], float(r[2]))
                for r in self.conn.execute(
                    "SELECT s.id, s.started_at, sc.value FROM scores sc JOIN sessions s ON s.id = sc.session_id "
                    "WHERE sc.metric = ? ORDER BY s.started_at, s.id",
                    (metric,),
                )
            ]

    # -- closing ---------------------------------------------------------

    def close(self) -> None:
        """Flush what waits in memory and close the file.

        If writes still cannot be saved, they are dumped to a JSON file in
        another folder (the cache folder, else the system temp folder) and a
        notice says where.
        """
        with self._lock:
            if self._closed:
                return
            if self._pending:
                self._flush_locked()
            if self._pending or self._refused:
                for folder in (paths.cache_dir(), Path(tempfile.gettempdir())):
                    try:
                        folder.mkdir(parents=True, exist_ok=True)
                        dumped = self.emergency_dump(folder)
                    except OSError:
                        continue
                    self.notices.append(
                        f"{len(self._pending) + len(self._refused)} unsaved change(s) could not reach the "
                        f"database and were written to {dumped}. Import them with "
                        f"'clientsim sessions import {dumped}'."
                    )
                    break
            self._closed = True
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


