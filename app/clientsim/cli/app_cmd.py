"""`clientsim gui [--persona ID]`: open the desktop app.

The GUI starts only when asked for: plain `clientsim` prints help, so the
command stays safe in scripts and over ssh.
"""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("gui", help="open the desktop app")
    p.add_argument("--persona", metavar="ID", help="open the library on this client's brief")
    p.set_defaults(func=run)


def run(args) -> int:
    from clientsim.ui.app import run_app

    return run_app(persona_id=args.persona)
