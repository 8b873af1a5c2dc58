"""What the trainee reads before a session: who the client is, the referral
note and the learning objectives.

Instructor notes are never shown here: they stay hidden until the session has
ended and then appear only in the session review (review_panel.py).
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from clientsim.personas.model import Persona
from clientsim.ui.style import icon


def identity_line(p: Persona) -> str:
    i = p.identity
    bits = [f"{i.age}", i.gender, i.pronouns, i.occupation]
    return " · ".join(b for b in bits if b)


def brief_html(p: Persona) -> str:
    """The brief as simple HTML. Built only from trainee-visible fields."""
    e = html.escape
    parts = [f"<p>{e(p.trainee_brief.referral_note)}</p>"]
    if p.trainee_brief.learning_objectives:
        items = "".join(f"<li style='margin-bottom:4px'>{e(o)}</li>" for o in p.trainee_brief.learning_objectives)
        parts.append(f"<h4 style='color:#2e5e66; margin-top:14px'>Learning objectives</h4><ul>{items}</ul>")
    return "".join(parts)


class PersonaBrief(QFrame):
    startRequested = Signal(str)  # persona id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("briefPanel")
        self.persona: Persona | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(24, 22, 24, 16)
        lay.setSpacing(8)
        self.name_label = QLabel(body)
        self.name_label.setProperty("role", "title")
        self.name_label.setWordWrap(True)
        lay.addWidget(self.name_label)
        self.identity_label = QLabel(body)
        self.identity_label.setProperty("role", "subtitle")
        self.identity_label.setWordWrap(True)
        lay.addWidget(self.identity_label)
        self.chips = QHBoxLayout()
        self.chips.setSpacing(6)
        lay.addLayout(self.chips)
        heading = QLabel("Referral note", body)
        heading.setProperty("role", "section")
        heading.setContentsMargins(0, 8, 0, 0)
        lay.addWidget(heading)
        self.brief_label = QLabel(body)
        self.brief_label.setObjectName("briefText")
        self.brief_label.setAccessibleName("Trainee brief")
        self.brief_label.setTextFormat(Qt.RichText)
        self.brief_label.setWordWrap(True)
        self.brief_label.setTextInteractionFlags(Qt.TextSelectableByMouse | Qt.TextSelectableByKeyboard)
        self.brief_label.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        lay.addWidget(self.brief_label)
        self.note_label = QLabel("Instructor notes for this client are shown after the session ends.", body)
        self.note_label.setProperty("role", "muted")
        self.note_label.setWordWrap(True)
        self.note_label.setContentsMargins(0, 6, 0, 0)
        lay.addWidget(self.note_label)
        lay.addStretch(1)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)

        footer = QHBoxLayout()
        footer.setContentsMargins(24, 10, 24, 18)
        footer.addStretch(1)
        self.start_button = QPushButton(icon("send"), "Start session", self)
        self.start_button.setProperty("role", "primary")
        self.start_button.setAccessibleName("Start practice session")
        self.start_button.setToolTip("Start a practice session with this client (Enter)")
        self.start_button.setDefault(False)
        self.start_button.clicked.connect(self._start)
        footer.addWidget(self.start_button)
        outer.addLayout(footer)
        self.set_persona(None)

    def set_persona(self, persona: Persona | None) -> None:
        self.persona = persona
        while self.chips.count():
            item = self.chips.takeAt(0)
            if item.widget():
                item.widget().hide()  # at once: the deletion waits for the event loop
                item.widget().deleteLater()
        if persona is None:
            self.name_label.setText("No client selected")
            self.identity_label.setText("Choose a client from the list to read their brief.")
            self.brief_label.setText("")
            self.start_button.setEnabled(False)
            self.start_button.setText("Start session")
            self.setAccessibleName("Trainee brief: no client selected")
            return
        self.name_label.setText(persona.name)
        self.identity_label.setText(identity_line(persona))
        for text in [" · ".join(persona.modality), persona.difficulty.capitalize(),
                     f"{persona.style.conversational_style.capitalize()} style"]:
            chip = QLabel(text, self)
            chip.setProperty("role", "chip")
            self.chips.addWidget(chip)
        self.chips.addStretch(1)
        self.brief_label.setText(brief_html(persona))
        self.start_button.setEnabled(True)
        self.start_button.setText(f"Start session with {persona.first_name}")
        self.setAccessibleName(f"Trainee brief for {persona.name}")

    def visible_text(self) -> str:
        """Everything the brief shows, as plain text (tests check what is not there)."""
        from PySide6.QtGui import QTextDocument

        doc = QTextDocument()
        doc.setHtml(self.brief_label.text())
        return "\n".join([self.name_label.text(), self.identity_label.text(), doc.toPlainText(),
                          self.note_label.text()])

    def _start(self) -> None:
        if self.persona is not None:
            self.startRequested.emit(self.persona.id)
