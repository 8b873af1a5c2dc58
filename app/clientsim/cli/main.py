"""The `clientsim` command: a thin face on the core.

Each command group lives in its own module exposing ``register(subparsers)``;
the handler set with ``parser.set_defaults(func=...)`` returns an exit code.
Errors meant for the user are raised as ``UserError`` and printed without a
traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from clientsim import __version__
from clientsim.core.errors import UserError

COMMAND_MODULES = [
    "clientsim.cli.app_cmd",  # clientsim gui
    "clientsim.cli.models_cmd",  # clientsim models fetch|list
    "clientsim.cli.personas_cmd",  # clientsim personas list|show|validate
    "clientsim.cli.chat_cmd",  # clientsim chat
    "clientsim.cli.sessions_cmd",  # clientsim sessions list|export|import
    "clientsim.cli.packs_cmd",  # clientsim packs build|install|list|remove
    "clientsim.cli.class_cmd",  # clientsim class report
    "clientsim.cli.progress_cmd",  # clientsim progress show|csv
    "clientsim.cli.judge_cmd",  # clientsim judge code|report
    "clientsim.cli.speak_cmd",  # clientsim speak
    "clientsim.cli.server_cmd",  # clientsim server build|start
    "clientsim.cli.bench_cmd",  # clientsim bench chat|fidelity|judge|voice|ctrs|safety
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clientsim",
        description="Practise counselling on a simulated client, offline.",
    )
    parser.add_argument("--version", action="version", version=f"clientsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # a command group not written yet
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Nothing reaches for a model hub at run time.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"clientsim: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("clientsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # output piped into `head` and the like: not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
