"""Batches streamed reply pieces so the view is touched at most every 50 ms.

The generating job emits one ``partial`` per token; touching a widget per
token would re-layout the transcript tens of times a second. The buffer keeps
the pieces and a QTimer flushes them in one update (as Picard drains its
callbacks in 50 ms batches).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

FLUSH_INTERVAL_MS = 50


class StreamBuffer(QObject):
    """Feed it ReplyEvents (or plain str deltas); it emits ``flushed(text_so_far)``."""

    flushed = Signal(str)

    def __init__(self, parent: QObject | None = None, interval_ms: int = FLUSH_INTERVAL_MS) -> None:
        super().__init__(parent)
        self._text = ""
        self._dirty = False
        self.flush_count = 0  # how many view updates happened (tests check the batching)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.flush)

    @property
    def text(self) -> str:
        return self._text

    def start(self) -> None:
        self._text = ""
        self._dirty = False
        self.flush_count = 0
        self._timer.start()

    def add(self, event: object) -> None:
        kind = getattr(event, "kind", "text")
        piece = event if isinstance(event, str) else getattr(event, "text", "")
        if kind == "reset":  # the character guard threw the draft away; start again
            self._text = ""
        else:
            self._text += piece
        self._dirty = True

    def flush(self) -> None:
        if self._dirty:
            self._dirty = False
            self.flush_count += 1
            self.flushed.emit(self._text)

    def stop(self) -> None:
        self._timer.stop()
        self.flush()
