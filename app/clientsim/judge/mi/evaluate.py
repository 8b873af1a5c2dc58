"""Measuring the coder on AnnoMI with transcript-grouped cross-validation.

Used by ``clientsim bench judge`` and by scripts/train_mi_coder.py.
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score
from sklearn.model_selection import StratifiedGroupKFold

from clientsim.judge.mi import ratings
from clientsim.judge.mi.coder import MiCoder, rows_from_probs
from clientsim.judge.mi.data import Session
from clientsim.judge.mi.features import FAMILY_ORDER, TALK_ORDER
from clientsim.judge.mi.metrics import session_metrics
from clientsim.judge.mi.model import train_with_estimates


def session_turns(s: Session) -> list[dict]:
    return [{"speaker": u.speaker, "text": u.text} for u in s.utterances]


def fit_quality(sessions: list[Session], estimates: dict[str, list[dict]], seed: int = 0) -> dict:
    """The session "MI evidence" score fitted on the coder's out-of-fold codes of these sessions.

    estimates: per transcript, the probabilities from ``train_with_estimates`` (models that had
    not seen that transcript). Fitted on expert codes instead, the score learnt a picture of MI
    the coder never reproduces (it finds fewer reflections), and high-quality sessions fell
    below fair (docs/mi-judge.md, "Estimated global ratings").
    """
    rows = []
    for s in sessions:
        pairs = [(u.speaker, u.text) for u in s.utterances]
        rows.append(session_metrics(session_turns(s), rows_from_probs(pairs, estimates[s.transcript_id])))
    return ratings.fit(rows, [s.quality == "high" for s in sessions], seed=seed)


def band_separation(sessions: list[Session], codes: dict[str, list[dict]],
                    weights: dict[str, dict] | None = None) -> dict:
    """weights: per transcript, the evidence-score weights to use (fitted without it); None = shipped ones."""
    ok = 0
    per = []
    for s in sessions:
        w = weights.get(s.transcript_id) if weights else None
        m = session_metrics(session_turns(s), codes[s.transcript_id], w)
        right = (m["band"] != "below fair") if s.quality == "high" else (m["band"] == "below fair")
        ok += right
        per.append({"transcript_id": s.transcript_id, "quality": s.quality, "band": m["band"],
                    "technical": m["technical"], "relational": m["relational"]})
    high = [p for p in per if p["quality"] == "high"]
    low = [p for p in per if p["quality"] == "low"]
    return {
        "accuracy": ok / len(sessions) if sessions else 0.0,
        "high_at_fair_or_better": sum(p["band"] != "below fair" for p in high) / max(len(high), 1),
        "low_below_fair": sum(p["band"] == "below fair" for p in low) / max(len(low), 1),
        "n_high": len(high), "n_low": len(low), "sessions": per,
    }


def cross_validate(sessions: list[Session], *, folds: int = 5, seed: int = 0, log=print):
    """Out-of-fold codes and quality weights for every session; folds split by transcript, stratified by quality."""
    codes: dict[str, list[dict]] = {}
    weights: dict[str, dict] = {}
    groups = np.array([s.transcript_id for s in sessions])
    y = np.array([s.quality for s in sessions])
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    t0 = time.perf_counter()
    for k, (tr, te) in enumerate(splitter.split(groups, y, groups)):
        training = [sessions[i] for i in tr]
        models, estimates = train_with_estimates(training, seed=seed, log=lambda *a: None)
        coder = MiCoder(models)
        w = fit_quality(training, estimates, seed)
        for i in te:
            codes[sessions[i].transcript_id] = coder.code_session(session_turns(sessions[i]))
            weights[sessions[i].transcript_id] = w
        log(f"fold {k + 1}/{folds} done ({time.perf_counter() - t0:.0f} s)")
    return codes, weights


def scores(sessions: list[Session], codes: dict[str, list[dict]]) -> dict:
    yf, pf, yt, pt = [], [], [], []
    yq, pq, yr, pr = [], [], [], []
    for s in sessions:
        for u, c in zip(s.utterances, codes[s.transcript_id]):
            if u.speaker == "counsellor":
                yf.append(u.family)
                pf.append(c["family"])
                main_or_others = [c["code"], *c.get("others", [])]
                if u.family == "question" and u.question and c["family"] == "question":
                    yq.append(u.question)
                    pq.append("open" if "open_question" in main_or_others else "closed")
                if u.family == "reflection" and u.reflection and c["family"] == "reflection":
                    yr.append(u.reflection)
                    pr.append("complex" if "complex_reflection" in main_or_others else "simple")
            else:
                yt.append(u.talk_type)
                pt.append(c["talk_type"])

    def block(y, p, labels):
        return {
            "macro_f1": float(f1_score(y, p, average="macro", labels=list(labels))),
            "per_class_f1": dict(zip(labels, map(float, f1_score(y, p, average=None, labels=list(labels))))),
            "confusion": {"labels": list(labels), "rows_true_cols_pred": confusion_matrix(y, p, labels=list(labels)).tolist()},
            "n": len(y),
        }

    return {
        "family": block(yf, pf, FAMILY_ORDER),
        "talk_type": block(yt, pt, TALK_ORDER),
        "question_open_closed_accuracy": float(np.mean(np.array(yq) == np.array(pq))) if yq else None,
        "question_n": len(yq),
        "reflection_simple_complex_accuracy": float(np.mean(np.array(yr) == np.array(pr))) if yr else None,
        "reflection_n": len(yr),
    }


def practice_scores(sessions: list[dict], coder: MiCoder) -> dict:
    """The shipped coder on MITI-coded practice sessions (``judge.validation.load_mi_session`` shape).

    Figures on the counsellor lines: family macro-F1 (family of the MITI code, as codes.CODES groups them),
    fine-code accuracy, accuracy per code (the share of lines of that code coded so), a confusion matrix of the
    12 codes, and the majority baselines (every line given the commonest code / family). A line also counts as
    "right in main or secondary" when the expert's code is the coder's main code or one of its others.
    """
    from clientsim.judge.mi.codes import CODES, FAMILIES, family_of

    y, p, y_any = [], [], []
    yt, pt = [], []
    for s in sessions:
        turns = [{"speaker": t["speaker"], "text": t["text"]} for t in s["turns"]]
        rows = coder.code_session(turns)
        for t, r in zip(s["turns"], rows):
            if t["speaker"] == "counsellor":
                y.append(t["code"])
                p.append(r["code"])
                y_any.append(t["code"] in (r["code"], *r.get("others", [])))
            else:
                yt.append(t["talk_type"])
                pt.append(r["talk_type"])
    labels = list(CODES)
    yf, pf = [family_of(c) for c in y], [family_of(c) for c in p]
    maj_code = max(set(y), key=y.count) if y else "other"
    maj_fam = max(set(yf), key=yf.count) if yf else "other"
    per_code = {c: {"n": y.count(c), "right": sum(a == b == c for a, b in zip(y, p))} for c in labels}
    talk_labels = list(TALK_ORDER)
    maj_talk = max(set(yt), key=yt.count) if yt else "neutral"
    return {
        "n": len(y),
        "family_macro_f1": float(f1_score(yf, pf, average="macro", labels=list(FAMILIES))),
        "family_per_class_f1": dict(zip(FAMILIES, map(float, f1_score(yf, pf, average=None, labels=list(FAMILIES))))),
        "family_accuracy": float(np.mean(np.array(yf) == np.array(pf))) if y else 0.0,
        "family_majority": maj_fam,
        "family_majority_macro_f1": float(f1_score(yf, [maj_fam] * len(yf), average="macro", labels=list(FAMILIES))),
        "family_majority_accuracy": yf.count(maj_fam) / max(1, len(yf)),
        "family_confusion": {"labels": list(FAMILIES),
                             "rows_true_cols_pred": confusion_matrix(yf, pf, labels=list(FAMILIES)).tolist()},
        "code_accuracy": float(np.mean(np.array(y) == np.array(p))) if y else 0.0,
        "code_accuracy_main_or_others": float(np.mean(y_any)) if y else 0.0,
        "code_majority": maj_code,
        "code_majority_accuracy": y.count(maj_code) / max(1, len(y)),
        "code_macro_f1": float(f1_score(y, p, average="macro", labels=sorted(set(y)))),
        "per_code": per_code,
        "confusion": {"labels": labels, "rows_true_cols_pred": confusion_matrix(y, p, labels=labels).tolist()},
        "talk_type_n": len(yt),
        "talk_type_macro_f1": float(f1_score(yt, pt, average="macro", labels=talk_labels)) if yt else None,
        "talk_type_accuracy": float(np.mean(np.array(yt) == np.array(pt))) if yt else None,
        "talk_type_majority_accuracy": yt.count(maj_talk) / max(1, len(yt)),
    }


# Variants of the session-quality score the band CV chooses among, inside each training fold only.
BAND_VARIANTS = tuple({"C": c, "class_weight": cw} for cw in (None, "balanced") for c in (1.0, 10.0, 100.0))


def _band_right(m: dict, quality: str) -> bool:
    return (m["band"] != "below fair") if quality == "high" else (m["band"] == "below fair")


def band_cv(sessions: list[Session], codes: dict[str, list[dict]], *, seeds=range(5), folds: int = 5,
            inner_folds: int = 3, log=print) -> dict:
    """Band accuracy under cross-validation repeated over seeds, with the variant of the quality score (C, class
    weight) chosen by an inner CV on each training fold only, never on the sessions it is measured on.

    codes: out-of-fold coder codes (from cross_validate). Only the session-quality fit and the variant choice are
    redone per seed; the coder is not retrained (its codes for a session come from a coder that never saw that
    session, but may have seen other sessions of the band's test fold: stated in the bench output).
    """
    from sklearn.model_selection import StratifiedKFold

    turns = {s.transcript_id: session_turns(s) for s in sessions}
    rows = {s.transcript_id: session_metrics(turns[s.transcript_id], codes[s.transcript_id]) for s in sessions}
    q = np.array([s.quality for s in sessions])
    ids = [s.transcript_id for s in sessions]

    def fit_on(idx, variant, seed):
        return ratings.fit([rows[ids[i]] for i in idx], [q[i] == "high" for i in idx], seed=seed, **variant)

    def accuracy(idx, w):
        return float(np.mean([_band_right(session_metrics(turns[ids[i]], codes[ids[i]], w), q[i]) for i in idx]))

    per_seed, chosen = [], []
    for seed in seeds:
        outer = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        right = 0
        for tr, te in outer.split(np.zeros(len(ids)), q):
            inner = StratifiedKFold(n_splits=inner_folds, shuffle=True, random_state=seed)
            scores_v = []
            for v in BAND_VARIANTS:
                accs = [accuracy(tr[ite], fit_on(tr[itr], v, seed)) for itr, ite in inner.split(np.zeros(len(tr)), q[tr])]
                scores_v.append(float(np.mean(accs)))
            best = BAND_VARIANTS[int(np.argmax(scores_v))]
            chosen.append(best)
            w = fit_on(tr, best, seed)
            right += accuracy(te, w) * len(te)
        per_seed.append(right / len(ids))
        log(f"band CV seed {seed}: {per_seed[-1]:.3f}")
    majority = max(np.mean(q == "high"), np.mean(q == "low"))
    from collections import Counter

    picks = Counter(f"C={v['C']:g}, class weight {v['class_weight'] or 'none'}" for v in chosen)
    return {"per_seed": per_seed, "mean": float(np.mean(per_seed)), "sd": float(np.std(per_seed)),
            "min": float(np.min(per_seed)), "max": float(np.max(per_seed)), "folds": folds,
            "majority_baseline": float(majority), "variants_chosen": dict(picks), "n": len(ids)}
