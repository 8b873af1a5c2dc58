"""One way to open a practice session: engine, persona, database, session, in that order.

The terminal chat, the voice session, the benchmarks and the app all open a
session here, so the steps (and their clean-up) are written once. The engine
comes from `clientsim.llm.choice` (this computer's model or the lab server);
nothing after this point knows which one runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from clientsim.core.jobs import JobState
from clientsim.llm.backend import ChatEngine
from clientsim.llm.choice import EngineChoice, make_engine
from clientsim.llm.remote import ServerError


@dataclass
class OpenedEngine:
    engine: ChatEngine
    notice: str | None = None  # set when the lab server failed and this computer's model is used instead


def open_engine(choice: EngineChoice, state: JobState | None = None, *, fallback_to_local: bool = False,
                say: Callable[[str], None] | None = None) -> OpenedEngine:
    """A loaded engine for ``choice``. With ``fallback_to_local``, a lab server that cannot be used is
    replaced by this computer's model and ``notice`` says why; otherwise its ServerError is raised."""
    engine = make_engine(choice)
    if say:
        say(f"loading {engine.label()} …")
    try:
        engine.load(state)
        return OpenedEngine(engine)
    except ServerError as exc:
        if not fallback_to_local:
            raise
        notice = f"{exc.args[0]} Using this computer's model instead."
    local = make_engine(choice.local())
    if say:
        say(notice)
        say(f"loading {local.label()} …")
    local.load(state)
    return OpenedEngine(local, notice)


@dataclass
class Practice:
    session: object  # PracticeSession
    engine: ChatEngine
    db: object  # Database
    notice: str | None = None
    owns_db: bool = True
    owns_engine: bool = True

    def close(self) -> None:
        """End the session and release what was opened here, whatever fails on the way."""
        try:
            self.session.wait_primed()  # the background prompt evaluation must not outlive the engine
            self.session.end()
        finally:
            try:
                if self.owns_engine:
                    self.engine.close()  # before interpreter teardown, which crashed inside libggml otherwise
            finally:
                if self.owns_db:
                    self.db.close()


def open_practice(persona, choice: EngineChoice | None = None, *, engine: ChatEngine | None = None, db=None,
                  db_path: Path | None = None, state: JobState | None = None, prime: bool = True,
                  client_state: bool = True, live_coding: bool = True, fallback_to_local: bool = False,
                  seed: int | None = None, say: Callable[[str], None] | None = None) -> Practice:
    """A started session with ``persona`` (a Persona or an id).

    The engine is ``engine`` when given (a benchmark reusing one model), else opened from ``choice``;
    the database is ``db`` when given, else ``db_path``, else the student's own (with rescue files,
    sessions/rescue.py). Whatever this opened is closed again if a later step fails.
    """
    from clientsim.personas import PersonaLibrary
    from clientsim.sessions.rescue import open_database
    from clientsim.sessions.session import PracticeSession
    from clientsim.storage import Database

    if isinstance(persona, str):
        persona = PersonaLibrary.load().get(persona)
    owns_db = db is None
    owns_engine = engine is None
    notice = None
    opened_engine = None
    try:
        if db is None:
            db = Database.open(db_path) if db_path is not None else open_database()
        if engine is None:
            opened = open_engine(choice or EngineChoice(), state, fallback_to_local=fallback_to_local, say=say)
            engine = opened_engine = opened.engine
            notice = opened.notice
        if seed is None and choice is not None:
            seed = choice.seed
        session = PracticeSession.start(db, persona, engine, seed=seed, prime=prime,
                                        live_coding=live_coding, client_state=client_state)
    except BaseException:
        if opened_engine is not None:
            opened_engine.close()
        if owns_db and db is not None:
            db.close()
        raise
    return Practice(session, engine, db, notice, owns_db, owns_engine)
