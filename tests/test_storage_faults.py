"""Storage under faults, with real files and real processes: a lock held by another process,
a full disk (a real tmpfs when this runs as root, else SQLite's own page cap), a read-only
disk, a file that is not a database. After each, every turn written is in the database or in
a rescue file a message named, and the next start restores it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from clientsim.cli.main import main
from clientsim.core.errors import StorageError
from clientsim.sessions.rescue import open_database
from clientsim.storage import Database, now_iso
from clientsim.storage.recovery import side_files

PERSONA = {"id": "maya", "name": "Maya Collins"}


def new_session(db: Database, sid: str = "s1") -> str:
    db.create_session(session_id=sid, persona=PERSONA, model={"name": "m"}, seed=1, started_at=now_iso())
    return sid


class LockHolder:
    """Another process holding the database's lock until stop()."""

    def __init__(self, path: Path, exclusive: bool = False) -> None:
        take = ("con.execute('PRAGMA locking_mode = EXCLUSIVE'); con.execute('UPDATE sessions SET seed = 9')"
                if exclusive else "con.execute('BEGIN IMMEDIATE'); con.execute('UPDATE sessions SET seed = 9')")
        code = textwrap.dedent(f"""
            import sqlite3, sys
            con = sqlite3.connect({str(path)!r}, isolation_level=None)
            {take}
            print('ready', flush=True)
            sys.stdin.read()
        """)
        self.proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True)
        assert self.proc.stdout.readline().strip() == "ready"

    def stop(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture
def two_sessions(clientsim_home) -> Path:
    with Database.open() as db:
        for sid in ("aaaa1111", "bbbb2222"):
            new_session(db, sid)
            db.add_turn(sid, 0, "counsellor", f"Hello from {sid}", now_iso())
            db.end_session(sid)
        return db.path


# -- another process holds the lock ---------------------------------------------------------


def test_readers_keep_reading_while_another_process_holds_the_write_lock(two_sessions, tmp_path, capsys):
    holder = LockHolder(two_sessions)
    try:
        assert main(["sessions", "list"]) == 0
        out, err = capsys.readouterr()
        assert "aaaa1111" in out and "bbbb2222" in out and "No sessions yet." not in out
        assert "locked by another program" in err and "read-only" in err
        assert main(["sessions", "show", "aaaa"]) == 0
        assert "Hello from aaaa1111" in capsys.readouterr().out
        out_file = tmp_path / "x.json"
        assert main(["sessions", "export", "bbbb2222", "-o", str(out_file)]) == 0
        assert json.loads(out_file.read_text())["turns"][0]["text"] == "Hello from bbbb2222"
    finally:
        holder.stop()
    assert side_files(two_sessions) == []  # reading never starts a side file


def test_when_reading_is_truly_impossible_the_message_says_so(two_sessions, tmp_path, capsys):
    holder = LockHolder(two_sessions, exclusive=True)
    try:
        assert main(["sessions", "list"]) == 2
        out, err = capsys.readouterr()
        assert "No sessions yet." not in out and "Cannot read the session database" in err and "locked" in err
        assert main(["sessions", "export", "aaaa1111", "-o", str(tmp_path / "x.json")]) == 2
        assert not (tmp_path / "x.json").exists()
    finally:
        holder.stop()
    assert side_files(two_sessions) == []
    assert main(["sessions", "list"]) == 0 and "aaaa1111" in capsys.readouterr().out


# -- a file that is not a database -------------------------------------------------------------


def test_database_option_never_renames_a_file_that_is_not_a_database(tmp_path, capsys):
    typo = tmp_path / "thesis.docx"
    typo.write_bytes(b"PK\x03\x04 my thesis" * 100)
    before = typo.read_bytes()
    transcript = tmp_path / "t.json"
    transcript.write_text(json.dumps({
        "format": "clientsim.session/1", "id": "t1", "persona": {}, "model": {}, "started_at": "2026-11-22T02:00:00Z",
        "status": "ended", "turns": []}), encoding="utf-8")
    for action in (["list"], ["show", "t1"], ["import", str(transcript)]):
        assert main(["sessions", "--database", str(typo), *action]) == 2
        assert "is not a ClientSim session database" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clientsim-home", "t.json", "thesis.docx"]
    assert typo.read_bytes() == before


# -- full disk: rescue files named, restored on the next start ---------------------------------------


def fill_to_limit(db: Database) -> None:
    pages = db.conn.execute("PRAGMA page_count").fetchone()[0]
    db.conn.execute(f"PRAGMA max_page_count = {pages}")


def test_turns_that_cannot_be_saved_are_restored_on_the_next_start(clientsim_home, capsys):
    db = Database.open()
    new_session(db)
    db.add_turn("s1", 0, "counsellor", "on disk", now_iso())
    fill_to_limit(db)
    assert db.add_turn("s1", 1, "client", "kept in the rescue file " * 300, now_iso()) is False
    assert db.add_turn("s1", 2, "counsellor", "me too", now_iso()) is False
    rescue = db.rescue_path
    assert rescue is not None and rescue.parent == db.path.parent  # the data folder
    assert all(str(rescue) in n for n in db.notices if "kept" in n)
    db.close()
    assert db.unsaved_count() == 2 and rescue.exists()

    assert main(["sessions", "list"]) == 0  # the next start restores it and says so
    out, err = capsys.readouterr()
    assert "2 turn(s) kept in the rescue file" in err and "restored" in err
    assert not rescue.exists() and list(rescue.parent.glob(rescue.name + ".restored-*"))
    with Database.open() as again:
        assert [t["text"][:7] for t in again.get_turns("s1")] == ["on disk", "kept in", "me too"]
    assert main(["sessions", "list"]) == 0  # restored once, not twice
    assert "rescue" not in capsys.readouterr().err


def test_a_rescue_file_of_a_live_process_is_left_alone(clientsim_home):
    db = Database.open()
    new_session(db)
    fill_to_limit(db)
    assert db.add_turn("s1", 0, "counsellor", "waiting " * 1000, now_iso()) is False
    with open_database() as other:  # a second window while the first still holds the writes
        assert other.get_turns("s1") == []
        assert db.rescue_path.exists()
    db.conn.execute("PRAGMA max_page_count = 1073741823")
    db.close()
    assert not db.rescue_path or not db.rescue_path.exists()


def root_can_mount() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0 and sys.platform.startswith("linux")


@pytest.fixture
def tmpfs(tmp_path):
    """A real 400 KB filesystem (root only), unmounted afterwards."""
    if not root_can_mount():
        pytest.skip("needs root to mount a tmpfs")
    mnt = tmp_path / "small-disk"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(mnt)]).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    mounts = [mnt]
    yield mnt, mounts
    for m in reversed(mounts):
        subprocess.run(["umount", str(m)])


def test_a_real_full_disk(tmpfs, clientsim_home, monkeypatch):
    mnt, _ = tmpfs
    monkeypatch.setenv("CLIENTSIM_DATA_DIR", str(mnt))
    db = Database.open()
    new_session(db)
    assert db.add_turn("s1", 0, "counsellor", "before the disk filled", now_iso())
    filler = mnt / "filler"
    with open(filler, "wb") as f:
        with pytest.raises(OSError):
            f.write(b"x" * 2_000_000)
            f.flush()
    assert db.add_turn("s1", 1, "client", "written while full " * 500, now_iso()) is False
    [notice] = [n for n in db.notices if "Could not save" in n]
    assert "the disk is full" in notice and "read-only" not in notice
    rescue = db.rescue_path
    assert rescue is not None and str(rescue) in notice and f"clientsim sessions import {rescue}" in notice
    assert rescue.parent != mnt  # the full data folder could not take it; the cache folder did
    db.close()
    filler.unlink()
    with open_database() as again:
        assert any("restored" in n for n in again.notices)
        assert [t["index"] for t in again.get_turns("s1")] == [0, 1]


def test_a_read_only_disk_is_not_called_full(tmpfs, clientsim_home, monkeypatch, capsys):
    mnt, mounts = tmpfs
    monkeypatch.setenv("CLIENTSIM_DATA_DIR", str(mnt))
    with Database.open() as db:
        new_session(db)
        db.add_turn("s1", 0, "counsellor", "Hello", now_iso())
        db.end_session("s1")
    ro = mnt.parent / "read-only-view"
    ro.mkdir()
    assert subprocess.run(["mount", "--bind", str(mnt), str(ro)]).returncode == 0
    mounts.append(ro)
    assert subprocess.run(["mount", "-o", "remount,bind,ro", str(ro)]).returncode == 0
    monkeypatch.setenv("CLIENTSIM_DATA_DIR", str(ro))
    with pytest.raises(StorageError) as err:
        Database.open()
    assert "mounted read-only" in str(err.value) and "full" not in str(err.value)
    assert main(["sessions", "list"]) == 0  # reading still works
    out, err_text = capsys.readouterr()
    assert "s1" in out and "cannot be written" in err_text


# -- who owns an active session: a held lock, not /proc ------------------------------------------


def test_owner_is_alive_while_it_holds_its_lock_and_a_reused_pid_does_not_count(tmp_path):
    from clientsim.storage import owner

    code = "from clientsim.storage import owner; import sys; print(owner.current().token, flush=True); sys.stdin.read()"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "app")}
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True, env=env)
    token = child.stdout.readline().strip()
    assert token.startswith(owner.LOCK_PREFIX)
    assert owner.is_alive(child.pid, token)
    # this very process is alive, but it does not hold that lock: a reused pid is not the owner
    child.kill()
    child.wait(timeout=10)
    assert not owner.is_alive(os.getpid(), token)
    assert not owner.is_alive(child.pid, token)
    assert owner.is_alive(os.getpid(), owner.current().token)


def test_a_disk_full_before_the_start_is_called_full(tmpfs, clientsim_home, monkeypatch):
    mnt, _ = tmpfs
    monkeypatch.setenv("CLIENTSIM_DATA_DIR", str(mnt))
    with open(mnt / "filler", "wb") as f:
        with pytest.raises(OSError):
            f.write(b"x" * 2_000_000)
            f.flush()
    with pytest.raises(StorageError) as err:
        Database.open()
    assert "the disk is full" in str(err.value) and "read-only" not in str(err.value)


def test_a_database_that_turns_read_only_mid_session_is_called_read_only(clientsim_home):
    db = Database.open()
    new_session(db)
    assert db.add_turn("s1", 0, "counsellor", "saved", now_iso())
    db.conn.execute("PRAGMA query_only = ON")  # SQLite now refuses writes with SQLITE_READONLY
    assert db.add_turn("s1", 1, "client", "kept aside", now_iso()) is False
    [notice] = [n for n in db.notices if "Could not save" in n]
    assert "read-only" in notice and "disk is full" not in notice and str(db.rescue_path) in notice
    db.conn.execute("PRAGMA query_only = OFF")
    assert db.flush_pending() == 1 and not db.rescue_path
    db.close()
