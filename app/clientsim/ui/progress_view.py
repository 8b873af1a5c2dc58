"""The progress page: the student's figures over sessions, as pyqtgraph charts.

pyqtgraph (already used by the review's client chart) rather than Qt Charts,
which lives in the PySide6 add-ons this app does not install. Sessions are read
on the general pool (``progress.load_progress``, its own read-only connection);
the page only filters and draws. A click on a point opens that session's review.
MITI fair and good thresholds (and the CTRS competence line) are drawn as lines.
"""

from __future__ import annotations

import math
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QDate, QElapsedTimer, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDateEdit,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from clientsim.progress import CHARTS, Chart, SessionScores, filter_sessions, load_progress
from clientsim.ui.workers import Job, JobRunner

# Okabe-Ito colours (colour-blind safe); each series also has its own symbol.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999",
           "#0072B2", "#D55E00", "#009E73")
SYMBOLS = ("o", "s", "t", "d", "+", "x", "star", "p", "h", "t1", "t2")
FAIR_PEN = pg.mkPen(QColor("#E69F00"), width=1.5, style=Qt.DashLine)
GOOD_PEN = pg.mkPen(QColor("#009E73"), width=1.5, style=Qt.DashLine)
APPROACHES = (("All approaches", None), ("MI sessions", "MI"), ("CBT sessions", "CBT"))
CHART_MIN_WIDTH = 420
MAX_SYMBOLS = 120  # more sessions than this: lines without point symbols
STEP_BUDGET_MS = 30  # drawing work per event-loop turn


class DateTicks(pg.AxisItem):
    """Session number on the axis, its date underneath (sessions on one day stay apart)."""

    def __init__(self) -> None:
        super().__init__("bottom")
        self.labels: list[str] = []

    def tickValues(self, minVal, maxVal, size):  # noqa: N802 - pyqtgraph API
        """Whole sessions only, as many as their dates fit side by side at the current font size."""
        first, last = max(1, math.ceil(minVal)), min(len(self.labels), math.floor(maxVal))
        if last < first:
            return []
        label_px = QFontMetrics(self.style.get("tickFont") or QApplication.font()).horizontalAdvance("00 Mmm") * 1.6
        fits = max(1, int(size / max(label_px, 1)))
        step = max(1, math.ceil((last - first + 1) / fits))
        return [(float(step), [float(v) for v in range(first, last + 1, step)])]

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph API
        out = []
        for v in values:
            i = int(round(v)) - 1
            out.append(self.labels[i] if 0 <= i < len(self.labels) and abs(v - round(v)) < 1e-6 else "")
        return out


class ChartPanel(QFrame):
    pointClicked = Signal(str)

    def __init__(self, chart: Chart, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.chart = chart
        self.setObjectName(f"chart_{chart.key}")
        self.setFrameShape(QFrame.StyledPanel)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 6)
        self.title = QLabel(f"<b>{chart.title}</b>", self)
        self.title.setWordWrap(True)
        lay.addWidget(self.title)
        self.axis = DateTicks()
        self.plot = pg.PlotWidget(background="w", axisItems={"bottom": self.axis})
        self.plot.setAccessibleName(f"Chart: {chart.title} over your sessions")
        self.plot.setMinimumHeight(200)
        self.plot.showGrid(x=False, y=True, alpha=0.2)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        if chart.unit:
            self.plot.setLabel("left", chart.unit)
        self.plot.disableAutoRange()  # ranges are set from the data: no per-item bounds pass
        legend = self.plot.addLegend(offset=(8, -4), brush=pg.mkBrush(255, 255, 255, 210),
                                     labelTextSize=f"{max(8, QApplication.font().pointSize() - 1)}pt",
                                     labelTextColor="#333333") if len(chart.metrics) > 1 else None
        # The items, legend and lines are made once; a redraw only replaces the points (cheap with 500 sessions).
        self.items: dict[str, pg.PlotDataItem] = {}
        for k, (metric, name) in enumerate(chart.metrics):
            colour = QColor(PALETTE[k % len(PALETTE)])
            main = k == 0
            item = pg.PlotDataItem(
                [], [], pen=pg.mkPen(colour, width=2 if main else 1, style=Qt.SolidLine if main else Qt.DotLine),
                symbol=SYMBOLS[k % len(SYMBOLS)], symbolSize=8 if main else 6, symbolBrush=colour, symbolPen=None,
                name=name if legend is not None else None, antialias=False, skipFiniteCheck=True)
            self.plot.addItem(item)
            self.items[metric] = item
        self.symbols = [(item.opts["symbol"], item.opts["symbolSize"]) for item in self.items.values()]
        self.session_ids: list[str] = []
        self.plot.scene().sigMouseClicked.connect(self._scene_clicked)
        for value, pen, word in ((chart.fair, FAIR_PEN, "fair"), (chart.good, GOOD_PEN, "good")):
            if value is not None:
                label = "competence line" if chart.key == "ctrs_total" else f"MITI {word}"
                self.plot.addItem(pg.InfiniteLine(pos=value, angle=0, pen=pen, label=f"{label} {value:g}",
                                                  labelOpts={"position": 0.98, "color": pen.color(),
                                                             "anchors": [(1, 1), (1, 1)]}))
        lay.addWidget(self.plot, 1)
        self.series: dict[str, tuple[list[float], list[float], list[str]]] = {}

    def show_sessions(self, sessions: list[SessionScores], labels: list[str] | None = None) -> bool:
        """Draw these sessions (oldest first) at once; False when none has a figure for this chart."""
        for _ in self.draw_steps(sessions, labels):
            pass
        return bool(self.series)

    def hold_painting(self) -> None:
        """Paint nothing until the next drawing is done (the page moves charts in its grid meanwhile)."""
        self.plot.setUpdatesEnabled(False)

    def draw_steps(self, sessions: list[SessionScores], labels: list[str] | None = None):
        """Draw in small steps (one series each), so the page can yield to the event loop between them;
        painting, if held, resumes at the end."""
        self.axis.labels = labels if labels is not None else [_short_date(s) for s in sessions]
        self.session_ids = [s.session_id for s in sessions]
        self.series = {}
        # Symbols while each can be told apart; with hundreds of sessions the line alone (still clickable).
        few = len(sessions) <= MAX_SYMBOLS
        for (metric, item), (symbol, size) in zip(self.items.items(), self.symbols):
            pts = [(i + 1, s.values[metric], s.session_id) for i, s in enumerate(sessions) if metric in s.values]
            xs, ys, ids = [p[0] for p in pts], [p[1] for p in pts], [p[2] for p in pts]
            if pts:
                self.series[metric] = (xs, ys, ids)
            item.setData(xs, ys, symbol=symbol if few else None, symbolSize=size)
            yield
        if self.series:
            if self.chart.y_range:
                self.plot.setYRange(*self.chart.y_range, padding=0.04)
            else:
                top = max(max(ys) for _, ys, _ in self.series.values())
                self.plot.setYRange(0, max(top, self.chart.good or 0, 1) * 1.1, padding=0)
            self.plot.setXRange(0.5, len(sessions) + 0.5, padding=0)
            yield
        self.plot.setUpdatesEnabled(True)
        if self.series and self.isVisible():
            self.plot.repaint()  # paint this chart now, not all ten in one later turn of the event loop

    def session_at(self, metric: str, position: int) -> str:
        return self.series[metric][2][position]

    def session_near(self, x: float) -> str | None:
        """The session drawn at x (1 = oldest shown), if the click was within half a session of it."""
        i = int(round(x)) - 1
        return self.session_ids[i] if 0 <= i < len(self.session_ids) and abs(x - (i + 1)) <= 0.5 else None

    def _scene_clicked(self, event) -> None:
        vb = self.plot.getPlotItem().getViewBox()
        if event.button() != Qt.LeftButton or not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        sid = self.session_near(vb.mapSceneToView(event.scenePos()).x())
        if sid:
            self.pointClicked.emit(sid)

    def image(self, width: int = 900):
        """The chart as a QImage (for the PDF portfolio), drawn whether or not the page is shown."""
        from pyqtgraph.exporters import ImageExporter

        exporter = ImageExporter(self.plot.plotItem)
        exporter.parameters()["width"] = width
        return exporter.export(toBytes=True)


def _short_date(s: SessionScores) -> str:
    d = s.day
    return d.strftime("%d %b") if d else "?"


class ProgressView(QWidget):
    openRequested = Signal(str)  # session id
    loaded = Signal()  # after the sessions were read (drawing follows in steps)
    drawn = Signal()  # after the last chart was drawn (tests, benchmark)
    exportCsvRequested = Signal()
    portfolioRequested = Signal()

    def __init__(self, runner: JobRunner, db_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner, self.db_path = runner, Path(db_path)
        self.rows: list[SessionScores] = []
        self.job: Job | None = None
        self._dates_set = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 20, 24, 12)
        lay.setSpacing(10)
        title = QLabel("Your progress", self)
        title.setProperty("role", "title")
        lay.addWidget(title)
        sub = QLabel("Your figures over your reviewed sessions, oldest on the left. Dashed lines mark the MITI "
                     "fair and good levels. Click a point to open that session's review.", self)
        sub.setProperty("role", "subtitle")
        sub.setWordWrap(True)
        lay.addWidget(sub)

        self.filters = filters = QGridLayout()
        filters.setHorizontalSpacing(8)
        self.persona = QComboBox(self)
        self.persona.setAccessibleName("Show sessions with this client")
        self.persona.addItem("All clients", None)
        self.approach = QComboBox(self)
        self.approach.setAccessibleName("Show sessions of this approach")
        for text, value in APPROACHES:
            self.approach.addItem(text, value)
        self.start = QDateEdit(self)
        self.end = QDateEdit(self)
        for box, name in ((self.start, "From"), (self.end, "To")):
            box.setCalendarPopup(True)
            box.setDisplayFormat("d MMM yyyy")
            box.setAccessibleName(f"{name} date")
        today = QDate.currentDate()
        self.start.setDate(today.addYears(-1))
        self.end.setDate(today)
        for w in (self.persona, self.approach):
            w.currentIndexChanged.connect(self.redraw)
            w.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        self.start.dateChanged.connect(self.redraw)
        self.end.dateChanged.connect(self.redraw)
        self.dates = QWidget(self)
        dl = QHBoxLayout(self.dates)
        dl.setContentsMargins(0, 0, 0, 0)
        for w in (QLabel("From", self.dates), self.start, QLabel("to", self.dates), self.end):
            dl.addWidget(w)
        self._dates_below = None
        self._place_filters(False)
        lay.addLayout(filters)

        self.status = QLabel(self)
        self.status.setProperty("role", "muted")
        self.status.setWordWrap(True)
        lay.addWidget(self.status)

        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.NoFrame)
        self.grid_host = QWidget(self.scroll)
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(10)
        self.panels: dict[str, ChartPanel] = {}
        for chart in CHARTS:
            panel = ChartPanel(chart, self.grid_host)
            panel.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
            panel.pointClicked.connect(self.openRequested)
            self.panels[chart.key] = panel
        self.scroll.setWidget(self.grid_host)
        lay.addWidget(self.scroll, 1)
        self.empty = QLabel("No reviewed sessions yet. End a session and its review appears here as your "
                            "first point.", self)
        self.empty.setProperty("role", "empty")
        self.empty.setAlignment(Qt.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.hide()
        lay.addWidget(self.empty, 1)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.csv_button = QPushButton("Export scores (CSV)…", self)
        self.csv_button.setToolTip("Every stored score of every session, one row per session")
        self.csv_button.clicked.connect(self.exportCsvRequested)
        self.pdf_button = QPushButton("Portfolio (PDF)…", self)
        self.pdf_button.setToolTip("The charts and the reviews of the sessions you choose, for supervision")
        self.pdf_button.clicked.connect(self.portfolioRequested)
        buttons.addWidget(self.csv_button)
        buttons.addWidget(self.pdf_button)
        lay.addLayout(buttons)
        self._columns = 0
        self._visible: list[ChartPanel] = []
        self._pending: list = []
        self._draw_timer = QTimer(self)
        self._draw_timer.setInterval(0)
        self._draw_timer.timeout.connect(self._draw_some)

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        """Read the sessions again in the background; the charts keep showing the old ones until then."""
        if self.job is not None:
            self.job.cancel()
        self.status.setText("Reading your sessions…")
        job = Job(lambda state, path: load_progress(path, state), self.db_path, name="progress")
        job.signals.finished.connect(self._loaded)
        job.signals.failed.connect(self._failed)
        self.job = self.runner.submit(job, pool="general")

    def _loaded(self, rows: list[SessionScores]) -> None:
        if self.sender() is not (self.job.signals if self.job else None):
            return  # an older job finished after a newer one started
        self.job = None
        self.rows = rows
        current = self.persona.currentData()
        self.persona.blockSignals(True)
        self.persona.clear()
        self.persona.addItem("All clients", None)
        names = sorted({(r.persona_name, r.persona_id) for r in rows if r.values})
        for name, pid in names:
            self.persona.addItem(name, pid)
        i = self.persona.findData(current)
        self.persona.setCurrentIndex(max(0, i))
        self.persona.blockSignals(False)
        days = [r.day for r in rows if r.day]
        if days and not self._dates_set:
            self._dates_set = True
            for box, day in ((self.start, min(days)), (self.end, max(days))):
                box.blockSignals(True)
                box.setDate(QDate(day.year, day.month, day.day))
                box.blockSignals(False)
        elif days:
            newest = max(days)
            if self.end.date().toPython() < newest:
                self.end.blockSignals(True)
                self.end.setDate(QDate(newest.year, newest.month, newest.day))
                self.end.blockSignals(False)
        self.redraw()
        self.loaded.emit()

    def _failed(self, message: str) -> None:
        self.job = None
        self.status.setText(f"Your sessions could not be read. {message}")
        self.loaded.emit()
        self.drawn.emit()

    # ------------------------------------------------------------------ drawing
    def filtered(self) -> list[SessionScores]:
        return filter_sessions(self.rows, persona_id=self.persona.currentData(), approach=self.approach.currentData(),
                               start=self.start.date().toPython(), end=self.end.date().toPython())

    def redraw(self) -> None:
        """Draw the filtered sessions a series at a time, yielding to the event loop every STEP_BUDGET_MS.

        Charts with no figure for these sessions are hidden; the others are placed in the grid at once with
        their painting held back, then each is drawn and painted in its own turn of the event loop, not all
        ten in one.
        """
        sessions = self.filtered()
        labels = [_short_date(s) for s in sessions]
        present = set().union(*(s.values.keys() for s in sessions)) if sessions else set()
        approach = self.approach.currentData()
        # Every session has MI figures (the coder reads any talk); with one approach chosen, only its charts.
        want = [p for p in self.panels.values() if any(m in present for m, _ in p.chart.metrics)
                and (approach is None or p.chart.approach in (None, approach))]
        for p in self.panels.values():
            if p not in want:
                p.hide()
            else:  # moving charts in the grid would repaint them all in one turn; each paints when drawn
                p.hold_painting()
        self._visible = want
        self._place(want)
        self._pending = [(p, p.draw_steps(sessions, labels)) for p in want]
        n_all = sum(1 for r in self.rows if r.values)
        self.empty.setVisible(not sessions)
        self.scroll.setVisible(bool(sessions))
        if not n_all:
            self.status.setText("")
        elif not sessions:
            self.status.setText(f"None of your {n_all} reviewed sessions matches these filters.")
        else:
            shown = "" if len(sessions) == n_all else f" (of {n_all})"
            self.status.setText(f"{len(sessions)} reviewed session{'s' if len(sessions) != 1 else ''}{shown}.")
        self.pdf_button.setEnabled(bool(sessions))
        self.csv_button.setEnabled(bool(n_all))
        self._draw_timer.start()

    def _place_filters(self, below: bool) -> None:
        """Client, approach and dates on one row; the dates on a second row when the page is too narrow."""
        if below == self._dates_below:
            return
        self._dates_below = below
        for w in (self.persona, self.approach, self.dates):
            self.filters.removeWidget(w)
        self.filters.addWidget(self.persona, 0, 0)
        self.filters.addWidget(self.approach, 0, 1)
        self.filters.addWidget(self.dates, 1 if below else 0, 0 if below else 2, 1, 2 if below else 1)
        for c in range(4):
            self.filters.setColumnStretch(c, 0)
        self.filters.setColumnStretch(3, 1)

    def _columns_for_width(self) -> int:
        return max(1, min(3, self.scroll.viewport().width() // CHART_MIN_WIDTH))

    def _place(self, panels: list[ChartPanel]) -> None:
        """Every chart to be drawn in its cell at once, so the grid is laid out once, not again (resizing and
        repainting the charts already drawn) as each is added."""
        columns = self._columns = self._columns or self._columns_for_width()
        for position, panel in enumerate(panels):
            cell = (position // columns, position % columns)
            index = self.grid.indexOf(panel)
            if index < 0 or self.grid.getItemPosition(index)[:2] != cell:
                self.grid.addWidget(panel, *cell)
            panel.show()
        for c in range(3):
            self.grid.setColumnStretch(c, 1 if c < columns else 0)

    def _draw_some(self) -> None:
        clock = QElapsedTimer()
        clock.start()
        while self._pending and clock.elapsed() < STEP_BUDGET_MS:
            _panel, steps = self._pending[0]
            try:
                next(steps)
            except StopIteration:
                self._pending.pop(0)
            else:
                if clock.elapsed() >= 1:
                    break  # one step with real work per turn: layout and paint run between steps
        if self._pending:
            return  # the timer calls again after the event loop has had its turn
        self._draw_timer.stop()
        self.drawn.emit()

    def is_drawing(self) -> bool:
        return bool(self._pending)

    def _relayout(self) -> None:
        """A new number of columns (the window was resized): place every shown chart again."""
        columns = self._columns_for_width()
        if columns == self._columns or not self._visible:
            return
        self._columns = columns
        for p in self._visible:
            self.grid.removeWidget(p)
        for i, p in enumerate(self._visible):
            self.grid.addWidget(p, i // columns, i % columns)
        for c in range(3):
            self.grid.setColumnStretch(c, 1 if c < columns else 0)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        one_row = self.persona.sizeHint().width() + self.approach.sizeHint().width() + \
            self.dates.sizeHint().width() + 40
        self._place_filters(one_row > self.width() - 48)
        self._relayout()

    def filter_words(self) -> str:
        """The filters in words, for the portfolio's first page."""
        parts = [self.persona.currentText(), self.approach.currentText().lower(),
                 f"{self.start.date().toString('d MMM yyyy')} to {self.end.date().toString('d MMM yyyy')}"]
        return ", ".join(parts)

    def visible_charts(self) -> list[str]:
        return [p.chart.key for p in self._visible]

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
