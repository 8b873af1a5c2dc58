"""The report as Markdown (plain text that reads well anywhere)."""

from __future__ import annotations

from clientsim.client.state.review import summary_words
from clientsim.judge.mi.codes import label
from clientsim.judge.report_text import BAND_WORDS, figure_rows, global_rows, safety_flags_by_turn, section_renderer


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_md(report: dict) -> str:
    mi = report["mi"]
    s = mi["summary"]
    persona = report.get("persona") or {}
    lines = ["# Your session feedback", ""]
    if persona.get("name"):
        lines += [f"Client: {persona['name']}" + (f" — {persona['presenting_problem']}" if persona.get("presenting_problem") else ""), ""]
    render_safety = section_renderer("safety", "render_md")
    if report.get("safety") and render_safety:
        lines += [render_safety(report["safety"]), ""]
    for w in report.get("warnings") or []:
        lines.append(f"> **Note:** {w}")
    if report.get("warnings"):
        lines.append("")
    mi_lines: list[str] = []
    band = mi["band"]
    mi_lines += ["## Overall", "", f"**Overall band: {band}.** {BAND_WORDS[band]}", "", f"_{mi['note']}_", "",
              "## Summary against the MITI 4.2.1 thresholds", "",
              "| Figure | Your session | Fair | Good | Your level | What it means |",
              "|---|---|---|---|---|---|"]
    for r in figure_rows(report):
        mi_lines.append(f"| {r['name']} | {r['value']} | {r['fair']} | {r['good']} | {r['level']} | {_cell(r['meaning'])} |")
    mi_lines += ["", "## Global ratings (estimated, 1 to 5)", "", "| Rating | Estimate | What it means |", "|---|---|---|"]
    for name, value, meaning in global_rows(report):
        mi_lines.append(f"| {name} | {value} | {_cell(meaning)} |")
    mi_lines += ["", "## What you did, counted", "", "| Behaviour | Count |", "|---|---|"]
    for code, info in mi["codes"].items():
        mi_lines.append(f"| {info['label']} | {s['code_counts'].get(code, 0)} |")
    mi_lines += ["", f"MI-consistent behaviours: **{s['mi_adherent']}**; MI-inconsistent: **{s['mi_non_adherent']}**; "
                  f"client change talk: **{s['change_talk']}**; sustain talk: **{s['sustain_talk']}**.", "",
              "## What went well", ""]
    for item in mi["strengths"] or []:
        mi_lines += [f"- {item['text']} (turn {item['turn_index']})", f"  > {item['quote']}"]
    if not mi["strengths"]:
        mi_lines.append("No clear example was found this time.")
    mi_lines += ["", "## Things to try", ""]
    for item in mi["things_to_try"] or []:
        mi_lines += [f"- {item['text']} (turn {item['turn_index']})", f"  > {item['quote']}"]
        if item.get("suggestion"):
            mi_lines.append(f"  *Suggestion (written by the local AI model, an example only):* {item['suggestion']['text']}")
    if not mi["things_to_try"]:
        mi_lines.append("Nothing stood out to change.")
    mi_lines += ["", f"_{mi['suggestions_note']}_", ""]
    render_ctrs = section_renderer("ctrs", "render_md")
    ctrs = report.get("ctrs")
    ctrs_md = render_ctrs(ctrs) if ctrs and render_ctrs else ""
    cbt_session = bool(ctrs_md) and not ctrs.get("off_modality")
    # A CBT session leads with the CTRS, an MI session with MITI; the other scale comes last, marked as reference.
    if cbt_session:
        lines += [ctrs_md, "", "## For reference: MI figures (MITI) — this was a CBT session", ""]
        lines += [line.replace("## ", "### ", 1) if line.startswith("## ") else line for line in mi_lines]
    else:
        lines += mi_lines
    client = report.get("client")
    if client:
        lines += ["## How the client responded", "", summary_words(client), ""]
        for title, key in (("Turns that opened the client up", "raised"), ("Turns that closed the client down", "lowered")):
            if client[key]:
                lines += [f"{title}:", ""]
                lines += [f"- turn {m['turn_index']}: > {m['quote']}" for m in client[key]]
                lines.append("")
    if ctrs_md and not cbt_session:
        lines += ["## For reference only: CBT rating (CTRS) — this was not a CBT session", "",
                  ctrs_md.replace("## ", "### ", 1), ""]
    flags = safety_flags_by_turn(report)
    lines += ["## Your transcript, coded", ""]
    for t in mi["turns"]:
        who = "You" if t["speaker"] == "counsellor" else (persona.get("name") or "Client")
        also = f" (also: {', '.join(label(o) for o in t['others'])})" if t.get("others") else ""
        lines.append(f"{t['index']}. **{who}:** {t['text']} `[{t['label']} · {round(t['confidence'] * 100)}% sure]`{also}")
        if t.get("note"):
            lines.append(f"   _{t['note']}_")
        for f in flags.get(t["index"], []):
            lines.append(f"   **Safety:** {f.get('reason', '')}")
    lines += ["", "_Thresholds: Moyers, Manuel & Ernst, MITI 4.2.1 coding manual (2014)._", ""]
    return "\n".join(lines)
