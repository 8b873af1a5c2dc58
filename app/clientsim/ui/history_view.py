"""Past sessions, newest first; opening one shows it read-only. Interrupted
sessions are marked in words ("Interrupted"), not only by colour."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clientsim.ui.style import icon
from clientsim.ui.timefmt import short_date

STATUS_TEXT = {"active": "In progress", "ended": "Ended", "interrupted": "Interrupted"}


class HistoryView(QWidget):
    openRequested = Signal(str)  # session id
    exportRequested = Signal(str)  # session id: write it as a file for the instructor

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
        self.tree.setHeaderLabels(["Started", "Client", "Turns", "Status", "Model"])
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
        row = QHBoxLayout()
        self.count = QLabel(self)
        self.count.setProperty("role", "muted")
        row.addWidget(self.count, 1)
        self.open_button = QPushButton("Open session", self)
        self.open_button.setProperty("role", "primary")
        self.open_button.setAccessibleName("Open the selected session read-only")
        self.open_button.clicked.connect(self._open_current)
        row.addWidget(self.open_button)
        self.export_button = QPushButton("Export for instructor…", self)
        self.export_button.setAccessibleName("Export the selected session as a file for your instructor")
        self.export_button.setToolTip("Writes the session as a .json file with your name from Settings "
                                      "(and nothing else about you)")
        self.export_button.clicked.connect(self._export_current)
        row.addWidget(self.export_button)
        lay.addLayout(row)
        self.refresh()

    def refresh(self) -> None:
        keep = self.current_id()
        self.tree.clear()
        try:
            sessions = self.db.list_sessions()
        except Exception as exc:  # noqa: BLE001 - a read problem must not break the window
            sessions = []
            self.count.setText(f"Sessions could not be read: {exc}")
        for s in sessions:
            status = STATUS_TEXT.get(s.get("status"), s.get("status") or "?")
            item = QTreeWidgetItem([short_date(s.get("started_at")), s.get("persona_name") or s.get("persona_id") or "?",
                                    str(s.get("turn_count", 0)), status, s.get("model_name") or ""])
            item.setData(0, Qt.UserRole, s["id"])
            item.setTextAlignment(2, Qt.AlignRight | Qt.AlignVCenter)
            if s.get("status") == "interrupted":
                item.setIcon(3, icon("warning"))
                item.setToolTip(3, "ClientSim stopped before this session was ended; every saved turn is kept.")
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
        return {self.tree.topLevelItem(i).data(0, Qt.UserRole): self.tree.topLevelItem(i).text(3)
                for i in range(self.tree.topLevelItemCount())}

    def _update_buttons(self) -> None:
        self.open_button.setEnabled(self.current_id() is not None)
        self.export_button.setEnabled(self.current_id() is not None)

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
