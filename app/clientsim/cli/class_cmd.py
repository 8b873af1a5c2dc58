"""`clientsim class report FOLDER -o FILE.csv|FILE.html`: review a class's exported sessions."""

from __future__ import annotations

import sys
from pathlib import Path

from clientsim.core.jobs import JobState


def register(sub) -> None:
    p = sub.add_parser("class", help="review a folder of students' exported sessions")
    csub = p.add_subparsers(dest="class_command", metavar="ACTION")
    p.set_defaults(func=lambda args: p.print_help() or 0)
    rp = csub.add_parser("report", help="one row per session and a summary per student, as CSV or HTML")
    rp.add_argument("folder", type=Path, metavar="FOLDER", help="exported sessions (clientsim.session/1 .json files)")
    rp.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.csv|FILE.html")
    rp.set_defaults(func=run_report)


def run_report(args) -> int:
    from clientsim.classroom import build_class_report
    from clientsim.classroom.output import write_report

    if args.output.suffix.lower() not in (".csv", ".html", ".htm"):
        from clientsim.core.errors import UserError

        raise UserError(f"{args.output}: unknown report format", hint="Name the output FILE.csv or FILE.html.")
    report = build_class_report(args.folder, JobState())
    for s in report.skipped:
        print(f"skipped {s.path.relative_to(args.folder)}: {s.reason}", file=sys.stderr)
    written = write_report(report, args.output)
    print(f"{len(report.rows)} session(s) from {len(report.students)} student(s), {len(report.skipped)} file(s) "
          f"skipped. Wrote {', '.join(map(str, written))}.")
    return 0
