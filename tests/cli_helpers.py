"""Running `clientsim` as another process would, in a test's private home."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def cli_env(home: Path) -> dict:
    """The environment for a `python -m clientsim.cli.main` subprocess: this checkout's code, the test's home."""
    env = dict(os.environ)
    env["CLIENTSIM_HOME"] = str(home)
    env["PYTHONPATH"] = str(REPO / "app") + os.pathsep + env.get("PYTHONPATH", "")
    return env
