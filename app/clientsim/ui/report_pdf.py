"""PDF through Qt: the one A4 writer (reports and the portfolio) and the report as a PDF.

QTextDocument lays out the report's print HTML into a QPdfWriter. Works
headless with QT_QPA_PLATFORM=offscreen; a QApplication is created if none
exists (the app's is reused when running in the window, and the CLI calls
this for ``clientsim judge report -f pdf``).
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QMarginsF, QSizeF
from PySide6.QtGui import QGuiApplication, QPageLayout, QPageSize, QPdfWriter, QTextDocument
from PySide6.QtWidgets import QApplication

from clientsim.core.errors import UserError
from clientsim.judge.report import render_html


def a4_writer(path: Path, title: str) -> QPdfWriter:
    """A QPdfWriter for an A4 document with 15 mm margins at screen resolution (reports and portfolios)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter)
    writer.setResolution(96)
    writer.setTitle(title)
    return writer


def _painting_app():
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # A QApplication (not just a QGuiApplication) so widgets can still be made later in this process.
    return QGuiApplication.instance() or QApplication([])


def write_pdf(report: dict, path: Path) -> Path:
    """The report (print variant) as an A4 PDF, written beside ``path`` and renamed: a failure never leaves
    half a PDF over a good one."""
    app = _painting_app()  # noqa: F841 - must live while painting
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.pdf")
    try:
        writer = a4_writer(tmp, "ClientSim session feedback")
        doc = QTextDocument()
        doc.setHtml(render_html(report, "print"))
        rect = writer.pageLayout().paintRectPixels(writer.resolution())
        doc.setPageSize(QSizeF(rect.width(), rect.height()))
        doc.print_(writer)
        del writer  # flushes the file
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise UserError(f"could not write the PDF to {path}", hint="Check the folder is writable, or save as HTML.")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path

