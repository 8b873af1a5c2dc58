"""What the client's state did over a session, for the review: a trajectory and the turns that moved it.

Reads the state stored with each client reply (turn meta "state"), so an
exported transcript reviews the same way; a transcript without state (older
sessions, or state turned off) has no such section.
"""

from __future__ import annotations

MOVERS = 3  # counsellor turns quoted each way


def _measure(state: dict) -> tuple[str, float]:
    """The figure the chart leads with: readiness (MI, 0-10) or belief (CBT, 0-100 %)."""
    if state.get("kind") == "CBT":
        return "belief", float(state.get("belief", 0.0))
    return "readiness", float(state.get("readiness", 0.0))


def state_review(turns: list[dict]) -> dict | None:
    """{"kind", "measure", "points": [...], "raised": [...], "lowered": [...]} or None without state.

    `turns` are transcript turns (index, speaker, text, meta). Each point is the
    state after one counsellor turn; `raised` / `lowered` quote the counsellor
    turns after which trust plus the measure moved most (for CBT, belief
    falling counts as progress).
    """
    points = []
    start = None  # the state before any counsellor turn, stored with the opening statement
    previous_counsellor = None
    for t in turns:
        if t.get("speaker") == "counsellor":
            previous_counsellor = t
            continue
        st = (t.get("meta") or {}).get("state")
        if t.get("speaker") != "client" or not isinstance(st, dict):
            continue
        if previous_counsellor is None:
            start = st
            continue
        name, value = _measure(st)
        points.append({"counsellor_index": previous_counsellor.get("index"), "client_index": t.get("index"),
                       "counsellor_text": previous_counsellor.get("text", ""), "trust": float(st.get("trust", 0.0)),
                       "discord": float(st.get("discord", 0.0)), name: value, "move": st.get("move"),
                       "stage": st.get("stage")})
    if not points:
        return None
    kind = "CBT" if "belief" in points[0] else "MI"
    measure = "belief" if kind == "CBT" else "readiness"
    before = {"trust": points[0]["trust"], measure: points[0][measure]}
    if start:
        before = {"trust": float(start.get("trust", before["trust"])), measure: _measure(start)[1]}
    sign = -0.1 if kind == "CBT" else 1.0  # belief is 0-100 and falls with progress
    moved = []
    for p in points:
        delta = (p["trust"] - before["trust"]) + sign * (p[measure] - before[measure])
        moved.append({"turn_index": p["counsellor_index"], "quote": p["counsellor_text"], "change": round(delta, 2)})
        before = {"trust": p["trust"], measure: p[measure]}
    ranked = sorted(moved, key=lambda m: m["change"])
    return {"kind": kind, "measure": measure, "start": before_start(start), "points": points,
            "raised": [m for m in reversed(ranked) if m["change"] > 0][:MOVERS],
            "lowered": [m for m in ranked if m["change"] < 0][:MOVERS]}


def before_start(start: dict | None) -> dict | None:
    if not start:
        return None
    name, value = _measure(start)
    return {"trust": float(start.get("trust", 0.0)), "discord": float(start.get("discord", 0.0)), name: value,
            "stage": start.get("stage")}


MEASURE_WORDS = {"readiness": ("readiness to change", "/10"), "belief": ("belief in the automatic thought", "%")}


def summary_words(section: dict) -> str:
    """One paragraph a student reads: where trust and readiness (or belief) went."""
    name, unit = MEASURE_WORDS[section["measure"]]
    first = section.get("start") or section["points"][0]
    last = section["points"][-1]
    m = section["measure"]
    fmt = "{:.0f}" if m == "belief" else "{:.1f}"
    text = (f"The simulated client's trust in you went from {first['trust']:.1f} to {last['trust']:.1f} (out of 10), "
            f"and their {name} from {fmt.format(first[m])}{unit} to {fmt.format(last[m])}{unit}.")
    if section["kind"] == "MI" and first.get("stage") and last.get("stage") and first["stage"] != last["stage"]:
        text += f" Stage of change: {first['stage']} to {last['stage']}."
    return text + (" The client's state is kept by the simulator from the codes of your turns; it is what the "
                   "client was moved by, not a score.")
