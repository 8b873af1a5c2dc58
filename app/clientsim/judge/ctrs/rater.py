"""rate(): the "ctrs" section of the session report.

Each item gets a detector estimate (cheap, from the words; see detect_*.py) and
a model score (the local LLM's expected score from its digit logits; see
model_scorer.py), combined per item (weights.py) and rounded to the scale's
whole points. Items the session gave no chance to show are marked, never
scored as zero; a model that returns nothing usable for an item leaves that
item unrated with the reason.
"""

from __future__ import annotations

import time

from clientsim.judge.ctrs.detectors import DETECTORS
from clientsim.judge.ctrs.items import COMPETENCE_LINE, FAMILY_TITLES, ITEMS, MAX_ITEM
from clientsim.judge.ctrs.session_view import SessionView
from clientsim.judge.ctrs.weights import combine

MIN_COUNSELLOR_TURNS = 6
MIN_WORDS = 80  # lowered from 120 after a held-out session of 8 short counsellor turns fell below it
MIN_ITEMS_FOR_COMPETENCE = 8
DEFAULT_MODEL = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
_ENGINES: dict[str, object] = {}


def rate(transcript: dict, *, engine=None, coded: list[dict] | None = None, state=None,
         use_model: bool = True, scorer=None) -> dict:
    t0 = time.perf_counter()
    view = SessionView.from_transcript(transcript, coded)
    persona = transcript.get("persona") or {}
    modality = modality_of(persona)
    off_modality = "CBT" not in modality
    section = {
        "version": 1, "scale": "CTRS (Young & Beck 1980)", "max_total": MAX_ITEM * len(ITEMS),
        "competence_line": COMPETENCE_LINE, "off_modality": off_modality,
        "families": {k: {"title": v} for k, v in FAMILY_TITLES.items()},
        "notes": [],
    }
    if off_modality:
        section["notes"].append("This persona is not a CBT case (modality: " + (", ".join(modality) or "none")
                                + "); the CTRS is shown for reference only and says little about this session.")

    n_c = len(view.counsellor)
    words = sum(t.n_words for t in view.turns)
    if n_c < MIN_COUNSELLOR_TURNS or words < MIN_WORDS:
        message = not_enough_message(n_c, words)
        section.update(status="not_enough_to_rate", method="none", message=message,
                       items=[_unrated(it, "not_enough", "not rated: the session is too short (see above)")
                              for it in ITEMS])
        section["notes"].append(message)
        _totals(section)
        return section

    detections = {it.key: DETECTORS[it.key](view) for it in ITEMS}
    _mark_not_applicable(transcript, detections)

    model_scores, method = {}, "detectors"
    if use_model and off_modality:
        # reference only: not worth a minute of the student's laptop
        section["notes"].append("Rated by the transcript detectors only, as the CTRS is off-modality here.")
    elif use_model:
        scorer = scorer or _scorer(engine)
        if scorer is None:
            section["notes"].append("No language model was given, so the items are rated by the transcript "
                                    "detectors only (less reliable for understanding and interpersonal skill).")
        else:
            method = "detectors+model"
            if state is not None:
                state.progress(0.02, "reading the transcript")

            def on_item(n, item):
                if state is not None:
                    state.progress(n / len(ITEMS), f"rated {item.title}")

            model_scores = scorer.score_items(transcript, list(ITEMS), state=state, on_item=on_item)

    items = []
    for it in ITEMS:
        det = detections[it.key]
        ms = model_scores.get(it.key)
        if not det.applicable:
            items.append(_unrated(it, "not_applicable", "not applicable: " + det.why, det))
            continue
        if ms is not None and ms.expected is None:
            entry = _unrated(it, "model_error", "not rated: " + ms.error, det)
            entry["model"] = {"error": ms.error, "attempts": ms.attempts}
            items.append(entry)
            continue
        raw = combine(it.key, det.estimate, ms.expected if ms else None)
        score = int(min(MAX_ITEM, max(0, round(raw + 1e-9))))
        entry = {
            "number": it.number, "key": it.key, "title": it.title, "family": it.family, "status": "rated",
            "score": score, "raw": round(raw, 2), "detector_estimate": round(det.estimate, 2),
            "rationale": _rationale(det.why, ms),
            "evidence": det.evidence_dicts(),
            "anchors": {str(k): a for k, a in zip((0, 2, 4, 6), it.anchors)},
        }
        if ms is not None:
            entry["model"] = {"expected": ms.expected, "probs": ms.probs, "method": ms.method, "attempts": ms.attempts}
        items.append(entry)

    section.update(status="rated", method=method, items=items, seconds=round(time.perf_counter() - t0, 2))
    if any(i["status"] == "model_error" for i in items):
        section["notes"].append("The model returned unusable output for some items; those items are not rated.")
    _totals(section)
    return section


def modality_of(persona: dict) -> list[str]:
    """The persona's modalities, upper case. A single string ("CBT") is one modality, not its letters."""
    raw = persona.get("modality") or []
    if isinstance(raw, str):
        raw = [m for m in raw.replace(";", ",").split(",")] if "," in raw or ";" in raw else [raw]
    return [str(m).strip().upper() for m in raw if str(m).strip()]


def not_enough_message(counsellor_turns: int, words: int) -> str:
    """What is missing for a CTRS rating, in plain words."""
    missing = []
    if counsellor_turns < MIN_COUNSELLOR_TURNS:
        missing.append(f"at least {MIN_COUNSELLOR_TURNS} things said by the counsellor (this session has "
                       f"{counsellor_turns})")
    if words < MIN_WORDS:
        missing.append(f"at least {MIN_WORDS} words in all (this session has only {words})")
    return ("Not enough to rate on the CTRS yet: a rating needs " + " and ".join(missing)
            + ". None of the 11 items is scored. Continue the session and ask for the review again.")


def _scorer(engine):
    from clientsim.judge.ctrs.model_scorer import ModelScorer

    if engine is None:  # the caller decides whether a model is loaded; rating never loads one by surprise
        return None
    return ModelScorer(engine)


def default_engine():
    """The default judge model, loaded once per process; None when the file is missing."""
    from clientsim import paths

    path = next((d / DEFAULT_MODEL for d in paths.model_dirs() if (d / DEFAULT_MODEL).exists()), None)
    if path is None:
        return None
    key = str(path)
    if key not in _ENGINES:
        from clientsim.llm.engine import LlmEngine

        _ENGINES[key] = LlmEngine(path, n_ctx=4096, seed=0)
    return _ENGINES[key]


def _mark_not_applicable(transcript: dict, detections: dict) -> None:
    """A session cut short never reached homework or end-of-session feedback: say so instead of scoring 0."""
    status = str(transcript.get("status") or "ended")
    if status in ("interrupted", "active"):
        for key in ("homework", "feedback"):
            if detections[key].estimate == 0.0:
                detections[key].applicable = False
                detections[key].why = "the session ended before this part of a CBT session was reached"


def _rationale(why: str, ms) -> str:
    text = why[0].upper() + why[1:]
    if ms is not None and ms.expected is not None:
        text += f" (model rating {ms.expected:.1f}/6)"
    return text + "."


def _unrated(it, status: str, reason: str, det=None) -> dict:
    return {"number": it.number, "key": it.key, "title": it.title, "family": it.family, "status": status,
            "score": None, "rationale": reason[0].upper() + reason[1:] + ("" if reason.endswith(".") else "."),
            "evidence": det.evidence_dicts() if det is not None else [],
            "detector_estimate": round(det.estimate, 2) if det is not None and status != "not_enough" else None,
            "anchors": {str(k): a for k, a in zip((0, 2, 4, 6), it.anchors)}}


def _totals(section: dict) -> None:
    items = section["items"]
    scored = [i for i in items if i["score"] is not None]
    for fam in section["families"]:
        f = [i for i in scored if i["family"] == fam]
        section["families"][fam].update(score=sum(i["score"] for i in f) if f else None, rated_items=len(f),
                                        max=MAX_ITEM * sum(1 for i in items if i["family"] == fam))
    if not scored:
        section.update(total=None, rated_items=0, prorated_total=None, competent=None)
        return
    total = sum(i["score"] for i in scored)
    prorated = round(total * len(items) / len(scored), 1)
    competent = prorated >= COMPETENCE_LINE if len(scored) >= MIN_ITEMS_FOR_COMPETENCE else None
    section.update(total=total, rated_items=len(scored), prorated_total=prorated, competent=competent)
    if len(scored) < len(items):
        section["notes"].append(f"{len(items) - len(scored)} item(s) not rated; the total covers {len(scored)} items "
                                f"(prorated to {prorated} of 66)." + ("" if competent is not None else
                                " Too few items were rated to judge competence."))
