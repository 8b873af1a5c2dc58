"""Estimated MITI 4.2.1 global ratings (1-5).

AnnoMI's only session label is high vs low MI quality, so no rating can be
fitted directly. What is fitted (scripts/train_mi_coder.py, on the expert
codes of the training transcripts) is one logistic "MI evidence" score z from
six behaviour rates; z > 0 reads as high quality. Each global rating is then
anchored on that score and moved by the behaviour its MITI definition names:

- cultivating change talk = 3.0 + 0.45 z + (share of change talk answered with a reflection, open question or affirm - 0.5)
- softening sustain talk  = 3.0 + 0.45 z + (share of sustain talk answered with a reflection, autonomy or collaboration - 0.5) - share answered with persuade/confront/information
- partnership             = 3.5 + 0.45 z + 2 (MI-adherent per counsellor turn - 0.08)
- empathy                 = 3.5 + 0.45 z + 2 (complex reflections per counsellor turn - 0.15)

The anchors put z = 0 at the MITI "fair" level of each composite (technical 3,
relational 3.5); the scale 0.45 puts the median high-quality AnnoMI session
(z about 2.1 by its expert codes) near 4 on the technical composite and the
median low-quality one (z about -2.1) near 2. Each rating is clipped to 1-5
and rounded to 0.1.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

FEATURES = ("reflections", "complex_reflections", "input", "mi_adherent", "mi_non_adherent", "questions")
WEIGHTS_FILE = Path(__file__).parent / "artefacts" / "session_quality.json"

# used only if the artefact is missing (values of the shipped fit, rounded)
_FALLBACK = {"intercept": 0.0, "weights": {"reflections": 7.0, "complex_reflections": 3.7, "input": -3.5,
                                           "mi_adherent": 1.4, "mi_non_adherent": -5.2, "questions": 0.0}}
_cache: dict | None = None
Z_SCALE = 0.45


def default_weights() -> dict:
    global _cache
    if _cache is None:
        try:
            _cache = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            _cache = _FALLBACK
    return _cache


def rates(m: dict) -> dict[str, float]:
    """Per-counsellor-turn rates of the behaviours the score reads."""
    n = max(m["counsellor_turns"], 1)
    cc = m["code_counts"]
    inform = cc["giving_information"] + cc["persuade"] + cc["persuade_with_permission"]
    return {
        "reflections": m["reflections"] / n,
        "complex_reflections": m["complex_reflections"] / n,
        "input": inform / n,
        "mi_adherent": m["mi_adherent"] / n,
        "mi_non_adherent": m["mi_non_adherent"] / n,
        "questions": m["questions"] / n,
    }


def evidence(m: dict, weights: dict | None = None) -> float:
    w = weights or default_weights()
    r = rates(m)
    return float(w["intercept"] + sum(w["weights"][k] * r[k] for k in FEATURES))


def fit(metric_rows: list[dict], high: list[bool], *, C: float = 10.0, seed: int = 0) -> dict:
    """Fit the evidence score on session metrics (from expert codes) and quality labels."""
    from sklearn.linear_model import LogisticRegression

    X = np.array([[rates(m)[k] for k in FEATURES] for m in metric_rows])
    y = np.array(high)
    lr = LogisticRegression(C=C, class_weight="balanced", max_iter=2000, random_state=seed).fit(X, y)
    return {
        "intercept": round(float(lr.intercept_[0]), 4),
        "weights": {k: round(float(v), 4) for k, v in zip(FEATURES, lr.coef_[0])},
        "fitted_on_sessions": int(len(y)),
        "C": C,
    }


def _clip(x: float) -> float:
    return round(max(1.0, min(5.0, x)), 1)


def global_ratings(m: dict, ct_good: float | None, st_good: float | None, st_bad: float,
                   weights: dict | None = None) -> tuple[dict, float]:
    z = evidence(m, weights)
    r = rates(m)
    ct = 0.5 if ct_good is None else ct_good
    st = 0.5 if st_good is None else st_good
    ratings = {
        "cultivating_change_talk": _clip(3.0 + Z_SCALE * z + (ct - 0.5)),
        "softening_sustain_talk": _clip(3.0 + Z_SCALE * z + (st - 0.5) - st_bad),
        "partnership": _clip(3.5 + Z_SCALE * z + 2.0 * (r["mi_adherent"] - 0.08)),
        "empathy": _clip(3.5 + Z_SCALE * z + 2.0 * (r["complex_reflections"] - 0.15)),
    }
    return ratings, round(z, 3)
