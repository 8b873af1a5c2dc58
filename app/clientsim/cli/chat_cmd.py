"""`clientsim chat`: a practice session in the terminal (or scripted through stdin)."""

from __future__ import annotations

import json
import sys

from clientsim.core.errors import UserError


def register(sub) -> None:
    p = sub.add_parser("chat", help="practise with a simulated client in the terminal",
                       description="Counsellor lines come from stdin when it is not a terminal (one per line); "
                       "otherwise you type them. The client's replies are printed.")
    p.add_argument("--persona", required=True, help="persona id (see `clientsim personas list`)")
    p.add_argument("--model", help="GGUF file (path or file name in a models folder); default: the bundled default")
    p.add_argument("--seed", type=int, help="makes the session reproducible")
    p.add_argument("--threads", type=int, help="CPU threads for the model (default: all cores)")
    p.add_argument("--ctx", type=int, default=4096, help="context window in tokens (default 4096)")
    p.add_argument("--json", action="store_true", help="one JSON object per turn on stdout")
    p.set_defaults(func=run)


def open_engine(model: str | None, threads: int | None, ctx: int = 4096, seed: int | None = None, quiet: bool = False):
    from clientsim.llm.engine import LlmEngine
    from clientsim.models.registry import resolve_model

    path = resolve_model(model)
    engine = LlmEngine(path, n_threads=threads, n_ctx=ctx, seed=seed)
    if not quiet:
        print(f"loading {path.name} …", file=sys.stderr)
    engine.load()
    return engine


def run(args) -> int:
    from clientsim.core.jobs import JobState
    from clientsim.personas import PersonaLibrary
    from clientsim.sessions.session import PracticeSession, ReplyEvent
    from clientsim.storage import Database

    library = PersonaLibrary.load()
    persona = library.get(args.persona)
    db = Database.open()
    for notice in db.notices:
        print(f"note: {notice}", file=sys.stderr)
    engine = open_engine(args.model, args.threads, args.ctx, args.seed)
    session = PracticeSession.start(db, persona, engine, seed=args.seed)
    interactive = sys.stdin.isatty() and not args.json
    opening = session.turns[0].text
    if args.json:
        print(json.dumps({"session_id": session.id, "opening": opening}), file=sys.stderr)
    else:
        print(f"[session {session.id} with {persona.name}; Ctrl+D ends]", file=sys.stderr)
        print(f"{persona.first_name}: {opening}")
    line_no = 0
    try:
        while True:
            if interactive:
                try:
                    line = input("You: ")
                except EOFError:
                    break
            else:
                line = sys.stdin.readline()
                if not line:
                    break
            line_no += 1
            line = line.rstrip("\n")
            try:
                turn = session.add_counsellor_turn(line)
            except UserError as exc:
                print(f"line {line_no}: skipped: {exc}", file=sys.stderr)
                continue
            if session.state_error:
                print(f"note: {session.state_error}", file=sys.stderr)
            if session.pending_saves:
                print("note: the disk is full or the database is busy; your turn is kept and will be saved.", file=sys.stderr)

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
            except KeyboardInterrupt:
                state.cancel()
                raise
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
    finally:
        session.end()
        db.close()
    return 0
