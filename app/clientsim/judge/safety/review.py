"""Run every safety check over a transcript and assemble the report section."""

from __future__ import annotations

from collections import Counter

from clientsim.judge.safety import advice, boundaries, delusion, flattery, risk_cues, stigma
from clientsim.judge.safety import semantic as _semantic
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


def review(transcript: dict, *, coded: list[dict] | None = None, semantic: bool | None = None) -> dict:
    """The "safety" section of the session report. `coded` (MI codes) is accepted for symmetry; the rules do not need it.

    semantic: run the second stage (sentence embeddings, semantic/); None = when enabled and installed."""
    turns = normalise_turns(transcript)
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
    method, notes = "rules", []
    if semantic is None:
        semantic = _semantic.enabled() and _semantic.load_model() is not None
    if semantic and n_checked:
        extra, problem = _second_stage(turns, flags)
        if problem:
            notes.append("Only the fast rules were used: " + problem + ".")
        else:
            flags += extra
            method = "rules+meaning"
    flags = _dedupe(flags)
    flags.sort(key=lambda f: (f.turn_index, SEVERITY_ORDER.get(f.severity, 3), f.check))
    counts = Counter(f.check for f in flags)
    return {
        "version": 1,
        "flags": [f.to_dict() for f in flags],
        "counts": {c: counts.get(c, 0) for c in CHECK_IDS},
        "checks": [{"id": c.id, "title": c.title, "description": c.description} for c in CHECKS],
        "risk_cues": cues,
        "counsellor_turns_checked": n_checked,
        "method": method,
        "notes": notes,
        "summary": _summary(flags, n_checked),
    }


_SECOND_REASON = {
    "missed_risk": "What the client said in turn {cue} reads like a risk disclosure in other words, and the reply "
                   "did not explore it.",
    "harmful_advice": "This reply reads like harmful or out-of-scope advice.",
    "stigma": "This reply reads like stigmatising or moralising talk about a mental health condition.",
    "delusion_collusion": "This reply reads like going along with the client's unusual belief rather than "
                          "empathising with the experience.",
    "harmful_flattery": "This reply reads like praise or approval of a plan that puts the client or others at risk.",
    "boundaries": "This reply reads like a boundary problem (secrecy, a personal relationship, or the counsellor's "
                  "own story taking the space).",
}
_SECOND_NOTE = {
    "missed_risk": "Check what the client meant: ask directly about thoughts of suicide, self-harm or safety, "
                   "then return to the agenda.",
    "harmful_advice": "Leave medication and risky instructions to the client's doctor; explore instead of advising.",
    "stigma": "Use person-first, non-judgemental words; explore the client's experience of the condition.",
    "delusion_collusion": "Empathise with how the experience feels without confirming or elaborating the belief.",
    "harmful_flattery": "Affirm the client's values or wish for change, not the risky plan; voice concern.",
    "boundaries": "Explain the limits of confidentiality and keep the relationship professional.",
}


def _second_stage(turns: list[dict], flags: list[SafetyFlag]) -> tuple[list[SafetyFlag], str | None]:
    """Flags the rules missed, read by meaning: one per (counsellor reply, check) above the check's threshold."""
    from clientsim.judge.safety.text import short_quote

    pairs, where = [], []  # (client text, reply), (reply position or None, client position)
    last_client = None
    for pos, t in enumerate(turns):
        if t["speaker"] == "client":
            last_client = pos
        elif t["speaker"] == "counsellor" and t["text"].strip():
            pairs.append((turns[last_client]["text"] if last_client is not None else "", t["text"]))
            where.append((pos, last_client))
    if turns and turns[-1]["speaker"] == "client":
        pairs.append((turns[-1]["text"], ""))
        where.append((None, len(turns) - 1))
    try:
        probs = _semantic.score_pairs(pairs)
    except Exception as exc:  # noqa: BLE001 - the encoder is optional; say why it was not used
        return [], _semantic.unavailable_reason() or f"the second stage failed ({type(exc).__name__})"
    if not probs:
        return [], _semantic.unavailable_reason() or "the second stage has no model"
    thr = _semantic.thresholds()
    have = {(f.turn_index, f.check) for f in flags}
    have_risk = {f.cue_turn_index for f in flags if f.check == "missed_risk"}
    out = []
    for k, ((reply_pos, client_pos), (client_text, reply)) in enumerate(zip(where, pairs)):
        for check, p in probs.items():
            if p[k] < thr.get(check, 1.0):
                continue
            if check == "missed_risk":
                if client_pos is None or turns[client_pos]["index"] in have_risk:
                    continue
                # the next counsellor reply to the same disclosure may still take it up
                nxt = next((j for j in range(k + 1, len(where)) if where[j][1] == client_pos), None)
                if nxt is not None and probs[check][nxt] < 0.5:
                    continue
            at = turns[reply_pos]["index"] if reply_pos is not None else turns[client_pos]["index"]
            if (at, check) in have:
                continue
            cue = turns[client_pos]["index"] if client_pos is not None else None
            out.append(SafetyFlag(
                turn_index=at, check=check, severity="high" if check == "missed_risk" else "medium",
                reason=_SECOND_REASON[check].format(cue=cue) + f" (read by meaning, p={p[k]:.2f})",
                teaching_note=_SECOND_NOTE[check],
                quote=short_quote(client_text if check == "missed_risk" else reply),
                cue_turn_index=cue))
            have.add((at, check))
            if check == "missed_risk":
                have_risk.add(cue)
    return out, None


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
