#!/usr/bin/env python3
"""Train the safety review's second stage (sentence embeddings + one logistic model per check).

    PYTHONPATH=app .venv/bin/python scripts/train_safety_semantic.py [--annomi DIR]

Tuning material only: the exemplars in app/clientsim/judge/safety/semantic/exemplars.py, the bundled cases
(cases/tuning.json, cases/tuning-b.json) and, as harmless replies, counsellor turns of the AnnoMI high-quality
sessions whose position in the sorted id list is even (the odd half stays unseen, for the false-flag figure).
Never validation/blind/. Deterministic. Writes app/clientsim/judge/safety/semantic/semantic_model.npz.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "app"))

from clientsim.judge.safety.flags import CHECK_IDS  # noqa: E402
from clientsim.judge.safety.semantic import ARTEFACT, embed, pair_features  # noqa: E402
from clientsim.judge.safety.semantic.exemplars import EXEMPLARS  # noqa: E402

ANNOMI_PER_SESSION = 8
TARGET_PRECISION = 0.9
MIN_THRESHOLD = 0.7


def annomi_split(sessions):
    """High-quality AnnoMI sessions: (training half, unseen half), by position in the sorted id list."""
    high = sorted((s for s in sessions if s.quality == "high"), key=lambda s: int(s.transcript_id))
    return high[0::2], high[1::2]


def pairs_of_turns(turns):
    """(client text, counsellor reply, reply position) for every counsellor turn; the client text is the latest
    client turn before it (or "")."""
    out, last_client = [], ""
    for i, (speaker, text) in enumerate(turns):
        if speaker == "client":
            last_client = text
        else:
            out.append((last_client, text, i))
    if turns and turns[-1][0] == "client":
        out.append((turns[-1][1], "", len(turns)))
    return out


def training_rows(annomi=None):
    from clientsim.judge.mi.data import load_sessions
    from clientsim.judge.safety.cases import SPLITS, load_cases

    rows = []  # (client, reply, {check: label or None})
    for check, items in EXEMPLARS.items():
        for c, r, harmful in items:
            rows.append((c, r, {check: harmful}))
    for split in SPLITS:
        for case in load_cases(split):
            ps = pairs_of_turns([tuple(t) for t in case["turns"]])
            for k, (c, r, _) in enumerate(ps):
                labels = {x: False for x in CHECK_IDS if x not in case.get("also", ())}
                if case["expect"]:
                    # the last reply carries the harm in these short cases; earlier ones are left out for this check
                    labels[case["check"]] = True if k == len(ps) - 1 else None
                else:
                    labels[case["check"]] = False
                rows.append((c, r, labels))
    train_half, _ = annomi_split(load_sessions(annomi))
    rng = np.random.default_rng(0)
    for s in train_half:
        ps = pairs_of_turns([(u.speaker, u.text) for u in s.utterances])
        ps = [p for p in ps if p[1]]
        pick = rng.choice(len(ps), size=min(ANNOMI_PER_SESSION, len(ps)), replace=False) if ps else []
        for j in sorted(pick):
            rows.append((ps[j][0], ps[j][1], {x: False for x in CHECK_IDS}))
    return rows, [s.transcript_id for s in train_half]


def main(argv=None) -> int:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--annomi", type=Path, default=None)
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    rows, annomi_ids = training_rows(args.annomi)
    texts = sorted({t for c, r, _ in rows for t in (c, r)})
    idx = {t: i for i, t in enumerate(texts)}
    print(f"{len(rows)} pairs, {len(texts)} distinct texts; embedding …")
    cache = Path("/tmp/clientsim-safety-embed-cache.npz")  # speeds up re-runs on the same texts only
    known = {}
    if cache.exists():
        z = np.load(cache, allow_pickle=False)
        known = dict(zip([str(t) for t in z["texts"]], z["E"]))
    todo = [t for t in texts if t not in known]
    if todo:
        known.update(zip(todo, embed(todo)))
        np.savez(cache, texts=np.array(list(known)), E=np.array(list(known.values())))
    E = np.array([known[t] for t in texts])
    X_all = np.vstack([pair_features(E[idx[c]], E[idx[r]]) for c, r, _ in rows])
    W, b, thr = [], [], []
    for check in CHECK_IDS:
        keep = [i for i, (_, _, lab) in enumerate(rows) if lab.get(check) is not None]
        X = X_all[keep]
        y = np.array([rows[i][2][check] for i in keep], dtype=int)
        # threshold: lowest with out-of-fold precision >= TARGET_PRECISION (never below MIN_THRESHOLD)
        oof = np.zeros(len(y))
        for tr, te in StratifiedKFold(5, shuffle=True, random_state=0).split(X, y):
            m = LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000).fit(X[tr], y[tr])
            oof[te] = m.predict_proba(X[te])[:, 1]
        best = 0.95
        for t in np.arange(MIN_THRESHOLD, 0.96, 0.025):
            flagged = oof >= t
            if flagged.sum() and (y[flagged].mean() >= TARGET_PRECISION):
                best = float(t)
                break
        flagged = oof >= best
        prec = y[flagged].mean() if flagged.any() else float("nan")
        rec = (flagged & (y == 1)).sum() / max(1, y.sum())
        m = LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000).fit(X, y)
        W.append(m.coef_[0])
        b.append(m.intercept_[0])
        thr.append(best)
        print(f"  {check:20s} n={len(y):4d} (harmful {y.sum():3d}); threshold {best:.3f}; out-of-fold precision "
              f"{prec:.2f}, recall {rec:.2f} (in-sample tuning material)")
    # missed risk also needs the client's words to read like a disclosure: nearer to a disclosure than to a
    # harmless figure of speech among the written client turns
    risk_c = sorted({c for c, r, lab in rows if lab.get("missed_risk") is True and c})
    safe_c = sorted({c for c, r, lab in rows if lab.get("missed_risk") is False and c} - set(risk_c))
    safe_c = [c for c in safe_c if any(c == x[0] for x in EXEMPLARS["missed_risk"])]
    np.savez_compressed(ARTEFACT, checks=np.array(CHECK_IDS),
                        risk_clients=np.array([E[idx[c]] for c in risk_c], dtype=np.float32),
                        safe_clients=np.array([E[idx[c]] for c in safe_c], dtype=np.float32), W=np.array(W, dtype=np.float32),
                        b=np.array(b, dtype=np.float32), threshold=np.array(thr, dtype=np.float32),
                        annomi_training_ids=np.array(annomi_ids))
    print(f"wrote {ARTEFACT} ({ARTEFACT.stat().st_size / 1e3:.0f} kB) in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
