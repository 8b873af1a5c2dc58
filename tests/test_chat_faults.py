"""`clientsim chat` under faults, in real subprocesses with the 135M SmolLM2 model:
clean exits (the engine is closed before interpreter teardown), SIGTERM mid-reply,
invalid UTF-8 on stdin, a database that cannot take the turns, broken persona files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_helpers import cli_env

from clientsim.storage import Database

pytestmark = pytest.mark.model


def _cmd(model, persona="daniel-alcohol"):
    return [sys.executable, "-m", "clientsim.cli.main", "chat", "--persona", persona, "--model", str(model),
            "--seed", "1", "--json", "--threads", "2", "--ctx", "2048"]


def _db(home: Path) -> Database:
    return Database.open(home / "data" / "clientsim.sqlite3")


def test_short_chats_exit_cleanly(smollm_path, clientsim_home):
    for _ in range(3):
        proc = subprocess.run(_cmd(smollm_path), input=b"Hello Daniel.\nWhat brings you here?\n",
                              capture_output=True, env=cli_env(clientsim_home), timeout=300)
        assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    with _db(clientsim_home) as db:
        assert [s["status"] for s in db.list_sessions()] == ["ended"] * 3


def test_invalid_utf8_on_stdin_is_said_and_the_line_kept(smollm_path, clientsim_home):
    proc = subprocess.run(_cmd(smollm_path), input=b"Caf\xe9 or tea?\n", capture_output=True,
                          env=cli_env(clientsim_home), timeout=300)
    err = proc.stderr.decode()
    assert proc.returncode == 0, err
    assert "line 1: not UTF-8 text (bad byte at position 3)" in err and "Traceback" not in err
    with _db(clientsim_home) as db:
        [session] = db.list_sessions()
        assert db.get_turns(session["id"])[1]["text"] == "Caf\ufffd or tea?"


def test_sigterm_mid_reply_ends_the_session_like_ctrl_c(smollm_path, clientsim_home):
    proc = subprocess.Popen(_cmd(smollm_path), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=cli_env(clientsim_home))
    proc.stdin.write("Hi Daniel, how are things?\n")
    proc.stdin.flush()
    assert json.loads(proc.stdout.readline())["client"]
    proc.stdin.write("Tell me about a typical evening, in as much detail as you like, hour by hour.\n")
    proc.stdin.flush()
    time.sleep(0.3)  # the second reply is being generated
    os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "stopped by SIGTERM" in err and "Traceback" not in err
    with _db(clientsim_home) as db:
        [session] = db.list_sessions()
        assert session["status"] == "ended"
        turns = db.get_turns(session["id"])
        assert turns[3]["text"].startswith("Tell me about a typical evening")


def test_a_read_only_database_is_refused_with_a_true_message(smollm_path, clientsim_home):
    with _db(clientsim_home):
        pass
    data = clientsim_home / "data"
    for p in data.iterdir():
        p.chmod(0o444)
    data.chmod(0o555)
    try:
        if os.access(data / "clientsim.sqlite3", os.W_OK):
            pytest.skip("running as root: file permissions do not stop writes")
        proc = subprocess.run(_cmd(smollm_path), input=b"Hello.\n", capture_output=True,
                              env=cli_env(clientsim_home), timeout=300)
    finally:
        data.chmod(0o755)
        for p in data.iterdir():
            p.chmod(0o644)
    err = proc.stderr.decode()
    assert proc.returncode == 2 and "read-only" in err and "disk is full" not in err


def test_broken_persona_files_are_named_by_chat(smollm_path, clientsim_home):
    user = clientsim_home / "data" / "personas"
    from clientsim import paths

    os.environ["CLIENTSIM_HOME"] = str(clientsim_home)
    user = paths.user_personas_dir()
    user.mkdir(parents=True, exist_ok=True)
    (user / "daniel-alcohol.json").write_text('{"id": ' + "[" * 5000 + "]" * 5000 + "}", encoding="utf-8")
    os.mkfifo(user / "x.json")
    proc = subprocess.run(_cmd(smollm_path), input=b"", capture_output=True, env=cli_env(clientsim_home), timeout=300)
    err = proc.stderr.decode()
    assert proc.returncode == 0, err
    assert "persona file skipped" in err and "daniel-alcohol.json" in err and "levels deep" in err
    assert "x.json" in err and "named pipe" in err


def test_a_full_disk_mid_session_names_the_rescue_file_exits_1_and_the_next_start_restores(
        smollm_path, clientsim_home, tmp_path):
    if not (hasattr(os, "geteuid") and os.geteuid() == 0):
        pytest.skip("needs root to mount a small tmpfs")
    disk = tmp_path / "small-disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(disk)]).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        env = {**cli_env(clientsim_home), "CLIENTSIM_DATA_DIR": str(disk)}
        proc = subprocess.Popen(_cmd(smollm_path), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env)
        proc.stdin.write(b"Hello Daniel, what brings you here?\n")
        proc.stdin.flush()
        assert json.loads(proc.stdout.readline())["client"]  # the first exchange is on disk
        with open(disk / "filler", "wb") as f:  # now the disk fills to the last byte
            with pytest.raises(OSError):
                f.write(b"x" * 1_000_000)
                f.flush()
        proc.stdin.write(b"And how is work going?\n")
        proc.stdin.close()
        proc.stdout.read()
        err = proc.stderr.read().decode()
        proc.wait(timeout=300)
        assert proc.returncode == 1, err
        assert "the disk is full" in err and "disk is full or the database is busy" not in err
        rescues = list((clientsim_home / "cache").glob("clientsim-unsaved-*.json"))
        assert len(rescues) == 1 and str(rescues[0]) in err and f"clientsim sessions import {rescues[0]}" in err
        (disk / "filler").unlink()
        from clientsim.sessions.rescue import open_database

        os.environ["CLIENTSIM_DATA_DIR"] = str(disk)  # what the next start of that process would see
        try:
            with open_database() as db:
                assert any("restored" in n for n in db.notices)
                [session] = db.list_sessions()
                speakers = [t["speaker"] for t in db.get_turns(session["id"])]
                assert speakers == ["client", "counsellor", "client", "counsellor", "client"]
                assert session["status"] == "ended"
        finally:
            del os.environ["CLIENTSIM_DATA_DIR"]
    finally:
        subprocess.run(["umount", str(disk)])
