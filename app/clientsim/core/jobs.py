"""Long jobs are plain functions that take a JobState.

The function checks ``state.cancelled`` often (once per generated token for
the LLM) and reports through ``state.progress`` / ``state.partial``. Qt wraps
such a function in a worker (ui/workers.py); tests and the CLI call it directly.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable


class Cancelled(Exception):
    """Raised inside a job when its state was cancelled."""


@dataclass
class JobState:
    on_progress: Callable[[float, str], None] | None = None
    on_partial: Callable[[Any], None] | None = None
    _cancel: threading.Event = field(default_factory=threading.Event)

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()

    def progress(self, fraction: float, message: str = "") -> None:
        if self.on_progress is not None:
            self.on_progress(max(0.0, min(1.0, fraction)), message)

    def partial(self, value: Any) -> None:
        if self.on_partial is not None:
            self.on_partial(value)
