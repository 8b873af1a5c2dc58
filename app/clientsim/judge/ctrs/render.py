"""Markdown and HTML for the CTRS section."""

from __future__ import annotations

from html import escape

_STATUS_TEXT = {"not_applicable": "n/a", "not_enough": "not enough to rate", "model_error": "not rated"}


def _headline(section: dict) -> str:
    if section.get("status") == "not_enough_to_rate":
        return "Not enough to rate: the session is too short for the CTRS."
    total, pro = section.get("total"), section.get("prorated_total")
    if total is None:
        return "No CTRS items could be rated."
    line = section.get("competence_line", 40)
    head = f"Total {total} / {section.get('max_total', 66)}"
    if section.get("rated_items", 11) < 11:
        head += f" over {section['rated_items']} rated items (prorated {pro})"
    comp = section.get("competent")
    if comp is True:
        head += f": at or above the competence line ({line})."
    elif comp is False:
        head += f": below the competence line ({line})."
    else:
        head += "."
    return head


def _score_text(item: dict) -> str:
    return f"{item['score']}/6" if item.get("score") is not None else _STATUS_TEXT.get(item["status"], item["status"])


def render_md(section: dict) -> str:
    lines = ["## CBT competence (CTRS)", ""]
    if section.get("off_modality"):
        lines += ["*Off-modality: this persona is not a CBT case; shown for reference only.*", ""]
    lines += [_headline(section), ""]
    fams = section.get("families", {})
    for key, fam in fams.items():
        if fam.get("score") is not None:
            lines.append(f"- {fam['title']}: {fam['score']} / {fam['max']}")
    lines += ["", "| # | Item | Score | Rationale |", "|---|---|---|---|"]
    for item in section.get("items", []):
        rationale = item["rationale"].replace("|", "\\|")
        lines.append(f"| {item['number']} | {item['title']} | {_score_text(item)} | {rationale} |")
    ev_lines = []
    for item in section.get("items", []):
        for ev in item.get("evidence", [])[:2]:
            ev_lines.append(f"- {item['title']}, turn {ev['turn_index']} ({ev['shows']}): \u201c{ev['quote']}\u201d")
    if ev_lines:
        lines += ["", "Supporting turns:", *ev_lines]
    for note in section.get("notes", []):
        lines += ["", f"> {note}"]
    return "\n".join(lines) + "\n"


def render_html(section: dict) -> str:
    parts = ['<section class="ctrs">', "<h2>CBT competence (CTRS)</h2>"]
    if section.get("off_modality"):
        parts.append('<p class="off-modality">Off-modality: this persona is not a CBT case; shown for reference only.</p>')
    parts.append(f'<p class="ctrs-total">{escape(_headline(section))}</p>')
    fams = [f for f in section.get("families", {}).values() if f.get("score") is not None]
    if fams:
        parts.append("<ul class='ctrs-families'>" + "".join(
            f"<li>{escape(f['title'])}: {f['score']} / {f['max']}</li>" for f in fams) + "</ul>")
    parts.append("<table class='ctrs-items'><thead><tr><th>#</th><th>Item</th><th>Score</th><th>Rationale and supporting turns</th></tr></thead><tbody>")
    for item in section.get("items", []):
        ev = "".join(
            f'<li><a href="#turn-{int(e["turn_index"])}">turn {int(e["turn_index"])}</a> ({escape(e["shows"])}): '
            f"\u201c{escape(e['quote'])}\u201d</li>" for e in item.get("evidence", [])[:3])
        parts.append(
            f'<tr class="status-{escape(item["status"])}"><td>{item["number"]}</td><td>{escape(item["title"])}</td>'
            f"<td>{escape(_score_text(item))}</td><td>{escape(item['rationale'])}"
            + (f"<ul>{ev}</ul>" if ev else "") + "</td></tr>")
    parts.append("</tbody></table>")
    for note in section.get("notes", []):
        parts.append(f'<p class="note">{escape(note)}</p>')
    parts.append("</section>")
    return "\n".join(parts)
