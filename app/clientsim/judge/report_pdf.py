"""PDF through Qt: QTextDocument renders the report HTML into a QPdfWriter.

Works headless with QT_QPA_PLATFORM=offscreen; a QGuiApplication is created
if none exists (the app's QApplication is reused when running in the UI).
"""

from __future__ import annotations

import os
from pathlib import Path

from clientsim.core.errors import UserError


def write_pdf(report: dict, path: Path) -> Path:
    from clientsim.judge.report_html import render_html

    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        from PySide6.QtCore import QSizeF
        from PySide6.QtGui import QGuiApplication, QTextDocument
        from PySide6.QtWidgets import QApplication
    except ImportError as exc:  # pragma: no cover - PySide6 is a dependency
        raise UserError("PDF export needs PySide6", hint="Install it or save the report as HTML.") from exc
    # A QApplication (not just a QGuiApplication) so widgets can still be made later in this process.
    app = QGuiApplication.instance() or QApplication([])  # noqa: F841 - must live while painting
    path = Path(path)
    writer = a4_writer(path, "ClientSim session feedback")
    doc = QTextDocument()
    doc.setHtml(render_html(report))
    layout = writer.pageLayout()
    rect = layout.paintRectPixels(writer.resolution())
    doc.setPageSize(QSizeF(rect.width(), rect.height()))
    doc.print_(writer)
    del writer  # flushes the file
    if not path.exists() or path.stat().st_size == 0:
        raise UserError(f"could not write the PDF to {path}", hint="Check the folder is writable, or save as HTML.")
    return path


def a4_writer(path: Path, title: str):
    """A QPdfWriter for an A4 document with 15 mm margins at screen resolution (reports and portfolios)."""
    from PySide6.QtCore import QMarginsF
    from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter

    path.parent.mkdir(parents=True, exist_ok=True)
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter)
    writer.setResolution(96)
    writer.setTitle(title)
    return writer
