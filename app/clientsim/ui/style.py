"""Icons and the app stylesheet, both from assets/ (paths.assets_dir())."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtGui import QFont, QIcon
from PySide6.QtWidgets import QApplication

from clientsim import paths

UI_FONT_FAMILIES = ["Noto Sans", "DejaVu Sans", "Segoe UI", "Helvetica Neue", "Arial"]


@lru_cache(maxsize=None)
def icon(name: str) -> QIcon:
    path = paths.assets_dir() / "icons" / f"{name}.svg"
    return QIcon(str(path)) if path.is_file() else QIcon()


def stylesheet(font_size: int) -> str:
    path = paths.assets_dir() / "clientsim.qss"
    try:
        qss = path.read_text(encoding="utf-8")
    except OSError:
        return ""  # the app still works with Qt's own look
    sizes = {
        "@BASE@": font_size,
        "@SMALL@": max(8, font_size - 2),
        "@LARGE@": font_size + 2,
        "@TITLE@": font_size + 6,
    }
    for token, value in sizes.items():
        qss = qss.replace(token, str(value))
    return qss.replace("@ICONS@", (paths.assets_dir() / "icons").as_posix())


def apply_style(app: QApplication, font_size: int) -> None:
    font = QFont()
    font.setFamilies(UI_FONT_FAMILIES)
    font.setPointSize(font_size)
    app.setFont(font)
    app.setStyleSheet(stylesheet(font_size))
