"""The persona library: search, filter by modality, style and difficulty, read
the brief, start a session; open the persona editor (new, edit, duplicate) and
list the editor's drafts, marked "draft — not usable yet"."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QPushButton,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from clientsim.personas import DIFFICULTIES, MODALITIES, STYLES, PersonaLibrary
from clientsim.personas.authoring import preview_persona
from clientsim.personas.drafts import PersonaDraft
from clientsim.personas.model import Persona
from clientsim.ui.persona_brief import PersonaBrief
from clientsim.ui.style import icon

SUBTITLE_ROLE = Qt.UserRole + 1
ID_ROLE = Qt.UserRole
DRAFT_PREFIX = "draft:"  # the ID_ROLE of a draft's row: "draft:<key>"
DRAFT_WORDS = "draft — not usable yet"


class PersonaItemDelegate(QStyledItemDelegate):
    """Name in bold, a muted second line with who they are and the practice focus."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        fm = option.fontMetrics
        return QSize(200, fm.height() * 2 + 26)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        title, opt.text = opt.text, ""
        style = opt.widget.style() if opt.widget else None
        if style:
            style.drawControl(QStyle.CE_ItemViewItem, opt, painter, opt.widget)
        painter.save()
        r = option.rect.adjusted(14, 8, -10, -8)
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(option.palette.color(QPalette.Text))
        fm_h = option.fontMetrics.height()
        painter.drawText(QRect(r.left(), r.top(), r.width(), fm_h + 2), Qt.AlignLeft | Qt.AlignVCenter,
                         painter.fontMetrics().elidedText(title, Qt.ElideRight, r.width()))
        painter.setFont(option.font)
        painter.setPen(QColor("#4d5d69"))
        sub = index.data(SUBTITLE_ROLE) or ""
        painter.drawText(QRect(r.left(), r.top() + fm_h + 4, r.width(), fm_h + 2), Qt.AlignLeft | Qt.AlignVCenter,
                         option.fontMetrics.elidedText(sub, Qt.ElideRight, r.width()))
        painter.restore()


def _combo(name: str, all_label: str, values: tuple[str, ...], fmt=str.capitalize) -> QComboBox:
    box = QComboBox()
    box.setAccessibleName(name)
    box.setToolTip(name)
    box.addItem(all_label, None)
    for v in values:
        box.addItem(fmt(v), v)
    return box


class LibraryView(QWidget):
    startRequested = Signal(str)
    newRequested = Signal()
    editRequested = Signal(str)  # persona id
    duplicateRequested = Signal(str)  # persona id
    draftRequested = Signal(str)  # draft key

    def __init__(self, library: PersonaLibrary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.drafts: list[PersonaDraft] = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 20, 24, 20)
        lay.setSpacing(12)
        title = QLabel("Choose a client", self)
        title.setProperty("role", "title")
        lay.addWidget(title)
        sub = QLabel("Read the referral note and learning objectives, then start a practice session. "
                     "Everything stays on this computer.", self)
        sub.setProperty("role", "subtitle")
        sub.setWordWrap(True)
        lay.addWidget(sub)

        bar = QHBoxLayout()
        bar.setSpacing(8)
        self.search = QLineEdit(self)
        self.search.setObjectName("personaSearch")
        self.search.setPlaceholderText("Search clients (name, problem, behaviour…)   Ctrl+F")
        self.search.setAccessibleName("Search personas")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(icon("search"), QLineEdit.LeadingPosition)
        bar.addWidget(self.search, 3)
        self.modality = _combo("Filter by approach", "All approaches", MODALITIES, fmt=str)
        self.style = _combo("Filter by conversational style", "Any style", STYLES)
        self.difficulty = _combo("Filter by difficulty", "Any level", DIFFICULTIES)
        for box in (self.modality, self.style, self.difficulty):
            bar.addWidget(box, 1)
        lay.addLayout(bar)

        split = QSplitter(Qt.Horizontal, self)
        split.setObjectName("librarySplit")
        split.setChildrenCollapsible(False)
        left = QWidget(split)
        left_lay = QVBoxLayout(left)
        left_lay.setContentsMargins(0, 0, 0, 0)
        left_lay.setSpacing(6)
        self.list = QListWidget(left)
        self.list.setObjectName("personaList")
        self.list.setAccessibleName("Personas")
        self.list.setItemDelegate(PersonaItemDelegate(self.list))
        self.list.setUniformItemSizes(True)
        left_lay.addWidget(self.list, 1)
        self.count_label = QLabel(left)
        self.count_label.setProperty("role", "muted")
        left_lay.addWidget(self.count_label)
        self.empty_label = QLabel(left)
        self.empty_label.setProperty("role", "empty")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignCenter)
        self.empty_label.hide()
        left_lay.addWidget(self.empty_label)
        edit_bar = QHBoxLayout()
        edit_bar.setSpacing(4)
        # short words: the column is narrow at large font sizes; the accessible names say the rest
        self.new_button = QPushButton("New", left)
        self.new_button.setAccessibleName("New client")
        self.new_button.setToolTip("Write a new client in the persona editor")
        self.edit_button = QPushButton("Edit", left)
        self.edit_button.setAccessibleName("Edit client")
        self.edit_button.setToolTip("Edit this client (a bundled, lab or pack client is saved as a copy)")
        self.duplicate_button = QPushButton("Duplicate", left)
        self.duplicate_button.setAccessibleName("Duplicate client")
        self.duplicate_button.setToolTip("Start a new client from a copy of this one")
        for b in (self.new_button, self.edit_button, self.duplicate_button):
            edit_bar.addWidget(b)
        edit_bar.addStretch(1)
        left_lay.addLayout(edit_bar)
        self.brief = PersonaBrief(split)
        split.addWidget(left)
        split.addWidget(self.brief)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([380, 620])
        lay.addWidget(split, 1)

        self.search.textChanged.connect(self.refresh)
        for box in (self.modality, self.style, self.difficulty):
            box.currentIndexChanged.connect(self.refresh)
        self.list.currentItemChanged.connect(self._show_current)
        self.list.itemActivated.connect(self._activated)
        self.new_button.clicked.connect(self.newRequested)
        self.edit_button.clicked.connect(self._edit_clicked)
        self.duplicate_button.clicked.connect(self._duplicate_clicked)
        self.brief.startRequested.connect(self.startRequested)
        self.setTabOrder(self.search, self.modality)
        self.setTabOrder(self.modality, self.style)
        self.setTabOrder(self.style, self.difficulty)
        self.setTabOrder(self.difficulty, self.list)
        self.setTabOrder(self.list, self.brief.start_button)
        self.refresh()

    # -- filtering -----------------------------------------------------------
    def visible_ids(self) -> list[str]:
        return [self.list.item(i).data(ID_ROLE) for i in range(self.list.count())]

    def refresh(self) -> None:
        keep = self.current_id()
        found = self.library.search(self.search.text(), self.modality.currentData(),
                                    self.style.currentData(), self.difficulty.currentData())
        self.list.blockSignals(True)
        self.list.clear()
        for p in found:
            item = QListWidgetItem(p.name)
            item.setData(ID_ROLE, p.id)
            item.setData(SUBTITLE_ROLE, self._subtitle(p))
            item.setToolTip(p.presenting_problem)
            item.setData(Qt.AccessibleTextRole, f"{p.name}, {self._subtitle(p)}")
            self.list.addItem(item)
        words = self.search.text().lower().split()
        for d in self.drafts:
            if not all(w in d.title.lower() for w in words):
                continue
            item = QListWidgetItem(d.title)
            item.setData(ID_ROLE, DRAFT_PREFIX + d.key)
            item.setData(SUBTITLE_ROLE, DRAFT_WORDS.capitalize() + (f" · edits {d.origin_id}" if d.origin_id else ""))
            item.setToolTip("A draft from the persona editor: open it to finish it; it is offered for practice "
                            "once it is saved for use")
            item.setData(Qt.AccessibleTextRole, f"{d.title}, {DRAFT_WORDS}")
            self.list.addItem(item)
            found = [*found, d]
        self.list.blockSignals(False)
        total = len(self.library)
        n_drafts = sum(isinstance(f, PersonaDraft) for f in found)
        self.count_label.setText(f"{len(found) - n_drafts} of {total} clients" +
                                 (f", {n_drafts} draft{'s' if n_drafts > 1 else ''}" if n_drafts else ""))
        if total == 0:
            from clientsim import paths

            self.empty_label.setText("No personas are installed.\nPersona files (*.json) go in "
                                     f"{paths.user_personas_dir()}")
        else:
            self.empty_label.setText("No client matches these filters.\nClear the search or choose “All”.")
        self.empty_label.setVisible(not found)
        self.list.setVisible(bool(found))
        self.select(keep if keep in self.visible_ids() else (self.visible_ids()[0] if found else None))

    @staticmethod
    def _subtitle(p: Persona) -> str:
        topics = ", ".join(t.replace("-", " ") for t in p.tags[:2])
        bits = [f"{p.identity.age}", "/".join(p.modality), p.difficulty.capitalize(), topics]
        return " · ".join(b for b in bits if b)

    def current_id(self) -> str | None:
        item = self.list.currentItem()
        return item.data(ID_ROLE) if item else None

    def select(self, persona_id: str | None) -> None:
        for i in range(self.list.count()):
            if self.list.item(i).data(ID_ROLE) == persona_id:
                self.list.setCurrentRow(i)
                return
        self.list.setCurrentRow(-1)
        self._show_current(None)

    def _show_current(self, item: QListWidgetItem | None, _prev=None) -> None:
        key = item.data(ID_ROLE) if item else None
        draft = self.draft(key)
        if draft is not None:
            self.brief.set_persona(preview_persona(draft.persona))
            self.brief.start_button.setEnabled(False)
            self.brief.start_button.setText(DRAFT_WORDS.capitalize())
        else:
            self.brief.set_persona(self.library.personas.get(key) if key else None)
        self.edit_button.setEnabled(key is not None)
        self.duplicate_button.setEnabled(key is not None and draft is None)

    # -- the persona editor ---------------------------------------------------
    def set_drafts(self, drafts: list[PersonaDraft]) -> None:
        self.drafts = list(drafts)
        self.refresh()

    def draft(self, row_id: str | None) -> PersonaDraft | None:
        if not row_id or not row_id.startswith(DRAFT_PREFIX):
            return None
        key = row_id[len(DRAFT_PREFIX):]
        return next((d for d in self.drafts if d.key == key), None)

    def _activated(self, item: QListWidgetItem) -> None:
        row_id = item.data(ID_ROLE)
        if row_id.startswith(DRAFT_PREFIX):
            self.draftRequested.emit(row_id[len(DRAFT_PREFIX):])
        else:
            self.startRequested.emit(row_id)

    def _edit_clicked(self) -> None:
        row_id = self.current_id()
        if row_id and row_id.startswith(DRAFT_PREFIX):
            self.draftRequested.emit(row_id[len(DRAFT_PREFIX):])
        elif row_id:
            self.editRequested.emit(row_id)

    def _duplicate_clicked(self) -> None:
        row_id = self.current_id()
        if row_id and not row_id.startswith(DRAFT_PREFIX):
            self.duplicateRequested.emit(row_id)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.ShortcutFocusReason)
        self.search.selectAll()
