"""Where the student writes: the message box, Send, the key hints, the length
counter, and room for the voice panel underneath. It shows what it is told and
forwards ``sendRequested`` (the button, or Enter in the box)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from clientsim.ui.message_input import MAX_MESSAGE_CHARS, MessageInput
from clientsim.ui.style import icon

HINT = "Enter sends · Shift+Enter new line · Esc stops the reply · Ctrl+E ends the session"


def length_note(n: int) -> str:
    if n > MAX_MESSAGE_CHARS:
        return f"{n:,} / {MAX_MESSAGE_CHARS:,} characters — too long to send; please shorten it"
    if n > 2000:
        return f"{n:,} / {MAX_MESSAGE_CHARS:,} characters"
    return ""


class InputBar(QFrame):
    sendRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(20, 12, 20, 12)
        self._layout.setSpacing(6)
        row = QHBoxLayout()
        row.setSpacing(10)
        self.input = MessageInput(self)
        self.input.setFixedHeight(96)
        row.addWidget(self.input, 1)
        self.send_button = QPushButton(icon("send"), "Send", self)
        self.send_button.setProperty("role", "primary")
        self.send_button.setAccessibleName("Send message")
        self.send_button.setToolTip("Send your message (Enter)")
        self.send_button.setMinimumHeight(44)
        self.send_button.clicked.connect(self.sendRequested)
        row.addWidget(self.send_button, 0, Qt.AlignBottom)
        self._layout.addLayout(row)
        hint_row = QHBoxLayout()
        self.hint = QLabel(HINT, self)
        self.hint.setObjectName("hint")
        hint_row.addWidget(self.hint, 1)
        self.counter = QLabel(self)
        self.counter.setObjectName("hint")
        self.counter.setAccessibleName("Message length")
        hint_row.addWidget(self.counter)
        self._layout.addLayout(hint_row)
        self.input.submitted.connect(self.sendRequested)
        self.input.sendableChanged.connect(lambda ok: self.send_button.setEnabled(ok))
        self.input.textChanged.connect(lambda: self.counter.setText(length_note(len(self.input.message()))))

    def add_below(self, widget: QWidget) -> None:
        """The voice panel's place."""
        self._layout.addWidget(widget)

    def message(self) -> str:
        return self.input.message()

    def has_message(self) -> bool:
        """Something that may be sent: not blank and not over the limit."""
        text = self.input.message()
        return bool(text.strip()) and len(text) <= MAX_MESSAGE_CHARS

    def clear(self) -> None:
        self.input.clear()

    def append_text(self, text: str) -> None:
        """Recognised speech joins what is in the box, ready to edit; the cursor goes to its end."""
        current = self.input.message()
        self.input.setPlainText(f"{current} {text}".strip() if current.strip() else text)
        cursor = self.input.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        self.input.setTextCursor(cursor)
        self.input.setFocus(Qt.OtherFocusReason)

    def show_state(self, *, active: bool, generating: bool) -> None:
        """``active``: the student may type; a message can be sent only while the client is not replying."""
        self.input.setReadOnly(not active)
        self.input.setEnabled(active)
        self.input.set_send_allowed(active and not generating)
        self.send_button.setEnabled(self.input.is_sendable())
