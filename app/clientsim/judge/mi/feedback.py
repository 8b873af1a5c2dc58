"""Two or three strengths and two or three things to try, each tied to a
quoted turn of the student's own session. Deterministic rules over the codes.
"""

from __future__ import annotations

QUOTE_WORDS = 30


def quote(text: str) -> str:
    words = text.split()
    return " ".join(words[:QUOTE_WORDS]) + (" …" if len(words) > QUOTE_WORDS else "")


def _client_before(turns: list[dict], i: int) -> tuple[int | None, str]:
    for j in range(i - 1, -1, -1):
        if turns[j]["speaker"] == "client":
            return j, turns[j]["text"]
        if turns[j]["speaker"] == "counsellor":
            break
    return None, ""


def _best(rows: list[tuple[int, dict]], code: str, used: set[int], where=None) -> int | None:
    cands = [(c["confidence"], i) for i, c in rows if c["code"] == code and i not in used and (where is None or where(i))]
    return max(cands)[1] if cands else None


def strengths(turns: list[dict], codes: list[dict], max_items: int = 3) -> list[dict]:
    rows = [(i, c) for i, (t, c) in enumerate(zip(turns, codes)) if t["speaker"] == "counsellor" and c["confidence"] > 0.2]
    talk = {i: c.get("talk_type") for i, (t, c) in enumerate(zip(turns, codes)) if t["speaker"] == "client"}
    used: set[int] = set()
    out: list[dict] = []

    def after(kind):
        return lambda i: talk.get(_client_before(turns, i)[0]) == kind

    candidates = [
        ("complex_reflection", after("sustain"),
         "You answered the client's reasons not to change with a complex reflection instead of arguing. That softens sustain talk."),
        ("complex_reflection", None,
         "You went beyond the client's words in a complex reflection. This shows you understood the meaning, not just the words."),
        ("open_question", after("change"),
         "When the client spoke about change you asked an open question, inviting more change talk."),
        ("open_question", None, "You asked an open question that gave the client room to tell their story."),
        ("affirm", None, "You affirmed a strength or effort of the client. Affirmations build confidence."),
        ("emphasizing_autonomy", None, "You made clear the choice is the client's. This respects their autonomy."),
        ("seeking_collaboration", None, "You invited the client to work with you, which builds partnership."),
        ("persuade_with_permission", None, "You asked before giving advice, so the client stayed in charge."),
        ("simple_reflection", None, "You reflected back what the client said, showing you were listening."),
    ]
    for code, where, why in candidates:
        if len(out) >= max_items:
            break
        if any(o["code"] == code for o in out):
            continue
        i = _best(rows, code, used, where)
        if i is None:
            continue
        used.add(i)
        out.append({"code": code, "text": why, "turn_index": turns[i]["index"], "quote": quote(turns[i]["text"])})
    return out


# The weak lines, worst first: arguing or advising unasked, then a closed question that could have been
# open, then a simple reflection that could have gone deeper (MITI 4.2.1: Confront and Persuade are the
# MI-non-adherent behaviours; R:Q and %CR are the summary scores the other two lower).
WEAK_RANK = ("confront", "persuade", "closed_question", "simple_reflection")
WHY = {
    "confront": "This turn argues with or criticises the client, which tends to raise resistance. "
                "Try reflecting what the client said instead.",
    "persuade": "Here you gave advice without asking first. Try asking permission (\"Would it be OK if I shared "
                "some ideas?\") or reflect the client's own reasons.",
    "closed_question": "This closed question invites a short answer. An open question lets the client explore.",
    "simple_reflection": "This simple reflection is accurate. Try deepening it into a complex reflection "
                         "that names the feeling or meaning underneath.",
}


def weakest_lines(turns: list[dict], codes: list[dict]) -> list[tuple[int, str]]:
    """(position, weak code) of every counsellor line with a weak behaviour, worst first: by WEAK_RANK,
    a confrontation or persuasion counted also when it is a turn's secondary code; within a rank a simple
    reflection of change or sustain talk comes first (deepening it matters most), then the more
    confidently coded line, then the earlier one."""
    talk = {i: c.get("talk_type") for i, (t, c) in enumerate(zip(turns, codes)) if t["speaker"] == "client"}
    ranked = []
    for i, (t, c) in enumerate(zip(turns, codes)):
        if t["speaker"] != "counsellor" or c["confidence"] <= 0.2:
            continue
        seen = [c["code"], *[o for o in c.get("others") or [] if o in ("confront", "persuade")]]
        weak = [code for code in WEAK_RANK if code in seen]
        if not weak:
            continue
        code = weak[0]
        answered = talk.get(_client_before(turns, i)[0]) in ("change", "sustain")
        ranked.append(((WEAK_RANK.index(code), not (code == "simple_reflection" and answered),
                        -c["confidence"], i), i, code))
    return [(i, code) for _, i, code in sorted(ranked)]


def things_to_try(turns: list[dict], codes: list[dict], max_items: int = 3) -> list[dict]:
    rows = [(i, c) for i, (t, c) in enumerate(zip(turns, codes)) if t["speaker"] == "counsellor" and c["confidence"] > 0.2]
    talk = {i: c.get("talk_type") for i, (t, c) in enumerate(zip(turns, codes)) if t["speaker"] == "client"}
    used: set[int] = set()
    out: list[dict] = []

    def add(i, code, why):
        used.add(i)
        out.append({"code": code, "text": why, "turn_index": turns[i]["index"], "quote": quote(turns[i]["text"]),
                    "position": i})

    for i, code in weakest_lines(turns, codes)[:max_items]:
        add(i, code, WHY[code])
    # change talk that was not reflected back
    if len(out) < max_items:
        for i, c in rows:
            j, _ = _client_before(turns, i)
            if j is not None and talk.get(j) == "change" and c["family"] != "reflection" \
                    and c["code"] not in ("affirm", "open_question") and i not in used:
                add(i, "missed_change_talk", "Just before this, the client voiced a reason to change. Reflecting it "
                                             "back (\"You want to…\") would strengthen it.")
                break
    # sustain talk met with a question or information instead of a reflection
    if len(out) < max_items:
        for i, c in rows:
            j, _ = _client_before(turns, i)
            if j is not None and talk.get(j) == "sustain" and c["family"] in ("question", "input") and i not in used:
                add(i, "sustain_not_reflected", "Here the client gave a reason not to change. A reflection, or "
                                                "a double-sided reflection, usually softens it more than a "
                                                "question or information does.")
                break
    # several questions in a row without a reflection
    if len(out) < max_items:
        run = 0
        for i, c in rows:
            run = run + 1 if c["family"] == "question" else 0
            if run >= 3 and i not in used:
                add(i, "question_run", "Three or more questions in a row can feel like an interview. "
                                       "Try a reflection before the next question.")
                break
    return out
