"""`clientsim sessions list|show|export|import`: the saved practice sessions."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from clientsim.core.errors import UserError
from clientsim.core.text import printable
from clientsim.storage.clock import parse_iso

ID_WIDTH = 36  # longer ids are cut in tables (uuid4().hex is 32)


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
    ep.add_argument("--force", action="store_true", help="replace FILE.json if it exists")
    ep.add_argument("--student", metavar="NAME", default=None,
                    help="the student's name to write into the file (default: the name set in Settings; "
                         "an empty NAME writes none)")
    ep.set_defaults(func=cmd_export)

    ip = ssub.add_parser("import", help="add a session from a transcript file (or a file of unsaved turns)")
    ip.add_argument("file", type=Path)
    ip.set_defaults(func=cmd_import)

    p.set_defaults(func=lambda args: (p.print_help(), 0)[1])


def _open(args, *, read_only: bool = True):
    """The database for a command; reading commands still read while another program writes or locks it."""
    from clientsim.sessions.rescue import open_database

    db = open_database(args.database, read_only=read_only, named_by_user=args.database is not None)
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
            f"'{printable(given, ID_WIDTH, newlines=False)}' matches {len(matches)} sessions: "
            f"{', '.join(printable(m, ID_WIDTH, newlines=False) for m in matches[:5])}.",
            hint="Give more characters of the id.",
        )
    raise UserError(f"No session with id '{printable(given, ID_WIDTH, newlines=False)}'.",
                    hint="Run 'clientsim sessions list' to see the ids.")


def _short_time(iso: str | None) -> str:
    """A stored time (UTC or with any offset) as local time, 'YYYY-MM-DD HH:MM'."""
    if not iso:
        return ""
    try:
        return parse_iso(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except (ValueError, TypeError, OverflowError):
        return printable(iso, 25, newlines=False)


def _local_time(iso: str | None) -> str:
    if not iso:
        return "-"
    try:
        return parse_iso(iso).astimezone().isoformat(timespec="seconds")
    except (ValueError, TypeError, OverflowError):
        return printable(iso, 40, newlines=False)


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
    header = ("ID", "STARTED (LOCAL)", "PERSONA", "STATUS", "TURNS")
    rows = [
        (printable(s["id"], ID_WIDTH, newlines=False), _short_time(s["started_at"]),
         printable(s["persona_name"] or s["persona_id"] or "?", 40, newlines=False),
         printable(s["status"], 12, newlines=False), str(s["turn_count"]))
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
    persona = printable(session["persona_name"] or session["persona_id"] or "?", 80, newlines=False)
    model = printable(session["model_name"] or "?", 80, newlines=False)
    print(f"Session {printable(sid, newlines=False)}")
    print(f"  persona: {persona}   model: {model}   seed: {session['seed']}")
    print(f"  started: {_local_time(session['started_at'])}   ended: {_local_time(session['ended_at'])}   "
          f"status: {printable(session['status'], 12, newlines=False)}")
    print()
    name = session["persona"].get("name") if isinstance(session["persona"], dict) else None
    client_name = printable(str(name or "Client").split()[0] if str(name or "").strip() else "Client", 40, newlines=False)
    for t in turns:
        who = "Counsellor" if t["speaker"] == "counsellor" else client_name
        print(f"[{t['index']}] {who}: {printable(t['text'])}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from clientsim.sessions.transcript import export_session, write_transcript
    from clientsim.settings import Settings, clean_student_name

    student = Settings.load().student_name if args.student is None else clean_student_name(args.student)
    if args.output.exists() and not args.force:
        raise UserError(f"{args.output} already exists; it was left as it is.",
                        hint="Give another file name, or add --force to replace it.")
    db = _open(args)
    try:
        data = export_session(db, resolve_id(db, args.id), student)
    finally:
        _close(db)
    try:
        write_transcript(data, args.output)
    except OSError as exc:
        raise UserError(f"Cannot write {args.output}: {exc.strerror or exc}. No file was changed.") from exc
    print(f"Wrote {args.output} ({len(data['turns'])} turns).")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from clientsim.sessions.transcript import import_transcript, read_transcripts, restore_transcript, same_session_in

    transcripts, unsaved = read_transcripts(args.file)
    db = _open(args, read_only=False)
    try:
        for data in transcripts:
            shown = printable(data["id"], ID_WIDTH, newlines=False)
            if unsaved:
                sid, added = restore_transcript(db, data)
                if sid == data["id"]:
                    print(f"Restored {added} unsaved turn(s) of session {shown}." if added else
                          f"Session {shown} already holds every turn in this file; nothing to restore.")
                    continue
            elif same_session_in(db, data) is not None:
                print(f"Session {shown} is already in the database with the same turns; nothing was imported.")
                continue
            else:
                sid = import_transcript(db, data)
            renamed = f" (id '{shown}' was taken by another session)" if sid != data["id"] else ""
            print(f"Imported session {printable(sid, ID_WIDTH, newlines=False)}{renamed}: {len(data['turns'])} turns.")
    finally:
        _close(db)
    return 0
