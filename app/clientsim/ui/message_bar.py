"""A bar at the top of the window for notices the student must see.

Database notices (a corrupt file set aside, a locked file), settings notices,
failed background jobs and the disk-full warning all come here, each with what
to do next and, where useful, one action button. Messages stay until closed
(errors) or time out (info).
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from clientsim.ui.style import icon

KINDS = ("info", "warning", "error")
_LABELS = {"info": "Note", "warning": "Warning", "error": "Problem"}


class Message(QFrame):
    def __init__(self, key: str, kind: str, text: str, action: tuple[str, Callable[[], None]] | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key, self.kind = key, kind
        self.closed = False
        self.setObjectName("message")
        self.setProperty("kind", kind)
        self.setAccessibleName(f"{_LABELS[kind]}: {text}")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(12, 8, 8, 8)
        lay.setSpacing(10)
        badge = QLabel(self)
        badge.setPixmap(icon(kind).pixmap(18, 18))
        badge.setAlignment(Qt.AlignTop)
        lay.addWidget(badge)
        # The kind is said in words too, not by colour alone.
        self.label = QLabel(f"<b>{_LABELS[kind]}:</b> " + _escape(text), self)
        self.label.setObjectName("messageText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextSelectableByMouse | Qt.TextSelectableByKeyboard)
        self.label.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        lay.addWidget(self.label, 1)
        self.text = text
        if action:
            caption, callback = action
            btn = QPushButton(caption, self)
            btn.setAccessibleName(caption)
            btn.clicked.connect(callback)
            btn.clicked.connect(self.close_message)
            lay.addWidget(btn, 0, Qt.AlignTop)
        close = QPushButton(self)
        close.setObjectName("messageClose")
        close.setIcon(icon("close"))
        close.setToolTip("Dismiss")
        close.setAccessibleName("Dismiss message")
        close.clicked.connect(self.close_message)
        lay.addWidget(close, 0, Qt.AlignTop)

    def close_message(self) -> None:
        self.closed = True
        self.hide()
        self.deleteLater()


def _escape(text: str) -> str:
    import html

    return html.escape(text).replace("\n", "<br>")


class MessageBar(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self._lay = QVBoxLayout(self)
        self._lay.setContentsMargins(16, 8, 16, 0)
        self._lay.setSpacing(6)
        self.hide()

    def show_message(self, text: str, kind: str = "info", *, key: str | None = None,
                     action: tuple[str, Callable[[], None]] | None = None, timeout_ms: int | None = None) -> Message:
        """Show a message; a message with the same key replaces the earlier one."""
        key = key or text
        for m in self.messages():
            if m.key == key:
                m.close_message()
        msg = Message(key, kind, text, action, self)
        msg.destroyed.connect(self._update_visibility)
        msg.findChild(QPushButton, "messageClose").clicked.connect(self._update_visibility)
        self._lay.addWidget(msg)
        self.show()
        if timeout_ms is None and kind == "info":
            timeout_ms = 12000
        if timeout_ms:
            QTimer.singleShot(timeout_ms, msg, msg.close_message)
        return msg

    def clear(self, key: str) -> None:
        for m in self.messages():
            if m.key == key:
                m.close_message()

    def messages(self) -> list[Message]:
        return [m for m in self.findChildren(Message) if not m.closed]

    def texts(self) -> list[str]:
        return [m.text for m in self.messages()]

    def _update_visibility(self) -> None:
        if not self.messages():
            self.hide()
