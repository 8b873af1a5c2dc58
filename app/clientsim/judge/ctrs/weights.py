"""How detector estimates and model scores combine, per item.

score = w * detector + (1 - w) * clip(a + b * model)

w, a, b were fitted on the tuning transcripts only (`clientsim bench ctrs --fit`
prints the fit); the held-out transcripts never entered the fit.
"""

from __future__ import annotations

DEFAULT = {"w": 0.5, "a": 0.0, "b": 1.0}
# Filled in from `clientsim bench ctrs --fit` on the tuning split.
WEIGHTS: dict[str, dict[str, float]] = {}


def combine(key: str, detector: float, model: float | None) -> float:
    if model is None:
        return detector
    p = {**DEFAULT, **WEIGHTS.get(key, {})}
    calibrated = max(0.0, min(6.0, p["a"] + p["b"] * model))
    return p["w"] * detector + (1 - p["w"]) * calibrated
