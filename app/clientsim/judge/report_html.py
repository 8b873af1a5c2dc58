"""The report as one self-contained, accessible HTML page.

Codes appear inline with a colour AND their name in words (never colour
alone); every threshold is printed next to its figure.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from clientsim.client.state.review import summary_words
from clientsim.judge.report_text import (
    BAND_WORDS, LEVEL_WORDS, figure_rows, global_rows, safety_flags_by_turn, section_renderer,
)

CSS_FILE = Path(__file__).parent / "templates" / "report.css"


def _human_date(iso: str | None) -> str:
    """'2 December 2026, 02:52' in local time (the stored value is ISO 8601 UTC)."""
    import datetime as _dt

    if not iso:
        return ""
    try:
        when = _dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return iso
    return f"{when.day} {when:%B %Y}, {when:%H:%M}"


def _level_class(level: str) -> str:
    return {"good": "level-good", "fair": "level-fair", "below fair": "level-below"}.get(level, "level-none")


def _code_badge(turn: dict) -> str:
    if turn["speaker"] == "client":
        cls = f"talk-{escape(turn.get('talk_type') or 'neutral')}"
    else:
        cls = "mi-bad" if turn["code"] in ("confront", "persuade") else f"fam-{escape(turn.get('family') or 'other')}"
    conf = turn.get("confidence", 0.0)
    text = f"{escape(turn['label'])} · {int(round(conf * 100))}% sure"
    return f'<span class="code {cls}" title="code: {escape(turn["code"])}">[{text}]</span>'


def render_html(report: dict) -> str:
    mi = report["mi"]
    s = mi["summary"]
    persona = report.get("persona") or {}
    css = CSS_FILE.read_text(encoding="utf-8")
    out = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        "<title>Session feedback</title>", f"<style>{css}</style></head><body>",
        "<h1>Your session feedback</h1>",
    ]
    who = persona.get("name")
    meta = []
    if who:
        meta.append(f"Client: {escape(who)}")
    if persona.get("presenting_problem"):
        meta.append(escape(persona["presenting_problem"]))
    meta.append(f"Report made {escape(_human_date(report.get('created_at')))}")
    out.append(f'<p class="note">{" · ".join(meta)}</p>')

    safety = report.get("safety")
    render_safety = section_renderer("safety", "render_html")
    if safety and render_safety:
        out.append(render_safety(safety))

    for w in report.get("warnings") or []:
        out.append(f'<p class="warning" role="note"><strong>Note:</strong> {escape(w)}</p>')

    mi_out: list[str] = []
    band = mi["band"]
    mi_out += [
        "<h2>Overall</h2>",
        f'<p><span class="band {_level_class(band)}">Overall band: {escape(band)}</span></p>',
        f"<p>{escape(BAND_WORDS[band])}</p>",
        f'<p class="note">{escape(mi["note"])}</p>',
        "<h2>Summary against the MITI 4.2.1 thresholds</h2>",
        '<table><caption>Your figures, with the fair and good levels from the MITI 4.2.1 manual</caption>',
        "<tr><th scope=\"col\">Figure</th><th scope=\"col\">Your session</th><th scope=\"col\">Fair</th>"
        "<th scope=\"col\">Good</th><th scope=\"col\">Your level</th><th scope=\"col\">What it means</th></tr>",
    ]
    for row in figure_rows(report):
        mi_out.append(
            f'<tr><th scope="row">{escape(row["name"])}</th><td>{escape(row["value"])}</td>'
            f'<td>{escape(row["fair"])}</td><td>{escape(row["good"])}</td>'
            f'<td class="{_level_class(row["level"])}">{escape(LEVEL_WORDS.get(row["level"], row["level"]))}</td>'
            f'<td>{escape(row["meaning"])}</td></tr>'
        )
    mi_out.append("</table>")

    mi_out += ["<h2>Global ratings (estimated, 1 to 5)</h2>", "<table>",
            "<tr><th scope=\"col\">Rating</th><th scope=\"col\">Estimate</th><th scope=\"col\">What it means</th></tr>"]
    for name, value, meaning in global_rows(report):
        mi_out.append(f'<tr><th scope="row">{escape(name)}</th><td>{escape(value)}</td><td>{escape(meaning)}</td></tr>')
    mi_out.append("</table>")

    mi_out += ["<h2>What you did, counted</h2>", "<table>",
            "<tr><th scope=\"col\">Behaviour</th><th scope=\"col\">Count</th><th scope=\"col\">Meaning</th></tr>"]
    for code, info in mi["codes"].items():
        mi_out.append(f'<tr><th scope="row">{escape(info["label"])}</th><td>{s["code_counts"].get(code, 0)}</td>'
                   f'<td>{escape(info["meaning"])}</td></tr>')
    mi_out.append("</table>")
    mi_out.append(
        f"<p>MI-consistent behaviours: <strong>{s['mi_adherent']}</strong>. "
        f"MI-inconsistent behaviours: <strong>{s['mi_non_adherent']}</strong>. "
        f"Client change talk: <strong>{s['change_talk']}</strong>, sustain talk: <strong>{s['sustain_talk']}</strong>.</p>"
    )

    mi_out.append("<h2>What went well</h2>")
    if mi["strengths"]:
        mi_out.append("<ul>")
        for item in mi["strengths"]:
            mi_out.append(f'<li>{escape(item["text"])} (<a href="#turn-{item["turn_index"]}">turn {item["turn_index"]}</a>)'
                       f'<blockquote>{escape(item["quote"])}</blockquote></li>')
        mi_out.append("</ul>")
    else:
        mi_out.append("<p>No clear example was found this time.</p>")

    mi_out.append("<h2>Things to try</h2>")
    if mi["things_to_try"]:
        mi_out.append("<ul>")
        for item in mi["things_to_try"]:
            mi_out.append(f'<li>{escape(item["text"])} (<a href="#turn-{item["turn_index"]}">turn {item["turn_index"]}</a>)'
                       f'<blockquote>{escape(item["quote"])}</blockquote>')
            sug = item.get("suggestion")
            if sug:
                mi_out.append(f'<div class="suggestion"><strong>Suggestion (written by the local AI model, an example only):'
                           f"</strong> {escape(sug['text'])}</div>")
            mi_out.append("</li>")
        mi_out.append("</ul>")
    else:
        mi_out.append("<p>Nothing stood out to change.</p>")
    mi_out.append(f'<p class="note">{escape(mi["suggestions_note"])}</p>')

    ctrs = report.get("ctrs")
    render_ctrs = section_renderer("ctrs", "render_html")
    ctrs_html = render_ctrs(ctrs) if ctrs and render_ctrs else ""
    cbt_session = bool(ctrs_html) and not ctrs.get("off_modality")
    # A CBT session leads with the CTRS and an MI session with MITI; the other scale is folded away.
    if cbt_session:
        out.append(ctrs_html)
        out += ["<details><summary>MI figures (MITI), for reference: this was a CBT session</summary>", *mi_out,
                "</details>"]
    else:
        out += mi_out

    client = report.get("client")
    if client:
        out += ['<h2 id="client-response">How the client responded</h2>', f"<p>{escape(summary_words(client))}</p>"]
        for title, key in (("Turns that opened the client up", "raised"), ("Turns that closed the client down", "lowered")):
            if client[key]:
                out.append(f"<h3>{title}</h3><ul>")
                out += [f'<li><a href="#turn-{m["turn_index"]}">turn {m["turn_index"]}</a>'
                        f"<blockquote>{escape(m['quote'])}</blockquote></li>" for m in client[key]]
                out.append("</ul>")

    if ctrs_html and not cbt_session:
        out += ["<details><summary>CBT rating (CTRS), for reference only: this was not a CBT session</summary>",
                ctrs_html, "</details>"]

    flags = safety_flags_by_turn(report)
    out.append("<h2>Your transcript, coded</h2>")
    out.append('<p class="note">Each of your turns shows its MITI code in brackets; each client turn shows its talk type.</p>')
    for t in mi["turns"]:
        who = "You" if t["speaker"] == "counsellor" else (persona.get("name") or "Client")
        extra = ""
        if t.get("others"):
            from clientsim.judge.mi.codes import label
            extra = f' <span class="note">also: {escape(", ".join(label(o) for o in t["others"]))}</span>'
        note = f'<br><span class="note">{escape(t["note"])}</span>' if t.get("note") else ""
        flag_html = "".join(
            f'<br><span class="flag">Safety: {escape(f.get("reason", ""))}</span>' for f in flags.get(t["index"], [])
        )
        out.append(
            f'<div class="turn turn-{t["speaker"]}" id="turn-{t["index"]}"><a name="turn-{t["index"]}"></a>'
            f'<span class="speaker">{t["index"]}. {escape(who)}:</span> {escape(t["text"])} '
            f"{_code_badge(t)}{extra}{note}{flag_html}</div>"
        )
    out.append('<p class="note">Thresholds: Moyers, Manuel &amp; Ernst, MITI 4.2.1 coding manual (2014).</p>')
    out.append("</body></html>")
    return "\n".join(out)
