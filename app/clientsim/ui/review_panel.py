"""After a session: the feedback report and, now that it is over, the instructor notes.

The report comes from the judge (``clientsim.judge.report.make_report``, run by
the session controller in a worker on the session thread, as it uses the
language model, while a progress bar moves) and is shown by
``clientsim.ui.report_view.ReportView``. The review takes the session page's
full width; "Show the chat" brings the conversation back on the left.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from clientsim.personas.model import Persona
from clientsim.ui.client_chart import ClientStateChart
from clientsim.ui.report_view import ReportView


class ReviewPanel(QFrame):
    backRequested = Signal()
    againRequested = Signal()
    reportRequested = Signal()
    chatToggled = Signal(bool)  # show the conversation beside the review

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewPanel")
        self.setAccessibleName("Session review")
        outer = QVBoxLayout(self)
        # the page header already names the session: every line here is room the report needs on a small screen
        outer.setContentsMargins(8, 6, 8, 6)
        outer.setSpacing(6)
        self.summary = QLabel(self)
        self.summary.setProperty("role", "muted")
        self.summary.setWordWrap(True)
        outer.addWidget(self.summary)

        self.progress_label = QLabel(self)
        self.progress_label.setProperty("role", "muted")
        self.progress_label.setWordWrap(True)
        self.progress_label.hide()
        outer.addWidget(self.progress_label)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName("Feedback report progress")
        self.progress.hide()
        outer.addWidget(self.progress)
        self.report_button = QPushButton("Create feedback report", self)
        self.report_button.setAccessibleName("Create feedback report")
        self.report_button.clicked.connect(self.reportRequested)
        self.report_button.hide()
        outer.addWidget(self.report_button, 0, Qt.AlignLeft)

        # Two tabs: the feedback report fills its tab (it scrolls itself); the
        # instructor notes, visible now that the session is over, have their own.
        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("Review sections")
        report_tab = QWidget()
        self.report_slot = QVBoxLayout(report_tab)
        self.report_slot.setContentsMargins(4, 6, 4, 4)
        self.tabs.addTab(report_tab, "Feedback")
        notes_scroll = QScrollArea()
        notes_scroll.setWidgetResizable(True)
        notes_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        notes_body = QWidget()
        nl = QVBoxLayout(notes_body)
        nl.setContentsMargins(10, 10, 10, 10)
        self.notes = QLabel(notes_body)
        self.notes.setObjectName("instructorNotes")
        self.notes.setAccessibleName("Instructor notes")
        self.notes.setWordWrap(True)
        self.notes.setTextFormat(Qt.PlainText)
        self.notes.setTextInteractionFlags(Qt.TextSelectableByMouse | Qt.TextSelectableByKeyboard)
        self.notes.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        nl.addWidget(self.notes)
        nl.addStretch(1)
        notes_scroll.setWidget(notes_body)
        self.tabs.addTab(notes_scroll, "Instructor notes")
        # the simulated client's state over the session, when the session stored it
        self.client_chart = ClientStateChart()
        self.client_tab = self.tabs.addTab(self.client_chart, "How the client responded")
        self.tabs.setTabVisible(self.client_tab, False)
        outer.addWidget(self.tabs, 1)

        buttons = QHBoxLayout()
        self.back_button = QPushButton("Back to clients", self)
        self.back_button.setAccessibleName("Back to the client library")
        self.back_button.clicked.connect(self.backRequested)
        buttons.addWidget(self.back_button)
        self.chat_button = QPushButton("Show the chat", self)
        self.chat_button.setCheckable(True)
        self.chat_button.setAccessibleName("Show the conversation beside the review")
        self.chat_button.toggled.connect(self._chat_toggled)
        buttons.addWidget(self.chat_button)
        buttons.addStretch(1)
        self.again_button = QPushButton("Practise again", self)
        self.again_button.setProperty("role", "primary")
        self.again_button.setAccessibleName("Start a new session with the same client")
        self.again_button.clicked.connect(self.againRequested)
        buttons.addWidget(self.again_button)
        outer.addLayout(buttons)
        self.report_widget = None

    def show_review(self, persona: Persona | None, summary: str, instructor_notes: str | None = None) -> None:
        self.summary.setText(summary)
        notes = instructor_notes if instructor_notes is not None else (persona.instructor_notes if persona else "")
        self.notes.setText(notes or "No instructor notes for this client.")
        self.again_button.setEnabled(persona is not None)
        self._clear_report()
        self.show_client_state(None)
        self.progress.hide()
        self._status("")
        self.report_button.hide()
        self.tabs.setCurrentIndex(0)

    def _chat_toggled(self, on: bool) -> None:
        self.chat_button.setText("Hide the chat" if on else "Show the chat")
        self.chatToggled.emit(on)

    def show_notes(self) -> None:
        self.tabs.setCurrentIndex(1)

    def _status(self, text: str) -> None:
        self.progress_label.setText(text)
        self.progress_label.setVisible(bool(text))

    def _clear_report(self) -> None:
        if self.report_widget is not None:
            self.report_widget.setParent(None)
            self.report_widget.deleteLater()
            self.report_widget = None

    def set_placeholder(self, text: str) -> None:
        self._clear_report()
        label = QLabel(text, self)
        label.setObjectName("reportPlaceholder")
        label.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        label.setWordWrap(True)
        label.setProperty("role", "muted")
        self.report_slot.addWidget(label, 1)
        self.report_widget = label

    def report_started(self) -> None:
        self.report_button.hide()
        self.progress.setValue(0)
        self.progress.show()
        self._status("Building your feedback report… You can read the transcript meanwhile.")

    def report_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 100))
        if message:
            self._status(f"Building your feedback report: {message}")

    def report_failed(self, message: str) -> None:
        self.progress.hide()
        self._status("The feedback report could not be built.")
        self.set_placeholder(message)
        self.report_button.setText("Try again")
        self.report_button.show()

    def set_report(self, report: dict) -> None:
        self.progress.hide()
        self._status("")
        self._clear_report()
        view = ReportView(self)
        view.set_report(report)
        self.report_slot.addWidget(view, 1)
        self.report_widget = view
        self.show_client_state(report.get("client"))

    def show_client_state(self, section: dict | None) -> None:
        """The chart tab, shown only when the session stored the client's state."""
        if section:
            self.client_chart.show_section(section)
        self.tabs.setTabVisible(self.client_tab, bool(section))
