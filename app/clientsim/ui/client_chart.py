"""The review's chart of the simulated client's state: trust and readiness (MI) or belief (CBT) by turn.

Drawn with pyqtgraph (a maintained PySide6-compatible plotting library; Qt's
own charts are in the PySide6 add-ons, which this app does not install).
Below the chart, the counsellor turns that moved the client most, quoted.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from clientsim.client.state.review import summary_words

# colour-blind-safe pair (Okabe-Ito) plus a dashed grey for discord; lines also differ in style
TRUST = QColor("#0072B2")
MEASURE = QColor("#D55E00")
DISCORD = QColor("#777777")


class ClientStateChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("How the client responded")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        pg.setConfigOptions(antialias=True)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setAccessibleName("Chart of the client's trust and readiness over the session")
        self.plot.setMinimumHeight(220)
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setLabel("bottom", "your turn (numbered as in the transcript)")
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.legend = self.plot.addLegend(offset=(10, 5))
        layout.addWidget(self.plot, 1)
        self.movers = QLabel(self)
        self.movers.setWordWrap(True)
        self.movers.setTextFormat(Qt.RichText)
        self.movers.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout.addWidget(self.movers)
        self.section: dict | None = None

    def show_section(self, section: dict) -> None:
        """Draw the report's "client" section (client/state/review.py)."""
        self.section = section
        self.summary.setText(summary_words(section))
        self.plot.clear()
        self.legend.clear()
        points = section["points"]
        start = section.get("start")
        xs = [p["counsellor_index"] for p in points]
        cbt = section["kind"] == "CBT"
        scale = 10.0 if cbt else 1.0  # CBT: belief is a percentage; trust and discord drawn on the same 0-100 scale
        pre = [xs[0] - 1] if start else []

        def series(key: str, factor: float = 1.0) -> list[float]:
            return ([start[key] * factor] if start else []) + [p[key] * factor for p in points]

        self.plot.setYRange(0, 100 if cbt else 10, padding=0.02)
        self.plot.setLabel("left", "0-100" if cbt else "0-10")
        self.plot.plot(pre + xs, series("trust", scale), name="Trust in you" + (" (x10)" if cbt else ""),
                       pen=pg.mkPen(TRUST, width=3), symbol="o", symbolBrush=TRUST, symbolSize=7)
        measure = "belief" if cbt else "readiness"
        label = "Belief in the thought (%)" if cbt else "Readiness to change"
        self.plot.plot(pre + xs, series(measure), name=label, pen=pg.mkPen(MEASURE, width=3, style=Qt.DashLine),
                       symbol="s", symbolBrush=MEASURE, symbolSize=7)
        self.plot.plot(pre + xs, series("discord", scale), name="Discord" + (" (x10)" if cbt else ""),
                       pen=pg.mkPen(DISCORD, width=1.5, style=Qt.DotLine))
        parts = []
        for title, key in (("Opened the client up", "raised"), ("Closed the client down", "lowered")):
            if section[key]:
                items = "".join(f"<li>turn {m['turn_index']}: <i>{_escape(m['quote'][:200])}</i></li>" for m in section[key])
                parts.append(f"<b>{title}</b><ul>{items}</ul>")
        self.movers.setText("".join(parts))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
