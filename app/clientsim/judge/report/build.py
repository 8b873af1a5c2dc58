"""Building the report: everything the judge says about one session, as the
``clientsim.report/1`` JSON object that is stored and exported.

``build_report`` codes the transcript, computes the MITI figures, picks
strengths and things to try, asks the local LLM (if given) for better
versions of the weakest turns, and adds the client's state, CTRS and safety
sections. ``model.SessionReport.from_dict`` reads the result (or a stored
one) as typed sections for the renderers.
"""

from __future__ import annotations

import datetime as _dt
import time

from clientsim.client.state.review import state_review
from clientsim.core.errors import UserError
from clientsim.core.jobs import JobState
from clientsim.judge import ctrs, safety
from clientsim.judge.ctrs.rater import modality_of
from clientsim.judge.mi import codes as mi_codes
from clientsim.judge.mi import feedback, suggest
from clientsim.judge.mi.coder import MiCoder, UnknownSpeaker, normalise_speaker
from clientsim.judge.mi.metrics import THRESHOLDS, session_metrics

REPORT_FORMAT = "clientsim.report/1"
MAX_SUGGESTIONS = 3
NO_ENGINE_NOTE = ("Suggested better responses need the local language model. None was loaded, "
                  "so no suggestions are shown (none were made up).")

EXPLANATIONS = {
    "reflection_to_question": "Reflections per question (R:Q). MI counsellors reflect more than they ask: "
                              "1 reflection per question is fair, 2 is good.",
    "percent_complex_reflections": "Share of your reflections that were complex (adding meaning or feeling). "
                                   "40% is fair, 50% is good.",
    "percent_open_questions": "Share of your questions that were open. Open questions let the client explore "
                              "(MITI 4 no longer sets a threshold for this; more is usually better).",
    "technical": "Technical global (mean of Cultivating change talk and Softening sustain talk, 1-5). "
                 "3 is fair, 4 is good.",
    "relational": "Relational global (mean of Partnership and Empathy, 1-5). 3.5 is fair, 4 is good.",
    "cultivating_change_talk": "How much you drew out and built on the client's own reasons for change.",
    "softening_sustain_talk": "How well you avoided strengthening the client's reasons not to change.",
    "partnership": "How much you worked with the client as an equal, sharing power.",
    "empathy": "How much you showed you understood the client's point of view.",
    "mi_adherent": "MI-consistent behaviours: affirming, seeking collaboration, emphasizing autonomy "
                   "(MITI 4.2.1 total; advice with permission is shown separately).",
    "mi_non_adherent": "MI-inconsistent behaviours: confronting and persuading without permission.",
    "change_talk": "Client statements in favour of change.",
    "sustain_talk": "Client statements in favour of staying the same.",
}

ESTIMATE_NOTE = ("All figures come from an automatic coder and are estimates. The global ratings are "
                 "estimated from the codes by rules (see docs/mi-judge.md), not rated by a human.")


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def _check_transcript(transcript) -> list:
    if not isinstance(transcript, dict):
        raise UserError("the transcript is not a JSON object", hint="Export a session with `clientsim sessions export`.")
    turns = transcript.get("turns")
    if not isinstance(turns, list):
        raise UserError("the transcript has no 'turns' list",
                        hint="Expected the clientsim.session/1 format (docs/architecture.md).")
    return turns


def _normalise(transcript: dict) -> tuple[list[dict], list[str]]:
    """Turns with speaker counsellor|client and text; warnings for what was skipped."""
    warnings: list[str] = []
    turns: list[dict] = []
    unknown: dict[str, list[int]] = {}
    for pos, t in enumerate(_check_transcript(transcript)):
        if not isinstance(t, dict):
            warnings.append(f"turn at position {pos} is not an object and was skipped")
            continue
        index = t.get("index", pos)
        index = int(index) if isinstance(index, (int, float)) or str(index).isdigit() else pos
        try:
            speaker = normalise_speaker(t.get("speaker"))
        except UnknownSpeaker:
            unknown.setdefault(str(t.get("speaker")), []).append(index)
            continue
        turns.append({"index": index, "speaker": speaker, "text": str(t.get("text") or "")})
    for name, idx in unknown.items():
        shown = ", ".join(map(str, idx[:10])) + (" …" if len(idx) > 10 else "")
        warnings.append(f"unknown speaker {name!r} at turn(s) {shown}: not coded "
                        "(speakers must be 'counsellor' or 'client')")
    speakers = {t["speaker"] for t in turns}
    if not turns:
        warnings.append("the transcript has no turns to code")
    elif speakers == {"counsellor"}:
        warnings.append("only counsellor turns: there is no client talk to count, so change/sustain figures are empty")
    elif speakers == {"client"}:
        warnings.append("only client turns: there are no counsellor behaviours to score")
    empty = [t["index"] for t in turns if not t["text"].strip()]
    if empty:
        warnings.append(f"{len(empty)} empty turn(s) (e.g. turn {empty[0]}): not counted")
    return turns, warnings


# below this many coded counsellor turns the report says the figures rest on little talk
SHORT_SESSION_TURNS = 10
# below this many counsellor turns with words there is nothing to rate: no band, no global ratings
MIN_RATED_COUNSELLOR_TURNS = 3
NOT_RATED = "not enough to rate"


def not_enough_to_rate(turns: list[dict]) -> str | None:
    """Why this session cannot be rated, in plain words; None when it can."""
    said = [t for t in turns if t["speaker"] == "counsellor" and t["text"].strip()]
    if not said:
        client = sum(1 for t in turns if t["speaker"] == "client" and t["text"].strip())
        what = f"only the client speaks ({client} turn(s))" if client else "there are no turns with words"
        return (f"{NOT_RATED}: {what}; the counsellor says nothing, and the ratings describe what the "
                f"counsellor does. Rating needs at least {MIN_RATED_COUNSELLOR_TURNS} counsellor turns.")
    if len(said) < MIN_RATED_COUNSELLOR_TURNS:
        return (f"{NOT_RATED}: the counsellor speaks in only {len(said)} turn(s); at least "
                f"{MIN_RATED_COUNSELLOR_TURNS} are needed before the session can be given a band or global "
                "ratings. The counts below show what was said.")
    return None


def withhold_ratings(metrics: dict, reason: str) -> None:
    """Replace the band and every rating estimated from too little talk by 'not enough to rate'."""
    metrics["band"] = NOT_RATED
    metrics["not_rated"] = reason
    metrics["technical"] = metrics["relational"] = None
    metrics["globals"] = {key: None for key in metrics["globals"]}
    metrics["mi_evidence_score"] = None
    for key in ("technical", "relational"):
        metrics["thresholds"][key] = {**metrics["thresholds"][key], "value": None, "level": "not enough data"}


def build_report(transcript: dict, *, engine=None, state: JobState | None = None,
                 coder: MiCoder | None = None, other_sections: bool = True) -> dict:
    """The SessionReport; other_sections=False leaves out CTRS and safety (for timing the MI part)."""
    state = state or JobState()
    turns, warnings = _normalise(transcript)
    state.progress(0.02, "coding turns")
    coder = coder or MiCoder.load()
    codes = coder.code_session([(t["speaker"], t["text"]) for t in turns]) if turns else []
    state.check()
    non_english = [t["index"] for t, c in zip(turns, codes) if "English" in (c.get("note") or "")]
    if non_english:
        warnings.append(f"{len(non_english)} turn(s) do not look like English (e.g. turn {non_english[0]}); "
                        "their codes are low-confidence guesses")

    state.progress(0.25, "metrics")
    metrics = session_metrics(turns, codes)
    not_rated = not_enough_to_rate(turns)
    if not_rated:
        withhold_ratings(metrics, not_rated)
        warnings.append(not_rated)
    if not not_rated and 0 < metrics["counsellor_turns"] < SHORT_SESSION_TURNS:
        warnings.append(f"a short session ({metrics['counsellor_turns']} counsellor turn(s)): MITI ratings are "
                        "meant for about 20 minutes of talk, so read the band and global ratings as a first look")
    strengths = feedback.strengths(turns, codes)
    to_try = feedback.things_to_try(turns, codes)
    state.check()

    state.progress(0.35, "suggestions")
    persona = transcript.get("persona") if isinstance(transcript.get("persona"), dict) else None
    suggestions: list[dict] = []
    if engine is None:
        suggestions_note = NO_ENGINE_NOTE
    else:
        suggestions_note = ("Suggestions are written by the local language model and are only examples "
                            "of what you could say; they are not part of the scores. They use only what the "
                            "client said; where the model's wording brought in something new, the suggestion "
                            "says the client's own words back to them.")
        weak = [item for item in to_try if item["code"] in suggest.KINDS][:MAX_SUGGESTIONS]
        deadline = time.monotonic() + suggest.BUDGET_S
        for k, item in enumerate(weak):
            state.check()
            pos = item["position"]
            s = suggest.suggest(engine, weak_code=item["code"], turn_text=turns[pos]["text"],
                                client_turns=suggest.client_turns_before(turns, pos),
                                avoid=[x["text"] for x in suggestions], state=state, deadline=deadline)
            state.progress(0.35 + 0.5 * (k + 1) / max(len(weak), 1), "suggestions")
            if s is None:
                continue
            s.update({"turn_index": item["turn_index"], "original": turns[pos]["text"]})
            item["suggestion"] = s
            suggestions.append(s)
        if weak and not suggestions:
            suggestions_note += " The model's attempts did not pass the checks, so none are shown."
    for item in to_try:
        item.pop("position", None)
    state.check()

    per_turn = []
    for t, c in zip(turns, codes):
        row = {"index": t["index"], "speaker": t["speaker"], "text": t["text"], **c,
               "label": mi_codes.label(c["code"])}
        per_turn.append(row)

    report = {
        "format": REPORT_FORMAT,
        "session_id": transcript.get("id"),
        "created_at": _now(),
        "persona": {k: persona.get(k) for k in ("id", "name", "presenting_problem")} if persona else None,
        # when the session ran (added in clientsim.report/1 without a version change: readers ignore unknown keys)
        "session": {"started_at": transcript.get("started_at"), "ended_at": transcript.get("ended_at"),
                    "modality": modality_of(persona or {})},
        "warnings": warnings,
        "mi": {
            "summary": metrics,
            "band": metrics["band"],
            "not_rated": not_rated,
            "thresholds": THRESHOLDS,
            "turns": per_turn,
            "strengths": strengths,
            "things_to_try": to_try,
            "suggestions": suggestions,
            "suggestions_note": suggestions_note,
            "explanations": EXPLANATIONS,
            "note": ESTIMATE_NOTE,
            "codes": {code: {"family": fam, "label": lab, "meaning": meaning}
                      for code, (fam, lab, meaning) in mi_codes.CODES.items()},
        },
    }

    raw_turns = [t for t in transcript.get("turns") or [] if isinstance(t, dict)]
    client_section = state_review(raw_turns)
    if client_section is not None:
        report["client"] = client_section

    state.progress(0.9, "other sections")
    coded_rows = [{"turn_index": t["index"], **c} for t, c in zip(turns, codes)]
    if other_sections:
        report["ctrs"] = ctrs.rate(transcript, engine=engine, coded=coded_rows, state=state)
        report["safety"] = safety.review(transcript, coded=coded_rows, engine=engine)
    state.progress(1.0, "done")
    return report


def make_report(transcript: dict, engine=None, state: JobState | None = None) -> dict:
    """ReportWorker entry point: progress through state.progress (coding, metrics, suggestions).

    When state is cancelled it raises ``Cancelled`` (the worker turns that into its
    ``cancelled`` signal); nothing is stored by this function.
    """
    return build_report(transcript, engine=engine, state=state)
