"""Owns the language model for the window and reports its state.

The engine is created and loaded *only* on the session thread (the one-thread
pool in JobRunner), like every other call into it, so two jobs never touch the
llama instance at once. ``ensure_loaded`` is called at the start of every job
that needs the model; it (re)loads when the chosen model or thread count
changed. The UI learns what happens through ``stateChanged``.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from clientsim.core.errors import ModelError
from clientsim.models.plain import tier
from clientsim.core.jobs import JobState
from clientsim.settings import Settings
from clientsim.ui.workers import Job, JobRunner

LOADING, READY, ERROR, IDLE = "loading", "ready", "error", "idle"
SERVER_FAILED = "The lab server cannot be used."  # starts the error text when the lab server failed


class EngineHost(QObject):
    # state (loading|ready|error|idle), text for people, fraction 0..1 (-1 when not loading)
    stateChanged = Signal(str, str, float)

    def __init__(self, runner: JobRunner, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.settings = settings
        self.engine = None  # LlmEngine, touched only on the session thread
        self._config: tuple | None = None
        self.force_local = False  # use_local(): this computer's model although Settings choose the lab server
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

    def use_local(self, local: bool = True) -> None:
        """Play the client on this computer for the rest of this run, whatever Settings say about the lab
        server (the student chose so after the server failed). The next job reloads."""
        self.force_local = local

    # -- session thread ---------------------------------------------------------
    def wanted_choice(self):
        from clientsim.llm.choice import choice_from_settings

        return choice_from_settings(self.settings, force_local=self.force_local)

    def ensure_loaded(self, state: JobState | None = None):
        from clientsim.llm.choice import make_engine
        from clientsim.llm.remote import ServerError

        try:
            choice = self.wanted_choice()
            config = (choice.server, None if choice.server else make_engine(choice).model_path.resolve(), choice.threads)
            if self.engine is not None and self._config == config and self.engine.loaded:
                return self.engine
            if self.engine is not None:
                self.engine.close()
                self.engine = None
            engine = make_engine(choice)  # ModelError: says what to run
            where = engine.label()
            self.stateChanged.emit(LOADING, f"Loading {where}…" if not choice.remote else f"Connecting to {where}…", 0.0)
            progress = JobState(on_progress=lambda f, msg: self.stateChanged.emit(LOADING, f"Loading {where}…", f))
            if state is not None:
                progress._cancel = state._cancel  # cancelling the job cancels the load
            engine.load(progress)
            self.engine, self._config = engine, config
            self.stateChanged.emit(READY, self._ready_text(engine, choice), -1.0)
            return engine
        except ServerError as exc:
            self.stateChanged.emit(ERROR, f"{SERVER_FAILED} {exc}", -1.0)
            raise
        except ModelError as exc:
            self.stateChanged.emit(ERROR, str(exc), -1.0)
            raise
        except Exception as exc:
            if exc.__class__.__name__ == "Cancelled":
                self.stateChanged.emit(IDLE, "Model loading was cancelled", -1.0)
            else:
                self.stateChanged.emit(ERROR, f"The model could not be loaded: {exc}", -1.0)
            raise

    @staticmethod
    def _ready_text(engine, choice) -> str:
        if choice.remote:
            return f"Model ready — on the lab server\n{engine.label()}"
        info = engine.info
        # In the student's words first (speed against quality); the file details on the next line.
        words = tier(info.n_params, info.size_bytes)
        return (f"Model ready — {words}\n{engine.model_path.name} · {info.summary()} · "
                f"{choice.threads} CPU threads")

    def close(self) -> None:
        """Called after the session thread has stopped."""
        if self.engine is not None:
            try:
                self.engine.close()
            finally:
                self.engine = None
