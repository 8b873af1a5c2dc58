"""The PDF portfolio for supervision: the progress charts, then the chosen sessions' reviews.

Written with Qt's PDF writer (QPdfWriter and QTextDocument, as ui/report_pdf.py
does for one report). Each review is the report's own HTML, inserted as a
fragment after a page break; nothing edits that HTML.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QImage,
    QTextBlockFormat,
    QTextCursor,
    QTextDocument,
    QTextDocumentFragment,
    QTextImageFormat,
)
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clientsim.core.errors import UserError
from clientsim.judge.report import render_html
from clientsim.progress import SessionScores
from clientsim.ui.report_pdf import a4_writer


class PortfolioDialog(QDialog):
    """Choose the sessions whose reviews go into the portfolio (all shown ones ticked at first)."""

    def __init__(self, sessions: list[SessionScores], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Portfolio for supervision")
        lay = QVBoxLayout(self)
        intro = QLabel("The PDF starts with your progress charts (with the filters you chose), then the review of "
                       "each session ticked below.", self)
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Sessions to include")
        for s in reversed(sessions):  # newest first, as on the past-sessions page
            when = s.day.strftime("%d %b %Y") if s.day else "?"
            band = f" · MI band: {s.band}" if s.band else ""
            item = QListWidgetItem(f"{when} · {s.persona_name}{band}")
            item.setData(Qt.UserRole, s.session_id)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked)
            self.list.addItem(item)
        lay.addWidget(self.list, 1)
        row = QHBoxLayout()
        for text, state in (("Tick all", Qt.Checked), ("Untick all", Qt.Unchecked)):
            b = QPushButton(text, self)
            b.clicked.connect(lambda _=False, st=state: self._tick_all(st))
            row.addWidget(b)
        row.addStretch(1)
        lay.addLayout(row)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.button(QDialogButtonBox.Ok).setText("Save PDF…")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.resize(560, 480)

    def _tick_all(self, state) -> None:
        for i in range(self.list.count()):
            self.list.item(i).setCheckState(state)

    def chosen(self) -> list[str]:
        """Chosen session ids, oldest first."""
        ids = [self.list.item(i).data(Qt.UserRole) for i in range(self.list.count())
               if self.list.item(i).checkState() == Qt.Checked]
        return list(reversed(ids))


def write_portfolio(path: Path, charts: list[tuple[str, QImage]], reports: list[dict],
                    student_name: str | None = None, filters: str = "") -> Path:
    """Charts (title, image) on the first pages, then one review per report, each on a new page."""
    path = Path(path)
    writer = a4_writer(path, "ClientSim portfolio")
    page = writer.pageLayout().paintRectPixels(writer.resolution())
    doc = QTextDocument()
    doc.setPageSize(QSizeF(page.width(), page.height()))
    cursor = QTextCursor(doc)
    who = f" of {student_name}" if student_name else ""
    cursor.insertHtml(f"<h1>Practice portfolio{_escape(who)}</h1><p>ClientSim, {date.today():%d %B %Y}. "
                      f"{len(reports)} session review{'s' if len(reports) != 1 else ''} follow the charts."
                      f"{' Sessions shown: ' + _escape(filters) + '.' if filters else ''}</p>"
                      "<p>All figures come from an automatic coder and are estimates.</p>")
    width = page.width()
    for i, (title, image) in enumerate(charts):
        name = f"chart{i}.png"
        doc.addResource(QTextDocument.ImageResource, QUrl(name), image)
        cursor.insertBlock()
        cursor.insertHtml(f"<h3>{_escape(title)}</h3>")
        cursor.insertBlock()
        fmt = QTextImageFormat()
        fmt.setName(name)
        fmt.setWidth(width)
        fmt.setHeight(width * image.height() / max(1, image.width()))
        cursor.insertImage(fmt)
    for report in reports:
        brk = QTextBlockFormat()
        brk.setPageBreakPolicy(QTextBlockFormat.PageBreak_AlwaysBefore)
        cursor.insertBlock(brk)
        cursor.insertFragment(QTextDocumentFragment.fromHtml(render_html(report, "print")))
    doc.print_(writer)
    del writer  # flushes the file
    if not path.exists() or path.stat().st_size == 0:
        raise UserError(f"could not write the PDF to {path}", hint="Check the folder is writable.")
    return path


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
