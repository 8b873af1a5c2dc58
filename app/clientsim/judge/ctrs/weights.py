"""How detector estimates and model scores combine, per item.

score = w * detector + (1 - w) * clip(a + b * model)

w, a, b were fitted on the tuning transcripts only (`clientsim bench ctrs --fit`
prints the fit); the held-out transcripts never entered the fit.
"""

from __future__ import annotations

DEFAULT = {"w": 0.5, "a": 0.0, "b": 1.0}
# From `clientsim bench ctrs --scores .../model_scores_qwen2.5-coder-1.5b.json --split tuning --fit`.
# The 1.5B model ranks sessions but squeezes its expected scores into about 4.4-5.0, hence the large
# slopes; a leave-one-transcript-out check on the tuning split gave the blend about the same family
# correlations as the detectors alone (0.87/0.90 against 0.85/0.92) and a slightly better total.
WEIGHTS: dict[str, dict[str, float]] = {
    "agenda": {"w": 0.6, "a": -86.781, "b": 18.291},
    "feedback": {"w": 0.9, "a": -78.494, "b": 17.585},
    "understanding": {"w": 0.3, "a": -69.763, "b": 15.273},
    "interpersonal": {"w": 0.6, "a": -69.861, "b": 16.343},
    "collaboration": {"w": 0.7, "a": -90.417, "b": 19.395},
    "pacing": {"w": 0.6, "a": -52.177, "b": 12.038},
    "guided_discovery": {"w": 0.6, "a": -110.582, "b": 24.195},
    "key_cognitions": {"w": 0.7, "a": -102.207, "b": 21.808},
    "strategy": {"w": 0.9, "a": -190.324, "b": 40.182},
    "techniques": {"w": 0.8, "a": -72.493, "b": 15.564},
    "homework": {"w": 0.8, "a": -57.951, "b": 13.251},
}


def combine(key: str, detector: float, model: float | None) -> float:
    if model is None:
        return detector
    p = {**DEFAULT, **WEIGHTS.get(key, {})}
    calibrated = max(0.0, min(6.0, p["a"] + p["b"] * model))
    return p["w"] * detector + (1 - p["w"]) * calibrated
