"""Qt wrappers around core jobs (plain functions taking a JobState).

Every job offers the same signals: ``progress(float, str)``, ``partial(object)``,
``finished(object)``, ``failed(str)``, plus ``cancelled()`` when the job stopped
because it was asked to. A failure carries a readable message that says what to
do next; an unexpected exception becomes such a message too (with the traceback
in the log), never a frozen window.

``JobRunner`` owns the executors: ``session`` has exactly one thread (the
llama instance and the SQLite writer must never run twice at once), ``general``
is for independent slow work.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from clientsim.core.errors import UserError
from clientsim.core.jobs import Cancelled, JobState

log = logging.getLogger(__name__)


class JobSignals(QObject):
    progress = Signal(float, str)
    partial = Signal(object)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    done = Signal()  # always last, whatever the outcome


def readable_error(exc: BaseException) -> str:
    """A message for a person: what went wrong and what to do next."""
    if isinstance(exc, UserError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return ("The computer ran out of memory. Close other programs, or choose a smaller "
                "model in Settings (Ctrl+,).")
    if isinstance(exc, OSError) and getattr(exc, "errno", None) == 28:
        return "The disk is full. Free some space; your work is kept in memory until it can be saved."
    return (f"Something went wrong: {exc.__class__.__name__}: {exc}. "
            "Try again; if it keeps happening, restart ClientSim and report the problem "
            "with the log file.")


class Job(QRunnable):
    """Runs ``fn(state, *args, **kwargs)`` on a pool thread."""

    def __init__(self, fn: Callable[..., Any], *args: Any, name: str = "", **kwargs: Any) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the runner keeps a reference until ``done``
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.name = name or getattr(fn, "__name__", "job")
        self.signals = JobSignals()
        self.state = JobState(on_progress=self.signals.progress.emit, on_partial=self.signals.partial.emit)

    def cancel(self) -> None:
        self.state.cancel()

    def run(self) -> None:  # pool thread
        try:
            if self.state.cancelled:
                raise Cancelled()
            result = self.fn(self.state, *self.args, **self.kwargs)
        except Cancelled:
            self.signals.cancelled.emit()
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the user
            if not isinstance(exc, UserError):
                log.error("job %s failed:\n%s", self.name, traceback.format_exc())
            self.signals.failed.emit(readable_error(exc))
        else:
            self.signals.finished.emit(result)
        finally:
            self.signals.done.emit()


class JobRunner(QObject):
    """The app's executors and the jobs in flight (so they can be cancelled and awaited)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session_pool = QThreadPool(self)
        self.session_pool.setMaxThreadCount(1)
        self.general_pool = QThreadPool(self)
        self.general_pool.setMaxThreadCount(2)
        self._jobs: dict[JobSignals, Job] = {}

    def submit(self, job: Job, *, pool: str = "session") -> Job:
        self._jobs[job.signals] = job
        # A bound method of a QObject: delivered on the UI thread (queued).
        job.signals.done.connect(self._forget)
        (self.session_pool if pool == "session" else self.general_pool).start(job)
        return job

    def _forget(self) -> None:
        self._jobs.pop(self.sender(), None)

    def active_jobs(self) -> list[Job]:
        return list(self._jobs.values())

    def shutdown(self, timeout_ms: int = 15000) -> bool:
        """Cancel every job, drop queued ones, wait for the threads. True if all stopped."""
        for job in list(self._jobs.values()):
            job.cancel()
        self.session_pool.clear()
        self.general_pool.clear()
        ok = self.session_pool.waitForDone(timeout_ms)
        ok = self.general_pool.waitForDone(timeout_ms) and ok
        return ok
