"""The beginners' openness meter: how open the simulated client is right now.

Shown only when an instructor turns on Settings → "Show how open the client is
during a session" (`Settings.openness_meter`); otherwise the client's state
shows only in the review, as it would with a real client. It reads the state
the session stores with each reply (`ClientState.openness`, 0-10).
"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

WORDS = ((3, "guarded"), (6, "warming up"), (10.1, "open"))


def openness_words(value: float) -> str:
    return next(word for limit, word in WORDS if value < limit)


class OpennessMeter(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("opennessMeter")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 8, 0)
        lay.setSpacing(6)
        self.label = QLabel("Client:", self)
        self.label.setProperty("role", "muted")
        lay.addWidget(self.label)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 100)
        self.bar.setFixedWidth(90)
        self.bar.setTextVisible(False)
        lay.addWidget(self.bar)
        self.words = QLabel(self)
        lay.addWidget(self.words)
        self.show_state(None)

    def show_state(self, state: dict | None) -> None:
        """A stored state summary (turn meta "state"), or None when the session has none."""
        if not state or "openness" not in state:
            self.bar.setValue(0)
            self.words.setText("")
            self.setAccessibleName("Client's openness: not known yet")
            return
        value = float(state["openness"])
        self.bar.setValue(int(round(value * 10)))
        self.words.setText(openness_words(value))
        self.setAccessibleName(f"Client's openness: {openness_words(value)} ({value:.0f} of 10)")
        self.setToolTip("How open the simulated client is to you right now (an instructor setting for beginners).")
