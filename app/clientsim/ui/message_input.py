"""The box the counsellor types into: Enter sends, Shift+Enter starts a new line.

Limit: a message may be up to MAX_MESSAGE_CHARS (20,000) characters. Longer
text stays in the box (nothing is cut or lost) but cannot be sent; the counter
under the box says how much to shorten it. An empty or whitespace-only message
cannot be sent either.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QPlainTextEdit, QWidget

MAX_MESSAGE_CHARS = 20_000


class MessageInput(QPlainTextEdit):
    submitted = Signal()  # Enter (or Ctrl+Enter) pressed with something sendable
    sendableChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageInput")
        self.setAccessibleName("Your message to the client")
        self.setAccessibleDescription("Enter sends, Shift+Enter starts a new line")
        self.setPlaceholderText("Type your reply to the client…  (Enter sends, Shift+Enter new line)")
        self.setTabChangesFocus(True)  # Tab moves on, so keyboard users are never trapped
        self._sendable = False
        self._enabled_for_send = True
        self.textChanged.connect(self._update_sendable)

    def message(self) -> str:
        return self.toPlainText()

    def is_sendable(self) -> bool:
        return self._sendable

    def set_send_allowed(self, allowed: bool) -> None:
        """While the client is replying the text can be edited but not sent."""
        self._enabled_for_send = allowed
        self._update_sendable()

    def too_long(self) -> bool:
        return len(self.toPlainText()) > MAX_MESSAGE_CHARS

    def _update_sendable(self) -> None:
        text = self.toPlainText()
        ok = self._enabled_for_send and bool(text.strip()) and len(text) <= MAX_MESSAGE_CHARS and not self.isReadOnly()
        if ok != self._sendable:
            self._sendable = ok
            self.sendableChanged.emit(ok)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key_Return, Qt.Key_Enter):
            mods = event.modifiers() & ~Qt.KeypadModifier
            if mods & Qt.ShiftModifier:
                self.insertPlainText("\n")
                return
            if mods in (Qt.NoModifier, Qt.ControlModifier):
                if self._sendable:
                    self.submitted.emit()
                return  # never a stray newline on Enter, even when nothing can be sent
        super().keyPressEvent(event)
