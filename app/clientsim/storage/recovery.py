"""Opening the database file whatever state it was left in.

- corrupt (not a database, malformed pages): the file is set aside under
  ``<name>.corrupt-<UTC stamp>`` (with its -wal/-shm), never deleted, and a
  fresh file is started in its place;
- locked for good by another live process: the file is left alone (renaming it
  from under a live writer would split its data in two) and a side file
  ``<stem>-while-locked-<stamp><suffix>`` is used; on a later start where the
  main file opens, side files are merged back into it;
- sessions left 'active' by a process that is gone are marked 'interrupted'.
See docs/storage.md.
"""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import timedelta, datetime, timezone
from pathlib import Path

from clientsim.storage import owner as owners
from clientsim.storage.clock import parse_iso, stamp
from clientsim.storage.pending import is_locked
from clientsim.storage.schema import LATEST_VERSION, SchemaTooNew, migrate, user_version

# An active session owned by a process on another host (shared network home)
# is only declared interrupted once it has been silent this long.
FOREIGN_OWNER_GRACE = timedelta(days=1)

_CORRUPT_CODES = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB


class Corrupt(Exception):
    """The file is not a usable SQLite database."""


class Locked(Exception):
    """Another process holds the write lock beyond the busy timeout."""


class Unusable(Exception):
    """The file cannot be opened or written at all (permissions, full disk, newer schema)."""


def _code(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def decode_text(raw: bytes) -> str:
    """TEXT values as str; bytes that are not UTF-8 (a damaged page, another program) become U+FFFD."""
    return raw.decode("utf-8", "replace")


def connect(path: Path, busy_timeout: float) -> sqlite3.Connection:
    """Open, check and migrate `path`; raises Corrupt, Locked or Unusable."""
    try:
        conn = sqlite3.connect(
            str(path), timeout=busy_timeout, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as exc:
        raise Unusable(str(exc)) from exc
    conn.text_factory = decode_text
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        conn.execute("PRAGMA foreign_keys = ON")
        version = user_version(conn)
        if version > LATEST_VERSION:
            raise SchemaTooNew(version)  # before anything below changes the file
        if version < 0:
            raise Corrupt(f"its schema version is {version}")
        if version == 0:
            conn.execute("PRAGMA encoding = 'UTF-8'")  # only takes effect on an empty file
        # Checked before the switch to WAL, which writes to the header: a damaged file is set aside unchanged.
        result = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
        if result != "ok":
            raise Corrupt(result)
        conn.execute("PRAGMA journal_mode = WAL").fetchone()
        conn.execute("PRAGMA synchronous = FULL")  # a committed turn survives a power cut
        # The write lock, taken and given back: fails after busy_timeout when
        # another process sits on it.
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        try:
            migrate(conn)
        except sqlite3.OperationalError as exc:
            if is_locked(exc) or _code(exc) in (8, 10, 13, 14):  # read-only, I/O, full, cannot open
                raise
            # e.g. "table sessions already exists": the tables do not match the recorded version
            raise Corrupt(f"its tables do not match its schema version {version} ({exc})") from exc
        return conn
    except BaseException as exc:
        conn.close()
        if isinstance(exc, (Corrupt, KeyboardInterrupt, SystemExit)):
            raise
        if isinstance(exc, SchemaTooNew):
            raise Unusable(
                f"it was written by a newer ClientSim (schema version {exc.found}; "
                f"this version knows up to {LATEST_VERSION})"
            ) from exc
        if isinstance(exc, sqlite3.DatabaseError):
            if _code(exc) in _CORRUPT_CODES or (
                _code(exc) is None and not isinstance(exc, sqlite3.OperationalError)
            ):
                raise Corrupt(str(exc)) from exc
            if is_locked(exc):
                raise Locked(str(exc)) from exc
            raise Unusable(str(exc)) from exc
        if isinstance(exc, Exception):  # anything else a damaged file provokes: treat it as damaged
            raise Corrupt(f"{exc.__class__.__name__}: {exc}") from exc
        raise


def _companions(path: Path) -> list[tuple[Path, str]]:
    return [(path.with_name(path.name + s), s) for s in ("-wal", "-shm", "-journal")]


def _free_name(base: Path) -> Path:
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def set_aside(path: Path, label: str = "corrupt") -> Path:
    """Rename `path` (and its -wal/-shm/-journal) to `<name>.<label>-<stamp>`; returns the new path."""
    target = _free_name(path.with_name(f"{path.name}.{label}-{stamp()}"))
    os.replace(path, target)
    for companion, suffix in _companions(path):
        if companion.exists():
            os.replace(companion, target.with_name(target.name + suffix))
    return target


def side_file_for(path: Path) -> Path:
    """A fresh file beside a locked `path`, e.g. clientsim-while-locked-20261122T020304.sqlite3."""
    return _free_name(path.with_name(f"{path.stem}-while-locked-{stamp()}{path.suffix}"))


def side_files(path: Path) -> list[Path]:
    return sorted(
        p for p in path.parent.glob(f"{path.stem}-while-locked-*{path.suffix}") if p.is_file()
    )


def mark_crashed_sessions(conn: sqlite3.Connection, me: owners.Owner | None = None) -> list[str]:
    """Mark 'active' sessions whose writing process is gone as 'interrupted'; returns their ids.

    Turns already written are kept as they are; ended_at becomes the time of
    the last turn written (or the start, for a session with no turns).
    """
    me = me or owners.current()
    now = datetime.now(timezone.utc)
    rows = conn.execute(
        "SELECT id, owner_host, owner_pid, owner_token, last_active_at, started_at "
        "FROM sessions WHERE status = 'active'"
    ).fetchall()
    crashed = []
    for session_id, host, pid, token, last_active, started in rows:
        if host is None or pid is None:
            crashed.append(session_id)  # nobody owns it (imported or written by an old version)
        elif host == me.host:
            if pid == me.pid and (token or "") == me.token:
                continue  # this very process, through another Database object
            if not owners.is_alive(int(pid), token):
                crashed.append(session_id)
        else:
            try:
                silent_for = now - parse_iso(last_active or started)
            except ValueError:
                silent_for = FOREIGN_OWNER_GRACE * 2
            if silent_for > FOREIGN_OWNER_GRACE:
                crashed.append(session_id)
    if not crashed:
        return []
    conn.execute("BEGIN IMMEDIATE")
    try:
        for session_id in crashed:
            conn.execute(
                "UPDATE sessions SET status = 'interrupted', "
                "ended_at = COALESCE((SELECT MAX(at) FROM turns WHERE session_id = sessions.id), "
                "last_active_at, started_at), "
                "owner_host = NULL, owner_pid = NULL, owner_token = NULL "
                "WHERE id = ? AND status = 'active'",
                (session_id,),
            )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return crashed


_COPY = {
    "sessions": "id, persona_id, persona_json, model_json, seed, started_at, ended_at, status, "
    "owner_host, owner_pid, owner_token, last_active_at",
    "turns": "session_id, idx, speaker, text, at, meta_json",
    "turn_codes": "session_id, turn_idx, code, family, talk_type, confidence, others_json",
    "reports": "session_id, kind, created_at, json",
    "scores": "session_id, metric, value, created_at",
}


def merge_side_file(conn: sqlite3.Connection, side: Path, busy_timeout: float) -> tuple[int, int] | None:
    """Copy the sessions of a '-while-locked-' side file into `conn`'s database.

    Returns (sessions merged, sessions skipped because the id exists), or None
    when the side file is still in use (an active session with a live owner)
    or cannot be read; the side file is then left for a later start. A merged
    side file is renamed '<name>.merged-<stamp>', not deleted.
    """
    try:
        side_conn = connect(side, busy_timeout)
    except (Corrupt, Locked, Unusable):
        return None
    try:
        mark_crashed_sessions(side_conn)
        in_use = side_conn.execute("SELECT COUNT(*) FROM sessions WHERE status = 'active'").fetchone()[0]
    finally:
        side_conn.close()  # the last connection checkpoints the WAL into the file
    if in_use:
        return None
    conn.execute("ATTACH DATABASE ? AS side", (str(side),))
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            ids = [
                row[0]
                for row in conn.execute(
                    "SELECT id FROM side.sessions WHERE id NOT IN (SELECT id FROM main.sessions)"
                )
            ]
            skipped = conn.execute("SELECT COUNT(*) FROM side.sessions").fetchone()[0] - len(ids)
            wanted = json.dumps(ids)
            for table, columns in _COPY.items():
                key = "id" if table == "sessions" else "session_id"
                conn.execute(
                    f"INSERT INTO main.{table} ({columns}) SELECT {columns} FROM side.{table} "
                    f"WHERE {key} IN (SELECT value FROM json_each(?))",
                    (wanted,),
                )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    finally:
        conn.execute("DETACH DATABASE side")
    set_aside(side, "merged")
    return len(ids), skipped


# -- files that are not ours, read-only access (salvage.py copies rows out of damaged files) ----------

SQLITE_HEADER = b"SQLite format 3\x00"


def is_sqlite_file(path: Path) -> bool:
    """Does `path` start with the SQLite header (or is it empty, which SQLite treats as a new database)?"""
    import stat

    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return False
        if info.st_size == 0:
            return True
        return os.read(fd, len(SQLITE_HEADER)) == SQLITE_HEADER
    finally:
        os.close(fd)


def connect_read_only(path: Path, busy_timeout: float) -> sqlite3.Connection:
    """A connection that never writes (no WAL switch, no migration, no recovery); raises Locked or Unusable."""
    first: sqlite3.DatabaseError | None = None
    for mode in ("mode=ro", "immutable=1"):  # immutable: a read-only folder where no -shm can be made
        conn = None
        try:
            conn = sqlite3.connect(_uri(path, mode), uri=True, timeout=busy_timeout,
                                   isolation_level=None, check_same_thread=False)
            conn.text_factory = decode_text
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            conn.execute("SELECT COUNT(*) FROM sessions").fetchone()
            return conn
        except (sqlite3.DatabaseError, UnicodeError) as exc:
            if conn is not None:
                conn.close()
            if isinstance(exc, UnicodeError):  # an error text that is not UTF-8: a damaged file
                exc = sqlite3.DatabaseError(f"damaged text ({exc})")
            first = first or exc
            if is_locked(exc):
                break  # immutable would read around a live writer's lock: never
    assert first is not None
    if is_locked(first):
        raise Locked(str(first)) from first
    if _code(first) in _CORRUPT_CODES:
        raise Corrupt(str(first)) from first
    raise Unusable(str(first)) from first


def _uri(path: Path, mode: str) -> str:
    from urllib.parse import quote

    return f"file:{quote(str(Path(path).resolve()))}?{mode}"


def read_only_reason(path: Path) -> str | None:
    """Why `path` cannot be written, when the reason is read-only-ness (not a full disk); else None."""
    try:
        if os.statvfs(path.parent).f_flag & getattr(os, "ST_RDONLY", 1):
            return "the disk holding it is mounted read-only"
    except OSError:
        pass
    if path.exists() and not os.access(path, os.W_OK):
        return "the database file is read-only (its permissions)"
    if path.parent.exists() and not os.access(path.parent, os.W_OK):
        return "its folder is read-only (its permissions), so SQLite cannot write its journal there"
    return None


def disk_is_full(path: Path, margin: int = 64 * 1024) -> bool:
    """Is the disk holding `path` (all but) full? SQLite often reports that as a mere I/O error."""
    import shutil

    try:
        return shutil.disk_usage(path.parent).free < margin
    except OSError:
        return False
