"""`clientsim sessions list|show|export|import`: the saved practice sessions."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from clientsim.core.errors import UserError


def register(sub) -> None:
    p = sub.add_parser("sessions", help="list, show, export and import saved sessions")
    p.add_argument("--database", type=Path, metavar="FILE",
                   help="session database to use (default: the per-user one; CLIENTSIM_HOME moves it)")
    ssub = p.add_subparsers(dest="sessions_command", metavar="ACTION")

    lp = ssub.add_parser("list", help="sessions, newest first")
    lp.add_argument("--persona", metavar="ID", help="only sessions with this persona")
    lp.add_argument("--json", action="store_true", help="print JSON instead of a table")
    lp.set_defaults(func=cmd_list)

    sp = ssub.add_parser("show", help="print one session's transcript")
    sp.add_argument("id", help="session id (a unique prefix is enough)")
    sp.set_defaults(func=cmd_show)

    ep = ssub.add_parser("export", help="write a session as a clientsim.session/1 JSON file")
    ep.add_argument("id", help="session id (a unique prefix is enough)")
    ep.add_argument("--output", "-o", type=Path, required=True, metavar="FILE.json")
    ep.add_argument("--student", metavar="NAME", default=None,
                    help="the student's name to write into the file (default: the name set in Settings; "
                         "an empty NAME writes none)")
    ep.set_defaults(func=cmd_export)

    ip = ssub.add_parser("import", help="add a session from a transcript file (or a file of unsaved turns)")
    ip.add_argument("file", type=Path)
    ip.set_defaults(func=cmd_import)

    p.set_defaults(func=lambda args: (p.print_help(), 0)[1])


def _open(args):
    from clientsim.storage import Database

    db = Database.open(args.database)
    _print_notices(db)
    return db


def _print_notices(db) -> None:
    for notice in db.notices:
        print(f"clientsim: {notice}", file=sys.stderr)
    db.notices.clear()


def _close(db) -> None:
    db.close()
    _print_notices(db)


def resolve_id(db, given: str) -> str:
    """The full id for `given`: an exact id or a prefix of exactly one id."""
    if db.get_session(given) is not None:
        return given
    matches = [s["id"] for s in db.list_sessions() if s["id"].startswith(given)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise UserError(
            f"'{given}' matches {len(matches)} sessions: {', '.join(matches[:5])}.",
            hint="Give more characters of the id.",
        )
    raise UserError(f"No session with id '{given}'.", hint="Run 'clientsim sessions list' to see the ids.")


def _short_time(iso: str | None) -> str:
    return (iso or "")[:16].replace("T", " ")


def cmd_list(args: argparse.Namespace) -> int:
    db = _open(args)
    try:
        sessions = db.list_sessions(args.persona)
    finally:
        _close(db)
    if args.json:
        rows = [
            {k: s[k] for k in ("id", "persona_id", "persona_name", "model_name", "seed", "started_at",
                               "ended_at", "status", "turn_count")}
            for s in sessions
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not sessions:
        print("No sessions yet.")
        return 0
    header = ("ID", "STARTED (UTC)", "PERSONA", "STATUS", "TURNS")
    rows = [
        (s["id"], _short_time(s["started_at"]), s["persona_name"] or s["persona_id"] or "?",
         s["status"], str(s["turn_count"]))
        for s in sessions
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    db = _open(args)
    try:
        sid = resolve_id(db, args.id)
        session = db.get_session(sid)
        turns = db.get_turns(sid)
    finally:
        _close(db)
    persona = session["persona_name"] or session["persona_id"] or "?"
    print(f"Session {sid}")
    print(f"  persona: {persona}   model: {session['model_name'] or '?'}   seed: {session['seed']}")
    print(f"  started: {session['started_at']}   ended: {session['ended_at'] or '-'}   status: {session['status']}")
    print()
    client_name = (session["persona"].get("name") or "Client").split()[0] if session["persona"] else "Client"
    for t in turns:
        who = "Counsellor" if t["speaker"] == "counsellor" else client_name
        print(f"[{t['index']}] {who}: {t['text']}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from clientsim.sessions.transcript import export_session, write_transcript
    from clientsim.settings import Settings, clean_student_name

    student = Settings.load().student_name if args.student is None else clean_student_name(args.student)
    db = _open(args)
    try:
        data = export_session(db, resolve_id(db, args.id), student)
    finally:
        _close(db)
    try:
        write_transcript(data, args.output)
    except OSError as exc:
        raise UserError(f"Cannot write {args.output}: {exc.strerror or exc}.") from exc
    print(f"Wrote {args.output} ({len(data['turns'])} turns).")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from clientsim.sessions.transcript import import_transcript, read_transcripts, restore_transcript

    transcripts, unsaved = read_transcripts(args.file), _is_unsaved_file(args.file)
    db = _open(args)
    try:
        for data in transcripts:
            if unsaved:
                sid, added = restore_transcript(db, data)
                if sid == data["id"]:
                    print(f"Restored {added} unsaved turn(s) of session {sid}.")
                    continue
            else:
                sid = import_transcript(db, data)
            renamed = f" (id '{data['id']}' was taken)" if sid != data["id"] else ""
            print(f"Imported session {sid}{renamed}: {len(data['turns'])} turns.")
    finally:
        _close(db)
    return 0


def _is_unsaved_file(path: Path) -> bool:
    from clientsim.sessions.transcript import UNSAVED_FORMAT

    try:
        return json.loads(path.read_text(encoding="utf-8-sig")).get("format") == UNSAVED_FORMAT
    except (OSError, ValueError, AttributeError):
        return False
