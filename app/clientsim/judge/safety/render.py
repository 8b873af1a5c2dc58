"""Markdown and HTML for the safety section; flags first, each with its teaching note."""

from __future__ import annotations

from html import escape

from clientsim.judge.safety.flags import CHECK_TITLES


def render_md(section: dict) -> str:
    lines = ["## Safety review", "", section.get("summary", "")]
    flags = section.get("flags") or []
    if flags:
        lines.append("")
    for f in flags:
        title = CHECK_TITLES.get(f["check"], f["check"])
        lines += [
            f"- **{title}** ({f['severity']}) at turn {f['turn_index']}: {f['reason']}",
            f"  > {f['quote']}",
            f"  *What to do instead:* {f['teaching_note']}",
        ]
    return "\n".join(lines) + "\n"


def render_html(section: dict) -> str:
    parts = ['<section class="safety">', "<h2>Safety review</h2>", f"<p>{escape(section.get('summary', ''))}</p>"]
    flags = section.get("flags") or []
    if flags:
        parts.append('<ul class="safety-flags">')
        for f in flags:
            title = CHECK_TITLES.get(f["check"], f["check"])
            parts.append(
                f'<li class="flag severity-{escape(f["severity"])}" data-turn="{int(f["turn_index"])}">'
                f"<strong>{escape(title)}</strong> ({escape(f['severity'])}) at "
                f'<a href="#turn-{int(f["turn_index"])}">turn {int(f["turn_index"])}</a>: {escape(f["reason"])}'
                f"<blockquote>{escape(f['quote'])}</blockquote>"
                f'<p class="teaching-note">What to do instead: {escape(f["teaching_note"])}</p></li>'
            )
        parts.append("</ul>")
    parts.append("</section>")
    return "\n".join(parts)


def flags_by_turn(section: dict) -> dict[int, list[dict]]:
    """For inline display on the transcript: turn index -> its flags."""
    out: dict[int, list[dict]] = {}
    for f in section.get("flags") or []:
        out.setdefault(int(f["turn_index"]), []).append(f)
    return out
