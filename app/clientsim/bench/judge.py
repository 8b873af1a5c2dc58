"""`clientsim bench judge`: the MI coder on AnnoMI, transcript-grouped cross-validation, and speed.

Quality: each fold retrains the coder (and the session-quality score) on the
other folds' transcripts only, then codes the held-out transcripts. Speed:
the shipped coder on a 40-turn session; optionally a full report with
suggestions from the default model.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from pathlib import Path

from clientsim.judge.mi.data import load_sessions

GOALS = {"family_macro_f1": 0.80, "talk_type_macro_f1": 0.62, "band_separation": 0.90,
         "ms_per_turn": 50.0, "coding_metrics_40_turns_s": 3.0, "full_report_40_turns_s": 30.0}


def add_arguments(parser) -> None:
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--annomi", type=Path, default=None, help="AnnoMI folder (default: ../shared/data/annomi)")
    parser.add_argument("--skip-cv", action="store_true", help="speed only")
    parser.add_argument("--band-seeds", type=int, default=5,
                        help="seeds of the repeated band cross-validation (variant chosen inside training folds)")
    parser.add_argument("--shipped", action="store_true",
                        help="no retraining: code every transcript of --annomi with the shipped coder and "
                             "session-quality score (for transcripts the coder was never trained on)")
    parser.add_argument("--skip-llm", action="store_true", help="do not time the full report with suggestions")
    parser.add_argument("--model", default=None, help="GGUF for the full-report timing (default: the default model)")
    parser.add_argument("--json", type=Path, default=None, metavar="FILE", help="also write all figures as JSON")
    parser.add_argument("--show-sessions", action="store_true", help="list each session's band and quality")
    parser.add_argument("--blind", action="store_true",
                        help="score the shipped coder on the sealed practice sessions in validation/blind/mi-practice "
                             "(measuring only: never tune on them), then the AnnoMI figures")
    parser.add_argument("--practice", type=Path, default=None, metavar="DIR",
                        help="score the shipped coder on practice sessions in this folder (clientsim.blind-mi/1), "
                             "e.g. the tuning sessions in app/clientsim/judge/mi/practice")
    parser.add_argument("--save-codes", type=Path, default=None, metavar="FILE",
                        help="write the out-of-fold codes of every session (JSON) for later analysis")


def _print_block(title: str, block: dict) -> None:
    labels = block["confusion"]["labels"]
    print(f"\n{title}: macro-F1 {block['macro_f1']:.3f} (n={block['n']})")
    print("  per-class F1: " + ", ".join(f"{k} {v:.3f}" for k, v in block["per_class_f1"].items()))
    width = max(len(x) for x in labels) + 2
    print("  confusion (rows = expert, columns = coder):")
    print("  " + " " * width + "".join(f"{x[:10]:>11}" for x in labels))
    for lab, row in zip(labels, block["confusion"]["rows_true_cols_pred"]):
        print(f"  {lab:<{width}}" + "".join(f"{v:>11}" for v in row))


def sample_session(sessions, n_turns: int = 40):
    """A real 40-turn stretch of AnnoMI (the first session long enough)."""
    for s in sessions:
        if len(s.utterances) >= n_turns:
            return s, s.utterances[:n_turns]
    s = max(sessions, key=lambda x: len(x.utterances))
    return s, s.utterances


def transcript_of(utterances, sid: str = "bench", topic: str = "drinking more than planned") -> dict:
    return {"format": "clientsim.session/1", "id": sid,
            "persona": {"name": "Alex", "presenting_problem": topic,
                        "mi": {"target_behaviour": topic, "stage_of_change": "contemplation"}},
            "turns": [{"index": i, "speaker": u.speaker, "text": u.text} for i, u in enumerate(utterances)]}


def speed(sessions, args, out: dict) -> None:
    from clientsim.judge.mi.coder import MiCoder
    from clientsim.judge.mi.metrics import session_metrics
    from clientsim.judge.report import build_report

    t0 = time.perf_counter()
    coder = MiCoder.load()
    out["load_s"] = time.perf_counter() - t0
    sample, utts = sample_session(sessions)
    topic = sample.topic if sample.topic and sample.topic != "unidentifiable" else "drinking more than planned"
    turns = [{"speaker": u.speaker, "text": u.text} for u in utts]
    # live coding: each turn with its earlier turns as context
    per = []
    for i, t in enumerate(turns):
        t1 = time.perf_counter()
        coder.code_turn(t["text"], t["speaker"], turns[:i])
        per.append(1000 * (time.perf_counter() - t1))
    out["ms_per_turn_mean"] = statistics.mean(per)
    out["ms_per_turn_max"] = max(per)
    t1 = time.perf_counter()
    codes = coder.code_session(turns)
    session_metrics(turns, codes)
    out["coding_metrics_40_turns_s"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    build_report(transcript_of(utts, topic=topic), engine=None, coder=coder)
    out["report_no_llm_40_turns_s"] = time.perf_counter() - t1
    big = [turns[i % len(turns)] for i in range(1000)]
    t1 = time.perf_counter()
    session_metrics(big, coder.code_session(big))
    out["coding_metrics_1000_turns_s"] = time.perf_counter() - t1
    print(f"\nspeed (2 cores shared; coder loaded in {out['load_s']:.2f} s):")
    print(f"  live coding, one turn with context: {out['ms_per_turn_mean']:.1f} ms mean, "
          f"{out['ms_per_turn_max']:.1f} ms max (goal < {GOALS['ms_per_turn']:.0f} ms)")
    print(f"  40-turn session, coding + metrics: {out['coding_metrics_40_turns_s']:.3f} s "
          f"(goal < {GOALS['coding_metrics_40_turns_s']:.0f} s); report without LLM {out['report_no_llm_40_turns_s']:.3f} s")
    print(f"  1000-turn session, coding + metrics: {out['coding_metrics_1000_turns_s']:.2f} s "
          f"(load average {os.getloadavg()[0]:.1f})")
    if args.skip_llm:
        return
    from clientsim.models.registry import resolve_model

    try:
        path = resolve_model(args.model or "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf")
    except Exception as exc:  # noqa: BLE001 - report and go on
        print(f"  full report with suggestions: skipped ({exc})")
        return
    from clientsim.llm.engine import LlmEngine

    t1 = time.perf_counter()
    engine = LlmEngine(path).load()
    out["llm_load_s"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    rep = build_report(transcript_of(utts, topic=topic), engine=engine, coder=coder, other_sections=False)
    out["mi_report_40_turns_s"] = time.perf_counter() - t1
    out["mi_report_suggestions"] = len(rep["mi"]["suggestions"])
    print(f"  40-turn MI report with suggestions ({path.name}, loaded in {out['llm_load_s']:.1f} s): "
          f"{out['mi_report_40_turns_s']:.1f} s, {out['mi_report_suggestions']} suggestion(s)")
    for sug in rep["mi"]["suggestions"]:
        print(f"    turn {sug['turn_index']}: {sug['original']!r} -> ({sug.get('source')}) {sug['text']!r}")
    t1 = time.perf_counter()
    rep = build_report(transcript_of(utts, topic=topic), engine=engine, coder=coder)
    out["full_report_40_turns_s"] = time.perf_counter() - t1
    print(f"  40-turn full report (MI with suggestions + CTRS + safety): {out['full_report_40_turns_s']:.1f} s "
          f"(goal < {GOALS['full_report_40_turns_s']:.0f} s)")
    out["load_average"] = os.getloadavg()[0]
    print(f"  load average during the run: {out['load_average']:.1f} (other jobs share the 2 cores)")


def _report_quality(sessions, codes, weights, args, out: dict) -> None:
    from clientsim.judge.mi.evaluate import band_separation, scores

    sc = scores(sessions, codes)
    sep = band_separation(sessions, codes, weights)
    out["scores"] = sc
    out["band"] = {k: v for k, v in sep.items() if k != "sessions"}
    _print_block("counsellor family (question / reflection / input / other)", sc["family"])
    print(f"  goal >= {GOALS['family_macro_f1']} (published text-only baseline 0.72)")
    _print_block("client talk type (change / neutral / sustain)", sc["talk_type"])
    print(f"  goal >= {GOALS['talk_type_macro_f1']} (published 0.55-0.66)")
    def acc(key: str) -> str:
        return "n/a (no subtype labels)" if sc[key] is None else f"{sc[key]:.3f}"

    print(f"\nfine codes, where the family was right: question open/closed accuracy "
          f"{acc('question_open_closed_accuracy')} (n={sc['question_n']}); reflection simple/complex accuracy "
          f"{acc('reflection_simple_complex_accuracy')} (n={sc['reflection_n']})")
    n_high = sum(s.quality == "high" for s in sessions)
    majority = max(n_high, len(sessions) - n_high) / max(1, len(sessions))
    out["band"]["majority_baseline"] = majority
    print(f"\nsession band: {sep['accuracy']:.3f} of sessions placed right (every session 'fair': {majority:.3f}); "
          f"high quality at fair or better {sep['high_at_fair_or_better']:.3f} (n={sep['n_high']}), "
          f"low quality below fair {sep['low_below_fair']:.3f} (n={sep['n_low']})")
    if args.show_sessions:
        for p in sep["sessions"]:
            print(f"  {p['transcript_id']:>4} {p['quality']:<5} {p['band']:<11} technical {p['technical']:.2f} "
                  f"relational {p['relational']:.2f}")


def practice(folder, title: str, out: dict) -> None:
    from clientsim.judge.mi.coder import MiCoder
    from clientsim.judge.mi.evaluate import practice_scores
    from clientsim.judge.validation import load_mi_sessions

    sessions = load_mi_sessions(folder)
    t0 = time.perf_counter()
    r = practice_scores(sessions, MiCoder.load())
    r["seconds"] = time.perf_counter() - t0
    out.update({k: v for k, v in r.items()})
    print(f"\n{title}: {len(sessions)} sessions, {r['n']} counsellor lines ({r['seconds']:.1f} s)")
    print(f"  family macro-F1 {r['family_macro_f1']:.3f} (goal >= {GOALS['family_macro_f1']}; every line "
          f"'{r['family_majority']}': {r['family_majority_macro_f1']:.3f}); family accuracy {r['family_accuracy']:.3f} "
          f"(majority {r['family_majority_accuracy']:.3f})")
    print("  per-family F1: " + ", ".join(f"{k} {v:.3f}" for k, v in r["family_per_class_f1"].items()))
    print(f"  fine-code accuracy {r['code_accuracy']:.3f} (every line '{r['code_majority']}': "
          f"{r['code_majority_accuracy']:.3f}); expert code among the coder's main and secondary codes "
          f"{r['code_accuracy_main_or_others']:.3f}; fine-code macro-F1 {r['code_macro_f1']:.3f}")
    if r["talk_type_n"]:
        print(f"  client talk type: macro-F1 {r['talk_type_macro_f1']:.3f}, accuracy {r['talk_type_accuracy']:.3f} "
              f"(majority {r['talk_type_majority_accuracy']:.3f}, n={r['talk_type_n']})")
    print("  accuracy per code (lines of that code coded so):")
    for c, v in r["per_code"].items():
        if v["n"]:
            print(f"    {c:26s} {v['right'] / v['n']:.2f}  ({v['right']}/{v['n']})")
    labels = r["confusion"]["labels"]
    short = {c: "".join(w[0] for w in c.split("_")).upper() for c in labels}
    short.update({"other": "OT", "confront": "CON", "affirm": "AF", "persuade": "PER"})
    print("  confusion (rows = expert, columns = coder): " + ", ".join(f"{short[c]}={c}" for c in labels))
    print("  " + " " * 27 + "".join(f"{short[c]:>5}" for c in labels))
    for lab, row in zip(labels, r["confusion"]["rows_true_cols_pred"]):
        print(f"  {lab:<27}" + "".join(f"{v:>5}" for v in row))


def _band_seeds(sessions, codes, args, out: dict) -> None:
    from clientsim.judge.mi.evaluate import band_cv

    if args.band_seeds < 1:
        return
    print(f"\nsession band, repeated CV over {args.band_seeds} seeds (quality-score variant chosen by an inner CV on "
          f"each training fold; the coder's out-of-fold codes reused) …")
    r = band_cv(sessions, codes, seeds=range(args.seed, args.seed + args.band_seeds), log=lambda *a: None)
    out["band_cv"] = r
    print(f"  band accuracy {r['mean']:.3f} ± {r['sd']:.3f} (min {r['min']:.3f}, max {r['max']:.3f}; per seed "
          + ", ".join(f"{x:.3f}" for x in r["per_seed"]) + f"); every session 'fair': {r['majority_baseline']:.3f}")
    print("  variants chosen in the training folds: " + "; ".join(f"{k} x{v}" for k, v in r["variants_chosen"].items()))


def run(args) -> int:
    from clientsim.judge.mi.evaluate import cross_validate
    from clientsim.judge.validation import BLIND_DIR

    if args.blind or args.practice:
        blocks: dict = {}
        if args.practice:
            practice(args.practice, f"practice sessions in {args.practice}", blocks.setdefault("practice", {}))
        if args.blind:
            print("SEALED blind practice sessions: figures are for reporting only; nothing may be tuned on them")
            practice(BLIND_DIR / "mi-practice", "blind practice sessions (validation/blind/mi-practice)",
                     blocks.setdefault("blind", {}))
        if args.skip_cv and not args.shipped:
            if args.json:
                args.json.write_text(json.dumps(blocks, indent=2), encoding="utf-8")
            return 0
    else:
        blocks = {}

    sessions = load_sessions(args.annomi)
    out: dict = {"transcripts": len(sessions), "folds": args.folds, "seed": args.seed, **blocks}
    print(f"AnnoMI: {len(sessions)} transcripts ({sum(s.quality == 'high' for s in sessions)} high, "
          f"{sum(s.quality == 'low' for s in sessions)} low quality), "
          f"{sum(len(s.utterances) for s in sessions)} utterances")
    if args.shipped:
        from clientsim.judge.mi.coder import MiCoder
        from clientsim.judge.mi.evaluate import session_turns

        print("the shipped coder and session-quality score, as installed (no retraining) …")
        coder = MiCoder.load()
        codes = {s.transcript_id: coder.code_session(session_turns(s)) for s in sessions}
        _report_quality(sessions, codes, None, args, out)
    elif not args.skip_cv:
        print(f"{args.folds}-fold cross-validation grouped by transcript (seed {args.seed}); retraining per fold …")
        codes, weights = cross_validate(sessions, folds=args.folds, seed=args.seed)
        if args.save_codes:
            args.save_codes.write_text(json.dumps({"codes": codes, "weights": weights}), encoding="utf-8")
        _report_quality(sessions, codes, weights, args, out)
        _band_seeds(sessions, codes, args, out)
    speed(sessions, args, out.setdefault("speed", {}))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2), encoding="utf-8")
        print(f"\nfigures written to {args.json}")
    return 0
