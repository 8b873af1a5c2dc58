"""The feedback report on one session: built (``build``), read as typed sections (``model``), rendered
from Jinja2 templates (``render``, ``templates/``) and stored (``store``). PDF: ``clientsim.ui.report_pdf``.
"""

from clientsim.judge.report.build import (
    EXPLANATIONS, MIN_RATED_COUNSELLOR_TURNS, NOT_RATED, REPORT_FORMAT, build_report, make_report,
    not_enough_to_rate,
)
from clientsim.judge.report.model import SessionReport
from clientsim.judge.report.render import format_of, render, render_html, render_md, render_section, save
from clientsim.judge.report.store import save_report_to_db, score_rows

__all__ = [
    "EXPLANATIONS", "MIN_RATED_COUNSELLOR_TURNS", "NOT_RATED", "REPORT_FORMAT", "SessionReport", "build_report",
    "format_of", "make_report", "not_enough_to_rate", "render", "render_html", "render_md", "render_section", "save",
    "save_report_to_db", "score_rows",
]
