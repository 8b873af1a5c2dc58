"""`clientsim judge code|report`: the MI judge from the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from clientsim.core import safe_json
from clientsim.core.errors import BadFile, UserError
from clientsim.core.files import atomic_write_text
from clientsim.core.text import printable


def register(sub) -> None:
    p = sub.add_parser("judge", help="code utterances (MITI 4.2.1) and write session feedback reports")
    jsub = p.add_subparsers(dest="judge_command", metavar="ACTION")

    cp = jsub.add_parser("code", help="code utterances: one JSON object per line in, one per line out")
    cp.add_argument("--input", "-i", type=Path, required=True, metavar="UTTERANCES.jsonl",
                    help='lines {"id", "session_id", "speaker": "counsellor"|"client", "text"} in session order')
    cp.add_argument("--output", "-o", type=Path, required=True, metavar="CODES.jsonl")
    cp.set_defaults(func=cmd_code)

    rp = jsub.add_parser("report", help="write the feedback report for a clientsim.session/1 transcript")
    rp.add_argument("--transcript", "-t", type=Path, required=True, metavar="SESSION.json")
    rp.add_argument("--output", "-o", type=Path, required=True, metavar="REPORT")
    rp.add_argument("--format", "-f", choices=("json", "md", "html", "pdf"), default=None,
                    help="default: from the output file's extension, else json")
    rp.add_argument("--model", metavar="PATH", help="GGUF model for suggested responses (default: the default model)")
    rp.add_argument("--no-suggestions", action="store_true", help="do not load a language model")
    rp.set_defaults(func=cmd_report)

    p.set_defaults(func=lambda args: (p.print_help(), 0)[1])


def _warn(msg: str) -> None:
    print(f"clientsim: {msg}", file=sys.stderr)


def read_utterances(path: Path):
    """(sessions in order of first appearance: session_id -> [(line_no, record)], problems)."""
    if not path.exists():
        raise UserError(f"input file not found: {path}")
    from clientsim.judge.mi.coder import UnknownSpeaker, normalise_speaker

    sessions: dict[str, list[tuple[int, dict]]] = {}
    problems: list[str] = []
    for no, rec in safe_json.read_jsonl(path):
        if isinstance(rec, BadFile):
            problems.append(f"{path}:{no}: {rec.problem}; line skipped")
            continue
        if not isinstance(rec, dict):
            problems.append(f"{path}:{no}: expected a JSON object; line skipped")
            continue
        missing = [k for k in ("id", "speaker", "text") if k not in rec]
        if missing:
            problems.append(f"{path}:{no}: missing {', '.join(missing)}; line skipped")
            continue
        try:
            rec["speaker"] = normalise_speaker(rec["speaker"])
        except UnknownSpeaker:
            problems.append(f"{path}:{no}: unknown speaker {printable(repr(rec['speaker']), 60)} "
                            "(use 'counsellor' or 'client'); line skipped")
            continue
        if not isinstance(rec["text"], str):
            rec["text"] = "" if rec["text"] is None else str(rec["text"])
        sessions.setdefault(str(rec.get("session_id", "")), []).append((no, rec))
    return sessions, problems


def cmd_code(args) -> int:
    from clientsim.judge.mi.coder import MiCoder

    sessions, problems = read_utterances(args.input)
    for msg in problems:
        _warn(msg)
    coder = MiCoder.load()
    n = 0
    notes = 0
    lines: list[str] = []
    for sid, rows in sessions.items():
        codes = coder.code_session([(r["speaker"], r["text"]) for _, r in rows])
        for (no, rec), c in zip(rows, codes):
            row = {"id": rec["id"], "code": c["code"], "family": c["family"], "talk_type": c["talk_type"],
                   "confidence": c["confidence"]}
            if c.get("others"):
                row["others"] = c["others"]
            if c.get("note"):
                row["note"] = c["note"]
                notes += 1
                _warn(f"{args.input}:{no}: {c['note']}")
            lines.append(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    _write(args.output, "".join(lines))
    print(f"coded {n} utterance(s) in {len(sessions)} session(s) -> {args.output}"
          + (f"; {len(problems)} line(s) skipped" if problems else "")
          + (f"; {notes} low-confidence" if notes else ""))
    return 1 if problems and n == 0 else 0


def _load_transcript(path: Path) -> dict:
    if not path.exists():
        raise UserError(f"transcript not found: {path}")
    try:
        return safe_json.read_json(path)
    except BadFile as exc:
        exc.hint = "Export a session with `clientsim sessions export ID -o FILE.json`."
        raise


def _write(path: Path, text: str) -> None:
    """Replace `path` in one step: a failed run leaves an existing file as it was."""
    try:
        atomic_write_text(path, text)
    except OSError as exc:
        raise UserError(f"Cannot write {path}: {exc.strerror or exc}. No file was changed.") from exc


def _engine(args):
    if args.no_suggestions:
        return None
    from clientsim.models.registry import default_model_path, resolve_model

    if not args.model and default_model_path() is None:
        _warn("no language model installed: the report has no suggested responses "
              "(run `clientsim models fetch`, or pass --no-suggestions to silence this)")
        return None
    path = resolve_model(args.model)  # a --model that does not exist is an error
    from clientsim.llm.engine import LlmEngine

    try:
        return LlmEngine(path).load()
    except UserError as exc:
        _warn(f"could not load {path.name}, so the report has no suggested responses: {exc}")
        return None


def cmd_report(args) -> int:
    from clientsim.judge.report import build_report, format_of, save

    transcript = _load_transcript(args.transcript)
    engine = _engine(args)
    report = build_report(transcript, engine=engine)
    for w in report["warnings"]:
        _warn(w)
    if format_of(Path(args.output), args.format) == "pdf":
        from clientsim.ui.report_pdf import write_pdf  # Qt draws PDFs

        path = write_pdf(report, Path(args.output))
    else:
        path = save(report, args.output, args.format)
    s = report["mi"]["summary"]
    if report["mi"].get("not_rated"):
        rated = "not enough to rate (see the note above)"
    else:
        rated = f"band: {s['band']} (technical {s['technical']}, relational {s['relational']})"
    print(f"{rated}; {len(report['mi']['suggestions'])} suggestion(s); report -> {path}")
    return 0
