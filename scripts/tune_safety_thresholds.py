"""Choose the safety second stage's thresholds (judge/safety/thresholds.py) on tuning material only.

Asks the model every second-stage question on the tuning cases (app/clientsim/judge/safety/cases/*.json)
and on AnnoMI's high-quality sessions (every flag there is false), keeping the answers in a cache file so
the sweep is free. For each check it prints precision and recall on the cases and the AnnoMI flags per 10
sessions at each threshold, and proposes the lowest threshold whose case precision is at least 0.9 and
whose AnnoMI false flags stay within the budget and that adds at least one true flag to the rules'. Never point it at validation/blind/.

    PYTHONPATH=app python scripts/tune_safety_thresholds.py --model models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf \
        --cache /tmp/safety-probs.json --annomi-sessions 20
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from clientsim.judge.safety import CHECK_IDS, review
from clientsim.judge.safety.cases import SPLITS, case_transcript, load_cases
from clientsim.judge.safety.model_stage import YesNoJudge, planned_messages
from clientsim.judge.safety.thresholds import OFF, model_key

GRID = [0.3, 0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.98]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--annomi-sessions", type=int, default=20, help="first N high-quality AnnoMI sessions")
    ap.add_argument("--budget-per-10", type=float, default=0.3, help="AnnoMI false flags per 10 sessions each check may add")
    ap.add_argument("--only", default=",".join(CHECK_IDS), help="comma-separated checks to ask about and sweep")
    args = ap.parse_args(argv)
    only = [c for c in args.only.split(",") if c]

    from clientsim.judge.mi.data import load_sessions
    from clientsim.llm.engine import LlmEngine

    judge = YesNoJudge(LlmEngine(args.model, n_ctx=2048, seed=0), thresholds={c: 0.5 if c in only else OFF for c in CHECK_IDS})
    if args.cache.exists():
        judge._cache.update(json.loads(args.cache.read_text()))
    ask = judge._ask

    def ask_and_keep(messages):  # the cache is written as it grows, so an interrupted run loses nothing
        p = ask(messages)
        if judge.asked % 10 == 0:
            args.cache.write_text(json.dumps({**judge._cache, repr(messages): p}))
        return p

    judge._ask = ask_and_keep
    cases = [c for split in SPLITS for c in load_cases(split)]
    sessions = [s for s in load_sessions() if s.quality == "high"][: args.annomi_sessions]
    annomi = [{"turns": [{"index": i, "speaker": u.speaker, "text": u.text} for i, u in enumerate(s.utterances)]}
              for s in sessions]

    judge.prefetch(planned_messages([case_transcript(c) for c in cases], judge.thresholds))
    args.cache.write_text(json.dumps(judge._cache))
    print(f"cases asked ({judge.asked} questions)", flush=True)
    judge.prefetch(planned_messages(annomi, judge.thresholds))
    args.cache.write_text(json.dumps(judge._cache))

    def run(thresholds):
        judge.thresholds = thresholds
        tp = {c: 0 for c in CHECK_IDS}
        fp, fn = dict(tp), dict(tp)
        for case in cases:
            fired = {f["check"] for f in review(case_transcript(case), judge=judge)["flags"]}
            target = case["check"]
            if case["expect"]:
                (tp if target in fired else fn)[target] += 1
            elif target in fired:
                fp[target] += 1
            for other in fired - {target} - set(case.get("also", ())):
                fp[other] += 1
        false_annomi = {c: 0 for c in CHECK_IDS}
        for tr in annomi:
            for f in review(tr, judge=judge)["flags"]:
                false_annomi[f["check"]] += 1
        args.cache.write_text(json.dumps(judge._cache))
        return tp, fp, fn, false_annomi

    off = {c: OFF for c in CHECK_IDS}
    base = run(off)
    print(f"rules only: " + ", ".join(f"{c} tp {base[0][c]} fp {base[1][c]} fn {base[2][c]} annomi {base[3][c]}"
                                      for c in CHECK_IDS))
    chosen = {}
    for check in only:
        best = OFF
        for t in GRID:
            tp, fp, fn, fa = run({**off, check: t})
            p = tp[check] / max(1, tp[check] + fp[check])
            r = tp[check] / max(1, tp[check] + fn[check])
            added = 10 * (fa[check] - base[3][check]) / max(1, len(annomi))
            ok = p >= 0.9 and added <= args.budget_per_10 and tp[check] > base[0][check]  # must add something
            print(f"  {check:20s} t={t:.2f}  precision {p:.2f} recall {r:.2f}  tp {tp[check]} fp {fp[check]} "
                  f"fn {fn[check]}  AnnoMI +{added:.2f} per 10 {'ok' if ok else ''}", flush=True)
            if ok and best == OFF:
                best = t
        chosen[check] = best
    print(f"proposed THRESHOLDS[{model_key(judge.engine)!r}] =", json.dumps(chosen, indent=1))
    print(f"questions asked: {judge.asked}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
