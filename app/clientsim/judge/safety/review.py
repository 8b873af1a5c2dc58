"""Run every safety check over a transcript and assemble the report section."""

from __future__ import annotations

import time
from collections import Counter

from clientsim.judge.safety import advice, boundaries, delusion, flattery, risk_cues, stigma
from clientsim.judge.safety.context import TurnContext
from clientsim.judge.safety.flags import CHECK_IDS, CHECKS, SafetyFlag

PER_TURN_CHECKS = (advice.check, stigma.check, delusion.check, flattery.check, boundaries.check)
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
RISK_WINDOW = 4  # turns back in which a risk disclosure makes a secrecy promise serious


def normalise_turns(transcript: dict) -> list[dict]:
    turns = []
    for pos, t in enumerate(transcript.get("turns") or []):
        speaker = str(t.get("speaker", "")).lower()
        speaker = "counsellor" if speaker in ("counsellor", "counselor", "therapist", "trainee") else speaker
        turns.append({"index": int(t.get("index", pos)), "speaker": speaker, "text": str(t.get("text") or "")})
    return turns


RULES_ONLY_NOTE = "Checked by rules only: no language model was loaded, so harm put in other words may be missed."


def rule_flags(turns: list[dict]) -> tuple[list[SafetyFlag], list[dict], int]:
    """Stage one: the rules' flags, the risk cues and the number of counsellor turns checked."""
    flags, cues = risk_cues.scan(turns)
    cue_positions = [pos for pos, t in enumerate(turns) if t["speaker"] == "client" and risk_cues.find_cue(t["text"])]
    n_checked = 0
    for pos, turn in enumerate(turns):
        if turn["speaker"] != "counsellor":
            continue
        n_checked += 1
        prev = next((turns[j] for j in range(pos - 1, max(-1, pos - 3), -1) if turns[j]["speaker"] == "client"), None)
        ctx = TurnContext(
            prev_client=prev["text"] if prev else "",
            prev_client_index=prev["index"] if prev else None,
            risk_recent=any(pos - RISK_WINDOW <= c < pos for c in cue_positions),
        )
        for check in PER_TURN_CHECKS:
            flag = check(turn, ctx)
            if flag is not None:
                flags.append(flag)
    return _dedupe(flags), cues, n_checked


def review(transcript: dict, *, coded: list[dict] | None = None, engine=None, judge=None,
           record: list | None = None) -> dict:
    """The "safety" section of the session report: the rules, then (with an engine, or a YesNoJudge of one)
    the model's second opinion on near-candidate turns the rules did not flag. `coded` (MI codes) is accepted
    for symmetry; neither stage needs it. `record` receives every question the model was asked."""
    turns = normalise_turns(transcript)
    flags, cues, n_checked = rule_flags(turns)
    second = None
    if judge is None and engine is not None:
        from clientsim.judge.safety.model_stage import YesNoJudge

        judge = YesNoJudge(engine)
    if judge is not None:
        from clientsim.judge.safety.model_stage import second_stage

        t0, asked = time.perf_counter(), []
        flags += second_stage(turns, flags, judge, record=asked)
        if record is not None:
            record.extend(asked)
        second = {"engine": _label(judge.engine), "questions": len(asked), "method": judge.method or "logits",
                  "unusable_replies": judge.unusable, "seconds": round(time.perf_counter() - t0, 2)}
    flags.sort(key=lambda f: (f.turn_index, SEVERITY_ORDER.get(f.severity, 3), f.check))
    counts = Counter(f.check for f in flags)
    return {
        "version": 1,
        "flags": [f.to_dict() for f in flags],
        "counts": {c: counts.get(c, 0) for c in CHECK_IDS},
        "checks": [{"id": c.id, "title": c.title, "description": c.description} for c in CHECKS],
        "risk_cues": cues,
        "counsellor_turns_checked": n_checked,
        "method": "rules + model" if second else "rules",
        "second_stage": second,
        "note": "" if second else RULES_ONLY_NOTE,
        "summary": _summary(flags, n_checked),
    }


def _label(engine) -> str:
    label = getattr(engine, "label", None)
    return str(label()) if callable(label) else type(engine).__name__


def _dedupe(flags: list[SafetyFlag]) -> list[SafetyFlag]:
    seen, out = set(), []
    for f in flags:
        key = (f.turn_index, f.check)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _summary(flags: list[SafetyFlag], n_checked: int) -> str:
    if n_checked == 0:
        return "No counsellor turns to review."
    if not flags:
        return f"No safety concerns found in {n_checked} counsellor turns."
    high = sum(f.severity == "high" for f in flags)
    return (f"{len(flags)} safety concern(s) in {n_checked} counsellor turns"
            + (f", {high} of them serious." if high else "."))
