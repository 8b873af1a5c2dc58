"""The strip above the transcript: who the session is with, the model's state,
the elapsed-time clock, Stop and End session. It shows what it is told and
forwards the two clicks; ``add_extra`` takes a small extra view (a meter) that
sits before the clock."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from clientsim.ui import timefmt
from clientsim.ui.model_status import ModelStatus
from clientsim.ui.style import icon


class SessionHeader(QFrame):
    stopClicked = Signal()
    endClicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sessionHeader")
        hl = QHBoxLayout(self)
        hl.setContentsMargins(20, 12, 16, 12)
        hl.setSpacing(12)
        titles = QVBoxLayout()
        titles.setSpacing(2)
        self.title = QLabel(self)
        self.title.setProperty("role", "title")
        titles.addWidget(self.title)
        self.subtitle = QLabel(self)
        self.subtitle.setProperty("role", "subtitle")
        titles.addWidget(self.subtitle)
        hl.addLayout(titles, 1)
        self.model_status = ModelStatus(self)
        hl.addWidget(self.model_status, 1)
        self.extras = QHBoxLayout()  # small views added by add_extra, before the clock
        self.extras.setSpacing(8)
        hl.addLayout(self.extras)
        self.clock_label = QLabel("00:00", self)
        self.clock_label.setObjectName("clock")
        self.clock_label.setAccessibleName("Elapsed time")
        self.clock_label.setToolTip("Time since the session started")
        hl.addWidget(self.clock_label)
        self.stop_button = QPushButton(icon("stop"), "Stop", self)
        self.stop_button.setAccessibleName("Stop the client's reply")
        self.stop_button.setToolTip("Stop the client's reply now (Esc)")
        self.stop_button.clicked.connect(self.stopClicked)
        hl.addWidget(self.stop_button)
        self.end_button = QPushButton(icon("end"), "End session", self)
        self.end_button.setProperty("role", "danger")
        self.end_button.setAccessibleName("End session")
        self.end_button.setToolTip("End the session and see your feedback (Ctrl+E)")
        self.end_button.clicked.connect(self.endClicked)
        hl.addWidget(self.end_button)

    def add_extra(self, widget: QWidget) -> None:
        self.extras.addWidget(widget)

    def set_titles(self, title: str, subtitle: str) -> None:
        self.title.setText(title)
        self.subtitle.setText(subtitle)

    def set_subtitle(self, subtitle: str) -> None:
        self.subtitle.setText(subtitle)

    def set_elapsed(self, seconds: float | None) -> None:
        text = timefmt.elapsed(seconds)
        self.clock_label.setText(text)
        self.clock_label.setAccessibleName(f"Elapsed time {text}")

    def elapsed_text(self) -> str:
        return self.clock_label.text()

    def show_state(self, *, live: bool, active: bool, generating: bool, clock: bool) -> None:
        """``live``: a session being practised (not a past or ended one)."""
        self.stop_button.setEnabled(generating)
        self.stop_button.setVisible(live)
        self.end_button.setEnabled(active)
        self.end_button.setVisible(live)
        self.clock_label.setVisible(clock)
