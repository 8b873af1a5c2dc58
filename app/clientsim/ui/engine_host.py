"""Owns the language model for the window and reports its state.

The engine is created and loaded *only* on the session thread (the one-thread
pool in JobRunner), like every other call into it, so two jobs never touch the
llama instance at once. ``ensure_loaded`` is called at the start of every job
that needs the model; it (re)loads when the chosen model or thread count
changed. The UI learns what happens through ``stateChanged``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from clientsim.core.errors import ModelError
from clientsim.models.plain import tier
from clientsim.core.jobs import JobState
from clientsim.settings import Settings
from clientsim.ui.workers import Job, JobRunner

LOADING, READY, ERROR, IDLE = "loading", "ready", "error", "idle"


class EngineHost(QObject):
    # state (loading|ready|error|idle), text for people, fraction 0..1 (-1 when not loading)
    stateChanged = Signal(str, str, float)

    def __init__(self, runner: JobRunner, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.settings = settings
        self.engine = None  # LlmEngine, touched only on the session thread
        self._config: tuple[str, int] | None = None
        self.state = IDLE
        self.text = "Model not loaded yet"
        self.error = ""
        self.stateChanged.connect(self._remember)

    def _remember(self, state: str, text: str, _fraction: float) -> None:
        self.state, self.text = state, text
        self.error = text if state == ERROR else ""

    # -- UI thread ------------------------------------------------------------
    def load_in_background(self) -> Job:
        """Queue a load on the session thread (does nothing if already loaded)."""
        job = Job(lambda state: self.ensure_loaded(state), name="load model")
        self.runner.submit(job)
        return job

    # -- session thread ---------------------------------------------------------
    def wanted_config(self) -> tuple[str, int]:
        from clientsim.models.registry import resolve_model

        path = resolve_model(self.settings.model_path)  # ModelError: says what to run
        return str(Path(path).resolve()), self.settings.effective_threads()

    def ensure_loaded(self, state: JobState | None = None):
        from clientsim.llm.engine import LlmEngine

        try:
            config = self.wanted_config()
            if self.engine is not None and self._config == config and self.engine.loaded:
                return self.engine
            if self.engine is not None:
                self.engine.close()
                self.engine = None
            path, threads = config
            name = Path(path).name
            self.stateChanged.emit(LOADING, f"Loading {name}…", 0.0)
            progress = JobState(on_progress=lambda f, msg: self.stateChanged.emit(LOADING, f"Loading {name}…", f))
            if state is not None:
                progress._cancel = state._cancel  # cancelling the job cancels the load
            engine = LlmEngine(path, n_threads=threads, seed=None)
            engine.load(progress)
            self.engine, self._config = engine, config
            info = engine.info
            # In the student's words first (speed against quality); the file details on the next line.
            words = tier(info.n_params, info.size_bytes)
            self.stateChanged.emit(READY, f"Model ready — {words}\n{Path(path).name} · {info.summary()} · "
                                          f"{threads} CPU threads", -1.0)
            return engine
        except ModelError as exc:
            self.stateChanged.emit(ERROR, str(exc), -1.0)
            raise
        except Exception as exc:
            if exc.__class__.__name__ == "Cancelled":
                self.stateChanged.emit(IDLE, "Model loading was cancelled", -1.0)
            else:
                self.stateChanged.emit(ERROR, f"The model could not be loaded: {exc}", -1.0)
            raise

    def close(self) -> None:
        """Called after the session thread has stopped."""
        if self.engine is not None:
            try:
                self.engine.close()
            finally:
                self.engine = None
