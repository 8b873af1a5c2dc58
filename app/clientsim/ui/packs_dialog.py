"""Persona packs in the app: the installed packs with version and source, install, remove.

A pack is installed from a file dialog or by dropping a ``.clientsim-pack`` on
the main window (which opens this dialog and installs it). Installing runs on
the general pool (a pack with voices is tens of megabytes); the result or the
problem is shown in the dialog. Lab packs are listed but cannot be removed here.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clientsim.packs import LAB, PACK_SUFFIX, PackError, install_pack, list_packs, remove_pack
from clientsim.ui.workers import Job, JobRunner

COLUMNS = ("Title", "Version", "Source", "Clients", "Author", "Id")
SOURCE_WORDS = {LAB: "Lab (everyone on this computer)", "user": "Yours"}


class PacksDialog(QDialog):
    packsChanged = Signal()  # a pack was installed or removed: reload the persona library
    installFinished = Signal(bool, str)  # ok, message

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.setWindowTitle("Persona packs")
        self.setAccessibleName("Persona packs")
        self.setMinimumSize(720, 380)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 18, 20, 16)
        lay.setSpacing(10)
        intro = QLabel("A persona pack is one .clientsim-pack file of clients from your instructor or course. "
                       "Install one here or drop the file on the main window.", self)
        intro.setWordWrap(True)
        intro.setProperty("role", "subtitle")
        lay.addWidget(intro)

        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("packsTable")
        self.table.setAccessibleName("Installed persona packs")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        for col in range(1, len(COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeToContents)
        header.sectionResized.connect(lambda *_: self.table.resizeRowsToContents())
        self.table.itemSelectionChanged.connect(self._selection_changed)
        lay.addWidget(self.table, 1)

        self.empty_label = QLabel("No packs installed yet.", self)
        self.empty_label.setProperty("role", "muted")
        lay.addWidget(self.empty_label)
        self.status = QLabel(self)
        self.status.setObjectName("packsStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextSelectableByMouse)
        lay.addWidget(self.status)

        row = QHBoxLayout()
        self.install_button = QPushButton("Install from file…", self)
        self.install_button.setAccessibleName("Install a persona pack from a file")
        self.install_button.setProperty("role", "primary")
        self.install_button.clicked.connect(self.choose_file)
        row.addWidget(self.install_button)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.setAccessibleName("Remove the selected pack")
        self.remove_button.clicked.connect(self._remove_clicked)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        close = QPushButton("Close", self)
        close.clicked.connect(self.accept)
        row.addWidget(close)
        lay.addLayout(row)
        self._packs = []
        self._job: Job | None = None
        self.refresh()

    # -- listing ---------------------------------------------------------------------
    def refresh(self) -> None:
        found = list_packs()
        self._packs = found.packs
        self.table.setRowCount(len(self._packs))
        for r, pack in enumerate(self._packs):
            m = pack.manifest
            cells = (m.title, m.version, SOURCE_WORDS.get(pack.location, pack.location),
                     str(len(m.persona_ids())), m.author, m.id)
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(m.description or m.title if c == 0 else text)
                self.table.setItem(r, c, item)
        self.table.resizeRowsToContents()
        self.empty_label.setVisible(not self._packs)
        if found.problems:
            self.show_status("Some installed packs could not be read: " + "; ".join(found.problems), error=True)
        self._selection_changed()

    def pack_ids(self) -> list[str]:
        return [p.id for p in self._packs]

    def _selected(self):
        rows = {i.row() for i in self.table.selectedItems()}
        return self._packs[rows.pop()] if len(rows) == 1 else None

    def _selection_changed(self) -> None:
        pack = self._selected()
        self.remove_button.setEnabled(bool(pack and pack.removable))
        self.remove_button.setToolTip(
            "Lab packs are installed for everyone on this computer; ask whoever looks after the lab."
            if pack is not None and not pack.removable else "")

    def show_status(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #8a3b2e;" if error else "")

    # -- installing --------------------------------------------------------------------
    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Install a persona pack", str(Path.home()),
                                              f"Persona packs (*{PACK_SUFFIX});;All files (*)")
        if path:
            self.install_file(Path(path))

    def install_file(self, path: Path) -> None:
        """Check and install ``path`` off the UI thread; the outcome shows in the dialog."""
        if self._job is not None:
            self.show_status("Another pack is being installed; try again when it is done.", error=True)
            return
        self.install_button.setEnabled(False)
        self.show_status(f"Checking and installing {Path(path).name}…")
        job = Job(lambda _state, p: install_pack(p), Path(path), name="install pack")
        job.signals.finished.connect(self._installed)
        job.signals.failed.connect(self._install_failed)
        job.signals.done.connect(self._install_done)
        self._job = self.runner.submit(job, pool="general")

    def _installed(self, result) -> None:
        m = result.pack.manifest
        what = f"replaced version {result.replaced_version}" if result.replaced_version else "new"
        text = (f"Installed “{m.title}” {m.version} ({what}): {len(m.persona_ids())} client(s) "
                f"now in your library.")
        self.show_status(text)
        self.refresh()
        self.packsChanged.emit()
        self.installFinished.emit(True, text)

    def _install_failed(self, message: str) -> None:
        text = f"The pack was not installed, and nothing was changed.\n{message}"
        self.show_status(text, error=True)
        self.installFinished.emit(False, text)

    def _install_done(self) -> None:
        self._job = None
        self.install_button.setEnabled(True)

    # -- removing ----------------------------------------------------------------------
    def _remove_clicked(self) -> None:
        pack = self._selected()
        if pack is None:
            return
        answer = QMessageBox.question(
            self, "Remove persona pack",
            f"Remove “{pack.manifest.title}” {pack.manifest.version} and its {len(pack.manifest.persona_ids())} "
            "client(s) from your library? Your past sessions with them are kept.")
        if answer == QMessageBox.Yes:
            self.remove(pack.id)

    def remove(self, pack_id: str) -> bool:
        try:
            pack = remove_pack(pack_id)
        except PackError as exc:
            self.show_status(str(exc), error=True)
            return False
        self.show_status(f"Removed “{pack.manifest.title}” {pack.manifest.version}.")
        self.refresh()
        self.packsChanged.emit()
        return True
