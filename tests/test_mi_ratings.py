"""The session-quality score behind the global ratings: how it is fitted and how it moves the ratings."""

from __future__ import annotations

import numpy as np
import pytest

from clientsim.judge.mi import ratings
from clientsim.judge.mi.coder import MiCoder
from clientsim.judge.mi.evaluate import fit_quality, session_turns
from clientsim.judge.mi.data import load_sessions
from clientsim.judge.mi.metrics import session_metrics
from clientsim.judge.mi.model import GroupKFold, _stage1, _stage1_probs, train_with_estimates
from mi_sample import miti_band


def metrics_row(n=20, refl=0, complex_=0, inform=0, mia=0, mina=0, questions=0, ct=None, st=None, st_bad=0.0):
    counts = {c: 0 for c in ("giving_information", "persuade", "persuade_with_permission")}
    counts["giving_information"] = inform
    return {"counsellor_turns": n, "code_counts": counts, "reflections": refl, "complex_reflections": complex_,
            "questions": questions, "mi_adherent": mia, "mi_non_adherent": mina,
            "change_talk_answered_well": ct, "sustain_talk_answered_well": st, "sustain_talk_answered_badly": st_bad}


def reflective(rng, n=20):
    r = int(rng.integers(7, 11))
    return metrics_row(n, refl=r, complex_=int(rng.integers(2, r)), inform=int(rng.integers(0, 3)),
                       mia=int(rng.integers(1, 4)), questions=int(rng.integers(4, 8)),
                       ct=float(rng.uniform(0.5, 0.9)), st=float(rng.uniform(0.4, 0.9)), st_bad=0.1)


def lecturing(rng, n=20):
    return metrics_row(n, refl=int(rng.integers(0, 3)), complex_=0, inform=int(rng.integers(6, 10)),
                       mina=int(rng.integers(2, 6)), questions=int(rng.integers(3, 8)),
                       ct=float(rng.uniform(0.0, 0.4)), st=float(rng.uniform(0.0, 0.3)), st_bad=0.6)


def test_fitted_score_separates_and_puts_fair_at_zero():
    rng = np.random.default_rng(0)
    rows = [reflective(rng) for _ in range(30)] + [lecturing(rng) for _ in range(10)]
    w = ratings.fit(rows, [True] * 30 + [False] * 10)
    assert w["weights"]["reflections"] > 0 and w["weights"]["mi_non_adherent"] < 0 and w["weights"]["input"] < 0
    assert 0.15 <= w["z_scale"] <= 1.0
    assert set(w["centres"]) == set(ratings.RATINGS)
    z = np.array([ratings.evidence(m, w) for m in rows])
    assert (z[:30] > 0).all() and (z[30:] < 0).all()
    # a typical high-quality session sits about one point above fair on the composites
    high_globals = [ratings.global_ratings(m, m["change_talk_answered_well"], m["sustain_talk_answered_well"],
                                           m["sustain_talk_answered_badly"], w)[0] for m in rows[:30]]
    technical = np.median([(g["cultivating_change_talk"] + g["softening_sustain_talk"]) / 2 for g in high_globals])
    assert 3.5 <= technical <= 4.5


def test_behaviour_moves_its_own_rating_by_what_the_score_did_not_say():
    w = {"intercept": 0.0, "weights": {k: 0.0 for k in ratings.FEATURES}, "z_scale": 0.5,
         "centres": {k: {"at_zero": 0.2, "per_z": 0.0} for k in ratings.RATINGS}}
    at_expected = metrics_row(20, complex_=2, mia=2, ct=0.2, st=0.3, st_bad=0.1)  # every term at 0.2, z = 0
    g, z = ratings.global_ratings(at_expected, 0.2, 0.3, 0.1, w)
    assert z == 0.0
    assert g == {"cultivating_change_talk": 3.0, "softening_sustain_talk": 3.0, "partnership": 3.5, "empathy": 3.5}
    more_complex = metrics_row(20, complex_=6, mia=2)  # 2 x 6/20 = 0.6: 0.4 above what z predicts
    g2, _ = ratings.global_ratings(more_complex, 0.2, 0.3, 0.1, w)
    assert g2["empathy"] == pytest.approx(3.9)
    assert {k: v for k, v in g2.items() if k != "empathy"} == {k: v for k, v in g.items() if k != "empathy"}
    # no change talk in the session: nothing to judge, the rating stays on the score
    g3, _ = ratings.global_ratings(at_expected, None, 0.3, 0.1, w)
    assert g3["cultivating_change_talk"] == 3.0


def test_old_artefact_without_centres_still_rates():
    old = {"intercept": 0.1, "weights": {k: 1.0 for k in ratings.FEATURES}}
    g, _ = ratings.global_ratings(metrics_row(10, refl=5, complex_=2, questions=3), 0.5, 0.5, 0.0, old)
    assert all(1.0 <= v <= 5.0 for v in g.values())


@pytest.mark.slow
def test_estimates_come_from_models_that_did_not_see_the_session(annomi_present):
    sessions = load_sessions()[:10]
    models, estimates = train_with_estimates(sessions, inner_folds=3, log=lambda *a: None)
    assert set(estimates) == {s.transcript_id for s in sessions}
    for s in sessions:
        assert len(estimates[s.transcript_id]) == len(s.utterances)
    # redo the first inner fold by hand: the estimate for a held-out session is what a model
    # trained on the other folds gives it
    groups = np.arange(len(sessions))
    tr, te = next(GroupKFold(n_splits=3).split(groups, groups, groups))
    inner = _stage1([sessions[i] for i in tr], 0)
    s = sessions[te[0]]
    _, _, by_hand = _stage1_probs(*inner, s)
    got = estimates[s.transcript_id]
    first_c = next(i for i, u in enumerate(s.utterances) if u.speaker == "counsellor")
    assert got[first_c]["family"] == pytest.approx(by_hand[first_c]["family"])
    # the session-quality score is fitted on them, and bands what the trained coder gives
    w = fit_quality(sessions, estimates)
    assert w["fitted_on_sessions"] == 10 and w["fitted_on"] == "out-of-fold coder codes"
    m = session_metrics(session_turns(s), MiCoder(models).code_session(session_turns(s)), w)
    assert m["band"] == miti_band(m) and m["mi_evidence_score"] == pytest.approx(
        ratings.evidence(m, w), abs=1e-3)
