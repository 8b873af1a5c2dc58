"""Opening the database file whatever state it is in (the Database.open half of database.py).

A damaged file is set aside and its readable rows salvaged into a new one; a
file locked for good gets a side file (or, for reading commands, a read-only
connection); a file the user named that is not an SQLite database is refused,
never renamed. The file-level work is in recovery.py; this module turns it
into a Database and plain-English notices. See docs/storage.md.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from clientsim import paths
from clientsim.core.errors import StorageError
from clientsim.storage import recovery
from clientsim.storage.pending import is_disk_full, is_read_only
from clientsim.storage.salvage import salvage

BUSY_TIMEOUT = 5.0  # seconds a write waits for another process's lock


class Opening:
    """Database.open and the ways a file is recovered; mixed into Database."""


    @classmethod
    def open(
        cls, path: Path | None = None, *, busy_timeout: float = BUSY_TIMEOUT,
        read_only: bool = False, named_by_user: bool = False,
    ) -> "Database":
        """Open (creating folders and migrating) the database; recovers from a damaged or locked file.

        read_only: for commands that only read (listing, showing, exporting):
        when the file is locked by another program or cannot be written, it
        is opened read-only instead of starting a side file, and writes raise
        StorageError. named_by_user: the user typed this path (--database);
        a file there that is not an SQLite database is refused, never renamed.

        Raises StorageError only when no database can be used at all
        (unwritable folder, file from a newer version, a file that is not ours).
        """
        path = Path(path) if path is not None else paths.database_path()
        if named_by_user:
            cls._refuse_foreign(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            if read_only and path.is_file():
                return cls._open_read_only(path, busy_timeout, [], exc)
            raise StorageError(
                f"Cannot create the data folder {path.parent}: {exc.strerror or exc}",
                hint="Check the folder's permissions, or set CLIENTSIM_HOME to a writable folder.",
            ) from exc
        notices: list[str] = []
        main_path = path
        try:
            conn = recovery.connect(path, min(busy_timeout, 1.0) if read_only else busy_timeout)
        except recovery.Corrupt as exc:
            path, conn = cls._replace_damaged(path, busy_timeout, exc, notices)
        except (recovery.Locked, recovery.Unusable) as exc:
            if read_only and path.is_file():
                return cls._open_read_only(path, busy_timeout, notices, exc)
            if isinstance(exc, recovery.Unusable):
                raise cls._unusable(path, exc) from exc
            path = recovery.side_file_for(main_path)
            conn = cls._connect_or_fail(path, busy_timeout)
            notices.append(
                f"The session database {main_path.name} is locked by another program or another "
                f"ClientSim window that has not let go of it for {busy_timeout:g} seconds. It was "
                f"left untouched; this session is saved in {path.name} in the same folder and "
                "will be moved into the main database on a later start, once the lock is gone."
            )
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
    def _refuse_foreign(path: Path) -> None:
        if not path.exists() and not path.is_symlink():
            return
        try:
            ours = path.is_file() and recovery.is_sqlite_file(path)
        except OSError as exc:
            raise StorageError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
        if not ours:
            raise StorageError(
                f"{path} is not a ClientSim session database (it is not an SQLite file), so it was not "
                "opened and was left exactly as it is.",
                hint="Check the file name given to --database; a name that does not exist yet starts a new database.",
            )

    @classmethod
    def _replace_damaged(cls, path: Path, busy_timeout: float, exc: BaseException, notices: list[str]):
        """Set a damaged file aside, start a new one and salvage every readable row into it."""
        main_path = path
        try:
            aside = recovery.set_aside(path)
        except OSError:  # e.g. Windows: another process has the file open
            path = recovery.side_file_for(main_path)
            notices.append(
                f"The session database {main_path.name} is damaged ({exc}) and in use by another "
                f"program, so it was left as it is; sessions are saved in {path.name} for now."
            )
            return path, cls._connect_or_fail(path, busy_timeout)
        conn = cls._connect_or_fail(path, busy_timeout)
        try:
            copied = salvage(aside, conn)
        except sqlite3.Error as err:
            copied, failed = {}, f" Salvaging its rows failed ({err})."
        else:
            failed = ""
        saved = (
            f"{copied.get('sessions', 0)} session(s) and {copied.get('turns', 0)} turn(s) that could still "
            "be read were copied into a new database"
        ) if copied.get("sessions") or copied.get("turns") else "no rows could be read from it; a new, empty database was started"
        notices.append(
            f"The session database {path.name} was damaged ({exc}): {saved}.{failed} The damaged file is "
            f"kept unchanged as {aside.name} in {path.parent}."
        )
        return path, conn

    @classmethod
    def _open_read_only(cls, path: Path, busy_timeout: float, notices: list[str], why: BaseException) -> "Database":
        try:
            conn = recovery.connect_read_only(path, busy_timeout)
        except (recovery.Locked, recovery.Unusable, recovery.Corrupt) as exc:
            what = "it is locked by another program that is writing to it" if isinstance(exc, recovery.Locked) \
                else str(exc)
            raise StorageError(
                f"Cannot read the session database {path} right now: {what}. Nothing was changed.",
                hint="Close the other program (or other ClientSim windows) and try again.",
            ) from exc
        cause = "is locked by another program" if isinstance(why, recovery.Locked) else "cannot be written"
        notices.append(f"The session database {path.name} {cause}; what it holds is shown read-only.")
        db = cls(conn, path, notices)
        db.read_only = True
        return db

    @staticmethod
    def _unusable(path: Path, exc: BaseException) -> StorageError:
        cause = exc.__cause__ if exc.__cause__ is not None else exc
        read_only = recovery.read_only_reason(path)
        if read_only or is_read_only(cause) or is_read_only(exc):
            return StorageError(
                f"Cannot save sessions in {path}: {read_only or 'the database file or its folder is read-only'}. "
                "Nothing was changed.",
                hint="Make the file and its folder writable, or set CLIENTSIM_HOME to a writable folder.",
            )
        if is_disk_full(cause) or recovery.disk_is_full(path):
            return StorageError(
                f"Cannot save sessions in {path}: the disk is full. Nothing was changed.",
                hint="Free some disk space, or set CLIENTSIM_HOME to a folder on another disk.",
            )
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
