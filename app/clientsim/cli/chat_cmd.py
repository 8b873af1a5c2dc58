"""`clientsim chat`: a practice session in the terminal (or scripted through stdin)."""

from __future__ import annotations

import json
import signal
import sys

from clientsim.core.errors import UserError
from clientsim.core.text import printable


def register(sub) -> None:
    p = sub.add_parser("chat", help="practise with a simulated client in the terminal",
                       description="Counsellor lines come from stdin when it is not a terminal (one per line); "
                       "otherwise you type them. The client's replies are printed.")
    p.add_argument("--persona", required=True, help="persona id (see `clientsim personas list`)")
    add_engine_arguments(p)
    p.add_argument("--no-fallback", action="store_true", help="when the lab server fails, stop instead of going on "
                   "with this computer's model")
    p.add_argument("--json", action="store_true", help="one JSON object per turn on stdout")
    p.set_defaults(func=run)


def add_engine_arguments(p, *, seed_default: int | None = None) -> None:
    """The flags that choose the engine: this computer's model (default) or a lab server."""
    p.add_argument("--model", help="GGUF file (path or file name in a models folder); default: the bundled default")
    p.add_argument("--threads", type=int, help="CPU threads for the model (default: all cores)")
    p.add_argument("--ctx", type=int, default=4096, help="context window in tokens (default 4096)")
    p.add_argument("--seed", type=int, default=seed_default, help="makes the session reproducible")
    p.add_argument("--server", metavar="URL", help="use the lab server at URL (an OpenAI-compatible server, "
                   "e.g. http://lab-server:8080) instead of this computer's model")
    p.add_argument("--server-model", metavar="NAME", help="the model's name on the server (default: the first it lists)")
    p.add_argument("--api-key-file", metavar="FILE", help="a file holding the server's API key "
                   "(default: the key saved in Settings for that address)")


def engine_choice(args):
    from clientsim.llm.choice import EngineChoice, server_from_flags

    return EngineChoice(model=args.model, threads=args.threads, ctx=args.ctx, seed=args.seed,
                        server=server_from_flags(args.server, args.server_model, args.api_key_file))


def _say(text: str) -> None:
    print(text, file=sys.stderr)


class Terminated(KeyboardInterrupt):
    """SIGTERM: ends the session the way Ctrl+C does (turns kept, session ended, engine closed)."""


def _on_sigterm(signum, frame) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second one must not break the clean-up
    raise Terminated()


def _read_line(line_no: int) -> str | None:
    """The next counsellor line from stdin (None at the end); bytes that are not UTF-8 are replaced and said."""
    raw = sys.stdin.buffer.readline()
    if not raw:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        print(f"line {line_no}: not UTF-8 text (bad byte at position {exc.start}); the bad bytes were "
              "replaced by \ufffd", file=sys.stderr)
        return raw.decode("utf-8", errors="replace")


class _Notices:
    """Prints each database notice once, as soon as it appears (a disk filling mid-session, say)."""

    def __init__(self) -> None:
        self.db = None
        self.shown = 0

    def __call__(self) -> None:
        if self.db is None:
            return
        for notice in self.db.notices[self.shown:]:
            print(f"note: {notice}", file=sys.stderr)
        self.shown = len(self.db.notices)


def run(args) -> int:
    from clientsim.core.jobs import JobState
    from clientsim.personas import PersonaLibrary
    from clientsim.sessions.opener import open_practice
    from clientsim.sessions.rescue import open_database
    from clientsim.sessions.session import ReplyEvent

    library = PersonaLibrary.load()
    for err in library.errors:
        print(f"warning: persona file skipped: {printable(err.path, newlines=False)}: {err.field}: "
              f"{printable(err.problem, 300, newlines=False)}", file=sys.stderr)
    persona = library.get(args.persona)
    choice = engine_choice(args)
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if _main_thread() else None
    db = practice = None
    notices = _Notices()
    try:
        db = notices.db = open_database()
        notices()
        practice = open_practice(persona, choice, db=db, fallback_to_local=not args.no_fallback, say=_say)
        notices()
        _converse(args, persona, practice, JobState, ReplyEvent, notices)
    except Terminated:
        print("clientsim: stopped by SIGTERM; the session is saved and ended.", file=sys.stderr)
        return 143
    finally:
        try:
            if practice is not None:
                practice.close()
        finally:
            if db is not None:
                db.close()
                notices()
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
    if db is not None and db.unsaved_count():
        where = db.rescue_path or "memory only"
        print(f"clientsim: {db.unsaved_count()} change(s) could not be saved to the session database; "
              f"they are in {where}.", file=sys.stderr)
        return 1
    return 0


def _after_server_failure(args, practice, state, reply):
    """The lab server failed mid-reply: say so, keep what arrived (marked), go on with this computer's model."""
    from clientsim.core.errors import UserError
    from clientsim.sessions.opener import open_engine

    session = practice.session
    kept = " (the words that arrived are kept, marked as cut off)" if reply.text else ""
    print(f"\nclientsim: {session.last_reply.interrupted}{kept}", file=sys.stderr)
    if args.no_fallback:
        raise UserError("The lab server failed and --no-fallback was given; the session is saved.")
    print("clientsim: going on with this computer's model.", file=sys.stderr)
    local = open_engine(engine_choice(args).local(), say=_say).engine
    if practice.owns_engine:
        practice.engine.close()
    practice.engine, practice.owns_engine = local, True
    session.switch_engine(local)
    if reply.text:
        return reply
    if not args.json:
        sys.stdout.write(f"{practice.session.persona.first_name}: ")
    return session.generate_reply(state)  # nothing arrived: the same counsellor turn, answered here


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _converse(args, persona, practice, JobState, ReplyEvent, flush_notices) -> None:
    session = practice.session
    interactive = sys.stdin.isatty() and not args.json
    opening = session.turns[0].text
    if args.json:
        print(json.dumps({"session_id": session.id, "opening": opening}), file=sys.stderr)
    else:
        print(f"[session {session.id} with {printable(persona.name, 80, newlines=False)}; Ctrl+D ends]",
              file=sys.stderr)
        print(f"{persona.first_name}: {opening}")
    line_no = 0
    while True:
        line_no += 1
        if interactive:
            try:
                line = input("You: ")
            except EOFError:
                break
            except UnicodeDecodeError as exc:
                print(f"not UTF-8 text (bad byte at position {exc.start}); nothing was sent, type it again",
                      file=sys.stderr)
                continue
        else:
            line = _read_line(line_no)
            if line is None:
                break
        line = line.rstrip("\n")
        try:
            turn = session.add_counsellor_turn(line)
        except UserError as exc:
            print(f"line {line_no}: skipped: {exc}", file=sys.stderr)
            continue
        if session.state_error:
            print(f"note: {session.state_error}", file=sys.stderr)
        flush_notices()

        def show(event: ReplyEvent) -> None:
            if args.json:
                return
            if event.kind == "text":
                sys.stdout.write(event.text)
                sys.stdout.flush()
            elif event.kind == "reset":
                sys.stdout.write(" … ")  # terminals cannot unprint; mark the restart

        if not args.json:
            sys.stdout.write(f"{persona.first_name}: ")
        state = JobState(on_partial=show)
        try:
            reply = session.generate_reply(state)
            if session.last_reply.interrupted:
                reply = _after_server_failure(args, practice, JobState(on_partial=show), reply)
        except KeyboardInterrupt:
            state.cancel()
            raise
        flush_notices()
        stats = session.last_reply.stats
        if args.json:
            print(json.dumps({"index": turn.index, "counsellor": turn.text, "client": reply.text,
                              "ttft_s": round(stats.ttft_s, 4), "tokens": stats.completion_tokens,
                              "tok_per_s": round(stats.tok_per_s, 2), "session_id": session.id,
                              "move": (reply.meta.get("state") or {}).get("move")},
                             ensure_ascii=False), flush=True)
        else:
            sys.stdout.write("\n")
            sys.stdout.flush()
