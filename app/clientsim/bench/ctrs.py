"""`clientsim bench ctrs`: the CTRS rater against the graded transcripts.

Prints Spearman between intended and judged item scores per item, per item
family (all item pairs of the family pooled) and on the total, separately for
the tuning and held-out transcripts; the same-transcript repeat agreement; and
the time to rate a 40-turn transcript. --fit refits the combination weights on
the tuning split only and prints them for weights.py.
"""

from __future__ import annotations

import json
import time

import numpy as np
from scipy.stats import spearmanr

from clientsim.core.jobs import JobState
from clientsim.judge.ctrs import ITEMS, rate
from clientsim.judge.ctrs.graded import SPLITS, load_graded
from clientsim.judge.ctrs.items import CONCEPTUAL, GENERAL


def add_arguments(parser) -> None:
    parser.add_argument("--split", choices=(*SPLITS, "both"), default="both")
    parser.add_argument("--model", help="GGUF file for the judge (default: the default judge model)")
    parser.add_argument("--no-model", action="store_true", help="detectors only")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--fit", action="store_true", help="fit combination weights on the tuning split and print them")
    parser.add_argument("--show", action="store_true", help="print intended/judged per transcript")
    parser.add_argument("--timing-only", action="store_true", help="only the repeat agreement and the 40-turn timing")
    parser.add_argument("--blind", action="store_true",
                        help="score the sealed transcripts in validation/blind/ctrs (measuring only: never tune on "
                             "them): Spearman over items and totals, spread of the model's item scores, detectors only")
    parser.add_argument("--dir", metavar="DIR", default=None,
                        help="score the graded transcripts (clientsim.ctrs-graded/1) in this folder instead")
    parser.add_argument("--save-scores", metavar="JSON", help="store the model's item scores per transcript")
    parser.add_argument("--scores", metavar="JSON", help="reuse stored model item scores instead of running the model "
                        "(for refitting weights; the repeat and timing figures are then skipped)")


def _engine(args):
    if args.no_model:
        return None
    from clientsim.judge.ctrs.rater import default_engine

    if args.model:
        from clientsim.llm.engine import LlmEngine

        return LlmEngine(args.model, n_threads=args.threads, n_ctx=4096, seed=0)
    eng = default_engine()
    if eng is not None and args.threads:
        eng.n_threads = args.threads
    return eng


def _rho(x, y) -> float | None:
    if len(set(x)) < 2 or len(set(y)) < 2:
        return None
    return float(spearmanr(x, y)[0])


def _f(x) -> str:
    return "  n/a" if x is None else f"{x:5.2f}"


class _StoredScorer:
    """Model item scores saved by an earlier --save-scores run, served back to rate()."""

    def __init__(self, path: str) -> None:
        self.data = json.loads(open(path, encoding="utf-8").read())

    def score_items(self, transcript, items, state=None, on_item=None):
        from clientsim.judge.ctrs.model_scorer import ModelScore

        stored = self.data[transcript["id"]]["scores"]
        return {it.key: ModelScore(stored[it.key]["expected"], stored[it.key].get("probs"), "logits") for it in items}


def run(args) -> int:
    if args.scores:
        return _run_stored(args)
    engine = _engine(args)
    use_model = not args.no_model
    if use_model and engine is None:
        print("the default judge model is missing; run `clientsim models fetch` or pass --model (or use --no-model)")
        return 1
    if engine is not None:
        t = time.perf_counter()
        engine.load()
        print(f"model: {engine.model_path.name}, {engine.n_threads} threads, loaded in {time.perf_counter() - t:.1f} s")
    else:
        print("model: none (detectors only)")
    if args.timing_only:
        _repeat_and_time(engine)
        return 0
    if args.blind or args.dir:
        from clientsim.judge.validation import load_ctrs_docs

        if args.blind:
            print("SEALED blind CTRS transcripts: figures are for reporting only; nothing may be tuned on them")
        sets = [("blind" if args.blind else str(args.dir), load_ctrs_docs(None if args.blind else args.dir))]
    else:
        splits = SPLITS if args.split == "both" else (args.split,)
        sets = [(split, load_graded(split)) for split in splits]
    results, saved = {}, {}
    for split, docs in sets:
        rows = []
        t0 = time.perf_counter()
        for d in docs:
            s = rate(d["transcript"], engine=engine, use_model=use_model)
            rows.append((d, s))
            saved[d["id"]] = {"seconds": s.get("seconds"), "scores": {
                i["key"]: {"expected": i["model"]["expected"], "probs": i["model"].get("probs")}
                for i in s["items"] if i.get("model") and i["model"].get("expected") is not None}}
        per = (time.perf_counter() - t0) / max(1, len(docs))
        results[split] = rows
        _report(split, rows, per, args.show)
        _pooled(rows)
    if args.save_scores:
        with open(args.save_scores, "w", encoding="utf-8") as f:
            json.dump(saved, f, indent=0)
    if args.fit and "tuning" in results:
        _fit(results["tuning"])
    if use_model:
        _repeat_and_time(engine)
    return 0


def _run_stored(args) -> int:
    scorer = _StoredScorer(args.scores)
    times = [v.get("seconds") for v in scorer.data.values() if v.get("seconds")]
    print(f"model scores: stored in {args.scores} ({len(scorer.data)} transcripts"
          + (f", {sum(times) / len(times):.1f} s per transcript when measured" if times else "") + ")")
    splits = SPLITS if args.split == "both" else (args.split,)
    results = {}
    for split in splits:
        docs = [d for d in load_graded(split) if d["id"] in scorer.data]
        rows = [(d, rate(d["transcript"], engine=None, scorer=scorer)) for d in docs]
        results[split] = rows
        _report(split, rows, 0.0, args.show)
    if args.fit and "tuning" in results:
        _fit(results["tuning"])
    return 0


def _judged(s: dict, key: str):
    item = next(i for i in s["items"] if i["key"] == key)
    return item["score"]


def _report(split: str, rows, per: float, show: bool) -> None:
    print(f"\nCTRS on {split} transcripts (n={len(rows)}, {per:.1f} s per transcript)")
    if show:
        for d, s in rows:
            pairs = " ".join(f"{d['intended'][it.key]}/{_judged(s, it.key)}" for it in ITEMS)
            print(f"  {d['id'][:30]:30s} {pairs}  total {sum(d['intended'].values())}/{s['total']}")
    fam_pairs = {GENERAL: ([], []), CONCEPTUAL: ([], [])}
    print(f"  {'item':18s} {'rho':>5s} {'rho(det)':>8s} {'rho(model)':>10s}")
    for it in ITEMS:
        x = [d["intended"][it.key] for d, s in rows]
        y = [_judged(s, it.key) for d, s in rows]
        ok = [(a, b) for a, b in zip(x, y) if b is not None]
        det = [next(i for i in s["items"] if i["key"] == it.key).get("detector_estimate") for d, s in rows]
        mod = [(next(i for i in s["items"] if i["key"] == it.key).get("model") or {}).get("expected") for d, s in rows]
        fam_pairs[it.family][0].extend(a for a, b in ok)
        fam_pairs[it.family][1].extend(b for a, b in ok)
        r_mod = _rho(x, mod) if all(m is not None for m in mod) else None
        print(f"  {it.key:18s} {_f(_rho([a for a, b in ok], [b for a, b in ok])):>5s} {_f(_rho(x, det)):>8s} {_f(r_mod):>10s}")
    for fam, (x, y) in fam_pairs.items():
        print(f"  family {fam:11s} rho {_f(_rho(x, y))}  (n={len(x)} item scores)")
    tx = [sum(d["intended"].values()) for d, s in rows]
    ty = [s["total"] for d, s in rows]
    mae = np.mean([abs(a - b) for a, b in zip(tx, ty) if b is not None])
    print(f"  total            rho {_f(_rho(tx, ty))}  (mean |intended - judged| = {mae:.1f} points of 66)")


def _pooled(rows) -> dict:
    """Spearman over all (transcript, item) pairs and over totals, for the combined score, the detectors alone
    and the model alone, with the spread of the model's item scores and a constant baseline."""
    x, y, det, mod = [], [], [], []
    for d, s in rows:
        for it in ITEMS:
            item = next(i for i in s["items"] if i["key"] == it.key)
            x.append(d["intended"][it.key])
            y.append(item["score"])
            det.append(item.get("detector_estimate"))
            mod.append((item.get("model") or {}).get("expected"))
    ok = [(a, b) for a, b in zip(x, y) if b is not None]
    dk = [(a, b) for a, b in zip(x, det) if b is not None]
    out = {"items_rho": _rho([a for a, _ in ok], [b for _, b in ok]), "items_n": len(ok),
           "items_rho_detectors": _rho([a for a, _ in dk], [b for _, b in dk])}
    tx = [sum(d["intended"].values()) for d, s in rows]
    ty = [s["total"] for d, s in rows]
    tdet = [sum(min(6, max(0, round(i.get("detector_estimate") or 0))) for i in s["items"]) for d, s in rows]
    out["totals_rho"] = _rho(tx, ty)
    out["totals_rho_detectors"] = _rho(tx, tdet)
    print(f"  pooled over items: rho {_f(out['items_rho'])} (n={out['items_n']}; goal >= 0.70), detectors alone "
          f"{_f(out['items_rho_detectors'])}")
    if all(m is not None for m in mod) and mod:
        out["items_rho_model"] = _rho(x, mod)
        out["model_spread"] = (min(mod), float(np.median(mod)), max(mod), float(np.std(mod)))
        print(f"  model alone: rho {_f(out['items_rho_model'])}; spread of the model's item scores: min "
              f"{min(mod):.2f}, median {np.median(mod):.2f}, max {max(mod):.2f}, sd {np.std(mod):.2f} "
              f"(intended sd {np.std(x):.2f})")
    print(f"  totals: rho {_f(out['totals_rho'])} (goal >= 0.80), detectors alone {_f(out['totals_rho_detectors'])};"
          f" judged totals {sorted(t for t in ty if t is not None)} vs intended {sorted(tx)}")
    mean_total = float(np.mean(tx))
    comp = [(a >= 40, (b or 0) >= 40) for a, b in zip(tx, ty)]
    out["competence_agreement"] = sum(a == b for a, b in comp) / max(1, len(comp))
    base = max(sum(a for a, _ in comp), sum(not a for a, _ in comp)) / max(1, len(comp))
    print(f"  competence (total >= 40) agreement {out['competence_agreement']:.2f} (majority baseline {base:.2f});"
          f" mean |intended - judged| total {np.mean([abs(a - (b or 0)) for a, b in zip(tx, ty)]):.1f}, "
          f"vs always {mean_total:.0f}: {np.mean([abs(a - mean_total) for a in tx]):.1f}")
    return out


def _fit(rows) -> None:
    """Per item: a linear calibration of the model's expected score (least squares) and the detector weight w
    (grid 0..1), minimising squared error against the intended scores of the tuning transcripts."""
    print("\nfitted on tuning (paste into clientsim/judge/ctrs/weights.py):")
    out = {}
    for it in ITEMS:
        k = it.key
        pts = []
        for d, s in rows:
            item = next(i for i in s["items"] if i["key"] == k)
            m = (item.get("model") or {}).get("expected")
            pts.append((d["intended"][k], item.get("detector_estimate") or 0.0, m))
        ms = [m for _, _, m in pts if m is not None]
        if len(set(ms)) > 1:
            b, a = np.polyfit(ms, [y for y, _, m in pts if m is not None], 1)
        else:
            a, b = 0.0, 1.0
        best = None
        for w in np.linspace(0, 1, 11):
            err = sum((y - (det if m is None else w * det + (1 - w) * min(6, max(0, a + b * m)))) ** 2 for y, det, m in pts)
            if best is None or err < best[0] - 1e-9:
                best = (err, w)
        out[k] = {"w": round(float(best[1]), 2), "a": round(float(a), 3), "b": round(float(b), 3)}
    print("WEIGHTS = {")
    for k, v in out.items():
        print(f'    "{k}": {v},')
    print("}")


def _repeat_and_time(engine) -> None:
    docs = load_graded("tuning")
    longest = max(docs, key=lambda d: len(d["turns"]))
    t40 = dict(longest["transcript"])
    t40["turns"] = t40["turns"][:40]
    t40["id"] = "timing-40"
    # A fresh transcript (its prefix is not cached) is what a student's report costs.
    t40["turns"] = [dict(t) for t in t40["turns"]]
    t40["turns"][0]["text"] = t40["turns"][0]["text"] + " "  # defeat any cached prefix from the runs above
    progress = []
    state = JobState(on_progress=lambda f, m: progress.append(f))
    t = time.perf_counter()
    first = rate(t40, engine=engine, state=state)
    elapsed = time.perf_counter() - t
    second = rate(t40, engine=engine)
    a = [i["score"] for i in first["items"]]
    b = [i["score"] for i in second["items"]]
    ma = [(i.get("model") or {}).get("probs") for i in first["items"]]
    mb = [(i.get("model") or {}).get("probs") for i in second["items"]]
    same = sum(x == y for x, y in zip(a, b))
    print(f"\nrepeat agreement (same 40-turn transcript rated twice): {same}/{len(a)} item scores identical,"
          f" model probabilities identical: {ma == mb}")
    print(f"time to rate a 40-turn transcript ({longest['id']}, first 40 turns, uncached): {elapsed:.1f} s"
          f" with {engine.n_threads} threads; {len(progress)} progress updates")
