"""A whole session opens no network socket (nothing leaves the machine)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

PROBE = r"""
import os, sys
events = []
def hook(name, args):
    # gethostname is a local call (uname), used to record which machine owns a session
    if name.startswith("socket.") and name not in ("socket.gethostname",):
        events.append(name)
sys.addaudithook(hook)
from clientsim.cli.main import main
code = main(["chat", "--persona", "riley-panic", "--model", sys.argv[1], "--seed", "3", "--json"])
sockets = []
for fd in os.listdir("/proc/self/fd"):
    try:
        if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
            sockets.append(fd)
    except OSError:  # the descriptor of the listing itself is gone by now
        pass
print("EVENTS", events, "SOCKETS", sockets, "CODE", code, file=sys.stderr)
"""


@pytest.mark.model
def test_session_opens_no_socket(smollm_path, clientsim_home):
    env = dict(os.environ, CLIENTSIM_HOME=str(clientsim_home), PYTHONPATH=str(REPO / "app"))
    proc = subprocess.run([sys.executable, "-c", PROBE, str(smollm_path)], input="Hello there.\nHow was your week?\n",
                          capture_output=True, text=True, env=env, timeout=300)
    line = [l for l in proc.stderr.splitlines() if l.startswith("EVENTS")][-1]
    assert line == "EVENTS [] SOCKETS [] CODE 0", proc.stderr[-2000:]
