"""The main window: navigation rail, message bar, and four pages (client
library, session, past sessions, progress), plus the persona editor, opened from
the library. Owns the database, the settings, the job
runner and the model host, and shuts them down in order on close."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QEvent, QSize, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QFont, QFontMetrics, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QLineEdit,
    QFrame,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QHBoxLayout,
    QVBoxLayout,
    QWidget,
)

from clientsim.personas import PersonaLibrary
from clientsim.settings import Settings
from clientsim.ui import window_state
from clientsim.ui.class_view import ClassReviewWindow
from clientsim.ui.engine_host import SERVER_FAILED, EngineHost
from clientsim.ui.session.controller import SERVER_KEY
from clientsim.ui.history_view import HistoryView
from clientsim.ui.timefmt import human_time
from clientsim.ui.library_view import LibraryView
from clientsim.ui.message_bar import MessageBar
from clientsim.ui.model_status import ModelStatus
from clientsim.ui.packs_dialog import PacksDialog
from clientsim.ui.persona_editor.editor_view import PersonaEditor
from clientsim.ui.progress_view import ProgressView
from clientsim.ui.session_view import SessionView
from clientsim.ui.session.openness_meter import OpennessMeter
from clientsim.ui.settings_dialog import SettingsDialog
from clientsim.ui.style import apply_style, icon
from clientsim.ui.workers import JobRunner

log = logging.getLogger(__name__)
PACK_SUFFIX = ".clientsim-pack"


def _today() -> str:
    from datetime import date

    return date.today().isoformat()


def _file_word(text: str) -> str:
    """A name as it can stand in a file name: letters, digits and dashes."""
    return "-".join("".join(c if c.isalnum() else " " for c in text).split()).lower() or "student"


def _dropped_packs(mime) -> list[Path]:
    if not mime.hasUrls():
        return []
    return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile() and u.toLocalFile().endswith(PACK_SUFFIX)]

LIBRARY, SESSION, HISTORY, PROGRESS = 0, 1, 2, 3
EDITOR = 4  # a page of the stack without a place in the rail: opened from the library
_PAGES = [("Clients", "personas", "Ctrl+1"), ("Session", "session", "Ctrl+2"), ("Past sessions", "history", "Ctrl+3"),
          ("Progress", "progress", "Ctrl+4")]


class MainWindow(QMainWindow):
    def __init__(self, settings: Settings | None = None, db=None, library: PersonaLibrary | None = None,
                 load_model: bool = True) -> None:
        super().__init__()
        from clientsim.sessions.rescue import open_database

        self.settings = settings or Settings.load()
        apply_style(QApplication.instance(), self.settings.font_size)
        self.db = db if db is not None else open_database()
        self.library = library if library is not None else PersonaLibrary.load()
        self.runner = JobRunner(self)
        self.host = EngineHost(self.runner, self.settings, self)
        self._closed = False
        self.setWindowTitle("ClientSim — counselling practice")
        self.setWindowIcon(icon("clientsim"))
        self._fit_to_screen_minimum()
        self.setAcceptDrops(True)  # a .clientsim-pack dropped on the window is installed
        self._build()
        for area in self.findChildren(QAbstractScrollArea):
            area.viewport().installEventFilter(self)
        for line in self.findChildren(QLineEdit):
            line.installEventFilter(self)
        self._shortcuts()
        if not window_state.restore(self):
            self.resize(1240, 820)
        self.fit_to_screen()
        self._show_startup_notices()
        self._db_notices_seen = len(self.db.notices)
        # The database adds notices while it runs (writes waiting in memory, saved again).
        self._notice_timer = QTimer(self)
        self._notice_timer.setInterval(1000)
        self._notice_timer.timeout.connect(self.drain_db_notices)
        self._notice_timer.start()
        if self.settings.last_persona_id in self.library.personas:
            self.library_view.select(self.settings.last_persona_id)
        if load_model:
            self.host.load_in_background()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        central = QWidget(self)
        outer = QHBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)

        rail = QFrame(central)
        rail.setObjectName("navRailFrame")
        self.rail = rail
        rl = QVBoxLayout(rail)
        rl.setContentsMargins(0, 0, 0, 10)
        rl.setSpacing(0)
        title = QLabel("ClientSim", rail)
        title.setObjectName("appTitle")
        rl.addWidget(title)
        self.nav = QListWidget(rail)
        self.nav.setObjectName("navRail")
        self.nav.setAccessibleName("Sections")
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self._fit_rail()
        for name, icon_name, keys in _PAGES:
            item = QListWidgetItem(icon(icon_name), name)
            item.setToolTip(f"{name} ({keys})")
            self.nav.addItem(item)
        rl.addWidget(self.nav, 1)
        self.settings_button = QPushButton(icon("settings"), "Settings", rail)
        self.settings_button.setAccessibleName("Settings")
        self.settings_button.setToolTip("Settings (Ctrl+,)")
        self.settings_button.clicked.connect(self.open_settings)
        self.packs_button = QPushButton(icon("personas"), "Persona packs", rail)
        self.packs_button.setAccessibleName("Persona packs")
        self.packs_button.setToolTip("Install or remove packs of clients (or drop a .clientsim-pack on the window)")
        self.packs_button.clicked.connect(self.open_packs)
        self.class_button = QPushButton(icon("report"), "Class review", rail)
        self.class_button.setAccessibleName("Class review")
        self.class_button.setToolTip("Instructors: open a folder of students' exported sessions, read-only")
        self.class_button.clicked.connect(self.open_class_review)
        self.help_button = QPushButton(icon("info"), "Help", rail)
        self.help_button.setAccessibleName("Help")
        self.help_button.setToolTip("How a session works, the styles, bands and figures, the shortcuts (F1)")
        self.help_button.clicked.connect(self.open_help)
        for button in (self.packs_button, self.class_button, self.settings_button, self.help_button):
            sb = QHBoxLayout()
            sb.setContentsMargins(10, 0, 10, 6)
            sb.addWidget(button)
            rl.addLayout(sb)
        rail.setStyleSheet("#navRailFrame { background: #e9eef0; border-right: 1px solid #d5dde1; }")
        outer.addWidget(rail)

        right = QWidget(central)
        rlay = QVBoxLayout(right)
        rlay.setContentsMargins(0, 0, 0, 0)
        rlay.setSpacing(0)
        self.message_bar = MessageBar(right)
        rlay.addWidget(self.message_bar)
        self.stack = QStackedWidget(right)
        self.library_view = LibraryView(self.library, self.stack)
        self.session_view = SessionView(self.runner, self.host, self.db, self.stack)
        self.openness_meter = OpennessMeter()
        self.session_view.add_extra_view(self.openness_meter)
        self.session_view.controller.clientState.connect(self.openness_meter.show_state)
        self.openness_meter.setVisible(self.settings.openness_meter)
        self.history_view = HistoryView(self.db, self.stack)
        self.progress_view = ProgressView(self.runner, self.db.path, self.stack)
        self.persona_editor = PersonaEditor(self.library, self.runner, self.host, self.stack)
        for w in (self.library_view, self.session_view, self.history_view, self.progress_view, self.persona_editor):
            self.stack.addWidget(w)
        rlay.addWidget(self.stack, 1)
        outer.addWidget(right, 1)
        self.setCentralWidget(central)

        self.status_model = ModelStatus(self, compact=True)
        self.host.stateChanged.connect(self.status_model.set_state)
        self.statusBar().addWidget(self.status_model, 1)
        self.db_label = QLabel("Sessions are saved on this computer", self)
        self.db_label.setToolTip(f"Sessions are saved on this computer, in {self.db.path}")
        self.db_label.setMinimumWidth(1)  # gives way to the model status on a narrow window
        self.db_label.setProperty("role", "muted")
        self.statusBar().addPermanentWidget(self.db_label)

        self.nav.currentRowChanged.connect(self._page_changed)
        self.nav.setCurrentRow(LIBRARY)
        self.library_view.startRequested.connect(self.start_session)
        self.library_view.newRequested.connect(self.new_persona)
        self.library_view.editRequested.connect(self.edit_persona)
        self.library_view.duplicateRequested.connect(lambda pid: self.edit_persona(pid, duplicate=True))
        self.library_view.draftRequested.connect(self.open_draft)
        self.persona_editor.closed.connect(self._editor_closed)
        self.persona_editor.personaSaved.connect(self._persona_saved)
        self._load_drafts()
        self.history_view.openRequested.connect(self.open_past_session)
        self.history_view.exportRequested.connect(self.export_past_session)
        self.history_view.deleteRequested.connect(self.delete_past_session)
        self.progress_view.openRequested.connect(self.open_past_session)
        self.progress_view.exportCsvRequested.connect(self.export_scores_csv)
        self.progress_view.portfolioRequested.connect(self.export_portfolio)
        sv = self.session_view
        sv.notice.connect(lambda kind, text, key: self.message_bar.show_message(
            text, kind, key=key or None, action=self._action_for(key, text)))
        sv.clearNotice.connect(self.message_bar.clear)
        sv.sessionStarted.connect(lambda _id: self.history_view.refresh())
        sv.sessionEnded.connect(lambda _id: self.history_view.refresh())
        sv.backRequested.connect(lambda: self.show_page(LIBRARY))
        sv.againRequested.connect(self._practise_again)
        self.host.stateChanged.connect(self._model_state)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if not getattr(self, "_fitted_once", False):
            self._fitted_once = True
            self.fit_to_screen()
            QTimer.singleShot(0, self.fit_to_screen)  # again once the frame (title bar, borders) is known

    def _available(self):
        screen = self.screen() or QApplication.primaryScreen()
        return screen.availableGeometry() if screen is not None else None

    def _fit_to_screen_minimum(self) -> None:
        """Usable down to 1024x640 (and 900x600 at the default font); never larger than the screen."""
        avail = self._available()
        w, h = 900, 600
        if avail is not None:
            w, h = min(w, avail.width()), min(h, avail.height())
        self.setMinimumSize(QSize(w, h))

    def fit_to_screen(self) -> None:
        """Open within the available screen: shrink to it, and move back onto it if restored off it."""
        avail = self._available()
        if avail is None:
            return
        w, h = min(self.width(), avail.width()), min(self.height(), avail.height())
        # the frame (title bar, borders) also has to fit
        frame_w = max(0, self.frameGeometry().width() - self.geometry().width())
        frame_h = max(0, self.frameGeometry().height() - self.geometry().height())
        w, h = min(w, avail.width() - frame_w), min(h, avail.height() - frame_h)
        self.setMinimumSize(min(self.minimumWidth(), w), min(self.minimumHeight(), h))
        self.resize(w, h)
        x = min(max(self.x(), avail.left()), avail.right() - self.frameGeometry().width() + 1)
        y = min(max(self.y(), avail.top()), avail.bottom() - self.frameGeometry().height() + 1)
        self.move(max(x, avail.left()), max(y, avail.top()))

    def _fit_rail(self) -> None:
        """The rail grows with the font size so no section name is cut off (the selected one is bold)."""
        font = QApplication.font()
        font.setWeight(QFont.DemiBold)
        fm = QFontMetrics(font)
        side = max(20, QFontMetrics(QApplication.font()).height())
        widest = max(fm.horizontalAdvance(name) for name, _i, _k in _PAGES)
        # item padding 2x14, margins 2x8 (clientsim.qss), icon and its gap, the frame
        self.rail.setFixedWidth(max(200, widest + side + 28 + 16 + 12 + 12))
        self.nav.setIconSize(QSize(side, side))

    def _shortcuts(self) -> None:
        def sc(keys, slot, name):
            s = QShortcut(keys if isinstance(keys, QKeySequence) else QKeySequence(keys), self)
            s.setContext(Qt.WindowShortcut)
            s.activated.connect(slot)
            s.setObjectName(name)
            return s

        self.shortcut_stop = sc(Qt.Key_Escape, self.session_view.stop, "stop")
        sc("Ctrl+E", self._end_session_shortcut, "end")
        sc(QKeySequence.Find, self._focus_search, "search")
        # Not the string "Ctrl+,": in a key-sequence string a comma separates chords.
        sc(QKeySequence(Qt.CTRL | Qt.Key_Comma), self.open_settings, "settings")
        for i, (_n, _i, keys) in enumerate(_PAGES):
            sc(keys, lambda i=i: self.show_page(i), f"page{i}")
        sc(QKeySequence.Quit, self.close, "quit")
        sc(QKeySequence.HelpContents, self.open_help, "help")

    # ------------------------------------------------------------------ notices
    def _show_startup_notices(self) -> None:
        for text in self.settings.notices:
            self.message_bar.show_message(text, "warning", timeout_ms=0)
        for text in self.db.notices:
            self.message_bar.show_message(text, "warning", timeout_ms=0)
        if self.library.errors:
            n = len(self.library.errors)
            lines = "\n".join(f"• {e}" for e in self.library.errors[:5])
            more = f"\n… and {n - 5} more (run `clientsim personas validate FILE`)" if n > 5 else ""
            self.message_bar.show_message(
                f"{n} persona file{'s' if n > 1 else ''} could not be loaded; the other clients are "
                f"available.\n{lines}{more}", "warning", key="persona-errors", timeout_ms=0)

    def drain_db_notices(self) -> None:
        from clientsim.ui.session_view import PENDING_KEY

        if self._closed:
            return
        new = self.db.notices[self._db_notices_seen:]
        self._db_notices_seen = len(self.db.notices)
        for text in new:
            if text.startswith("Could not save to disk"):
                continue  # the session view says it in the student's terms (PENDING_KEY)
            if text.startswith("Everything kept in memory has now been saved"):
                self.message_bar.clear(PENDING_KEY)
                self.message_bar.show_message(text, "info", key="saved-again")
                continue
            self.message_bar.show_message(text, "warning")

    def _action_for(self, key: str, text: str):
        if key == SERVER_KEY:
            return ("Use this computer's model", self.session_view.controller.use_local_model)
        if "models fetch" in text or "model" in key:
            return ("Open settings", self.open_settings)
        return None

    def _model_state(self, state: str, text: str, _fraction: float) -> None:
        if state == "error" and text.startswith(SERVER_FAILED):
            self.message_bar.show_message(text, "error", key="model",
                                          action=("Use this computer's model", self.session_view.controller.use_local_model))
        elif state == "error":
            self.message_bar.show_message(f"The language model could not be loaded. {text}", "error",
                                          key="model", action=("Open settings", self.open_settings))
        elif state in ("ready", "loading"):
            self.message_bar.clear("model")

    # ------------------------------------------------------------------ navigation
    def show_page(self, index: int) -> None:
        if self.nav.currentRow() == index and self.stack.currentIndex() != index:
            self._page_changed(index)  # from the persona editor, which has no row of its own
        else:
            self.nav.setCurrentRow(index)

    def _page_changed(self, index: int) -> None:
        if index < 0:
            return
        if self.stack.currentIndex() == EDITOR and self.persona_editor.edit is not None:
            self.persona_editor.controller.autosave_now()  # left open: its draft is listed in the library
            self._load_drafts()
        self.stack.setCurrentIndex(index)
        if index == HISTORY:
            self.history_view.refresh()
            self.history_view.tree.setFocus(Qt.OtherFocusReason)
        elif index == PROGRESS:
            self.progress_view.refresh()
            self.progress_view.persona.setFocus(Qt.OtherFocusReason)
        elif index == SESSION and self.session_view.is_active():
            self.session_view.input.setFocus(Qt.OtherFocusReason)
        elif index == LIBRARY:
            self.library_view.list.setFocus(Qt.OtherFocusReason)

    def _focus_search(self) -> None:
        self.show_page(LIBRARY)
        self.library_view.focus_search()

    def _end_session_shortcut(self) -> None:
        if self.session_view.is_active():
            self.show_page(SESSION)
            self.session_view.end()

    # ------------------------------------------------------------------ persona editor
    def _load_drafts(self) -> None:
        from clientsim.personas.drafts import list_drafts

        found, bad = list_drafts()
        self.library_view.set_drafts(found)
        for exc in bad:
            self.message_bar.show_message(f"A persona draft could not be read and is not listed: {exc}", "warning",
                                          key="draft-read")

    def _open_editor(self, make_edit) -> PersonaEditor | None:
        """Open the editor on ``make_edit()``, after the one open now (if any) may close."""
        editor = self.persona_editor
        if editor.edit is not None and not editor.confirm_close():
            self.stack.setCurrentWidget(editor)
            return None
        try:
            edit = make_edit()
        except Exception as exc:  # noqa: BLE001 - shown to the student
            self.message_bar.show_message(f"The persona editor could not open this client: {exc}", "error",
                                          key="editor")
            return None
        editor.open(edit, self.library)
        self.nav.blockSignals(True)
        self.nav.setCurrentRow(-1)
        self.nav.blockSignals(False)
        self.stack.setCurrentWidget(editor)
        return editor

    def new_persona(self) -> PersonaEditor | None:
        from clientsim.personas.authoring import PersonaEdit

        return self._open_editor(PersonaEdit.new)

    def edit_persona(self, persona_id: str, duplicate: bool = False) -> PersonaEditor | None:
        from clientsim.personas.authoring import PersonaEdit
        from clientsim.personas.drafts import draft_for

        persona = self.library.personas.get(persona_id)
        if persona is None:
            return None
        draft = None if duplicate else draft_for(persona_id)
        if draft is not None:  # unsaved work on this client: carry on with it
            self.message_bar.show_message(f"Your draft of {persona.name} from {human_time(draft.saved_at)} was "
                                          "reopened.", "info", key="editor")
            return self._open_editor(lambda: PersonaEdit.from_draft(draft))
        return self._open_editor(lambda: PersonaEdit.of(persona, self.library, duplicate=duplicate))

    def open_draft(self, key: str) -> PersonaEditor | None:
        from clientsim.personas.authoring import PersonaEdit

        draft = self.library_view.draft("draft:" + key)
        if draft is None:
            return None
        return self._open_editor(lambda: PersonaEdit.from_draft(draft))

    def _editor_closed(self) -> None:
        self._load_drafts()
        self.show_page(LIBRARY)

    def _persona_saved(self, persona_id: str) -> None:
        self.reload_library()
        self.persona_editor.controller.library = self.library
        self.persona_editor.request_close()
        self.select_persona(persona_id)
        self.message_bar.show_message(f"Saved {self.library.personas[persona_id].name} in your persona folder; "
                                      "the client is ready for practice.", "info", key="editor")

    # ------------------------------------------------------------------ sessions
    def start_session(self, persona_id: str):
        if self.session_view.is_active():
            self.show_page(SESSION)
            self.message_bar.show_message("A session is already in progress. End it (Ctrl+E) before starting "
                                          "another.", "info", key="busy")
            return None
        persona = self.library.personas.get(persona_id)
        if persona is None:
            return None
        self.settings.last_persona_id = persona_id
        self._save_settings_quietly()
        self.show_page(SESSION)
        return self.session_view.start(persona)

    def _practise_again(self, persona_id: str) -> None:
        if persona_id in self.library.personas:
            self.start_session(persona_id)
        else:
            self.show_page(LIBRARY)

    def open_past_session(self, session_id: str) -> None:
        if self.session_view.is_active():
            self.message_bar.show_message("End the current session (Ctrl+E) before opening a past one.",
                                          "info", key="busy")
            return
        try:
            self.session_view.open_past(session_id)
        except Exception as exc:  # noqa: BLE001
            self.message_bar.show_message(f"That session could not be opened: {exc}", "error", key="open")
            return
        self.show_page(SESSION)

    def select_persona(self, persona_id: str) -> bool:
        if persona_id not in self.library.personas:
            self.message_bar.show_message(
                f"There is no client with id '{persona_id}'. Run `clientsim personas list` to see the ids.",
                "error", key="persona-id")
            return False
        self.library_view.search.clear()
        for box in (self.library_view.modality, self.library_view.style, self.library_view.difficulty):
            box.setCurrentIndex(0)
        self.library_view.select(persona_id)
        self.show_page(LIBRARY)
        self.library_view.brief.start_button.setFocus(Qt.OtherFocusReason)
        return True

    # ------------------------------------------------------------------ settings
    def export_past_session(self, session_id: str, path: str | None = None) -> Path | None:
        """Write the session as a clientsim.session/1 file carrying the student's name (Settings)."""
        from PySide6.QtWidgets import QFileDialog

        from clientsim.sessions.transcript import export_session, suggested_file_name, write_transcript

        try:
            data = export_session(self.db, session_id, self.settings.student_name)
        except Exception as exc:  # noqa: BLE001 - shown to the student
            self.message_bar.show_message(f"The session could not be exported: {exc}", "error")
            return None
        if path is None:
            start = str(window_state.last_folder("exports") / suggested_file_name(data))
            path, _ = QFileDialog.getSaveFileName(self, "Export the session for your instructor", start,
                                                  "ClientSim sessions (*.json)")
            if not path:
                return None
        target = Path(path if str(path).lower().endswith(".json") else f"{path}.json")
        try:
            write_transcript(data, target)
        except OSError as exc:
            self.message_bar.show_message(f"Could not write {target}: {exc.strerror or exc}. Try another folder.",
                                          "error")
            return None
        window_state.remember_folder("exports", target)
        who = f" with your name ({self.settings.student_name})" if self.settings.student_name else \
            " without a name (set yours in Settings, Ctrl+,)"
        self.message_bar.show_message(f"Exported to {target}{who}.", "info")
        return target

    # ------------------------------------------------------------------ deleting, progress exports
    def delete_past_session(self, session_id: str, confirm: bool = True) -> bool:
        """Delete a past session (transcript, codes, review, scores) after the student confirms."""
        from PySide6.QtWidgets import QMessageBox

        sv = self.session_view
        shown = sv.has_session() and getattr(sv.session, "id", None) == session_id
        if shown and sv.is_active():
            self.message_bar.show_message("This session is still in progress. End it (Ctrl+E) before deleting "
                                          "it.", "info", key="delete")
            return False
        info = self.db.get_session(session_id) or {}
        if confirm:
            who = info.get("persona_name") or "this client"
            when = human_time(info.get("started_at"))
            answer = QMessageBox.question(
                self, "Delete this session?",
                f"Delete your session with {who} from {when}?\n\nIts transcript, codes, review and scores are "
                "removed from this computer. This cannot be undone. (A copy you exported for your "
                "instructor is not touched.)",
                QMessageBox.Yes | QMessageBox.Cancel, QMessageBox.Cancel)
            if answer != QMessageBox.Yes:
                return False
        if shown:
            sv.close_session()
        try:
            removed = self.db.delete_session(session_id)
        except Exception as exc:  # noqa: BLE001 - shown to the student
            self.message_bar.show_message(f"The session could not be deleted: {exc}", "error", key="delete")
            return False
        self.history_view.refresh()
        if self.stack.currentIndex() == PROGRESS:
            self.progress_view.refresh()
        if removed:
            self.message_bar.show_message(f"Deleted the session with {info.get('persona_name') or 'the client'} "
                                          f"from {human_time(info.get('started_at'))}.", "info", key="delete")
        return removed

    def _save_path(self, kind: str, title: str, name: str, filters: str, suffix: str) -> Path | None:
        from PySide6.QtWidgets import QFileDialog

        start = str(window_state.last_folder(kind) / name)
        path, _ = QFileDialog.getSaveFileName(self, title, start, filters)
        if not path:
            return None
        return Path(path if path.lower().endswith(suffix) else f"{path}{suffix}")

    def export_scores_csv(self, path: str | Path | None = None) -> Path | None:
        """Every stored score of every session, one row per session (the progress page's rows)."""
        from clientsim.progress import write_scores_csv

        rows = [r for r in self.progress_view.rows if r.values]
        if not rows:
            self.message_bar.show_message("There are no scores to export yet: they are stored when a session's "
                                          "review is made.", "info", key="export")
            return None
        target = Path(path) if path else self._save_path(
            "exports", "Export every score as CSV", f"clientsim-scores-{_today()}.csv", "CSV files (*.csv)", ".csv")
        if target is None:
            return None
        try:
            write_scores_csv(rows, target)
        except OSError as exc:
            self.message_bar.show_message(f"The scores could not be saved to {target}: {exc.strerror or exc}.",
                                          "error", key="export")
            return None
        window_state.remember_folder("exports", target)
        self.message_bar.show_message(f"Saved the scores of {len(rows)} sessions to {target}.", "info", key="export")
        return target

    def export_portfolio(self, path: str | Path | None = None, session_ids: list[str] | None = None) -> Path | None:
        """The progress charts plus the chosen sessions' reviews, as one PDF for supervision."""
        from PySide6.QtWidgets import QDialog

        from clientsim.ui.portfolio import PortfolioDialog, write_portfolio

        pv = self.progress_view
        shown = pv.filtered()
        if session_ids is None:
            dialog = PortfolioDialog(shown, self)
            if dialog.exec() != QDialog.Accepted:
                return None
            session_ids = dialog.chosen()
        who = self.settings.student_name
        name = "portfolio" + (f"-{_file_word(who)}" if who else "") + f"-{_today()}.pdf"
        target = Path(path) if path else self._save_path("exports", "Save the portfolio", name,
                                                         "PDF files (*.pdf)", ".pdf")
        if target is None:
            return None
        QApplication.setOverrideCursor(Qt.WaitCursor)
        try:
            reports = [r for r in (self.db.get_report(sid, "full") for sid in session_ids) if r]
            charts = [(p.chart.title, p.image()) for p in pv.panels.values() if p.chart.key in pv.visible_charts()]
            write_portfolio(target, charts, reports, who, pv.filter_words())
        except Exception as exc:  # noqa: BLE001 - shown to the student
            self.message_bar.show_message(f"The portfolio could not be saved to {target}: {exc}", "error",
                                          key="export")
            return None
        finally:
            QApplication.restoreOverrideCursor()
        window_state.remember_folder("exports", target)
        self.message_bar.show_message(f"Saved the portfolio ({len(charts)} charts, {len(reports)} reviews) to "
                                      f"{target}.", "info", key="export")
        return target

    # ------------------------------------------------------------------ packs, class review
    def open_packs(self) -> PacksDialog:
        if getattr(self, "packs_dialog", None) is None:
            self.packs_dialog = PacksDialog(self.runner, self)
            self.packs_dialog.packsChanged.connect(self.reload_library)
        self.packs_dialog.refresh()
        self.packs_dialog.show()
        self.packs_dialog.raise_()
        return self.packs_dialog

    def reload_library(self) -> None:
        """Installed or removed packs change the clients on offer."""
        current = self.library_view.current_id()
        self.library = PersonaLibrary.load()
        self.library_view.library = self.library
        self._load_drafts()  # refreshes the list
        if current in self.library.personas:
            self.library_view.select(current)

    def open_class_review(self) -> ClassReviewWindow:
        if getattr(self, "class_window", None) is None:
            self.class_window = ClassReviewWindow(self.runner, self)
        self.class_window.show()
        self.class_window.raise_()
        return self.class_window

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        """Text boxes accept dropped files as text; a pack dropped on one is installed instead."""
        if event.type() in (QEvent.DragEnter, QEvent.DragMove, QEvent.Drop) and isinstance(obj, QWidget) \
                and obj.window() is self and _dropped_packs(event.mimeData()):
            event.acceptProposedAction()
            if event.type() == QEvent.Drop:
                self.open_packs().install_file(_dropped_packs(event.mimeData())[0])
            return True
        return super().eventFilter(obj, event)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt API
        if _dropped_packs(event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dropEvent(self, event) -> None:  # noqa: N802
        packs = _dropped_packs(event.mimeData())
        if not packs:
            return super().dropEvent(event)
        event.acceptProposedAction()
        self.open_packs().install_file(packs[0])

    def open_help(self):
        from clientsim.ui.help_view import HelpDialog

        if getattr(self, "help_dialog", None) is None:
            self.help_dialog = HelpDialog(self)
        self.help_dialog.fit_to(self)
        self.help_dialog.show()
        self.help_dialog.raise_()
        return self.help_dialog

    def open_settings(self) -> None:
        dlg = SettingsDialog(self.settings, self)
        if dlg.exec() == SettingsDialog.Accepted:
            try:
                dlg.save_api_key()
            except OSError as exc:
                self.message_bar.show_message(f"The lab server's API key could not be saved ({exc.strerror or exc}).",
                                              "warning", key="settings-save")
            self.apply_settings(dlg.result_settings())

    def apply_settings(self, new: Settings) -> None:
        old = self.settings
        self.settings = new
        self.host.settings = new
        try:
            new.save()
        except OSError as exc:
            self.message_bar.show_message(f"Settings could not be saved ({exc.strerror or exc}); they apply "
                                          "until ClientSim closes.", "warning", key="settings-save")
        self.openness_meter.setVisible(new.openness_meter)
        if new.font_size != old.font_size:
            apply_style(QApplication.instance(), new.font_size)
            self._fit_rail()
        if new.lab != old.lab:
            self.host.use_local(False)  # a new lab server choice is tried again, even after a fallback
        if (new.model_path, new.effective_threads(), new.lab) != (old.model_path, old.effective_threads(), old.lab):
            if self.session_view.is_active():
                self.message_bar.show_message("The new model settings will be used from your next session.",
                                              "info", key="model-change")
            else:
                self.host.load_in_background()

    def _save_settings_quietly(self) -> None:
        try:
            self.settings.save()
        except OSError as exc:
            log.warning("settings not saved: %s", exc)

    # ------------------------------------------------------------------ shutdown
    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closed and not self.persona_editor.confirm_close():
            event.ignore()  # the author chose Cancel: the editor stays open
            self.stack.setCurrentWidget(self.persona_editor)
            return
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Cancel jobs, wait for the threads, end the session, close the model and the database."""
        if self._closed:
            return
        self._closed = True
        self._notice_timer.stop()
        try:
            window_state.save(self)
        except Exception as exc:  # noqa: BLE001
            log.warning("window state not saved: %s", exc)
        self._save_settings_quietly()
        if not self.runner.shutdown():
            log.warning("background jobs did not stop in time")
        self.session_view.end_for_shutdown()
        self.host.close()
        try:
            self.db.close()
        except Exception as exc:  # noqa: BLE001
            log.warning("database not closed cleanly: %s", exc)
        for text in self.db.notices[-1:]:
            if "unsaved change" in text:
                log.warning(text)
