"""The conversation as blocks, one per turn, with the speaker named in words.

Counsellor turns sit to the right on a tinted block, client turns to the left
on a white one; both also carry a text label ("You (counsellor)", "Maria
(client)") so the speaker never depends on colour or position alone, and the
turn's stored number ("turn 15"), the number the feedback report cites. The
client's reply grows in place while it streams (updated by StreamBuffer, at
most every 50 ms). Text that reads right-to-left is laid out right-to-left.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from clientsim.ui.text_direction import direction_of
from clientsim.ui.timefmt import clock

COUNSELLOR = "counsellor"
CLIENT = "client"


class TurnBlock(QFrame):
    def __init__(self, speaker: str, who: str, text: str, at: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.speaker = speaker
        self.who = who
        self.number: int | None = None  # the stored turn index, once known
        self.setProperty("speaker", speaker)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Minimum)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(14, 10, 14, 12)
        lay.setSpacing(4)
        head = QHBoxLayout()
        head.setSpacing(8)
        self.speaker_label = QLabel(who, self)
        self.speaker_label.setProperty("role", "speaker")
        head.addWidget(self.speaker_label)
        head.addStretch(1)
        self.number_label = QLabel(self)
        self.number_label.setProperty("role", "time")
        self.number_label.hide()
        head.addWidget(self.number_label)
        self.time_label = QLabel(clock(at), self)
        self.time_label.setProperty("role", "time")
        head.addWidget(self.time_label)
        lay.addLayout(head)
        self.text_label = QLabel(self)
        self.text_label.setProperty("role", "turnText")
        self.text_label.setTextFormat(Qt.PlainText)  # what was typed is shown as typed
        self.text_label.setWordWrap(True)
        self.text_label.setTextInteractionFlags(Qt.TextSelectableByMouse | Qt.TextSelectableByKeyboard)
        self.text_label.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Minimum)
        lay.addWidget(self.text_label)
        self.note_label = QLabel(self)
        self.note_label.setProperty("role", "turnNote")
        self.note_label.setWordWrap(True)
        self.note_label.hide()
        lay.addWidget(self.note_label)
        self.set_text(text)

    def text(self) -> str:
        return self.text_label.text()

    def set_text(self, text: str) -> None:
        self.text_label.setText(text)
        direction = direction_of(text)
        self.text_label.setLayoutDirection(direction)
        # AlignLeft is the *leading* edge: mirrored to the right for right-to-left text.
        self.text_label.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        self.setAccessibleName(f"{self.who}: {text[:300]}")

    def set_note(self, note: str) -> None:
        self.note_label.setText(note)
        self.note_label.setVisible(bool(note))

    def set_number(self, index: int) -> None:
        """The stored turn index, shown as the report shows it: 'turn 15'."""
        self.number = index
        self.number_label.setText(f"turn {index}")
        self.number_label.show()

    def set_time(self, at: str | None) -> None:
        self.time_label.setText(clock(at))


class TranscriptView(QScrollArea):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("transcript")
        self.setAccessibleName("Conversation transcript")
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.StrongFocus)  # arrow keys and PageUp/Down scroll it
        inner = QWidget(self)
        inner.setObjectName("transcriptInner")
        self._lay = QVBoxLayout(inner)
        self._lay.setContentsMargins(20, 16, 20, 16)
        self._lay.setSpacing(12)
        # Chat-style: turns sit at the bottom, next to the message box; spare room goes above.
        self._lay.addStretch(1)
        self.setWidget(inner)
        self.blocks: list[TurnBlock] = []
        self.live: TurnBlock | None = None  # the client reply being streamed
        self._by_index: dict[int, TurnBlock] = {}  # stored turn index -> its block
        self.verticalScrollBar().rangeChanged.connect(self._follow)
        self._stick_to_bottom = True
        self.verticalScrollBar().valueChanged.connect(self._track_position)

    # -- content -----------------------------------------------------------
    def clear(self) -> None:
        for b in self.blocks:
            b.setParent(None)
            b.deleteLater()
        while self._lay.count() > 1:
            item = self._lay.takeAt(1)
            if item.layout():
                item.layout().deleteLater()
        self.blocks = []
        self.live = None
        self._by_index = {}
        self._stick_to_bottom = True

    def add_turn(self, speaker: str, who: str, text: str, at: str | None = None, note: str = "",
                 index: int | None = None) -> TurnBlock:
        """``index``: the stored turn's index, so that ``set_note`` can find the block later."""
        block = TurnBlock(speaker, who, text, at)
        if index is not None:
            self._by_index[index] = block
            block.set_number(index)
        block.set_note(note)
        row = QHBoxLayout()
        row.setSpacing(0)
        # Counsellor to the right, client to the left; about 85 % of the width.
        if speaker == COUNSELLOR:
            row.addStretch(1)
            row.addWidget(block, 6)
        else:
            row.addWidget(block, 6)
            row.addStretch(1)
        self._lay.addLayout(row)
        self.blocks.append(block)
        self._stick_to_bottom = True
        return block

    def begin_reply(self, who: str) -> TurnBlock:
        self.live = self.add_turn(CLIENT, who, "…")
        self.live.set_note(f"{who.split(' (')[0]} is replying…")
        return self.live

    def update_reply(self, text: str) -> None:
        if self.live is not None:
            self.live.set_text(text or "…")

    def finish_reply(self, text: str, at: str | None = None, note: str = "", index: int | None = None) -> None:
        if self.live is not None:
            self.live.set_text(text)
            self.live.set_time(at)
            self.live.set_note(note)
            if index is not None:
                self._by_index[index] = self.live
                self.live.set_number(index)
            self.live = None

    def set_note(self, index: int, note: str) -> bool:
        """A note under the stored turn ``index`` (e.g. where the student cut in); False if it is not shown."""
        block = self._by_index.get(index)
        if block is None or block not in self.blocks:
            return False
        block.set_note(note)
        return True

    def drop_reply(self) -> None:
        """The reply never started (e.g. the model failed): remove its empty block."""
        if self.live is not None:
            block, self.live = self.live, None
            self.blocks.remove(block)
            block.setParent(None)
            block.deleteLater()

    def texts(self) -> list[tuple[str, str]]:
        return [(b.speaker, b.text()) for b in self.blocks]

    # -- scrolling -----------------------------------------------------------
    def _track_position(self, value: int) -> None:
        bar = self.verticalScrollBar()
        self._stick_to_bottom = value >= bar.maximum() - 8

    def _follow(self, _min: int, maximum: int) -> None:
        if self._stick_to_bottom:
            QTimer.singleShot(0, self, self.scroll_to_bottom)

    def scroll_to_bottom(self) -> None:
        self.verticalScrollBar().setValue(self.verticalScrollBar().maximum())
