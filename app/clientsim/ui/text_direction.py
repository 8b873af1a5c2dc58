"""Which way a piece of text reads, by its first strong character (Unicode bidi)."""

from __future__ import annotations

import unicodedata

from PySide6.QtCore import Qt


def is_rtl(text: str) -> bool:
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def direction_of(text: str) -> Qt.LayoutDirection:
    return Qt.RightToLeft if is_rtl(text) else Qt.LeftToRight
