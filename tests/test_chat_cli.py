"""`clientsim chat` in a real subprocess: stdin lines in, replies out, the database on disk."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from cli_helpers import cli_env

pytestmark = pytest.mark.model


def _chat(home, model, lines, *extra, timeout=300):
    cmd = [sys.executable, "-m", "clientsim.cli.main", "chat", "--persona", "amara-social-anxiety",
           "--model", str(model), "--seed", "4", "--json", *extra]
    return subprocess.run(cmd, input="\n".join(lines) + "\n", capture_output=True, text=True,
                          env=cli_env(home), timeout=timeout)


def test_json_turns_from_stdin(smollm_path, clientsim_home):
    proc = _chat(clientsim_home, smollm_path, ["Hello, what brings you here?", "", "That sounds hard."])
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert [r["counsellor"] for r in rows] == ["Hello, what brings you here?", "That sounds hard."]
    for r in rows:
        assert r["client"].strip() and r["tokens"] > 0 and r["ttft_s"] > 0 and r["tok_per_s"] > 0
    assert "line 2: skipped" in proc.stderr  # the empty line is reported, not sent
    db = sqlite3.connect(clientsim_home / "data" / "clientsim.sqlite3")
    (n,) = db.execute("select count(*) from turns").fetchone()
    assert n == 5  # opening + 2 x (counsellor, client)


def test_missing_model_says_what_to_run(clientsim_home, tmp_path):
    proc = _chat(clientsim_home, tmp_path / "absent.gguf", ["hi"])
    assert proc.returncode == 2
    assert "models fetch" in proc.stderr and "Traceback" not in proc.stderr


def test_corrupt_model_is_a_clear_message(clientsim_home, tmp_path):
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"PK\x03\x04 not a model at all" * 10)
    proc = _chat(clientsim_home, bad, ["hi"])
    assert proc.returncode == 2 and "not a GGUF" in proc.stderr and "Traceback" not in proc.stderr


def test_unknown_persona_lists_the_known_ones(clientsim_home, smollm_path):
    proc = subprocess.run([sys.executable, "-m", "clientsim.cli.main", "chat", "--persona", "nobody",
                           "--model", str(smollm_path)], input="", capture_output=True, text=True,
                          env=cli_env(clientsim_home), timeout=120)
    assert proc.returncode == 2 and "daniel-alcohol" in proc.stderr


def test_killed_mid_reply_keeps_every_earlier_turn(smollm_path, clientsim_home):
    """SIGKILL while the client is generating; reopen the database: all earlier turns are there."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "clientsim.cli.main", "chat", "--persona", "daniel-alcohol", "--model",
         str(smollm_path), "--seed", "1", "--json"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(clientsim_home))
    proc.stdin.write("Hi Daniel, how are things?\n")
    proc.stdin.flush()
    first = proc.stdout.readline()  # the first reply is complete and stored
    assert json.loads(first)["client"]
    proc.stdin.write("Tell me about a typical evening, in as much detail as you like, hour by hour.\n")
    proc.stdin.flush()
    time.sleep(0.3)  # generation of the second reply is under way
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    from clientsim.storage import Database

    db = Database.open(clientsim_home / "data" / "clientsim.sqlite3")
    sessions = db.list_sessions()
    assert len(sessions) == 1 and sessions[0]["status"] == "interrupted"
    turns = db.get_turns(sessions[0]["id"])
    assert [t["speaker"] for t in turns[:4]] == ["client", "counsellor", "client", "counsellor"]
    assert turns[3]["text"].startswith("Tell me about a typical evening")
    db.close()


@pytest.mark.default_model
@pytest.mark.slow
def test_default_model_plays_the_client(default_model_path, clientsim_home):
    """A few turns with the default 1.5B client: replies in character, checked by the guard again here."""
    from clientsim.client.guard import repair

    lines = ["Hi Daniel, thanks for coming in. What would you like to talk about?",
             "It sounds like you feel pushed into coming here.",
             "What matters most to you about the weekends with Owen?"]
    cmd = [sys.executable, "-m", "clientsim.cli.main", "chat", "--persona", "daniel-alcohol",
           "--model", str(default_model_path), "--seed", "2", "--json"]
    proc = subprocess.run(cmd, input="\n".join(lines) + "\n", capture_output=True, text=True,
                          env=cli_env(clientsim_home), timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert len(rows) == 3
    for row in rows:
        text, found = repair(row["client"], "Daniel Mercer", row["counsellor"], 2)
        assert not [v for v in found if v.fatal], row
        assert 1 <= len(text.split()) <= 80
        assert row["tokens"] > 0 and row["tok_per_s"] > 0
