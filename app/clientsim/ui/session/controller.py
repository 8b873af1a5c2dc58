"""SessionController: the practice session on screen, its jobs and its state.

A QObject with no widgets (tests drive it with qtbot alone). It owns the
``PracticeSession`` and runs every call into it as a ``Job`` on the one-thread
session pool of ``JobRunner``, so the database writer and the llama instance are
never used by two threads at once and the UI thread only draws. What happens is
told through signals; the views show it and forward clicks back as calls.

Streaming: reply pieces arrive as ``partial`` signals (queued to the UI thread,
in order). Each is passed on at once as ``replyEvent`` (the voice bridge speaks
them; feeding is cheap) and collected by a ``StreamBuffer`` that emits the text
so far as ``replyText`` at most every 50 ms.

Signals, in the order a session meets them:

- ``starting(persona)``, then ``started(session)`` or ``startFailed(str)``
- ``counsellorSent(str)`` then ``replyText(str)`` (batched) and
  ``replyEvent(object)`` (every piece), then ``replyEnded(ReplyOutcome)``
- ``turnNoteChanged(int, str)``: a note for a shown turn (a barge-in recorded)
- ``elapsedChanged(float)`` every second while the session runs
- ``endedWith(dict)``: the session ended; the transcript, for the report
- ``reportStarted()``, ``reportProgress(float, str)``, ``reportReady(object)``
  (the report dict), ``reportFailed(str)``
- ``pastOpened(PastSession)``: a past session, read-only
- ``cleared()``: nothing is shown any more (before another session)
- ``stateChanged()``: any of ``is_active()``, ``is_generating()``, ``starting``,
  ``ending``, ``ended``, ``read_only`` may have changed
- ``notice(kind, text, key)`` / ``clearNotice(key)``: for the window's message bar
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal

from clientsim.judge.report import make_report, save_report_to_db
from clientsim.personas.model import Persona
from clientsim.ui.session.past_session import PastSession, load_past_session
from clientsim.ui.session.turn_notes import STOPPED_NOTE, turn_note
from clientsim.ui.stream_buffer import StreamBuffer
from clientsim.ui.workers import Job, JobRunner

log = logging.getLogger(__name__)

PENDING_KEY = "pending-saves"


@dataclass
class CounsellorStored:
    """Pushed through ``partial`` once the counsellor's turn has been handed to storage."""

    pending_saves: int


@dataclass
class StateUpdateFailed:
    """Pushed through ``partial`` when the client's state could not be updated (the turn is stored)."""

    message: str


@dataclass
class ReplyOutcome:
    """How a client reply ended. ``text`` empty: nothing was said and nothing stored."""

    turn: object | None  # the stored client Turn (None if the reply failed or never started)
    text: str
    at: str | None = None
    note: str = ""
    failed: bool = False

    @property
    def index(self) -> int | None:
        return getattr(self.turn, "index", None)


SERVER_KEY = "server"  # the notice about a lab server that failed mid-session
DRAFT_PAUSE_MS = 250  # a pause in typing this long starts evaluating the draft


class SessionController(QObject):
    starting = Signal(object)  # Persona
    started = Signal(object)  # PracticeSession
    startFailed = Signal(str)
    counsellorSent = Signal(str)
    replyEvent = Signal(object)
    replyText = Signal(str)
    replyEnded = Signal(object)  # ReplyOutcome
    replyResumed = Signal()  # a message the client had not answered (the lab server failed) is answered now
    turnNoteChanged = Signal(int, str)
    elapsedChanged = Signal(float)
    endedWith = Signal(object)  # transcript dict
    reportStarted = Signal()
    reportProgress = Signal(float, str)
    reportReady = Signal(object)  # the report (dict, clientsim.report/1)
    reportFailed = Signal(str)
    pastOpened = Signal(object)  # PastSession
    cleared = Signal()
    stateChanged = Signal()
    clientState = Signal(object)  # the simulated client's state summary after a reply (dict), or None
    notice = Signal(str, str, str)  # kind, text, key
    clearNotice = Signal(str)  # key

    def __init__(self, runner: JobRunner, host, db, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner, self.host, self.db = runner, host, db
        self.session = None
        self.persona = None  # Persona, or the persona dict of a past session
        self.read_only = False
        self.ended = False
        self.starting_up = False
        self.ending = False
        self.turn_job: Job | None = None
        self.report_job: Job | None = None
        self.transcript_for_report: dict | None = None
        self._past_duration: float | None = None
        self.buffer = StreamBuffer(self)
        self.buffer.flushed.connect(self.replyText)
        self.clock = QTimer(self)
        self.clock.setInterval(1000)
        self.clock.timeout.connect(self.tick)
        # the student's draft, evaluated into the model's cache when they pause (draft_changed)
        self.draft_job: Job | None = None
        self._draft = ""
        self.draft_timer = QTimer(self)
        self.draft_timer.setSingleShot(True)
        self.draft_timer.setInterval(DRAFT_PAUSE_MS)
        self.draft_timer.timeout.connect(self._evaluate_draft)
        self.drafts_evaluated = 0  # tokens, for tests and the curious

    # ------------------------------------------------------------------ state
    def has_session(self) -> bool:
        return self.session is not None

    def is_active(self) -> bool:
        return self.session is not None and not self.read_only and not self.ended

    def is_generating(self) -> bool:
        return self.turn_job is not None

    def can_send(self) -> bool:
        return self.is_active() and not self.ending and not self.is_generating()

    def elapsed_seconds(self) -> float | None:
        if self.session is None:
            return None
        if self.read_only and self._past_duration is not None:
            return self._past_duration
        try:
            return self.session.elapsed_seconds
        except Exception:  # noqa: BLE001 - a clock must never take the screen down
            return None

    def tick(self) -> None:
        seconds = self.elapsed_seconds()
        if seconds is not None:
            self.elapsedChanged.emit(seconds)

    def clear(self) -> None:
        """Forget the session shown (its jobs, if any, are left to finish on their own)."""
        self.session = None
        self.persona = None
        self.ended = False
        self.read_only = False
        self._past_duration = None
        self.transcript_for_report = None
        self.clock.stop()
        self.clearNotice.emit(PENDING_KEY)
        self.cleared.emit()
        self.stateChanged.emit()

    # ------------------------------------------------------------------ start
    def start(self, persona: Persona) -> Job | None:
        """Start a new session with this persona (the model loads first if needed)."""
        if self.is_active() or self.starting_up:
            return None
        self.clear()
        self.persona = persona
        self.starting_up = True
        self.starting.emit(persona)
        self.stateChanged.emit()
        job = Job(self._start_job, persona, name="start session")
        job.signals.finished.connect(self._started)
        job.signals.failed.connect(self._start_failed)
        job.signals.cancelled.connect(self._start_cancelled)
        return self.runner.submit(job)

    def _start_job(self, state, persona: Persona):  # session thread
        from clientsim.sessions.session import PracticeSession

        engine = self.host.ensure_loaded(state)
        state.check()
        session = PracticeSession.start(self.db, persona, engine)
        session.enable_draft_evaluation()
        return session

    def _started(self, session) -> None:
        self.starting_up = False
        self.session = session
        self.ended = False
        self.clock.start()
        self.started.emit(session)
        opening = session.turns[0].meta if session.turns else {}
        self.clientState.emit((opening or {}).get("state"))
        self.tick()
        self.stateChanged.emit()

    def _start_failed(self, message: str) -> None:
        self.starting_up = False
        self.startFailed.emit(message)
        self.notice.emit("error", f"The session could not start. {message}", "session-start")
        self.stateChanged.emit()

    def _start_cancelled(self) -> None:
        self.starting_up = False
        self.stateChanged.emit()

    # ------------------------------------------------------------------ the draft
    def draft_changed(self, text: str) -> None:
        """The message box (or the running transcript of the student's speech) changed. When they pause
        for DRAFT_PAUSE_MS, the draft is evaluated into the model's cache on the session thread; a newer
        draft cancels the older one's job, and sending cancels both (the reply is always to exactly what
        was sent: sessions/session.py prime_draft)."""
        self._draft = text
        if self.draft_job is not None:
            self.draft_job.cancel()
        if self.can_send() and text.strip():
            self.draft_timer.start()
        else:
            self.draft_timer.stop()

    def _evaluate_draft(self) -> None:
        if not self.can_send() or not self._draft.strip():
            return
        if self.draft_job is not None:
            self.draft_job.cancel()
        job = Job(self._draft_job, self.session, self._draft, name="evaluate draft")
        job.signals.finished.connect(self._draft_evaluated)
        job.signals.done.connect(lambda j=job: self._draft_over(j))
        self.draft_job = job
        self.runner.submit(job)

    def _draft_job(self, state, session, text: str):  # session thread
        return session.prime_draft(text, state)

    def _draft_evaluated(self, n: int) -> None:
        self.drafts_evaluated += n or 0

    def _draft_over(self, job: Job) -> None:
        if self.draft_job is job:
            self.draft_job = None

    def _cancel_draft(self) -> None:
        self.draft_timer.stop()
        if self.draft_job is not None:
            self.draft_job.cancel()

    # ------------------------------------------------------------------ turns
    def send(self, text: str, *, from_speech: bool = False) -> Job | None:
        """The counsellor's message; the client's reply streams back. ``from_speech``: recognised speech
        sent at once (send mode "auto"), so its words are evaluated in one batch (generate_reply)."""
        if not self.can_send() or not text.strip():
            return None  # an empty message is never sent
        self._cancel_draft()
        self.counsellorSent.emit(text)
        self.buffer.start()
        job = Job(self._turn_job, text, from_speech, name="client reply")
        job.signals.partial.connect(self._partial)
        job.signals.finished.connect(self._reply_finished)
        job.signals.failed.connect(self._reply_failed)
        job.signals.cancelled.connect(self._reply_cancelled)
        self.turn_job = job
        self.stateChanged.emit()
        return self.runner.submit(job)

    def _turn_job(self, state, text: str, from_speech: bool = False):  # session thread
        session = self.session
        session.add_counsellor_turn(text)  # stored at once (kept in memory if the disk is full)
        state.partial(CounsellorStored(session.pending_saves))
        if session.state_error:
            state.partial(StateUpdateFailed(session.state_error))
        return session.generate_reply(state, one_batch=from_speech)

    def _partial(self, event) -> None:
        if isinstance(event, CounsellorStored):
            self._report_pending(event.pending_saves)
        elif isinstance(event, StateUpdateFailed):
            self.notice.emit("warning", event.message, "client-state")
        else:
            self.buffer.add(event)
            self.replyEvent.emit(event)

    def _report_pending(self, pending: int) -> None:
        if pending > 0:
            self.notice.emit(
                "warning",
                "Your turn could not be written to disk yet (the disk may be full). It is kept in memory "
                "and will be saved as soon as there is room — keep ClientSim open, nothing is lost.",
                PENDING_KEY,
            )
        else:
            self.clearNotice.emit(PENDING_KEY)

    def _reply_over(self, outcome: ReplyOutcome) -> None:
        self.buffer.stop()
        self.turn_job = None
        self.replyEnded.emit(outcome)
        self.stateChanged.emit()
        if self._draft.strip():  # typed while the client was answering: evaluate it now
            self.draft_timer.start()

    def _reply_finished(self, turn) -> None:
        text = turn.text if turn.text.strip() else ""  # stopped before the first word: nothing stored
        meta = getattr(turn, "meta", None) or {}
        note = turn_note(turn.text, meta)
        self._reply_over(ReplyOutcome(turn if text else None, text, getattr(turn, "at", None), note))
        if meta.get("interrupted"):
            kept = (" The words that arrived are kept, marked as cut off." if text else
                    " Your message is saved; the client has not answered it yet.")
            self.notice.emit("error", f"{meta['interrupted']}{kept} You can go on with this computer's model, "
                             "or ask your lab administrator.", SERVER_KEY)
        if text and (state := (getattr(turn, "meta", None) or {}).get("state")):
            self.clientState.emit(state)
        if self.session is not None:
            self._report_pending(getattr(self.session, "pending_saves", 0))

    def _reply_failed(self, message: str) -> None:
        self._reply_over(ReplyOutcome(None, "", failed=True))
        self.notice.emit("error", f"The client could not reply. {message}", "reply")

    def _reply_cancelled(self) -> None:
        self.buffer.stop()
        partial = self.buffer.text
        self._reply_over(ReplyOutcome(None, partial, None, STOPPED_NOTE if partial else ""))

    def use_local_model(self) -> Job | None:
        """After a lab-server failure: go on with this computer's model; a message the client has not
        answered yet is answered now."""
        self.host.use_local()
        if self.session is None or not self.is_active() or self.is_generating():
            return self.host.load_in_background()
        if self.session.turns and self.session.turns[-1].speaker == "counsellor":
            self.replyResumed.emit()  # the waiting message gets its answer now
        self.buffer.start()
        job = Job(self._switch_job, name="switch to this computer's model")
        job.signals.partial.connect(self._partial)
        job.signals.finished.connect(self._switched)
        job.signals.failed.connect(self._reply_failed)
        job.signals.cancelled.connect(self._reply_cancelled)
        self.turn_job = job
        self.clearNotice.emit(SERVER_KEY)
        self.stateChanged.emit()
        return self.runner.submit(job)

    def _switch_job(self, state):  # session thread
        session = self.session
        session.switch_engine(self.host.ensure_loaded(state))
        if session.turns and session.turns[-1].speaker == "counsellor":
            return session.generate_reply(state)
        return None

    def _switched(self, turn) -> None:
        if turn is not None:
            self._reply_finished(turn)
        else:
            self.buffer.stop()
            self.turn_job = None
            self.stateChanged.emit()

    def stop(self) -> None:
        """Cancel the client's reply now; what was generated so far is kept."""
        if self.turn_job is not None:
            self.turn_job.cancel()

    def record_cut(self, session, turn, cut_at: int) -> Job | None:
        """The student cut the client off after ``cut_at`` characters of ``turn``: say so under the
        turn and keep it in the turn's meta (a job on the session thread, the one SQLite writer)."""
        if session is self.session:
            self.turnNoteChanged.emit(turn.index, turn_note(turn.text, turn.meta, cut_at))
        job = Job(self._record_cut_job, session, turn, cut_at, name="record barge-in")
        job.signals.failed.connect(self._cut_not_recorded)
        return self.runner.submit(job)

    def record_voice_stages(self, session, turn, stages: dict) -> Job | None:
        """A voice turn's stage times into the client turn's meta (``voice.replies.store_stages``), as a job
        on the session thread, the one SQLite writer."""
        from clientsim.voice.replies import store_stages

        job = Job(lambda state: store_stages(session, turn, stages), name="record voice stages")
        job.signals.failed.connect(lambda message: log.warning("voice stage times not saved: %s", message))
        return self.runner.submit(job)

    @staticmethod
    def _record_cut_job(state, session, turn, cut_at: int):  # session thread (the db writer)
        from clientsim.voice.replies import record_cut

        record_cut(session, turn, cut_at)
        return cut_at

    def _cut_not_recorded(self, message: str) -> None:
        log.warning("where the reply was cut could not be stored: %s", message)

    # ------------------------------------------------------------------ ending
    def end(self) -> Job | None:
        if not self.is_active() or self.ending:
            return None
        self.stop()  # the end job waits behind the reply on the one session thread
        self.ending = True
        self.stateChanged.emit()
        job = Job(self._end_job, self.session, name="end session")
        job.signals.finished.connect(self._ended)
        job.signals.failed.connect(self._end_failed)
        return self.runner.submit(job)

    @staticmethod
    def _end_job(state, session):  # session thread
        session.end()
        return session.transcript()

    def _ended(self, transcript: dict) -> None:
        self.ending = False
        self.ended = True
        self.clock.stop()
        self.tick()
        self.transcript_for_report = transcript
        self.stateChanged.emit()
        self.endedWith.emit(transcript)
        self._report_pending(self.db.pending_count())  # ending flushes turns that waited in memory
        self.build_report()

    def _end_failed(self, message: str) -> None:
        self.ending = False
        self.notice.emit("error", f"The session could not be ended. {message}", "session-end")
        self.stateChanged.emit()

    def end_for_shutdown(self) -> None:
        """The window is closing and the session thread has stopped: end the session here."""
        if self.is_active():
            try:
                self.session.end()
            except Exception as exc:  # noqa: BLE001
                log.warning("could not end the session at shutdown: %s", exc)
        self.clock.stop()
        self.buffer.stop()

    # ------------------------------------------------------------------ report
    def build_report(self) -> Job | None:
        transcript = self.transcript_for_report
        if transcript is None and self.session is not None:
            transcript = self.session.transcript()
        self.reportStarted.emit()
        job = Job(self._report_job, transcript, name="feedback report")
        job.signals.progress.connect(self.reportProgress)
        job.signals.finished.connect(self.reportReady)
        job.signals.failed.connect(self.reportFailed)
        job.signals.done.connect(self._report_done)
        self.report_job = job
        return self.runner.submit(job)

    def _report_done(self) -> None:
        self.report_job = None

    def _report_job(self, state, transcript: dict):  # session thread (the db writer)
        engine = self.host.ensure_loaded(state)
        report = make_report(transcript, engine, state)
        try:
            save_report_to_db(self.db, transcript["id"], report)
        except Exception as exc:  # noqa: BLE001 - the report is shown even if it cannot be stored
            log.warning("feedback report not stored: %s", exc)
        return report

    # ------------------------------------------------------------------ past sessions
    def open_past(self, session_id: str) -> PastSession:
        """Show a past session read-only (no typing, no model needed)."""
        if self.is_active():
            raise RuntimeError("end the current session first")
        past = load_past_session(self.db, session_id)
        self.clear()
        self.session = past.session
        self.persona = past.persona
        self.read_only = True
        self._past_duration = past.duration_s
        if past.stored_report is None:
            self.transcript_for_report = past.session.transcript()  # for "Create feedback report"
        self.pastOpened.emit(past)
        self.tick()
        self.stateChanged.emit()
        return past

