"""The instructor view: a folder of exported sessions, read-only, as sortable tables.

The folder is judged on the general pool (``classroom.build_class_report``,
about a third of a second per session) with a progress bar; closing the
window cancels it. Sessions and students are two sortable tables (the same
columns as ``clientsim class report``); skipped files are listed with the
reason. A double-click (or Enter) on a session opens its review, built from
the export by the same judge. Nothing in the folder is ever written.
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from clientsim.classroom import ClassReport, build_class_report
from clientsim.classroom.output import SESSION_COLUMNS, STUDENT_COLUMNS, session_cells, student_cells, write_report
from clientsim.ui.report_view import ReportView
from clientsim.ui.workers import Job, JobRunner

SORT_ROLE = Qt.UserRole + 1
KEY_ROLE = Qt.UserRole + 2


class RowsModel(QAbstractTableModel):
    """Read-only rows of cells; numbers sort as numbers and empty cells last."""

    def __init__(self, headings: list[str], rows: list[list], keys: list[str] | None = None, parent=None) -> None:
        super().__init__(parent)
        self.headings, self.rows, self.keys = headings, rows, keys or [""] * len(rows)

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.headings)

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return self.headings[section]
        return None

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        value = self.rows[index.row()][index.column()]
        if role in (Qt.DisplayRole, Qt.ToolTipRole):
            return "–" if value is None else str(value)
        if role == SORT_ROLE:
            if value is None:
                return math.inf  # empty cells last when sorted up
            return value if isinstance(value, (int, float)) else str(value).lower()
        if role == Qt.TextAlignmentRole and isinstance(value, (int, float)):
            return int(Qt.AlignRight | Qt.AlignVCenter)
        if role == KEY_ROLE:
            return self.keys[index.row()]
        return None


class _Proxy(QSortFilterProxyModel):
    def lessThan(self, left, right) -> bool:  # noqa: N802 - mixed numbers and text
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return a < b
        if isinstance(a, (int, float)) != isinstance(b, (int, float)):
            return isinstance(a, str)  # text before numbers (and before empty)
        return str(a) < str(b)


def _table(model: RowsModel, name: str, parent: QWidget) -> QTableView:
    view = QTableView(parent)
    view.setAccessibleName(name)
    proxy = _Proxy(view)
    proxy.setSourceModel(model)
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.sortByColumn(-1, Qt.AscendingOrder)
    view.setSelectionBehavior(QAbstractItemView.SelectRows)
    view.setSelectionMode(QAbstractItemView.SingleSelection)
    view.setEditTriggers(QAbstractItemView.NoEditTriggers)
    view.setWordWrap(True)
    view.verticalHeader().hide()
    view.horizontalHeader().setSectionResizeMode(QHeaderView.Interactive)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().sectionResized.connect(lambda *_: view.resizeRowsToContents())
    return view


class ClassReviewWindow(QDialog):
    loaded = Signal()  # the tables are filled
    failed = Signal(str)
    reviewOpened = Signal(str)  # session id

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.report: ClassReport | None = None
        self._job: Job | None = None
        self.setWindowTitle("Class review")
        self.setAccessibleName("Class review")
        self.setMinimumSize(900, 520)
        self.setWindowFlag(Qt.WindowMaximizeButtonHint, True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 18, 20, 16)
        lay.setSpacing(10)
        self.title = QLabel("Open a folder of sessions your students exported.", self)
        self.title.setProperty("role", "title")
        self.title.setWordWrap(True)
        lay.addWidget(self.title)
        self.summary = QLabel("Read-only: nothing in the folder is changed. Figures are the judge's estimates, "
                              "computed again from each export.", self)
        self.summary.setWordWrap(True)
        self.summary.setProperty("role", "muted")
        lay.addWidget(self.summary)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1000)
        self.progress.hide()
        lay.addWidget(self.progress)

        self.tabs = QTabWidget(self)
        self.sessions_view = _table(RowsModel([h for _, h in SESSION_COLUMNS], []), "Sessions", self.tabs)
        self.sessions_view.doubleClicked.connect(self._open_index)
        self.sessions_view.activated.connect(self._open_index)
        self.students_view = _table(RowsModel([h for _, h in STUDENT_COLUMNS], []), "Students", self.tabs)
        self.skipped_list = QListWidget(self.tabs)
        self.skipped_list.setAccessibleName("Skipped files")
        self.skipped_list.setWordWrap(True)
        self.tabs.addTab(self.sessions_view, "Sessions")
        self.tabs.addTab(self.students_view, "Students")
        self.tabs.addTab(self.skipped_list, "Skipped files")
        lay.addWidget(self.tabs, 1)

        row = QHBoxLayout()
        self.open_button = QPushButton("Open folder…", self)
        self.open_button.setProperty("role", "primary")
        self.open_button.clicked.connect(self.choose_folder)
        row.addWidget(self.open_button)
        self.review_button = QPushButton("Open review", self)
        self.review_button.setAccessibleName("Open the selected session's review")
        self.review_button.clicked.connect(lambda: self._open_index(self.sessions_view.currentIndex()))
        row.addWidget(self.review_button)
        row.addStretch(1)
        self.save_button = QPushButton("Save table…", self)
        self.save_button.setAccessibleName("Save the class table as CSV or HTML")
        self.save_button.clicked.connect(self._save_clicked)
        row.addWidget(self.save_button)
        close = QPushButton("Close", self)
        close.clicked.connect(self.close)
        row.addWidget(close)
        lay.addLayout(row)
        self._set_ready(False)

    # -- loading -------------------------------------------------------------------------
    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of exported sessions", str(Path.home()))
        if folder:
            self.open_folder(Path(folder))

    def open_folder(self, folder: Path) -> None:
        if self._job is not None:
            self._job.cancel()
        self._set_ready(False)
        self.title.setText(f"Class review: {Path(folder).name}")
        self.progress.setValue(0)
        self.progress.show()
        job = Job(lambda state, f: build_class_report(f, state), Path(folder), name="class report")
        job.signals.progress.connect(lambda f, _msg: self.progress.setValue(int(f * 1000)))
        job.signals.finished.connect(self._loaded)
        job.signals.failed.connect(self._failed)
        job.signals.done.connect(self._done)
        self._job = self.runner.submit(job, pool="general")

    def _loaded(self, report: ClassReport) -> None:
        self.report = report
        self.sessions_view.model().setSourceModel(RowsModel(
            [h for _, h in SESSION_COLUMNS], [session_cells(r) for r in report.rows],
            [r.session_id for r in report.rows], self))
        self.students_view.model().setSourceModel(RowsModel(
            [h for _, h in STUDENT_COLUMNS], [student_cells(s) for s in report.students], None, self))
        for view in (self.sessions_view, self.students_view):
            view.resizeColumnsToContents()
            widest = view.fontMetrics().horizontalAdvance("M") * 16  # then long cells wrap at words
            for c in range(view.model().columnCount()):
                view.setColumnWidth(c, min(view.columnWidth(c), widest))
            view.resizeRowsToContents()
        self.skipped_list.clear()
        for s in report.skipped:
            self.skipped_list.addItem(f"{s.path.relative_to(report.folder)}: {s.reason}")
        self.tabs.setTabText(2, f"Skipped files ({len(report.skipped)})")
        self.summary.setText(f"{len(report.rows)} session(s) from {len(report.students)} student(s)"
                             + (f"; {len(report.skipped)} file(s) skipped (see the last tab)" if report.skipped else "")
                             + ". Read-only: nothing in the folder is changed. Double-click a session for its review.")
        self._set_ready(True)
        self.loaded.emit()

    def _failed(self, message: str) -> None:
        self.summary.setText(f"The folder could not be reviewed.\n{message}")
        self.failed.emit(message)

    def _done(self) -> None:
        self._job = None
        self.progress.hide()

    def _set_ready(self, on: bool) -> None:
        self.review_button.setEnabled(on)
        self.save_button.setEnabled(on)

    # -- reviews -------------------------------------------------------------------------
    def session_ids(self) -> list[str]:
        """Session ids in the order shown (after sorting)."""
        model = self.sessions_view.model()
        return [model.index(r, 0).data(KEY_ROLE) for r in range(model.rowCount())]

    def _open_index(self, index) -> None:
        if index.isValid() and self.report is not None:
            self.open_review(index.siblingAtColumn(0).data(KEY_ROLE))

    def open_review(self, session_id: str) -> QDialog | None:
        if self.report is None or session_id not in self.report.reports:
            return None
        row = next(r for r in self.report.rows if r.session_id == session_id)
        dlg = QDialog(self)
        dlg.setAttribute(Qt.WA_DeleteOnClose)
        dlg.setWindowTitle(f"Review: {row.student}, {row.persona_name}, {row.date}")
        dlg.resize(900, 700)
        lay = QVBoxLayout(dlg)
        view = ReportView(dlg)
        view.set_report(self.report.reports[session_id])
        lay.addWidget(view)
        dlg.show()
        self.reviewOpened.emit(session_id)
        return dlg

    # -- saving --------------------------------------------------------------------------
    def _save_clicked(self) -> None:
        if self.report is None:
            return
        start = str(Path.home() / f"class-{self.report.folder.name}.html")
        path, _ = QFileDialog.getSaveFileName(self, "Save the class table", start,
                                              "HTML page (*.html);;CSV for spreadsheets (*.csv)")
        if not path:
            return
        if Path(path).suffix.lower() not in (".html", ".csv"):
            path += ".html"
        try:
            written = write_report(self.report, Path(path))
        except Exception as exc:  # noqa: BLE001 - the instructor must see why
            QMessageBox.warning(self, "Could not save the table", f"{exc}\n\nTry another folder.")
            return
        self.summary.setText("Saved " + ", ".join(str(p) for p in written) + ".")

    def closeEvent(self, event) -> None:  # noqa: N802
        if self._job is not None:
            self._job.cancel()
        super().closeEvent(event)
