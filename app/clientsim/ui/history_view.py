"""Past sessions, newest first, each with its MI band; opening one shows it
read-only, and one can be deleted (after a confirmation, main_window). Interrupted
sessions are marked in words ("Interrupted"), not only by colour."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clientsim.ui.style import icon
from clientsim.ui.timefmt import human_time, minutes

STATUS_TEXT = {"active": "In progress", "ended": "Ended", "interrupted": "Interrupted"}


BAND_TEXT = {0: "Below fair", 1: "Fair", 2: "Good"}
BAND_TIP = ("The session's MITI band from its review (the lowest level among R:Q, % complex reflections and "
            "the technical and relational globals).")


class HistoryView(QWidget):
    openRequested = Signal(str)  # session id
    exportRequested = Signal(str)  # session id: write it as a file for the instructor
    deleteRequested = Signal(str)  # session id (the window asks for confirmation)

    def __init__(self, db, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 20, 24, 20)
        lay.setSpacing(12)
        title = QLabel("Past sessions", self)
        title.setProperty("role", "title")
        lay.addWidget(title)
        sub = QLabel("Open a session to read its transcript and review. Past sessions cannot be changed.", self)
        sub.setProperty("role", "subtitle")
        sub.setWordWrap(True)
        lay.addWidget(sub)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("sessionList")
        self.tree.setAccessibleName("Past sessions")
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SingleSelection)
        self.tree.setHeaderLabels(["Started", "Client", "Length", "Band", "Status", "Model"])
        self.tree.headerItem().setToolTip(3, BAND_TIP)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.tree.header().setStretchLastSection(True)
        self.tree.itemActivated.connect(self._activated)
        self.tree.itemDoubleClicked.connect(self._activated)
        self.tree.currentItemChanged.connect(lambda *_: self._update_buttons())
        lay.addWidget(self.tree, 1)
        self.empty = QLabel("No sessions yet. Your practice sessions will be listed here.", self)
        self.empty.setProperty("role", "empty")
        self.empty.setAlignment(Qt.AlignCenter)
        self.empty.hide()
        lay.addWidget(self.empty, 1)
        row = self.button_row = QGridLayout()
        row.setHorizontalSpacing(8)
        self.count = QLabel(self)
        self.count.setProperty("role", "muted")
        self.count.setWordWrap(True)
        self.open_button = QPushButton("Open session", self)
        self.open_button.setProperty("role", "primary")
        self.open_button.setAccessibleName("Open the selected session read-only")
        self.open_button.clicked.connect(self._open_current)
        self.export_button = QPushButton("Export for instructor…", self)
        self.export_button.setAccessibleName("Export the selected session as a file for your instructor")
        self.export_button.setToolTip("Writes the session as a .json file with your name from Settings "
                                      "(and nothing else about you)")
        self.export_button.clicked.connect(self._export_current)
        self.delete_button = QPushButton("Delete…", self)
        self.delete_button.setAccessibleName("Delete the selected session")
        self.delete_button.setToolTip("Removes the session and its review from this computer (Delete key)")
        self.delete_button.clicked.connect(self._delete_current)
        delete_key = QShortcut(QKeySequence.Delete, self.tree)
        delete_key.setContext(Qt.WidgetWithChildrenShortcut)
        delete_key.activated.connect(self._delete_current)
        self._stacked = None
        self._place_buttons(False)
        lay.addLayout(row)
        self.refresh()

    def _place_buttons(self, stacked: bool) -> None:
        """The count and the three buttons on one row; on a narrow window (or a large font) the count goes
        above and the buttons take a row of their own, so none is cut off."""
        if stacked == self._stacked:
            return
        self._stacked = stacked
        row = self.button_row
        for w in (self.count, self.open_button, self.export_button, self.delete_button):
            row.removeWidget(w)
        buttons = (self.open_button, self.export_button, self.delete_button)
        for c in range(4):
            row.setColumnStretch(c, 0)
        if stacked:
            row.addWidget(self.count, 0, 0, 1, 4)
            row.addWidget(self.open_button, 1, 0)
            row.addWidget(self.export_button, 1, 1)
            row.addWidget(self.delete_button, 2, 0)
            row.setColumnStretch(0, 0)
            row.setColumnStretch(3, 1)
        else:
            row.addWidget(self.count, 0, 0)
            for i, b in enumerate(buttons):
                row.addWidget(b, 0, i + 1)
            row.setColumnStretch(0, 1)
            row.setColumnStretch(3, 0)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        needed = sum(b.sizeHint().width() for b in (self.open_button, self.export_button, self.delete_button))
        self._place_buttons(needed + 200 > self.width() - 48)

    def refresh(self) -> None:
        keep = self.current_id()
        self.tree.clear()
        try:
            sessions = self.db.list_sessions()
            bands = {sid: int(v) for sid, _at, v in self.db.score_history("mi.band")}
        except Exception as exc:  # noqa: BLE001 - a read problem must not break the window
            sessions, bands = [], {}
            self.count.setText(f"Sessions could not be read: {exc}")
        for s in sessions:
            status = STATUS_TEXT.get(s.get("status"), s.get("status") or "?")
            turns = s.get("turn_count", 0)
            length = f"{turns} turn{'s' if turns != 1 else ''}"
            took = minutes(s.get("started_at"), s.get("ended_at"))
            band = BAND_TEXT.get(bands.get(s["id"]), "–")
            item = QTreeWidgetItem([human_time(s.get("started_at")), s.get("persona_name") or s.get("persona_id") or "?",
                                    f"{length} · {took}" if took else length, band, status,
                                    s.get("model_name") or ""])
            item.setData(0, Qt.UserRole, s["id"])
            item.setToolTip(0, s.get("started_at") or "")
            item.setToolTip(3, BAND_TIP if s["id"] in bands else "No review was made for this session.")
            if s.get("status") == "interrupted":
                item.setIcon(4, icon("warning"))
                item.setToolTip(4, "ClientSim stopped before this session was ended; every saved turn is kept.")
            self.tree.addTopLevelItem(item)
            if s["id"] == keep:
                self.tree.setCurrentItem(item)
        if sessions and self.tree.currentItem() is None:
            self.tree.setCurrentItem(self.tree.topLevelItem(0))
        self.tree.setVisible(bool(sessions))
        self.empty.setVisible(not sessions)
        if sessions:
            n_int = sum(1 for s in sessions if s.get("status") == "interrupted")
            extra = f" · {n_int} interrupted" if n_int else ""
            self.count.setText(f"{len(sessions)} session{'s' if len(sessions) != 1 else ''}{extra}")
        elif not self.count.text().startswith("Sessions could not"):
            self.count.setText("")
        self._update_buttons()

    def current_id(self) -> str | None:
        item = self.tree.currentItem()
        return item.data(0, Qt.UserRole) if item else None

    def ids(self) -> list[str]:
        return [self.tree.topLevelItem(i).data(0, Qt.UserRole) for i in range(self.tree.topLevelItemCount())]

    def status_texts(self) -> dict[str, str]:
        return {self.tree.topLevelItem(i).data(0, Qt.UserRole): self.tree.topLevelItem(i).text(4)
                for i in range(self.tree.topLevelItemCount())}

    def band_texts(self) -> dict[str, str]:
        return {self.tree.topLevelItem(i).data(0, Qt.UserRole): self.tree.topLevelItem(i).text(3)
                for i in range(self.tree.topLevelItemCount())}

    def _update_buttons(self) -> None:
        self.open_button.setEnabled(self.current_id() is not None)
        self.export_button.setEnabled(self.current_id() is not None)
        self.delete_button.setEnabled(self.current_id() is not None)

    def _activated(self, item: QTreeWidgetItem, _col: int = 0) -> None:
        self.openRequested.emit(item.data(0, Qt.UserRole))

    def _open_current(self) -> None:
        sid = self.current_id()
        if sid:
            self.openRequested.emit(sid)

    def _export_current(self) -> None:
        sid = self.current_id()
        if sid:
            self.exportRequested.emit(sid)

    def _delete_current(self) -> None:
        sid = self.current_id()
        if sid:
            self.deleteRequested.emit(sid)
