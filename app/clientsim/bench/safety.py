"""`clientsim bench safety`: precision and recall of the safety review on the validation cases.

Each case names one check and whether it must fire. A flag from a different
check on a case counts as a false positive for that check too, unless the case
lists it under "also" (e.g. a secrecy promise right after a suicide disclosure
is also a missed risk). The bundled cases are all tuning data; --blind scores the sealed set.
"""

from __future__ import annotations

import time
from pathlib import Path

from clientsim.judge.safety import CHECK_IDS, review
from clientsim.judge.safety.cases import SPLITS, case_transcript, load_cases


def add_arguments(parser) -> None:
    parser.add_argument("--split", choices=(*SPLITS, "both"), default="both")
    parser.add_argument("--show-errors", action="store_true", help="list the cases the review got wrong "
                        "(ids only with --blind)")
    parser.add_argument("--blind", action="store_true",
                        help="score the sealed cases in validation/blind/safety/cases.json (measuring only: never "
                             "tune on them) and count false flags on AnnoMI high-quality sessions")
    parser.add_argument("--cases", type=Path, default=None, metavar="FILE",
                        help="score the cases in this clientsim.safety-cases/1 file instead of the bundled ones")
    parser.add_argument("--annomi", type=Path, default=None, help="AnnoMI folder (default: ../shared/data/annomi)")


def evaluate(cases: list[dict]) -> dict:
    tp = {c: 0 for c in CHECK_IDS}
    fp = {c: 0 for c in CHECK_IDS}
    fn = {c: 0 for c in CHECK_IDS}
    errors, cross = [], 0
    t0 = time.perf_counter()
    for case in cases:
        fired = {f["check"] for f in review(case_transcript(case))["flags"]}
        target = case["check"]
        if case["expect"] and target in fired:
            tp[target] += 1
        elif case["expect"]:
            fn[target] += 1
            errors.append((case["id"], "missed"))
        elif target in fired:
            fp[target] += 1
            errors.append((case["id"], "false alarm"))
        for other in fired - {target} - set(case.get("also", ())):
            fp[other] += 1
            cross += 1
            errors.append((case["id"], f"cross-flag {other}"))
    elapsed = time.perf_counter() - t0
    return {"tp": tp, "fp": fp, "fn": fn, "errors": errors, "cross": cross, "n": len(cases),
            "ms_per_case": 1000 * elapsed / max(1, len(cases))}


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def _fmt(x: float | None) -> str:
    return "  n/a" if x is None else f"{x:5.2f}"


def run(args) -> int:
    from clientsim.judge.validation import load_safety_cases

    if args.blind or args.cases:
        sets = []
        if args.cases:
            sets.append((str(args.cases), load_safety_cases(args.cases)))
        if args.blind:
            print("SEALED blind safety cases: figures are for reporting only; nothing may be tuned on them")
            sets.append(("blind (validation/blind/safety/cases.json)", load_safety_cases()))
    else:
        splits = SPLITS if args.split == "both" else (args.split,)
        sets = [(split, load_cases(split)) for split in splits]
    for name, cases in sets:
        r = evaluate(cases)
        _print(name, r, args.show_errors)
    if args.blind:
        annomi_false_flags(args.annomi)
    else:
        _benign_sessions()
    return 0


def _print(name: str, r: dict, show_errors: bool) -> None:
    if True:
        print(f"safety review on {name} cases (n={r['n']}, {r['ms_per_case']:.2f} ms per case)")
        print(f"  {'check':20s} {'precision':>9s} {'recall':>7s}   tp  fp  fn")
        for c in CHECK_IDS:
            p = _ratio(r["tp"][c], r["tp"][c] + r["fp"][c])
            rec = _ratio(r["tp"][c], r["tp"][c] + r["fn"][c])
            print(f"  {c:20s} {_fmt(p):>9s} {_fmt(rec):>7s}  {r['tp'][c]:3d} {r['fp'][c]:3d} {r['fn'][c]:3d}")
        TP, FP, FN = (sum(r[k].values()) for k in ("tp", "fp", "fn"))
        print(f"  {'overall':20s} {_fmt(_ratio(TP, TP + FP)):>9s} {_fmt(_ratio(TP, TP + FN)):>7s}  {TP:3d} {FP:3d} {FN:3d}"
              f"   (cross-check false alarms: {r['cross']})")
        if show_errors and r["errors"]:
            for cid, what in r["errors"]:
                print(f"    {cid}: {what}")


def annomi_false_flags(folder=None) -> dict:
    """Flags on AnnoMI's high-quality sessions (counsellors rated as good MI): every flag counts as false,
    reported per 10 sessions (goal: at most 1)."""
    from collections import Counter

    from clientsim.judge.mi.data import load_sessions

    sessions = [s for s in load_sessions(folder) if s.quality == "high"]
    t0 = time.perf_counter()
    by_check: Counter = Counter()
    flagged_sessions = 0
    for s in sessions:
        tr = {"format": "clientsim.session/1", "id": s.transcript_id, "persona": {"modality": []},
              "turns": [{"index": i, "speaker": u.speaker, "text": u.text} for i, u in enumerate(s.utterances)]}
        flags = review(tr)["flags"]
        by_check.update(f["check"] for f in flags)
        flagged_sessions += bool(flags)
    n = len(sessions)
    total = sum(by_check.values())
    per10 = 10 * total / max(1, n)
    print(f"AnnoMI high-quality sessions (n={n}): {total} flag(s), {per10:.2f} per 10 sessions (goal <= 1), "
          f"{flagged_sessions} session(s) with any flag; by check: "
          + (", ".join(f"{c} {k}" for c, k in sorted(by_check.items())) or "none")
          + f" ({1000 * (time.perf_counter() - t0) / max(1, n):.0f} ms per session)")
    return {"sessions": n, "flags": total, "per_10_sessions": per10, "by_check": dict(by_check)}


def _benign_sessions() -> None:
    """False alarms on whole sessions: the graded CBT transcripts contain no safety problems."""
    from clientsim.judge.ctrs.graded import load_graded

    docs = load_graded("tuning") + load_graded("tuning-b")
    t0 = time.perf_counter()
    sections = [review(d["transcript"]) for d in docs]
    ms = 1000 * (time.perf_counter() - t0) / max(1, len(docs))
    turns = sum(s["counsellor_turns_checked"] for s in sections)
    flags = sum(len(s["flags"]) for s in sections)
    print(f"whole sessions without safety problems (graded CBT set): {flags} flag(s) over {turns} counsellor turns"
          f" in {len(docs)} sessions ({ms:.1f} ms per session)")
