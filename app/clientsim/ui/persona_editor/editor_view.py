"""The persona editor page: the generated form, the trainee-brief preview, and the buttons.

New, Edit and Duplicate from the client library open it (main_window.py).
Saving a bundled, lab or pack client saves a copy under a new id, and the
page says so above the form. The controller (controller.py) checks and saves;
this page shows and forwards clicks.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QBoxLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from clientsim import paths
from clientsim.personas import PersonaLibrary
from clientsim.personas.authoring import PersonaEdit
from clientsim.personas.sources import NEW, USER
from clientsim.ui.persona_brief import PersonaBrief
from clientsim.ui.persona_editor.controller import CHECK_DELAY_MS, EditorController
from clientsim.ui.persona_editor.schema_form import SchemaForm, is_gap
from clientsim.ui.persona_editor.try_dialog import TryClientDialog
from clientsim.ui.style import icon

SAVE, DISCARD, CANCEL = "save", "discard", "cancel"
__all__ = ["PersonaEditor", "CHECK_DELAY_MS", "SAVE", "DISCARD", "CANCEL"]

_STYLE = """
QLabel[role="fieldTitle"] { font-weight: 600; color: #17333a; }
QLabel[role="fieldHelp"] { color: #5b6b78; }
QLabel[role="fieldError"] { color: #9b2c1f; background: #fbeeec; border-left: 3px solid #b8412f; padding: 3px 6px; }
QLabel[role="editorNotice"] { color: #1e4b51; background: #e3eeee; border-radius: 6px; padding: 6px 10px; }
QLabel[role="editorStatus"][kind="error"] { color: #9b2c1f; }
QLabel[role="editorStatus"][kind="ok"] { color: #2d6a3e; }
QGroupBox { font-weight: 600; background: #ffffff; border: 1px solid #d5dde1; border-radius: 8px;
            margin-top: 1.5em; padding-top: 4px; }
QGroupBox::title { subcontrol-origin: margin; subcontrol-position: top left; left: 8px; padding: 0 4px; }
QGroupBox#formRoot { background: transparent; border: none; margin: 0; padding: 0; }
"""


class PersonaEditor(QWidget):
    closed = Signal()
    personaSaved = Signal(str)  # the id of a persona saved for use

    def __init__(self, library: PersonaLibrary, runner=None, host=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("personaEditor")
        self.setStyleSheet(_STYLE)
        self.runner, self.host = runner, host
        self.controller = EditorController(library, self)
        self.try_dialog: TryClientDialog | None = None
        self.reveal_gaps = False
        self.problem_summary = ""
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 16, 24, 12)
        lay.setSpacing(8)
        self.title = QLabel("New client", self)
        self.title.setProperty("role", "title")
        self.title.setWordWrap(True)
        lay.addWidget(self.title)
        self.notice = QLabel(self)
        self.notice.setProperty("role", "editorNotice")
        self.notice.setWordWrap(True)
        self.notice.setTextFormat(Qt.PlainText)
        lay.addWidget(self.notice)
        self.status = QLabel(self)
        self.status.setProperty("role", "editorStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.PlainText)
        self.status.setAccessibleName("Problems to fix")
        lay.addWidget(self.status)
        self.save_message = QLabel(self)
        self.save_message.setProperty("role", "editorStatus")
        self.save_message.setWordWrap(True)
        self.save_message.setTextFormat(Qt.PlainText)
        self.save_message.setAccessibleName("Saving")
        self.save_message.hide()
        lay.addWidget(self.save_message)

        split = QSplitter(Qt.Horizontal, self)
        split.setObjectName("editorSplit")
        split.setChildrenCollapsible(False)
        self.scroll = QScrollArea(split)
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAsNeeded)  # at very large fonts rather than clipped
        self.scroll.setFrameShape(QFrame.NoFrame)
        holder = QWidget()
        hl = QVBoxLayout(holder)
        hl.setContentsMargins(0, 0, 12, 12)
        legend = QLabel("* required. Each field's help is under it; a problem shows in red in its place.",
                        holder)
        legend.setProperty("role", "muted")
        legend.setWordWrap(True)
        hl.addWidget(legend)
        self.form = SchemaForm(holder)
        hl.addWidget(self.form)
        self.scroll.setWidget(holder)
        right = QWidget(split)
        # wide enough for the brief's chips ("MI · CBT", "Intermediate", "Verbose style") to fit unclipped
        self.right = right
        rl = QVBoxLayout(right)
        rl.setContentsMargins(8, 0, 0, 0)
        heading = QLabel("Preview: what the trainee reads", right)
        heading.setProperty("role", "section")
        heading.setWordWrap(True)
        rl.addWidget(heading)
        self.preview = PersonaBrief(right)
        self.preview.setObjectName("briefPreview")
        self.preview.start_button.hide()
        rl.addWidget(self.preview, 1)
        self.split = split
        split.addWidget(self.scroll)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        lay.addWidget(split, 1)

        # two rows of buttons, side by side on a wide window, one above the other on a narrow one
        self.footer = QBoxLayout(QBoxLayout.LeftToRight)
        self.footer.setSpacing(6)
        row_a, row_b = QHBoxLayout(), QHBoxLayout()
        self.preview_button = QPushButton("Show preview", self)
        self.preview_button.setCheckable(True)
        self.preview_button.setToolTip("The window is narrow: show the trainee-brief preview instead of the form")
        self.preview_button.toggled.connect(self._layout_for_width)
        self.try_button = QPushButton(icon("session"), "Try this client", self)
        self.try_button.setToolTip("A short test chat with the client as written now (nothing is saved)")
        self.try_button.clicked.connect(self.try_client)
        self.close_button = QPushButton("Close", self)
        self.close_button.clicked.connect(self.request_close)
        self.draft_button = QPushButton("Save draft", self)
        self.draft_button.setToolTip("Keep the client as it is, finished or not; a draft is not offered for "
                                     "practice until it is saved for use")
        self.draft_button.clicked.connect(self.controller.save_draft)
        self.use_button = QPushButton(icon("new"), "Save and use", self)
        self.use_button.setProperty("role", "primary")
        self.use_button.clicked.connect(self.save_and_use)
        for b in (self.try_button, self.preview_button):
            row_a.addWidget(b)
        row_a.addStretch(1)
        row_b.addStretch(1)
        for b in (self.close_button, self.draft_button, self.use_button):
            row_b.addWidget(b)
        self.footer.addLayout(row_a, 1)
        self.footer.addLayout(row_b)
        lay.addLayout(self.footer)
        self.narrow: bool | None = None

        self.form.changed.connect(lambda: self.controller.set_data(self.form.value()))
        c = self.controller
        c.problemsChanged.connect(self._show_problems)
        c.previewChanged.connect(self._show_preview)
        c.saved.connect(self._saved)
        c.failed.connect(lambda text: self._say(text, "error"))
        c.used.connect(lambda p: self.personaSaved.emit(p.id))

    # ---- fitting the width ------------------------------------------------------
    def _needed_widths(self) -> tuple[int, int]:
        """What the form and the preview need side by side, in this font."""
        fm = self.fontMetrics()
        form = fm.horizontalAdvance("x") * 48
        preview = fm.horizontalAdvance("MI · CBT  Intermediate  Pleasing style") + 100
        return form, preview

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._layout_for_width()

    def _layout_for_width(self, *_args) -> None:
        """Side by side when there is room; otherwise one at a time, with a button to switch, and the
        buttons on two rows."""
        form, preview = self._needed_widths()
        narrow = self.width() - 48 < form + preview
        if narrow != self.narrow:
            self.narrow = narrow
            self.footer.setDirection(QBoxLayout.TopToBottom if narrow else QBoxLayout.LeftToRight)
            self.right.setMinimumWidth(0 if narrow else preview)
        self.preview_button.setVisible(narrow)
        show_preview = narrow and self.preview_button.isChecked()
        self.preview_button.setText("Show the form" if show_preview else "Show preview")
        self.scroll.setVisible(not show_preview)
        self.right.setVisible(not narrow or show_preview)

    # ---- opening -------------------------------------------------------------
    @property
    def edit(self) -> PersonaEdit | None:
        return self.controller.edit

    def open(self, edit: PersonaEdit, library: PersonaLibrary | None = None) -> None:
        if library is not None:
            self.controller.library = library
        self.form.set_value(edit.data)
        self.controller.open(edit)
        self.controller.set_data(self.form.value(), opening=not edit.dirty)
        self.controller.check_now()
        name = edit.data.get("name") if isinstance(edit.data.get("name"), str) else ""
        if edit.source.kind == NEW and edit.origin_id is None:
            self.title.setText("New client" if not name else f"Edit the draft “{name}”")
        elif edit.in_place:
            self.title.setText(f"Edit {name or edit.origin_id}")
        else:
            self.title.setText(f"Edit a copy of {name or edit.origin_id}")
        self.reveal_gaps = edit.origin_id is not None or edit.draft_saved  # a new form does not open all red
        self._say("", "")
        self.controller.check_now()
        self.scroll.verticalScrollBar().setValue(0)

    def notice_text(self) -> str:
        e = self.edit
        if e is None:
            return ""
        pid = e.persona_id() or "(no id yet)"
        if e.in_place:
            return f"This is one of your clients; saving replaces it ({pid})."
        if e.origin_id is not None and e.source.kind != USER and e.source.kind != NEW:
            return f"This is {e.source.words()}; your changes are saved as a copy, {pid}."
        if e.origin_id is not None:
            return f"A copy of {e.origin_id}, saved as {pid}."
        return f"A new client, saved as {pid}."

    def _notice(self) -> str:
        return self.notice_text() + " Your work is kept as a draft as you type."

    # ---- what the controller says ------------------------------------------------
    def _show_problems(self, problems) -> None:
        self.form.show_problems(problems, self.reveal_gaps)
        ok = not problems
        self.try_button.setEnabled(ok and self.runner is not None)
        n = len(problems)
        hidden = not self.reveal_gaps and any(is_gap(p.text) for p in problems)
        why = "" if ok else (f"{n} field{'s' if n > 1 else ''} to fill in or fix before this client can be used"
                             + ("; “Save and use” marks each one" if hidden else " (in red beside the fields)"))
        self.use_button.setToolTip("Save into your persona folder and offer the client for practice" if ok else
                                   f"Not yet: {why}. Press it to see them all; “Save draft” keeps your work.")
        self.try_button.setToolTip("A short test chat with the client as written now (nothing is saved)" if ok
                                   else f"Not yet: {why}")
        self.problem_summary = "Ready to use." if ok else f"{why[0].upper()}{why[1:]}."
        self._set(self.status, self.problem_summary, "ok" if ok else "")
        self.notice.setText(self._notice())
        self.notice.setToolTip(f"Saved in your persona folder, {paths.user_personas_dir()}; drafts in "
                               f"{paths.user_persona_drafts_dir()} are not offered for practice until saved for use.")

    def _show_preview(self, persona) -> None:
        self.preview.set_persona(persona)

    def _saved(self, kind: str, path: str) -> None:
        if kind == "autosave":
            if self.save_message.property("kind") == "error":
                self._say("", "")  # writing works again
            return
        if kind == "draft":
            self._say(f"Draft saved in {path}. It shows in the client list as “draft — not usable yet”.", "ok")
        else:
            self._say(f"Saved in {path}. The client is in your library, ready for practice.", "ok")

    def _say(self, text: str, kind: str) -> None:
        """What the last save did, or why it failed (the form keeps everything)."""
        self._set(self.save_message, text, kind)
        self.save_message.setVisible(bool(text))

    @staticmethod
    def _set(label: QLabel, text: str, kind: str) -> None:
        label.setText(text)
        label.setProperty("kind", kind)
        label.style().unpolish(label)
        label.style().polish(label)

    def save_and_use(self):
        """Saves only a valid persona; otherwise every problem is shown and the first one scrolled to."""
        persona = self.controller.save_and_use()
        if persona is None and self.controller.problems:
            self.reveal_all()
        return persona

    def reveal_all(self) -> None:
        self.reveal_gaps = True
        placed = self.form.show_problems(self.controller.problems, True)
        if placed:
            self.scroll.ensureWidgetVisible(placed[0][0], 0, 40)

    # ---- try ---------------------------------------------------------------------
    def try_client(self) -> TryClientDialog | None:
        if self.runner is None or self.controller.check_now():
            return None
        from clientsim.personas import persona_from_dict

        persona = persona_from_dict(self.form.value())
        if self.try_dialog is not None:
            self.try_dialog.close()
        self.try_dialog = TryClientDialog(persona, self.runner, self.host, self)
        self.try_dialog.show()
        self.try_dialog.input.setFocus(Qt.OtherFocusReason)
        return self.try_dialog

    # ---- closing -----------------------------------------------------------------
    def ask_unsaved(self) -> str:
        box = QMessageBox(QMessageBox.Question, "Unsaved changes",
                          "This client has changes you have not saved. Keep them as a draft?", parent=self)
        save = box.addButton("Save draft", QMessageBox.AcceptRole)
        discard = box.addButton("Discard changes", QMessageBox.DestructiveRole)
        box.addButton("Cancel", QMessageBox.RejectRole)
        box.setDefaultButton(save)
        box.exec()
        clicked = box.clickedButton()
        return SAVE if clicked is save else DISCARD if clicked is discard else CANCEL

    def confirm_close(self) -> bool:
        """True when the editor may close: nothing unsaved, or saved as a draft, or discarded on purpose."""
        if self.edit is None or not self.edit.dirty:
            return True
        answer = self.ask_unsaved()
        if answer == SAVE:
            return self.controller.save_draft()
        if answer == DISCARD:
            return self.controller.discard()
        return False

    def request_close(self) -> bool:
        if not self.confirm_close():
            return False
        if self.try_dialog is not None:
            self.try_dialog.close()
        self.controller.close()
        self.closed.emit()
        return True
