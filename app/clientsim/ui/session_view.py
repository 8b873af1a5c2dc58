"""The practice session: transcript, the client's reply streaming in, the input
box, stop, end session, an elapsed-time clock and the model status.

Threads: every call into the session (which writes to SQLite and runs the
model) is a Job on the one-thread session pool of JobRunner, so the database
writer and the llama instance are never used by two threads at once and the
UI thread only draws. Reply pieces arrive as ``partial`` signals, are collected
by a StreamBuffer and drawn at most every 50 ms.

Voice (``VoicePanel``, optional): the panel warms up when a session starts.
Each reply is also fed to the panel, which speaks it sentence by sentence while
it is still being written. The pieces are fed on the UI thread, from the same
queued ``partial`` signal that fills the StreamBuffer: the panel's
``begin_reply``/``end_reply`` run on the UI thread too, and queued signals keep
their order, so every piece reaches the reply's speaker after ``begin_reply``
and before ``end_reply`` (feeding from the session thread would race with
``end_reply``). Feeding is cheap (no widget is touched). When the student cuts
the client off (barge-in, a new message, Esc), the offset reached is stored in
the client turn's meta as ``{"cut_at": n}`` by a job on the session thread (the
one SQLite writer), and the turn is marked "(interrupted here …)". With the
client speaking and captions off, its reply is not shown in the transcript
until it is complete. With ``settings.voice.send_mode == "auto"`` recognised
speech is sent at once (or as soon as the client has finished writing);
with "edit" it lands in the message box.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from clientsim.client.simulator import HOLD_BACK_WORDS, SPOKEN_HOLD_BACK_WORDS
from clientsim.personas.model import Persona
from clientsim.ui.engine_host import EngineHost
from clientsim.ui.message_input import MAX_MESSAGE_CHARS, MessageInput
from clientsim.ui.model_status import ModelStatus
from clientsim.ui.review_panel import ReviewPanel, report_support
from clientsim.ui.stream_buffer import StreamBuffer
from clientsim.ui.style import icon
from clientsim.ui.transcript_view import CLIENT, COUNSELLOR, TranscriptView
from clientsim.ui.workers import Job, JobRunner

log = logging.getLogger(__name__)

COUNSELLOR_LABEL = "You (counsellor)"
PENDING_KEY = "pending-saves"


@dataclass
class CounsellorStored:
    """Pushed through ``partial`` once the counsellor's turn has been handed to storage."""

    pending_saves: int


def client_label(persona) -> str:
    name = persona.name if isinstance(persona, Persona) else (persona or {}).get("name", "Client")
    return f"{name.split()[0]} (client)"


def format_elapsed(seconds: float) -> str:
    seconds = max(0, int(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def _settings_send_mode() -> str:
    try:
        from clientsim.settings import Settings

        return Settings.load().voice.send_mode
    except Exception as exc:  # noqa: BLE001 - settings trouble must not stop a session
        log.debug("voice send mode unavailable: %s", exc)
        return "edit"


def cut_note(text: str, cut_at: int) -> str:
    """Where the student cut the client off, in words (the transcript keeps the whole reply)."""
    heard = text[:max(0, cut_at)].split()
    if not heard:
        return "(interrupted here: you cut in before the client was heard)"
    tail = " ".join(heard[-6:])
    return f"(interrupted here, after “{'…' if len(heard) > 6 else ''}{tail}”)"


def _load_voice_panel():
    try:
        return importlib.import_module("clientsim.ui.voice_panel").VoicePanel
    except Exception as exc:  # noqa: BLE001 - voice is optional; text practice must still work
        if not isinstance(exc, ModuleNotFoundError):
            log.warning("voice panel unavailable: %s", exc)
        return None


class SessionView(QWidget):
    notice = Signal(str, str, str)  # kind, text, key
    clearNotice = Signal(str)  # key
    sessionStarted = Signal(str)  # session id
    sessionEnded = Signal(str)
    backRequested = Signal()
    againRequested = Signal(str)  # persona id
    settingsRequested = Signal()

    def __init__(self, runner: JobRunner, host: EngineHost, db, parent: QWidget | None = None, *,
                 voice_panel_factory: Callable[[QWidget], QWidget] | None = None) -> None:
        """``voice_panel_factory(parent)`` builds the voice panel (tests pass one on a fake sound device)."""
        super().__init__(parent)
        self.runner, self.host, self.db = runner, host, db
        self._voice_panel_factory = voice_panel_factory
        self.voice_send_mode = "edit"  # read from the settings when a session starts
        self._send_after_reply = False
        self._voice_replies: dict = {}  # speak-job signals -> (session, client turn, transcript block)
        self.session = None
        self.persona = None  # Persona, or the persona dict of a past session
        self.read_only = False
        self.ended = False
        self.turn_job: Job | None = None
        self.report_job: Job | None = None
        self._starting = False
        self._ending = False
        self._past_duration: float | None = None
        self._build()
        self.buffer = StreamBuffer(self)
        self.buffer.flushed.connect(self._show_streamed)
        self.clock = QTimer(self)
        self.clock.setInterval(1000)
        self.clock.timeout.connect(self._tick)
        host.stateChanged.connect(self.model_status.set_state)
        self.model_status.set_state(host.state, host.text, -1.0)
        self.model_status.retryRequested.connect(self.host.load_in_background)
        self._update_controls()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        self.pages = QStackedWidget(self)
        root.addWidget(self.pages)

        empty = QWidget()
        el = QVBoxLayout(empty)
        el.addStretch(1)
        msg = QLabel("No session is open.\n\nChoose a client in the library (Ctrl+1) to start practising,\n"
                     "or open a past session (Ctrl+3).", empty)
        msg.setProperty("role", "empty")
        msg.setAlignment(Qt.AlignCenter)
        el.addWidget(msg)
        el.addSpacing(18)
        self.empty_library_button = QPushButton("Choose a client", empty)
        self.empty_library_button.setProperty("role", "primary")
        self.empty_library_button.clicked.connect(self.backRequested)
        el.addWidget(self.empty_library_button, 0, Qt.AlignCenter)
        el.addStretch(2)
        self.pages.addWidget(empty)

        page = QWidget()
        pl = QVBoxLayout(page)
        pl.setContentsMargins(0, 0, 0, 0)
        pl.setSpacing(0)
        self.pages.addWidget(page)

        header = QFrame(page)
        header.setObjectName("sessionHeader")
        hl = QHBoxLayout(header)
        hl.setContentsMargins(20, 12, 16, 12)
        hl.setSpacing(12)
        titles = QVBoxLayout()
        titles.setSpacing(2)
        self.title = QLabel(page)
        self.title.setProperty("role", "title")
        titles.addWidget(self.title)
        self.subtitle = QLabel(page)
        self.subtitle.setProperty("role", "subtitle")
        titles.addWidget(self.subtitle)
        hl.addLayout(titles, 1)
        self.model_status = ModelStatus(header)
        hl.addWidget(self.model_status, 1)
        self.clock_label = QLabel("00:00", header)
        self.clock_label.setObjectName("clock")
        self.clock_label.setAccessibleName("Elapsed time")
        self.clock_label.setToolTip("Time since the session started")
        hl.addWidget(self.clock_label)
        self.stop_button = QPushButton(icon("stop"), "Stop", header)
        self.stop_button.setAccessibleName("Stop the client's reply")
        self.stop_button.setToolTip("Stop the client's reply now (Esc)")
        self.stop_button.clicked.connect(self.stop)
        hl.addWidget(self.stop_button)
        self.end_button = QPushButton(icon("end"), "End session", header)
        self.end_button.setProperty("role", "danger")
        self.end_button.setAccessibleName("End session")
        self.end_button.setToolTip("End the session and see your feedback (Ctrl+E)")
        self.end_button.clicked.connect(self.end)
        hl.addWidget(self.end_button)
        pl.addWidget(header)

        self.banner = QLabel(page)
        self.banner.setObjectName("readOnlyBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        banner_row = QHBoxLayout()
        banner_row.setContentsMargins(20, 10, 20, 0)
        banner_row.addWidget(self.banner)
        pl.addLayout(banner_row)

        self.split = QSplitter(Qt.Horizontal, page)
        self.split.setChildrenCollapsible(False)
        left = QWidget(self.split)
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.setSpacing(0)
        left.setMinimumWidth(380)
        self.transcript = TranscriptView(left)
        ll.addWidget(self.transcript, 1)

        self.composer = QFrame(left)
        self.composer.setObjectName("composer")
        cl = QVBoxLayout(self.composer)
        cl.setContentsMargins(20, 12, 20, 12)
        cl.setSpacing(6)
        row = QHBoxLayout()
        row.setSpacing(10)
        self.input = MessageInput(self.composer)
        self.input.setFixedHeight(96)
        row.addWidget(self.input, 1)
        self.send_button = QPushButton(icon("send"), "Send", self.composer)
        self.send_button.setProperty("role", "primary")
        self.send_button.setAccessibleName("Send message")
        self.send_button.setToolTip("Send your message (Enter)")
        self.send_button.setMinimumHeight(44)
        self.send_button.clicked.connect(self.send)
        row.addWidget(self.send_button, 0, Qt.AlignBottom)
        cl.addLayout(row)
        hint_row = QHBoxLayout()
        self.hint = QLabel("Enter sends · Shift+Enter new line · Esc stops the reply · Ctrl+E ends the session",
                           self.composer)
        self.hint.setObjectName("hint")
        hint_row.addWidget(self.hint, 1)
        self.counter = QLabel(self.composer)
        self.counter.setObjectName("hint")
        self.counter.setAccessibleName("Message length")
        hint_row.addWidget(self.counter)
        cl.addLayout(hint_row)
        self.voice_panel = None
        VoicePanel = self._voice_panel_factory or _load_voice_panel()
        if VoicePanel is not None:
            try:
                self.voice_panel = VoicePanel(self.composer)
                self.voice_panel.transcript_ready.connect(self._voice_text)
                cl.addWidget(self.voice_panel)
            except Exception as exc:  # noqa: BLE001
                log.warning("voice panel could not be created: %s", exc)
                self.voice_panel = None
        ll.addWidget(self.composer)

        self.review = ReviewPanel(self.split)
        self.review.setMinimumWidth(320)
        self.review.hide()
        self.review.backRequested.connect(self.backRequested)
        self.review.againRequested.connect(self._again)
        self.review.reportRequested.connect(self._build_report)
        self.split.addWidget(left)
        self.split.addWidget(self.review)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)
        pl.addWidget(self.split, 1)

        self.input.sendableChanged.connect(lambda _ok: self._update_controls())
        self.input.submitted.connect(self.send)
        self.input.textChanged.connect(self._update_counter)
        self.setTabOrder(self.input, self.send_button)
        self.setTabOrder(self.send_button, self.stop_button)
        self.setTabOrder(self.stop_button, self.end_button)
        self.setTabOrder(self.end_button, self.transcript)

    # ------------------------------------------------------------------ state
    def has_session(self) -> bool:
        return self.session is not None

    def is_active(self) -> bool:
        return self.session is not None and not self.read_only and not self.ended

    def is_generating(self) -> bool:
        return self.turn_job is not None

    def _update_controls(self) -> None:
        active = self.is_active() and not self._ending
        generating = self.is_generating()
        self.input.setReadOnly(not active)
        self.input.setEnabled(active)
        self.input.set_send_allowed(active and not generating)
        self.send_button.setEnabled(self.input.is_sendable())
        self.stop_button.setEnabled(generating)
        self.stop_button.setVisible(not self.read_only and not self.ended)
        self.end_button.setEnabled(active)
        self.end_button.setVisible(not self.read_only and not self.ended)
        self.clock_label.setVisible(self.session is not None or self._starting)
        self.model_status.setVisible(not self.read_only)
        self.composer.setVisible(not self.read_only and not self.ended)

    def _update_counter(self) -> None:
        n = len(self.input.message())
        if n > MAX_MESSAGE_CHARS:
            self.counter.setText(f"{n:,} / {MAX_MESSAGE_CHARS:,} characters — too long to send; please shorten it")
        elif n > 2000:
            self.counter.setText(f"{n:,} / {MAX_MESSAGE_CHARS:,} characters")
        else:
            self.counter.setText("")

    def _tick(self) -> None:
        if self.session is None:
            return
        try:
            seconds = self._past_duration if self.read_only and self._past_duration is not None \
                else self.session.elapsed_seconds
        except Exception:  # noqa: BLE001
            return
        text = format_elapsed(seconds)
        self.clock_label.setText(text)
        self.clock_label.setAccessibleName(f"Elapsed time {text}")

    def _persona_name(self) -> str:
        p = self.persona
        return p.name if isinstance(p, Persona) else (p or {}).get("name", "Client")

    # ------------------------------------------------------------------ start
    def start(self, persona: Persona) -> Job | None:
        """Start a new session with this persona (the model loads first if needed)."""
        if self.is_active() or self._starting:
            return None
        self._reset_view()
        self.persona = persona
        self._starting = True
        self.title.setText(f"Session with {persona.name}")
        self.subtitle.setText(f"{' · '.join(persona.modality)} · {persona.difficulty} · "
                              f"{persona.style.conversational_style} style — starting…")
        self.pages.setCurrentIndex(1)
        self._update_controls()
        self.voice_send_mode = _settings_send_mode()
        self._start_voice(persona)
        job = Job(self._start_job, persona, name="start session")
        job.signals.finished.connect(self._started)
        job.signals.failed.connect(self._start_failed)
        job.signals.cancelled.connect(self._start_cancelled)
        return self.runner.submit(job)

    def _start_voice(self, persona: Persona) -> None:
        """The client's voice and the speech models load while the session starts (progress in the panel)."""
        if self.voice_panel is None:
            return
        try:
            self.voice_panel.set_persona(persona)
            self.voice_panel.warm_up()  # failures are shown in the panel; text keeps working
        except Exception as exc:  # noqa: BLE001
            log.warning("voice could not start: %s", exc)

    def _start_job(self, state, persona: Persona):  # session thread
        from clientsim.sessions.session import PracticeSession

        engine = self.host.ensure_loaded(state)
        state.check()
        return PracticeSession.start(self.db, persona, engine)

    def _started(self, session) -> None:
        self._starting = False
        self.session = session
        self.ended = False
        self.subtitle.setText(self.subtitle.text().replace(" — starting…", ""))
        for turn in session.turns:
            self._show_turn(turn)
        self.clock.start()
        self._tick()
        self._update_controls()
        self.input.setFocus(Qt.OtherFocusReason)
        self.sessionStarted.emit(session.id)

    def _start_failed(self, message: str) -> None:
        self._starting = False
        self.subtitle.setText("The session could not start.")
        self.notice.emit("error", f"The session could not start. {message}", "session-start")
        self._update_controls()

    def _start_cancelled(self) -> None:
        self._starting = False
        self._update_controls()

    def _show_turn(self, turn, note: str = "") -> None:
        speaker = turn.speaker if hasattr(turn, "speaker") else turn["speaker"]
        text = turn.text if hasattr(turn, "text") else turn["text"]
        at = turn.at if hasattr(turn, "at") else turn.get("at")
        meta = (turn.meta if hasattr(turn, "meta") else turn.get("meta")) or {}
        if not note and meta.get("stopped"):
            note = "Reply stopped by the counsellor."
        if meta.get("cut_at") is not None:
            note = " ".join(filter(None, (note, cut_note(text, int(meta["cut_at"])))))
        who = COUNSELLOR_LABEL if speaker == COUNSELLOR else client_label(self.persona)
        self.transcript.add_turn(COUNSELLOR if speaker == COUNSELLOR else CLIENT, who, text, at, note)

    def _reset_view(self) -> None:
        self._past_duration = None
        self.transcript.clear()
        self.session = None
        self.ended = False
        self.read_only = False
        self.review.hide()
        self.banner.hide()
        self.clock.stop()
        self.clock_label.setText("00:00")
        self.input.clear()
        self._send_after_reply = False
        if self.voice_panel is not None:
            self.voice_panel.stop_speaking()
        self.clearNotice.emit(PENDING_KEY)

    # ------------------------------------------------------------------ turns
    def send(self) -> Job | None:
        if not self.is_active() or self.is_generating() or not self.input.is_sendable():
            return None  # an empty message is never sent
        text = self.input.message()
        self.input.clear()
        self._send_after_reply = False
        self.transcript.add_turn(COUNSELLOR, COUNSELLOR_LABEL, text)
        self.transcript.begin_reply(client_label(self.persona))
        self.buffer.start()
        if self.voice_panel is not None:
            self.voice_panel.stop_speaking()  # the student speaks again: the client stops (recorded as a cut)
            self.voice_panel.begin_reply()
        if self.session.simulator is not None:  # a spoken reply trails the model by fewer words
            spoken = self.voice_panel is not None and self.voice_panel.speaks_replies()
            self.session.simulator.hold_back_words = SPOKEN_HOLD_BACK_WORDS if spoken else HOLD_BACK_WORDS
        job = Job(self._turn_job, text, name="client reply")
        job.signals.partial.connect(self._partial)
        job.signals.finished.connect(self._reply_finished)
        job.signals.failed.connect(self._reply_failed)
        job.signals.cancelled.connect(self._reply_cancelled)
        self.turn_job = job
        self._update_controls()
        return self.runner.submit(job)

    def _turn_job(self, state, text: str):  # session thread
        session = self.session
        session.add_counsellor_turn(text)  # stored at once (kept in memory if the disk is full)
        state.partial(CounsellorStored(session.pending_saves))
        return session.generate_reply(state)

    def _partial(self, event) -> None:
        if isinstance(event, CounsellorStored):
            self._report_pending(event.pending_saves)
        else:
            self.buffer.add(event)
            if self.voice_panel is not None:
                self.voice_panel.feed_reply(event)  # UI thread: see the module docstring

    def _show_streamed(self, text: str) -> None:
        if not self._hide_streaming_text():
            self.transcript.update_reply(text)

    def _hide_streaming_text(self) -> bool:
        """Captions off while the client speaks: its words are heard first and shown once complete."""
        p = self.voice_panel
        return p is not None and p.pipeline is not None and not p.captions.isChecked() \
            and not p.mute.isChecked()

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

    def _reply_finished(self, turn) -> None:
        self.buffer.stop()
        self.turn_job = None
        meta = getattr(turn, "meta", None) or {}
        note = "Reply stopped by the counsellor." if meta.get("stopped") else ""
        block = self.transcript.live
        if turn.text.strip():
            self.transcript.finish_reply(turn.text, getattr(turn, "at", None), note)
            self._end_voice_reply(turn, block)
        else:  # stopped before the first word: nothing was said, nothing stored
            self.transcript.drop_reply()
            self._end_voice_reply(None, None)
        if self.session is not None:
            self._report_pending(getattr(self.session, "pending_saves", 0))
        self._update_controls()
        if self.is_active():
            self.input.setFocus(Qt.OtherFocusReason)
            if self._send_after_reply:  # spoken while the client was still writing (send mode "auto")
                self._send_after_reply = False
                self.send()

    def _reply_failed(self, message: str) -> None:
        self.buffer.stop()
        self.turn_job = None
        self.transcript.drop_reply()
        if self.voice_panel is not None:
            self.voice_panel.stop_speaking()
        self._end_voice_reply(None, None)
        self.notice.emit("error", f"The client could not reply. {message}", "reply")
        self._update_controls()

    def _reply_cancelled(self) -> None:
        self.buffer.stop()
        self.turn_job = None
        self._end_voice_reply(None, None)
        partial = self.buffer.text
        if partial:
            self.transcript.finish_reply(partial, None, "Reply stopped by the counsellor.")
        else:
            self.transcript.drop_reply()
        self._update_controls()

    def stop(self) -> None:
        """Cancel the client's reply now (its voice too); what was generated so far is kept."""
        if self.voice_panel is not None:
            self.voice_panel.stop_speaking()
        if self.turn_job is not None:
            self.turn_job.cancel()
            self.stop_button.setEnabled(False)

    def _voice_text(self, text: str) -> None:
        if not self.is_active() or not text:
            return
        current = self.input.message()
        self.input.setPlainText(f"{current} {text}".strip() if current.strip() else text)
        cursor = self.input.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        self.input.setTextCursor(cursor)
        self.input.setFocus(Qt.OtherFocusReason)
        if self.voice_send_mode == "auto" and not self._ending:
            if self.is_generating():
                self._send_after_reply = True  # sent as soon as the client has finished writing
            else:
                self.send()

    # ------------------------------------------------------------------ the client's voice
    def _end_voice_reply(self, turn, block) -> None:
        """No more text for the panel; once spoken (or cut), a cut is recorded on ``turn``."""
        if self.voice_panel is None:
            return
        job = self.voice_panel.end_reply()
        if job is None or turn is None or self.session is None:
            return
        self._voice_replies[job.signals] = (self.session, turn, block)
        job.signals.finished.connect(self._voice_reply_spoken)  # bound method: queued to the UI thread
        job.signals.done.connect(self._voice_reply_done)

    def _voice_reply_spoken(self, spoken) -> None:
        ctx = self._voice_replies.pop(self.sender(), None)
        cut = getattr(spoken, "cut_at", None)
        if ctx is None or cut is None:
            return
        session, turn, block = ctx
        if cut >= len(turn.text.rstrip()):
            return  # stopped just as the last word ended: nothing was cut off
        if block is not None and block in self.transcript.blocks:
            note = "Reply stopped by the counsellor." if (turn.meta or {}).get("stopped") else ""
            block.set_note(" ".join(filter(None, (note, cut_note(turn.text, cut)))))
        job = Job(self._record_cut_job, session, turn, cut, name="record barge-in")
        job.signals.failed.connect(self._cut_not_recorded)
        self.runner.submit(job)

    def _voice_reply_done(self) -> None:
        self._voice_replies.pop(self.sender(), None)

    @staticmethod
    def _record_cut_job(state, session, turn, cut_at: int):  # session thread (the db writer)
        from clientsim.voice.replies import record_cut

        record_cut(session, turn, cut_at)
        return cut_at

    def _cut_not_recorded(self, message: str) -> None:
        log.warning("where the reply was cut could not be stored: %s", message)

    # ------------------------------------------------------------------ ending
    def end(self) -> Job | None:
        if not self.is_active() or self._ending:
            return None
        self.stop()  # the end job waits behind the reply on the one session thread
        self._ending = True
        self._update_controls()
        job = Job(self._end_job, name="end session")
        job.signals.finished.connect(self._ended)
        job.signals.failed.connect(self._end_failed)
        return self.runner.submit(job)

    def _end_job(self, state):  # session thread
        self.session.end()
        return self.session.transcript()

    def _ended(self, transcript: dict) -> None:
        self._ending = False
        self.ended = True
        self.clock.stop()
        self._tick()
        self._update_controls()
        n = len(self.session.turns)
        self.subtitle.setText(f"Ended · {n} turns · {self.clock_label.text()}")
        self.review.show_review(self.persona if isinstance(self.persona, Persona) else None,
                                f"You ended the session after {self.clock_label.text()} with {n} turns. "
                                "Your transcript is saved.")
        self._show_review_panel()
        self.transcript_for_report = transcript
        self._report_pending(self.db.pending_count())  # ending flushes turns that waited in memory
        self.sessionEnded.emit(self.session.id)
        self._build_report()
        self.review.again_button.setFocus(Qt.OtherFocusReason)

    def _end_failed(self, message: str) -> None:
        self._ending = False
        self.notice.emit("error", f"The session could not be ended. {message}", "session-end")
        self._update_controls()

    # ------------------------------------------------------------------ report
    def _build_report(self) -> Job | None:
        make_report, view_class = report_support()
        if make_report is None:
            self.review.set_placeholder("The feedback report (MI and CBT skills, safety) is not available in "
                                        "this build yet. Your transcript is saved and can be exported with "
                                        "`clientsim sessions export`.")
            return None
        transcript = getattr(self, "transcript_for_report", None)
        if transcript is None and self.session is not None:
            transcript = self.session.transcript()
        self.review.report_started()
        job = Job(self._report_job, transcript, make_report, name="feedback report")
        job.signals.progress.connect(self.review.report_progress)
        job.signals.finished.connect(lambda report: self.review.set_report(report, view_class))
        job.signals.failed.connect(self.review.report_failed)
        self.report_job = job
        job.signals.done.connect(self._report_done)
        return self.runner.submit(job)

    def _report_done(self) -> None:
        self.report_job = None

    def _report_job(self, state, transcript: dict, make_report):  # session thread (the db writer)
        engine = self.host.ensure_loaded(state)
        report = make_report(transcript, engine, state)
        try:
            from clientsim.judge.report import save_report_to_db
        except ImportError:
            return report
        try:
            save_report_to_db(self.db, transcript["id"], report)
        except Exception as exc:  # noqa: BLE001 - the report is shown even if it cannot be stored
            log.warning("feedback report not stored: %s", exc)
        return report

    def _again(self) -> None:
        pid = self.persona.id if isinstance(self.persona, Persona) else (self.persona or {}).get("id")
        if pid:
            self.againRequested.emit(pid)

    # ------------------------------------------------------------------ past sessions
    def open_past(self, session_id: str) -> None:
        """Show a past session read-only (no typing, no model needed)."""
        from clientsim.sessions.session import PracticeSession

        if self.is_active():
            raise RuntimeError("end the current session first")
        self._reset_view()
        session = PracticeSession.open(self.db, session_id)
        info = self.db.get_session(session_id) or {}
        self.session = session
        self.read_only = True
        self.persona = getattr(session, "persona", None) or info.get("persona") or {}
        status = info.get("status", "ended")
        started = _nice_time(info.get("started_at"))
        self._past_duration = _duration(info.get("started_at"), info.get("ended_at") or
                                        (session.turns[-1].at if session.turns else None))
        self.title.setText(f"Session with {self._persona_name()}")
        self.subtitle.setText(f"{started} · {len(session.turns)} turns · {status}")
        extra = (" It was interrupted (ClientSim stopped before it was ended); every saved turn is shown."
                 if status == "interrupted" else "")
        self.banner.setText(f"Read-only: a past session from {started}.{extra}")
        self.banner.setAccessibleName(self.banner.text())
        self.banner.show()
        for turn in session.turns:
            self._show_turn(turn)
        self._tick()
        persona_obj = self.persona if isinstance(self.persona, Persona) else None
        notes = persona_obj.instructor_notes if persona_obj else (self.persona or {}).get("instructor_notes", "")
        self.review.show_review(persona_obj, f"{len(session.turns)} turns · status: {status}.", notes)
        self.review.again_button.setEnabled(bool(self.persona))
        self._show_stored_report(session_id)
        self.pages.setCurrentIndex(1)
        self._show_review_panel()
        self._update_controls()
        self.transcript.setFocus(Qt.OtherFocusReason)

    def _show_review_panel(self) -> None:
        self.review.show()
        total = max(self.split.width(), 900)
        left = int(total * 0.48)
        self.split.setSizes([left, total - left])

    def _show_stored_report(self, session_id: str) -> None:
        make_report, view_class = report_support()
        stored = None
        try:
            stored = self.db.get_report(session_id, "full")
        except Exception:  # noqa: BLE001
            stored = None
        if stored and view_class is not None:
            self.review.set_report(stored, view_class)
        elif make_report is not None:
            self.transcript_for_report = self.session.transcript()
            self.review.report_button.setText("Create feedback report")
            self.review.report_button.show()
        else:
            self.review.set_placeholder("No feedback report is stored for this session.")

    def close_session(self) -> None:
        """Forget the session shown (after shutdown, or before opening another)."""
        self._reset_view()
        self.pages.setCurrentIndex(0)
        self._update_controls()

    def end_for_shutdown(self) -> None:
        """The window is closing and the session thread has stopped: end the session here."""
        if self.is_active():
            try:
                self.session.end()
            except Exception as exc:  # noqa: BLE001
                log.warning("could not end the session at shutdown: %s", exc)
        self.clock.stop()
        self.buffer.stop()
        self.shutdown_voice()

    def shutdown_voice(self) -> None:
        """Stop the client's voice and the microphone, and wait for the voice threads."""
        if self.voice_panel is not None:
            try:
                self.voice_panel.shutdown()
            except Exception as exc:  # noqa: BLE001
                log.warning("voice did not shut down cleanly: %s", exc)


def _parse(iso: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")) if iso else None
    except ValueError:
        return None


def _duration(start: str | None, end: str | None) -> float | None:
    a, b = _parse(start), _parse(end)
    return (b - a).total_seconds() if a and b else None


def _nice_time(iso: str | None) -> str:
    if not iso:
        return "an unknown date"
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone().strftime("%d %b %Y, %H:%M")
    except ValueError:
        return iso
