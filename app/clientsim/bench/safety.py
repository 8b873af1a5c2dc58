"""`clientsim bench safety`: precision and recall of the safety review on the validation cases.

Each case names one check and whether it must fire. A flag from a different
check on a case counts as a false positive for that check too, unless the case
lists it under "also" (e.g. a secrecy promise right after a suicide disclosure
is also a missed risk). The bundled cases are all tuning data; --blind scores the sealed set.

The review runs both stages (rules, then the local model on near-candidates) with the default judge model
when its file is present, or the GGUF given with --model; --no-model scores the rules alone. Beside every
figure the bench prints the trivial baselines (flag nothing, flag everything) and the seconds the review
takes per 40-turn session.
"""

from __future__ import annotations

import time
from pathlib import Path

from clientsim.judge.safety import CHECK_IDS, review
from clientsim.judge.safety.cases import SPLITS, case_transcript, load_cases
from clientsim.judge.safety.model_stage import planned_messages

SESSION_TURNS = 40


def add_arguments(parser) -> None:
    parser.add_argument("--split", choices=(*SPLITS, "all"), default="all")
    parser.add_argument("--show-errors", action="store_true", help="list the cases the review got wrong "
                        "(ids only with --blind)")
    parser.add_argument("--blind", action="store_true",
                        help="score the sealed cases in validation/blind/safety/cases.json (measuring only: never "
                             "tune on them) and count false flags on AnnoMI high-quality sessions")
    parser.add_argument("--cases", type=Path, default=None, metavar="FILE",
                        help="score the cases in this clientsim.safety-cases/1 file instead of the bundled ones")
    parser.add_argument("--annomi", type=Path, default=None, help="AnnoMI folder (default: ../shared/data/annomi)")
    parser.add_argument("--annomi-sessions", type=int, default=None, metavar="N",
                        help="only the first N high-quality AnnoMI sessions (the model stage takes seconds each)")
    parser.add_argument("--model", type=Path, default=None, help="GGUF for the second stage (default: the judge model)")
    parser.add_argument("--no-model", action="store_true", help="rules only, as the review runs without a model")


def evaluate(cases: list[dict], judge=None) -> dict:
    tp = {c: 0 for c in CHECK_IDS}
    fp = {c: 0 for c in CHECK_IDS}
    fn = {c: 0 for c in CHECK_IDS}
    pos = {c: 0 for c in CHECK_IDS}
    errors, cross, by_model = [], 0, 0
    t0 = time.perf_counter()
    if judge is not None:  # one check's questions together: they share the check's prompt in the cache
        judge.prefetch(planned_messages([case_transcript(c) for c in cases], judge.thresholds))
    for case in cases:
        flags = review(case_transcript(case), judge=judge)["flags"]
        fired = {f["check"] for f in flags}
        target = case["check"]
        pos[target] += bool(case["expect"])
        if case["expect"] and target in fired:
            tp[target] += 1
            by_model += any(f["check"] == target and f.get("stage") == "model" for f in flags)
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
    n_by_check = {c: sum(1 for k in cases if k["check"] == c) for c in CHECK_IDS}
    return {"tp": tp, "fp": fp, "fn": fn, "pos": pos, "n_by_check": n_by_check, "errors": errors, "cross": cross,
            "n": len(cases), "by_model": by_model, "ms_per_case": 1000 * elapsed / max(1, len(cases))}


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def _fmt(x: float | None) -> str:
    return "  n/a" if x is None else f"{x:5.2f}"


def make_judge(args):
    """The second stage's judge for the bench, or None (rules only)."""
    if getattr(args, "no_model", False):
        return None
    from clientsim.judge.safety.model_stage import YesNoJudge

    if getattr(args, "model", None):
        from clientsim.llm.engine import LlmEngine

        return YesNoJudge(LlmEngine(args.model, n_ctx=2048, seed=0))
    from clientsim.judge.ctrs.rater import default_engine

    engine = default_engine()
    if engine is None:
        print("no judge model found: rules only (run `clientsim models fetch`)")
        return None
    return YesNoJudge(engine)


def run(args) -> int:
    from clientsim.judge.validation import load_safety_cases

    judge = make_judge(args)
    print("stages: " + (f"rules + model ({judge.engine.label()})" if judge else "rules only"))
    if args.blind or args.cases:
        sets = []
        if args.cases:
            sets.append((str(args.cases), load_safety_cases(args.cases)))
        if args.blind:
            print("SEALED blind safety cases: figures are for reporting only; nothing may be tuned on them")
            sets.append(("blind (validation/blind/safety/cases.json)", load_safety_cases()))
    else:
        splits = SPLITS if args.split == "all" else (args.split,)
        sets = [(split, load_cases(split)) for split in splits]
    for name, cases in sets:
        r = evaluate(cases, judge)
        _print(name, r, args.show_errors)
    if args.blind or args.annomi or args.annomi_sessions:
        annomi_false_flags(args.annomi, judge, args.annomi_sessions)
    else:
        _benign_sessions(judge)
    return 0


def _print(name: str, r: dict, show_errors: bool) -> None:
    print(f"safety review on {name} cases (n={r['n']}, {r['ms_per_case']:.0f} ms per case; "
          f"{r['by_model']} true flag(s) raised by the model stage)")
    print(f"  {'check':20s} {'precision':>9s} {'recall':>7s}   tp  fp  fn   baselines: flag everything P / R, flag nothing R")
    for c in CHECK_IDS:
        p = _ratio(r["tp"][c], r["tp"][c] + r["fp"][c])
        rec = _ratio(r["tp"][c], r["tp"][c] + r["fn"][c])
        base = _ratio(r["pos"][c], r["n_by_check"][c])
        print(f"  {c:20s} {_fmt(p):>9s} {_fmt(rec):>7s}  {r['tp'][c]:3d} {r['fp'][c]:3d} {r['fn'][c]:3d}"
              f"   {_fmt(base)} / 1.00, 0.00")
    TP, FP, FN = (sum(r[k].values()) for k in ("tp", "fp", "fn"))
    base = _ratio(sum(r["pos"].values()), r["n"])
    print(f"  {'overall':20s} {_fmt(_ratio(TP, TP + FP)):>9s} {_fmt(_ratio(TP, TP + FN)):>7s}  {TP:3d} {FP:3d} {FN:3d}"
          f"   {_fmt(base)} / 1.00, 0.00   (cross-check false alarms: {r['cross']})")
    if show_errors and r["errors"]:
        for cid, what in r["errors"]:
            print(f"    {cid}: {what}")


def _seconds_per_session(seconds: float, turns: int) -> str:
    return f"{SESSION_TURNS * seconds / max(1, turns):.1f} s per {SESSION_TURNS}-turn session"


def annomi_false_flags(folder=None, judge=None, limit: int | None = None) -> dict:
    """Flags on AnnoMI's high-quality sessions (counsellors rated as good MI): every flag counts as false,
    reported per 10 sessions (goal: at most 1), beside the flag-everything baseline."""
    from collections import Counter

    from clientsim.judge.mi.data import load_sessions

    sessions = [s for s in load_sessions(folder) if s.quality == "high"][:limit]
    t0 = time.perf_counter()
    by_check: Counter = Counter()
    by_stage: Counter = Counter()
    flagged_sessions = turns = counsellor_turns = 0
    for s in sessions:
        tr = {"format": "clientsim.session/1", "id": s.transcript_id, "persona": {"modality": []},
              "turns": [{"index": i, "speaker": u.speaker, "text": u.text} for i, u in enumerate(s.utterances)]}
        section = review(tr, judge=judge)
        flags = section["flags"]
        by_check.update(f["check"] for f in flags)
        by_stage.update(f.get("stage", "rules") for f in flags)
        flagged_sessions += bool(flags)
        turns += len(tr["turns"])
        counsellor_turns += section["counsellor_turns_checked"]
    elapsed = time.perf_counter() - t0
    n = len(sessions)
    total = sum(by_check.values())
    per10 = 10 * total / max(1, n)
    print(f"AnnoMI high-quality sessions (n={n}): {total} flag(s), {per10:.2f} per 10 sessions (goal <= 1; "
          f"flag-everything baseline {10 * counsellor_turns * len(CHECK_IDS) / max(1, n):.0f}, flag-nothing 0), "
          f"{flagged_sessions} session(s) with any flag; by check: "
          + (", ".join(f"{c} {k}" for c, k in sorted(by_check.items())) or "none")
          + "; by stage: " + (", ".join(f"{c} {k}" for c, k in sorted(by_stage.items())) or "none")
          + f"; {_seconds_per_session(elapsed, turns)}")
    return {"sessions": n, "flags": total, "per_10_sessions": per10, "by_check": dict(by_check),
            "seconds_per_40_turns": SESSION_TURNS * elapsed / max(1, turns)}


def _benign_sessions(judge=None) -> None:
    """False alarms on whole sessions: the graded CBT transcripts contain no safety problems."""
    from clientsim.judge.ctrs.graded import load_graded

    docs = load_graded("tuning") + load_graded("tuning-b")
    t0 = time.perf_counter()
    sections = [review(d["transcript"], judge=judge) for d in docs]
    elapsed = time.perf_counter() - t0
    turns = sum(len(d["transcript"]["turns"]) for d in docs)
    flags = sum(len(s["flags"]) for s in sections)
    print(f"whole sessions without safety problems (graded CBT set): {flags} flag(s) over "
          f"{sum(s['counsellor_turns_checked'] for s in sections)} counsellor turns in {len(docs)} sessions "
          f"({_seconds_per_session(elapsed, turns)})")
