"""EditorController: the persona being written, checked and saved, for the editor's views.

A QObject with no widgets. The form tells it of every change
(``set_data``); it checks the persona with the real validator after a short
pause in typing (``CHECK_DELAY_MS``) and writes the draft file after a
longer one (``AUTOSAVE_DELAY_MS``), so a crash loses at most that pause.
Files are a few KB, written with a temporary file and a rename: quick enough
for the UI thread. A write that fails (read-only folder, full disk) is told
through ``failed`` and the persona stays in memory and on screen.
"""

from __future__ import annotations

import copy

from PySide6.QtCore import QObject, QTimer, Signal

from clientsim.personas import PersonaLibrary
from clientsim.personas.authoring import PersonaEdit, Problem
from clientsim.personas.model import Persona

CHECK_DELAY_MS = 250
AUTOSAVE_DELAY_MS = 1500


def write_failure(exc: OSError, path) -> str:
    why = exc.strerror or str(exc)
    if getattr(exc, "errno", None) == 28:
        why = "the disk is full"
    return (f"Could not write {path}: {why}. Nothing is lost: the form keeps everything you wrote. "
            "Free some space or check the folder's permissions, then save again.")


class EditorController(QObject):
    problemsChanged = Signal(list)  # [Problem]
    previewChanged = Signal(object)  # Persona (a preview, however unfinished)
    dirtyChanged = Signal(bool)
    saved = Signal(str, str)  # kind ("draft", "autosave", "persona"), path
    used = Signal(object)  # the saved, valid Persona
    failed = Signal(str)

    def __init__(self, library: PersonaLibrary, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.edit: PersonaEdit | None = None
        self.problems: list[Problem] = []
        self.autosave_error = ""
        self._check_timer = QTimer(self, singleShot=True, interval=CHECK_DELAY_MS)
        self._check_timer.timeout.connect(self.check_now)
        self._autosave_timer = QTimer(self, singleShot=True, interval=AUTOSAVE_DELAY_MS)
        self._autosave_timer.timeout.connect(self.autosave_now)

    # ---- the persona ---------------------------------------------------------
    def open(self, edit: PersonaEdit) -> None:
        self.edit = edit
        self._check_timer.stop()
        self._autosave_timer.stop()
        self.check_now()
        self.dirtyChanged.emit(edit.dirty)

    def set_data(self, data: dict, *, opening: bool = False) -> None:
        """The form's content. ``opening``: as the form read it in, which is not a change."""
        if self.edit is None:
            return
        self.edit.data = data
        if opening:
            self.edit.baseline = copy.deepcopy(data)
        self._check_timer.start()
        if self.edit.dirty:
            self._autosave_timer.start()
        self.dirtyChanged.emit(self.edit.dirty)

    def check_now(self) -> list[Problem]:
        self._check_timer.stop()
        if self.edit is None:
            return []
        self.problems = self.edit.problems(self.library)
        self.problemsChanged.emit(self.problems)
        self.previewChanged.emit(self.edit.preview())
        return self.problems

    def is_valid(self) -> bool:
        return self.edit is not None and not self.problems

    # ---- saving ----------------------------------------------------------------
    def autosave_now(self) -> bool:
        self._autosave_timer.stop()
        if self.edit is None or not self.edit.dirty:
            return True
        try:
            path = self.edit.save_draft(autosave=True)
        except OSError as exc:
            self.autosave_error = write_failure(exc, exc.filename or "the draft")
            self.failed.emit(self.autosave_error)
            return False
        self.autosave_error = ""
        self.saved.emit("autosave", str(path))
        return True

    def save_draft(self) -> bool:
        self._autosave_timer.stop()
        try:
            path = self.edit.save_draft()
        except OSError as exc:
            self.failed.emit(write_failure(exc, exc.filename or "the draft"))
            return False
        self.saved.emit("draft", str(path))
        self.dirtyChanged.emit(self.edit.dirty)
        return True

    def save_and_use(self) -> Persona | None:
        self._autosave_timer.stop()
        if self.check_now():
            n = len(self.problems)
            self.failed.emit(f"Not saved for use: {n} problem{'s' if n > 1 else ''} to fix first (shown in red "
                             "beside the fields). “Save draft” keeps your work meanwhile.")
            self.problemsChanged.emit(self.problems)
            return None
        try:
            persona = self.edit.save_and_use(self.library)
        except OSError as exc:
            self.failed.emit(write_failure(exc, exc.filename or "your persona folder"))
            return None
        self.library = PersonaLibrary.load()
        self.saved.emit("persona", str(self.edit.saved_path))
        self.dirtyChanged.emit(False)
        self.used.emit(persona)
        return persona

    def discard(self) -> bool:
        self._autosave_timer.stop()
        self._check_timer.stop()
        if self.edit is None:
            return True
        try:
            self.edit.discard()
        except OSError as exc:
            self.failed.emit(write_failure(exc, exc.filename or "the draft"))
            return False
        return True

    def close(self) -> None:
        self._autosave_timer.stop()
        self._check_timer.stop()
        self.edit = None
