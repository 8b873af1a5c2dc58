"""F1: a short help page (how a session works, client styles, bands, figures, shortcuts).

The page is a Jinja2 template (autoescaped) filled from the same tables the app
uses (persona styles, MITI thresholds, the report's explanations), so the help
cannot drift from what the app does.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from clientsim.judge.ctrs.items import COMPETENCE_LINE
from clientsim.judge.mi.metrics import THRESHOLDS
from clientsim.judge.report import EXPLANATIONS

TEMPLATES = Path(__file__).with_name("templates")

STYLE_WORDS = {
    "plain": "answers clearly and directly, without much colour",
    "upset": "is distressed, irritated or defensive, and may challenge you",
    "verbose": "gives long, detailed answers; you need to focus and pace",
    "reserved": "says little and opens up only with warmth and patience",
    "tangent": "drifts into stories and side topics; steer gently back",
    "pleasing": "agrees, apologises and says what they think you want to hear",
}
FIGURE_NAMES = {
    "reflection_to_question": "R:Q (reflections per question)",
    "percent_complex_reflections": "% complex reflections",
    "percent_open_questions": "% open questions",
    "technical": "Technical global",
    "relational": "Relational global",
    "change_talk": "Change talk",
    "sustain_talk": "Sustain talk",
}
SHORTCUTS = (
    ("Ctrl+1 … Ctrl+4", "Clients, Session, Past sessions, Progress"),
    ("Enter / Shift+Enter", "send your reply / start a new line"),
    ("Esc", "stop the client's reply"),
    ("Ctrl+E", "end the session"),
    ("Ctrl+F", "search the clients"),
    ("Ctrl+,", "settings"),
    ("Delete", "delete the selected past session (after a question)"),
    ("F1", "this help"),
    ("Ctrl+Q", "quit"),
)


def help_html() -> str:
    from clientsim.personas.model import STYLES

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    return env.get_template("help.html").render(
        styles=[(s, STYLE_WORDS.get(s, "")) for s in STYLES],
        thresholds=[(FIGURE_NAMES[k], f"{v['fair']:g}", f"{v['good']:g}") for k, v in THRESHOLDS.items()],
        competence=COMPETENCE_LINE,
        figures=[(FIGURE_NAMES[k], EXPLANATIONS[k]) for k in FIGURE_NAMES if k in EXPLANATIONS],
        shortcuts=SHORTCUTS,
    )


class HelpDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("ClientSim help")
        self.setAccessibleName("Help")
        lay = QVBoxLayout(self)
        self.browser = QTextBrowser(self)
        self.browser.setOpenLinks(False)
        self.browser.setHtml(help_html())
        self.browser.setAccessibleName("Help text")
        lay.addWidget(self.browser, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.setWindowFlag(Qt.WindowContextHelpButtonHint, False)

    def fit_to(self, window: QWidget) -> None:
        """Most of the window's size, never more than the screen."""
        screen = window.screen().availableGeometry() if window.screen() else None
        w, h = int(window.width() * 0.7), int(window.height() * 0.85)
        if screen is not None:
            w, h = min(w, screen.width()), min(h, screen.height())
        self.resize(max(420, w), max(320, h))
