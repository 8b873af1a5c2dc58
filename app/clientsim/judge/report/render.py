"""The report as JSON, Markdown or HTML, and saved to a file.

HTML and Markdown come from the Jinja2 templates in ``templates/`` (one per
section), HTML with autoescaping on. ``variant`` picks the layout of the HTML:
"print" for a file or a PDF (a browser page; the other scale in a <details>
block), "screen" for the review in the app (the window's own font and width;
the other scale folded behind a link the review opens with ``show_other``).
PDF is written on the Qt side (``clientsim.ui.report_pdf``).
"""

from __future__ import annotations

import json
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from clientsim.core.errors import UserError
from clientsim.core.files import atomic_write_text
from types import SimpleNamespace

from clientsim.judge.report.model import CTRS, MITI, SessionReport, ctrs_section, safety_section

TEXT_FORMATS = ("json", "md", "html")
VARIANTS = ("print", "screen")
SHOW_OTHER_LINK = "#show-other-scale"  # the screen variant's link that unfolds the other scale


def _md_escape(value):
    """What a Markdown viewer would take for HTML is written as an entity: '<script>' stays text."""
    return value if value is None else str(value).replace("<", "&lt;")


def _environment(autoescape: bool) -> Environment:
    env = Environment(loader=PackageLoader("clientsim.judge.report", "templates"), autoescape=autoescape,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                      **({} if autoescape else {"finalize": _md_escape}))
    env.globals.update(MITI=MITI, CTRS=CTRS, SHOW_OTHER_LINK=SHOW_OTHER_LINK)
    env.filters["cell"] = lambda text: str(text).replace("|", "\\|").replace("\n", " ")
    return env


_HTML = _environment(autoescape=True)
# Markdown is read as plain text too, so only "<" is escaped (an apostrophe as "&#39;" would read badly)
_MD = _environment(autoescape=False)


def render_html(report: dict | SessionReport, variant: str = "print", show_other: bool = False) -> str:
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; expected print or screen")
    r = report if isinstance(report, SessionReport) else SessionReport.from_dict(report)
    css = _HTML.get_template("report.css").render(variant=variant)
    return _HTML.get_template("html/report.html").render(r=r, css=css, variant=variant, show_other=show_other)


def render_md(report: dict | SessionReport) -> str:
    r = report if isinstance(report, SessionReport) else SessionReport.from_dict(report)
    return _MD.get_template("md/report.md").render(r=r)


SECTIONS = {"ctrs": ctrs_section, "safety": safety_section}


def render_section(name: str, section: dict, fmt: str = "md", variant: str = "print") -> str:
    """One section (ctrs | safety) of a report on its own, from the same template the whole report uses."""
    r = SimpleNamespace(**{name: SECTIONS[name](section)})
    if fmt == "md":
        return _MD.get_template(f"md/{name}.md").render(r=r)
    return _HTML.get_template(f"html/{name}.html").render(r=r, variant=variant)


def render(report: dict, fmt: str = "json", variant: str = "print") -> str:
    if fmt == "json":
        return json.dumps(report, indent=2, ensure_ascii=False)
    if fmt == "md":
        return render_md(report)
    if fmt == "html":
        return render_html(report, variant)
    raise ValueError(f"unknown text format {fmt!r}; expected json, md or html")


def format_of(path: Path, fmt: str | None = None) -> str:
    """json | md | html | pdf, from ``fmt`` or the file's extension."""
    fmt = (fmt or Path(path).suffix.lstrip(".") or "json").lower()
    fmt = {"markdown": "md", "htm": "html"}.get(fmt, fmt)
    if fmt not in (*TEXT_FORMATS, "pdf"):
        raise UserError(f"unknown report format {fmt!r}", hint="Use json, md, html or pdf.")
    return fmt


def save(report: dict, path: Path, fmt: str | None = None) -> Path:
    """Write the report as JSON, Markdown or HTML (atomically). PDF: ``clientsim.ui.report_pdf.write_pdf``."""
    path = Path(path)
    fmt = format_of(path, fmt)
    if fmt == "pdf":
        raise UserError("a PDF is drawn by Qt, not by the judge", hint="Use clientsim.ui.report_pdf.write_pdf.")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, render(report, fmt))
    return path
