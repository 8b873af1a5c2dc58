"""The pending-write queue of Database: writes that could not reach the disk wait here, in order.

Every write goes through _write(): when the disk is full, the file read-only
or locked too long, the write is queued, a rescue file (rescue.py) is written
at once and a notice names it. Every later write first retries the queue;
flush_pending() retries on demand. PendingWrite and the error classes are in
pending.py. See docs/storage.md, "A full disk".
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from clientsim.storage import rescue
from clientsim.storage.clock import now_iso
from clientsim.storage.pending import PendingWrite, cause_and_remedy, is_transient
from clientsim.storage.writes import apply_write


class WriteQueue:
    """Writing through the queue, the rescue file and emergency_dump; mixed into Database."""

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
            self._check_writable()
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
        rescue_file = self._save_rescue()
        if self._pending_notice_given:
            return
        self._pending_notice_given = True
        cause, todo = cause_and_remedy(exc)
        self.notices.append(f"Could not save to the session database: {cause}. {self._kept_where(rescue_file)} {todo}.")

    def _kept_where(self, rescue_file: Path | None) -> str:
        if rescue_file is None:
            return ("What you write is kept in memory only: no rescue file could be written either "
                    "(every folder tried is full or read-only). Do not close ClientSim until it is saved.")
        return (f"Nothing is lost: what you write is kept in {rescue_file} and saved to the database as soon "
                f"as it can be. To restore it yourself, run 'clientsim sessions import {rescue_file}' "
                "(ClientSim also does this by itself on its next start).")

    def _save_rescue(self) -> Path | None:
        """(Re)write the rescue file with everything waiting; returns it, or None when no folder takes it."""
        ops = self._pending + self._refused
        if not ops:
            return None
        tried = [self._rescue_path.parent] if self._rescue_path is not None else []
        for folder in tried + [f for f in rescue.folders(self.path) if f not in tried]:
            target = self._rescue_path if self._rescue_path is not None and folder == self._rescue_path.parent \
                else folder / rescue.file_name(self._owner)
            try:
                folder.mkdir(parents=True, exist_ok=True)
                self.emergency_dump(target)
            except (OSError, sqlite3.Error):
                continue
            if self._rescue_path is not None and self._rescue_path != target:
                self._rescue_path.unlink(missing_ok=True)  # superseded by the complete copy
                rescue.hold(self._rescue_path, False)
            self._rescue_path = target
            rescue.hold(target, not self._closed)
            return target
        return None

    @property
    def rescue_path(self) -> Path | None:
        """The rescue file holding writes that wait (None when nothing waits or none could be written)."""
        return self._rescue_path

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
                kept = self._save_rescue()
                self.notices.append(
                    f"A delayed {op.kind} write for session {op.session_id} can never be saved to the database "
                    f"({exc}). " + self._kept_where(kept)
                )
                continue
            self._pending.pop(0)
            written += 1
        if written and not self._pending and self._pending_notice_given:
            self._pending_notice_given = False
            text = "Everything kept in memory has now been saved to the session database."
            if self._refused:
                self._save_rescue()
            elif self._rescue_path is not None:
                try:
                    self._rescue_path.unlink(missing_ok=True)  # all of it is in the database now
                    text += f" The rescue file {self._rescue_path.name} is no longer needed and was removed."
                    rescue.hold(self._rescue_path, False)
                    self._rescue_path = None
                except OSError:
                    pass
            self.notices.append(text)
        elif written:
            self._save_rescue()
        return written


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
        with self._lock:
            ops = self._pending + self._refused
            path = Path(path)
            if path.is_dir():
                path = path / rescue.file_name(self._owner)
            session_ids = list(dict.fromkeys(op.session_id for op in ops if op.kind in ("session", "turn", "meta", "end")))
            transcripts = []
            for sid in session_ids:
                session = self._safe_read(lambda: self.get_session(sid))
                turns = self._safe_read(lambda: self.get_turns(sid)) or self._pending_turns(sid)
                if session is None:
                    session = {"id": sid, "persona": {}, "model": {}, "seed": None,
                               "started_at": turns[0]["at"] if turns else now_iso(),
                               "ended_at": None, "status": "interrupted"}
                transcripts.append(rescue.build_transcript(session, turns))
            doc = {
                "format": rescue.UNSAVED_FORMAT,
                "written_at": now_iso(),
                "database": str(self.path),
                "owner": {"host": self._owner.host, "pid": self._owner.pid, "token": self._owner.token},
                "sessions": transcripts,
                "writes": [op.to_dict() for op in ops],
            }
            rescue.write(doc, path)
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

    def unsaved_count(self) -> int:
        """Changes that never reached the database (after close(): those left in the rescue file)."""
        with self._lock:
            return len(self._pending) + len(self._refused)
