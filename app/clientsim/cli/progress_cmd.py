"""`clientsim progress show|csv`: the progress page's figures without a screen."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from clientsim.core.errors import UserError


def register(sub) -> None:
    p = sub.add_parser("progress", help="your figures over your reviewed sessions")
    psub = p.add_subparsers(dest="progress_command", metavar="ACTION")
    p.set_defaults(func=lambda args: p.print_help() or 0)
    for name, help_text in (("show", "one line per reviewed session: date, client, band and main figures"),
                            ("csv", "every stored score of every session as CSV")):
        q = psub.add_parser(name, help=help_text)
        q.add_argument("--persona", metavar="ID", help="only sessions with this client")
        q.add_argument("--approach", choices=("MI", "CBT"), help="only sessions of this approach")
        q.add_argument("--since", type=date.fromisoformat, metavar="YYYY-MM-DD")
        q.add_argument("--until", type=date.fromisoformat, metavar="YYYY-MM-DD")
        if name == "csv":
            q.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.csv")
        q.set_defaults(func=run_csv if name == "csv" else run_show)


def _rows(args):
    from clientsim import paths
    from clientsim.progress import filter_sessions, load_progress

    rows = load_progress(paths.database_path())
    return filter_sessions(rows, persona_id=args.persona, approach=args.approach, start=args.since, end=args.until)


def run_show(args) -> int:
    rows = _rows(args)
    if not rows:
        print("No reviewed sessions match. A session's figures are stored when its review is made.")
        return 0
    print(f"{'date':10}  {'client':20}  {'band':10}  {'R:Q':>5}  {'%CR':>5}  {'%OQ':>5}  {'tech':>4}  {'rel':>4}  "
          f"{'CTRS':>5}  {'flags':>5}")
    for r in rows:
        v = r.values

        def f(key: str, fmt: str = "{:.1f}") -> str:
            return fmt.format(v[key]) if key in v else "–"

        print(f"{str(r.day or '?'):10}  {r.persona_name[:20]:20}  {(r.band or '–'):10}  "
              f"{f('mi.reflection_to_question', '{:.2f}'):>5}  {f('mi.percent_complex_reflections', '{:.0f}'):>5}  "
              f"{f('mi.percent_open_questions', '{:.0f}'):>5}  {f('mi.technical'):>4}  {f('mi.relational'):>4}  "
              f"{f('ctrs.prorated_total', '{:.0f}'):>5}  {f('safety.flags', '{:.0f}'):>5}")
    return 0


def run_csv(args) -> int:
    from clientsim.progress import write_scores_csv

    rows = _rows(args)
    try:
        write_scores_csv(rows, args.output)
    except OSError as exc:
        raise UserError(f"Cannot write {args.output}: {exc.strerror or exc}.") from exc
    print(f"Wrote the scores of {len(rows)} session(s) to {args.output}.")
    return 0
