"""The feedback report inside the app: the report's screen HTML in a QTextBrowser,
with "Save as HTML…" and "Save as PDF…" (both the print variant). The scale
that is not the session's own (CTRS in an MI session, MITI in a CBT one) is
folded behind a link that unfolds it. Saving suggests a readable name (client
and date), opens in the folder used last time, and says where the file went."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from clientsim.core.when import parse_iso
from clientsim.judge.report import SessionReport, render_html, save
from clientsim.judge.report.render import SHOW_OTHER_LINK
from clientsim.ui import window_state
from clientsim.ui.report_pdf import write_pdf


class ReportView(QWidget):
    saved = Signal(str)  # path written

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Feedback report")
        self.report: dict | None = None
        self.typed: SessionReport | None = None
        self.show_other = False  # the other scale unfolded
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.browser = QTextBrowser(self)
        self.browser.setObjectName("reportBrowser")
        self.browser.setAccessibleName("Feedback report text")
        self.browser.setOpenLinks(False)  # in-page links (turn numbers) scroll instead
        self.browser.anchorClicked.connect(self._anchor)
        self.browser.setMinimumHeight(120)  # the review must fit a 640-pixel-high window at 20 pt
        lay.addWidget(self.browser, 1)
        row = QHBoxLayout()
        self.saved_label = QLabel(self)
        self.saved_label.setProperty("role", "muted")
        self.saved_label.setWordWrap(True)
        self.saved_label.setTextFormat(Qt.RichText)
        self.saved_label.setTextInteractionFlags(Qt.TextBrowserInteraction)
        self.saved_label.linkActivated.connect(lambda url: QDesktopServices.openUrl(QUrl(url)))
        row.addWidget(self.saved_label, 1)
        self.save_html_button = QPushButton("Save as HTML…", self)
        self.save_html_button.setAccessibleName("Save the feedback report as an HTML file")
        self.save_html_button.clicked.connect(lambda: self._save("html"))
        row.addWidget(self.save_html_button)
        self.save_pdf_button = QPushButton("Save as PDF…", self)
        self.save_pdf_button.setAccessibleName("Save the feedback report as a PDF file")
        self.save_pdf_button.clicked.connect(lambda: self._save("pdf"))
        row.addWidget(self.save_pdf_button)
        lay.addLayout(row)
        self._set_enabled(False)

    def _set_enabled(self, on: bool) -> None:
        self.save_html_button.setEnabled(on)
        self.save_pdf_button.setEnabled(on)

    def set_report(self, report: dict) -> None:
        self.report = report
        self.typed = SessionReport.from_dict(report)
        self.show_other = False
        self._show()
        self._set_enabled(True)

    def _show(self) -> None:
        bar = self.browser.verticalScrollBar()
        at = bar.value()
        self.browser.setHtml(render_html(self.typed, "screen", show_other=self.show_other))
        bar.setValue(at)

    def set_show_other(self, on: bool) -> None:
        """Unfold (or fold away) the scale that is not the session's own."""
        if self.typed is not None and on != self.show_other:
            self.show_other = on
            self._show()

    def _anchor(self, url) -> None:
        if url.toString() == SHOW_OTHER_LINK:
            self.set_show_other(not self.show_other)
        elif url.hasFragment() and not url.scheme():
            self.browser.scrollToAnchor(url.fragment())

    def suggested_name(self, fmt: str) -> str:
        """'feedback-maria-lopez-2026-12-02.html': the client and the day of the session, not an id."""
        report = self.report or {}
        who = ((report.get("persona") or {}).get("name") or "session").split("(")[0]
        word = "-".join("".join(c if c.isalnum() else " " for c in who).split()).lower() or "session"
        when = parse_iso((report.get("session") or {}).get("started_at") or report.get("created_at"))
        day = f"{when.astimezone():%Y-%m-%d}" if when else ""
        return f"feedback-{word}{'-' + day if day else ''}.{fmt}"

    def save_to(self, path: str | Path, fmt: str) -> Path:
        """Write the report (used by the buttons; callable from tests)."""
        if self.report is None:
            raise ValueError("no report to save")
        return write_pdf(self.report, Path(path)) if fmt == "pdf" else save(self.report, Path(path), fmt)

    def _save(self, fmt: str) -> None:
        title = "Save feedback report as HTML" if fmt == "html" else "Save feedback report as PDF"
        filt = "HTML files (*.html)" if fmt == "html" else "PDF files (*.pdf)"
        start = window_state.last_folder("reports") / self.suggested_name(fmt)
        path, _ = QFileDialog.getSaveFileName(self, title, str(start), filt)
        if not path:
            return
        if not path.lower().endswith("." + fmt):
            path += "." + fmt
        try:
            written = self.save_to(path, fmt)
        except Exception as exc:  # noqa: BLE001 - the user must see why
            QMessageBox.warning(self, "Could not save the report", f"{exc}\n\nTry another folder.")
            return
        window_state.remember_folder("reports", written)
        self.show_saved(written)
        self.saved.emit(str(written))

    def show_saved(self, path: Path) -> None:
        folder = QUrl.fromLocalFile(str(Path(path).parent)).toString()
        self.saved_label.setText(f"Saved to {_escape(str(path))} · <a href=\"{folder}\">open the folder</a>")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
