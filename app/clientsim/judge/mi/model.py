"""The trained utterance classifier: two-stage linear models on TF-IDF features.

Stage 1 codes each turn from its own words and the turn before. Stage 2 adds
what stage 1 thought of the earlier turns (the client's last talk type, the
counsellor's last behaviour), which is how a human coder reads a session.
Subtype models (open/closed, simple/complex, input subtype) share the
counsellor features. Saved as plain arrays (npz, no pickle) so the artefact
does not depend on the scikit-learn version that trained it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from clientsim.judge.mi.data import Session
from clientsim.core.errors import UserError
from clientsim.judge.mi.features import FAMILY_ORDER, FEATURE_VERSION, TALK_ORDER, Featurizer, views_for_session

ARTEFACT = Path(__file__).parent / "artefacts" / "mi_coder.npz"
FORMAT_VERSION = 1


@dataclass
class LinearModel:
    classes: tuple[str, ...]
    coef: np.ndarray  # (n_classes or 1, n_features)
    intercept: np.ndarray

    @classmethod
    def fit(cls, X, y, *, C: float, seed: int) -> "LinearModel":
        m = LogisticRegression(C=C, max_iter=3000, class_weight="balanced", random_state=seed)
        m.fit(X, y)
        return cls(tuple(str(c) for c in m.classes_), m.coef_.astype(np.float32), m.intercept_.astype(np.float32))

    def proba(self, X) -> np.ndarray:
        z = np.asarray(X @ self.coef.T) + self.intercept
        if len(self.classes) == 2:  # binary: one row of weights
            p1 = 1.0 / (1.0 + np.exp(-z[:, 0]))
            return np.stack([1 - p1, p1], axis=1)
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {
            f"{prefix}.classes": np.array(self.classes, dtype=str),
            f"{prefix}.coef": self.coef.astype(np.float16),
            f"{prefix}.intercept": self.intercept,
        }

    @classmethod
    def from_arrays(cls, arrays, prefix: str) -> "LinearModel":
        return cls(
            tuple(str(c) for c in arrays[f"{prefix}.classes"]),
            arrays[f"{prefix}.coef"].astype(np.float32),
            arrays[f"{prefix}.intercept"].astype(np.float32),
        )


def _ordered(model: LinearModel, probs: np.ndarray, order: tuple[str, ...]) -> np.ndarray:
    idx = [model.classes.index(c) for c in order]
    return probs[:, idx]


@dataclass
class CoderModels:
    counsellor_features: Featurizer
    client_features: Featurizer
    family1: LinearModel
    family2: LinearModel
    talk1: LinearModel
    talk2: LinearModel
    question: LinearModel  # closed | open
    reflection: LinearModel  # complex | simple
    input_subtype: LinearModel

    # -- stage-wise coding of a whole session (earlier turns only feed later ones)
    def code_session(self, turns: list[tuple[str, str]]) -> list[dict]:
        """For (speaker, text) turns, returns per turn the probability dicts."""
        views = views_for_session(turns)
        ci = [i for i, (s, _) in enumerate(turns) if s == "counsellor"]
        li = [i for i, (s, _) in enumerate(turns) if s != "counsellor"]
        fam1 = [None] * len(turns)
        talk1 = [None] * len(turns)
        # the word matrices do not depend on the stage: build them once
        Tc = self.counsellor_features.text_matrix([views[i] for i in ci]) if ci else None
        Tl = self.client_features.text_matrix([views[i] for i in li]) if li else None
        Xc = Featurizer.with_shape(Tc, [views[i] for i in ci], False) if ci else None
        if ci:
            p = _ordered(self.family1, self.family1.proba(Xc), FAMILY_ORDER)
            for k, i in enumerate(ci):
                fam1[i] = p[k]
        if li:
            Xl = Featurizer.with_shape(Tl, [views[i] for i in li], False)
            p = _ordered(self.talk1, self.talk1.proba(Xl), TALK_ORDER)
            for k, i in enumerate(li):
                talk1[i] = p[k]
        views2 = views_for_session(turns, fam1, talk1)
        out: list[dict] = [{} for _ in turns]
        if ci:
            X2 = Featurizer.with_shape(Tc, [views2[i] for i in ci], True)
            pf = _ordered(self.family2, self.family2.proba(X2), FAMILY_ORDER)
            pq = self.question.proba(Xc)
            pr = self.reflection.proba(Xc)
            pi = self.input_subtype.proba(Xc)
            for k, i in enumerate(ci):
                out[i] = {
                    "family": dict(zip(FAMILY_ORDER, map(float, pf[k]))),
                    "question": dict(zip(self.question.classes, map(float, pq[k]))),
                    "reflection": dict(zip(self.reflection.classes, map(float, pr[k]))),
                    "input": dict(zip(self.input_subtype.classes, map(float, pi[k]))),
                }
        if li:
            X2 = Featurizer.with_shape(Tl, [views2[i] for i in li], True)
            pt = _ordered(self.talk2, self.talk2.proba(X2), TALK_ORDER)
            for k, i in enumerate(li):
                out[i] = {"talk": dict(zip(TALK_ORDER, map(float, pt[k])))}
        return out

    def save(self, path: Path = ARTEFACT) -> None:
        arrays: dict[str, np.ndarray] = {"format_version": np.array([FORMAT_VERSION]),
                                         "feature_version": np.array([FEATURE_VERSION])}
        arrays.update(self.counsellor_features.to_arrays("cf"))
        arrays.update(self.client_features.to_arrays("lf"))
        for name in ("family1", "family2", "talk1", "talk2", "question", "reflection", "input_subtype"):
            arrays.update(getattr(self, name).to_arrays(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, **arrays)

    @classmethod
    def load(cls, path: Path = ARTEFACT) -> "CoderModels":
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        versions = (int(arrays["format_version"][0]), int(arrays.get("feature_version", np.array([0]))[0]))
        if versions != (FORMAT_VERSION, FEATURE_VERSION):
            raise UserError(f"{path} was made by another version of the MI coder (format/features {versions}, "
                            f"expected {(FORMAT_VERSION, FEATURE_VERSION)})",
                            hint="Retrain it: PYTHONPATH=app python scripts/train_mi_coder.py")
        kw = {name: LinearModel.from_arrays(arrays, name)
              for name in ("family1", "family2", "talk1", "talk2", "question", "reflection", "input_subtype")}
        return cls(Featurizer.from_arrays(arrays, "cf"), Featurizer.from_arrays(arrays, "lf"), **kw)


# ----------------------------------------------------------------- training

C_FAMILY = 3.0
C_TALK = 1.0
C_SUBTYPE = 3.0


# subtype models: (Utterance attribute and model name, the family they refine, key in the probability dicts)
_SUBTYPES = (("question", "question", "question"), ("reflection", "reflection", "reflection"),
             ("input_subtype", "input", "input"))


def _session_turns(s: Session) -> list[tuple[str, str]]:
    return [(u.speaker, u.text) for u in s.utterances]


def _stage1(sessions: list[Session], seed: int):
    """Featurizers, stage-1 models and subtype models fitted on all of ``sessions``."""
    cviews, lviews, cy, ly = [], [], [], []
    sub_y: dict[str, list[tuple[int, str]]] = {attr: [] for attr, _, _ in _SUBTYPES}
    for s in sessions:
        views = views_for_session(_session_turns(s))
        for v, u in zip(views, s.utterances):
            if u.speaker == "counsellor":
                for attr, fam, _ in _SUBTYPES:
                    if u.family == fam and getattr(u, attr):
                        sub_y[attr].append((len(cviews), getattr(u, attr)))
                cviews.append(v); cy.append(u.family)
            else:
                lviews.append(v); ly.append(u.talk_type)
    cf, lf = Featurizer(), Featurizer()
    Xc = cf.fit_transform(cviews)
    Xl = lf.fit_transform(lviews)
    fam1 = LinearModel.fit(Xc, np.array(cy), C=C_FAMILY, seed=seed)
    talk1 = LinearModel.fit(Xl, np.array(ly), C=C_TALK, seed=seed)
    subtypes = {attr: LinearModel.fit(Xc[[r for r, _ in rows]], np.array([y for _, y in rows]), C=C_SUBTYPE, seed=seed)
                for attr, rows in sub_y.items()}
    return cf, lf, fam1, talk1, subtypes


def _stage1_probs(cf, lf, fam1, talk1, subtypes, s: Session):
    """Stage-1 outputs for one session: family and talk arrays per turn, and coder-style probability dicts."""
    turns = _session_turns(s)
    views = views_for_session(turns)
    fam = [None] * len(turns)
    talk = [None] * len(turns)
    rows: list[dict] = [{} for _ in turns]
    ci = [i for i, (sp, _) in enumerate(turns) if sp == "counsellor"]
    li = [i for i, (sp, _) in enumerate(turns) if sp != "counsellor"]
    if ci:
        X = cf.transform([views[i] for i in ci])
        p = _ordered(fam1, fam1.proba(X), FAMILY_ORDER)
        sub = {attr: (m.classes, m.proba(X)) for attr, m in subtypes.items()}
        for k, i in enumerate(ci):
            fam[i] = p[k]
            rows[i] = {"family": dict(zip(FAMILY_ORDER, map(float, p[k])))}
            for attr, _, key in _SUBTYPES:
                classes, probs = sub[attr]
                rows[i][key] = dict(zip(classes, map(float, probs[k])))
    if li:
        p = _ordered(talk1, talk1.proba(lf.transform([views[i] for i in li])), TALK_ORDER)
        for k, i in enumerate(li):
            talk[i] = p[k]
            rows[i] = {"talk": dict(zip(TALK_ORDER, map(float, p[k])))}
    return fam, talk, rows


def train_with_estimates(sessions: list[Session], *, seed: int = 0, inner_folds: int = 5,
                         log=print) -> tuple[CoderModels, dict[str, list[dict]]]:
    """The models, and for every training session the probabilities an inner-fold model gave
    it without having seen it (stage 1, split by transcript). Those estimates are as wrong as
    the coder is on new sessions, which is what the session-quality score must be fitted on."""
    log(f"stage 1 on {len(sessions)} sessions")
    cf, lf, fam1, talk1, subtypes = _stage1(sessions, seed)

    # out-of-fold stage-1 probabilities, split by transcript
    oof: dict[str, tuple] = {}
    groups = np.arange(len(sessions))
    for k, (tr, te) in enumerate(GroupKFold(n_splits=inner_folds).split(groups, groups, groups)):
        log(f"  inner fold {k + 1}/{inner_folds}")
        inner = _stage1([sessions[i] for i in tr], seed)
        for i in te:
            oof[sessions[i].transcript_id] = _stage1_probs(*inner, sessions[i])

    log("stage 2")
    c2, l2, cy, ly = [], [], [], []
    for s in sessions:
        fam, talk, _ = oof[s.transcript_id]
        views2 = views_for_session(_session_turns(s), fam, talk)
        for v, u in zip(views2, s.utterances):
            if u.speaker == "counsellor":
                c2.append(v); cy.append(u.family)
            else:
                l2.append(v); ly.append(u.talk_type)
    fam2 = LinearModel.fit(cf.transform(c2, stage2=True), np.array(cy), C=C_FAMILY, seed=seed)
    talk2 = LinearModel.fit(lf.transform(l2, stage2=True), np.array(ly), C=C_TALK, seed=seed)
    models = CoderModels(cf, lf, fam1, fam2, talk1, talk2, subtypes["question"], subtypes["reflection"],
                         subtypes["input_subtype"])
    return models, {tid: rows for tid, (_, _, rows) in oof.items()}
