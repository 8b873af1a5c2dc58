"""The session screen: the parts in ``clientsim.ui.session`` put together.

``SessionController`` owns the practice session and its jobs; this widget lays
out the views (``SessionHeader``, the ``TranscriptView``, ``InputBar`` with the
voice panel under it, the ``ReviewPanel``), shows what the controller says and
forwards the student's clicks and keys to it. ``VoiceBridge`` joins the voice
panel to the controller. Nothing here runs a job or touches the session.

Layout: an empty page ("No session is open") and the session page: header,
read-only banner, then a splitter with the conversation (transcript over input
bar) on the left and the review on the right once the session is over. The
review opens at full width; its "Show the chat" button brings the
conversation back beside it. Turns carry their stored number, the one the
report cites. Small
extra views (a meter) go in the header with ``add_extra_view``.

With the client speaking and captions off, its reply is not shown in the
transcript until it is complete. With ``settings.voice.send_mode == "auto"``
recognised speech is sent at once (or as soon as the client has finished
writing); with "edit" it lands in the message box.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from clientsim.core.when import human_duration
from clientsim.judge.report.words import count_turns, turn_count
from clientsim.personas.model import Persona
from clientsim.ui.engine_host import EngineHost
from clientsim.ui.review_panel import ReviewPanel
from clientsim.ui.session.controller import PENDING_KEY, ReplyOutcome, SessionController
from clientsim.ui.session.header import SessionHeader
from clientsim.ui.session.input_bar import InputBar
from clientsim.ui.session.past_session import PastSession
from clientsim.ui.session.turn_notes import COUNSELLOR_LABEL, client_label, turn_note
from clientsim.ui.session.voice_bridge import VoiceBridge
from clientsim.ui.transcript_view import CLIENT, COUNSELLOR, TranscriptView
from clientsim.ui.voice_panel import VoicePanel
from clientsim.ui.workers import Job, JobRunner

__all__ = ["PENDING_KEY", "SessionView"]

EMPTY, PAGE = 0, 1


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
        self.controller = SessionController(runner, host, db, self)
        self._send_after_reply = False
        self._build(voice_panel_factory or VoicePanel)
        self.voice = VoiceBridge(self.voice_panel, self.controller, self) if self.voice_panel is not None else None
        self._connect(host)
        self._update_controls()

    # ------------------------------------------------------------------ what the tests and the window read
    @property
    def session(self):
        return self.controller.session

    @property
    def persona(self):
        return self.controller.persona

    @property
    def read_only(self) -> bool:
        return self.controller.read_only

    @property
    def ended(self) -> bool:
        return self.controller.ended

    @property
    def report_job(self) -> Job | None:
        return self.controller.report_job

    @property
    def buffer(self):
        return self.controller.buffer

    @property
    def voice_send_mode(self) -> str:
        return self.voice.send_mode if self.voice is not None else "edit"

    def has_session(self) -> bool:
        return self.controller.has_session()

    def is_active(self) -> bool:
        return self.controller.is_active()

    def is_generating(self) -> bool:
        return self.controller.is_generating()

    # ------------------------------------------------------------------ layout
    def _build(self, make_voice_panel) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        self.pages = QStackedWidget(self)
        root.addWidget(self.pages)
        self.pages.addWidget(self._empty_page())

        page = QWidget()
        pl = QVBoxLayout(page)
        pl.setContentsMargins(0, 0, 0, 0)
        pl.setSpacing(0)
        self.pages.addWidget(page)

        self.header = SessionHeader(page)
        self.title, self.subtitle = self.header.title, self.header.subtitle
        self.model_status, self.clock_label = self.header.model_status, self.header.clock_label
        self.stop_button, self.end_button = self.header.stop_button, self.header.end_button
        pl.addWidget(self.header)

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
        self.conversation = left = QWidget(self.split)
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.setSpacing(0)
        left.setMinimumWidth(380)
        self.transcript = TranscriptView(left)
        ll.addWidget(self.transcript, 1)
        self.input_bar = self.composer = InputBar(left)
        self.input, self.send_button, self.counter = self.input_bar.input, self.input_bar.send_button, \
            self.input_bar.counter
        self.voice_panel = make_voice_panel(self.input_bar)
        if self.voice_panel is not None:
            self.input_bar.add_below(self.voice_panel)
        ll.addWidget(self.input_bar)

        self.review = ReviewPanel(self.split)
        self.review.setMinimumWidth(320)
        self.review.hide()
        self.split.addWidget(left)
        self.split.addWidget(self.review)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)
        pl.addWidget(self.split, 1)

        self.input.textChanged.connect(lambda: self.controller.draft_changed(self.input.message()))
        self.setTabOrder(self.input, self.send_button)
        self.setTabOrder(self.send_button, self.stop_button)
        self.setTabOrder(self.stop_button, self.end_button)
        self.setTabOrder(self.end_button, self.transcript)

    def _empty_page(self) -> QWidget:
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
        return empty

    def add_extra_view(self, widget: QWidget) -> None:
        """A small view of the session (a meter) in the header, before the clock."""
        self.header.add_extra(widget)

    def _connect(self, host: EngineHost) -> None:
        c = self.controller
        host.stateChanged.connect(self.model_status.set_state)
        self.model_status.set_state(host.state, host.text, -1.0)
        self.model_status.retryRequested.connect(host.load_in_background)
        self.header.stopClicked.connect(self.stop)
        self.header.endClicked.connect(self.end)
        self.input_bar.sendRequested.connect(self.send)
        self.review.backRequested.connect(self.backRequested)
        self.review.againRequested.connect(self._again)
        self.review.reportRequested.connect(c.build_report)
        if self.voice is not None:
            self.voice.heard.connect(self._voice_text)

        c.notice.connect(self.notice)
        c.clearNotice.connect(self.clearNotice)
        c.stateChanged.connect(self._update_controls)
        c.cleared.connect(self._cleared)
        c.starting.connect(self._starting)
        c.started.connect(self._started)
        c.startFailed.connect(self._start_failed)
        c.counsellorSent.connect(self._counsellor_sent)
        c.replyText.connect(self._show_streamed)
        c.replyEnded.connect(self._reply_ended)
        c.replyResumed.connect(lambda: self.transcript.begin_reply(client_label(self.controller.persona)))
        c.turnNoteChanged.connect(self.transcript.set_note)
        c.elapsedChanged.connect(self.header.set_elapsed)
        c.endedWith.connect(self._ended)
        c.pastOpened.connect(self._show_past)
        c.reportStarted.connect(self.review.report_started)
        c.reportProgress.connect(self.review.report_progress)
        c.reportReady.connect(self.review.set_report)
        c.reportFailed.connect(self.review.report_failed)
        self.review.chatToggled.connect(self._show_chat_beside_review)

    def _update_controls(self) -> None:
        c = self.controller
        active = c.is_active() and not c.ending
        live = not c.read_only and not c.ended
        self.input_bar.show_state(active=active, generating=c.is_generating())
        self.header.show_state(live=live, active=active, generating=c.is_generating(),
                               clock=c.session is not None or c.starting_up)
        self.model_status.setVisible(not c.read_only)
        self.input_bar.setVisible(live)

    # ------------------------------------------------------------------ what the student does
    def start(self, persona: Persona) -> Job | None:
        """Start a new session with this persona (the model loads first if needed)."""
        return self.controller.start(persona)

    def send(self, *, from_speech: bool = False) -> Job | None:
        """``from_speech``: the message is speech sent as soon as it was recognised (send mode "auto")."""
        if not self.controller.can_send() or not self.input_bar.has_message():
            return None  # an empty message is never sent
        text = self.input_bar.message()
        self.input_bar.clear()
        self._send_after_reply = False
        if self.voice is not None:
            self.voice.begin_reply(text)
        return self.controller.send(text, from_speech=from_speech)

    def stop(self) -> None:
        """Cancel the client's reply now (its voice too); what was generated so far is kept."""
        if self.voice is not None:
            self.voice.stop()
        if self.controller.is_generating():
            self.controller.stop()
            self.stop_button.setEnabled(False)

    def end(self) -> Job | None:
        if not self.controller.is_active() or self.controller.ending:
            return None
        self.stop()
        return self.controller.end()

    def open_past(self, session_id: str) -> None:
        """Show a past session read-only (no typing, no model needed)."""
        self.controller.open_past(session_id)

    def close_session(self) -> None:
        """Forget the session shown (after shutdown, or before opening another)."""
        self.controller.clear()
        self.pages.setCurrentIndex(EMPTY)

    def end_for_shutdown(self) -> None:
        """The window is closing and the session thread has stopped: end the session here."""
        self.controller.end_for_shutdown()
        self.shutdown_voice()

    def shutdown_voice(self) -> None:
        """Stop the client's voice and the microphone, and wait for the voice threads."""
        if self.voice is not None:
            self.voice.shutdown()

    def _again(self) -> None:
        p = self.controller.persona
        pid = p.id if isinstance(p, Persona) else (p or {}).get("id")
        if pid:
            self.againRequested.emit(pid)

    def _voice_text(self, text: str) -> None:
        c = self.controller
        if not c.is_active() or not text:
            return
        self.input_bar.append_text(text)
        if self.voice_send_mode == "auto" and not c.ending:
            if c.is_generating():
                self._send_after_reply = True  # sent as soon as the client has finished writing
            else:
                self.send(from_speech=True)

    # ------------------------------------------------------------------ what the controller says
    def _cleared(self) -> None:
        self.transcript.clear()
        self.review.hide()
        self.conversation.show()
        self.banner.hide()
        self.header.set_elapsed(0)
        self.input_bar.clear()
        self._send_after_reply = False

    def _starting(self, persona: Persona) -> None:
        self.header.set_titles(f"Session with {persona.name}",
                               f"{' · '.join(persona.modality)} · {persona.difficulty} · "
                               f"{persona.style.conversational_style} style — starting…")
        self.pages.setCurrentIndex(PAGE)

    def _started(self, session) -> None:
        self.header.set_subtitle(self.subtitle.text().replace(" — starting…", ""))
        self._show_turns(session.turns)
        self.input.setFocus(Qt.OtherFocusReason)
        self.sessionStarted.emit(session.id)

    def _start_failed(self, _message: str) -> None:
        self.header.set_subtitle("The session could not start.")

    def _show_turns(self, turns) -> None:
        persona = self.controller.persona
        for turn in turns:
            who = COUNSELLOR_LABEL if turn.speaker == COUNSELLOR else client_label(persona)
            self.transcript.add_turn(COUNSELLOR if turn.speaker == COUNSELLOR else CLIENT, who, turn.text,
                                     turn.at, turn_note(turn.text, turn.meta), index=turn.index)

    def _counsellor_sent(self, text: str) -> None:
        # sent before the turn job starts, so the session's turn count is this turn's number
        self.transcript.add_turn(COUNSELLOR, COUNSELLOR_LABEL, text, index=len(self.controller.session.turns))
        self.transcript.begin_reply(client_label(self.controller.persona))

    def _show_streamed(self, text: str) -> None:
        if self.voice is None or not self.voice.hides_streaming_text():
            self.transcript.update_reply(text)

    def _reply_ended(self, outcome: ReplyOutcome) -> None:
        if outcome.text:
            self.transcript.finish_reply(outcome.text, outcome.at, outcome.note, index=outcome.index)
        else:  # stopped before the first word, or failed: nothing was said, nothing stored
            self.transcript.drop_reply()
        if self.voice is not None:
            self.voice.reply_ended(outcome)
        self._update_controls()
        if self.controller.is_active():
            self.input.setFocus(Qt.OtherFocusReason)
            if self._send_after_reply:  # spoken while the client was still writing (send mode "auto")
                self._send_after_reply = False
                self.send(from_speech=True)

    def _ended(self, _transcript: dict) -> None:
        c = self.controller
        turns = turn_count(*count_turns(c.session.turns))
        took = human_duration(c.elapsed_seconds())
        self.header.set_subtitle(f"Ended · {turns} · {took}")
        self.review.show_review(c.persona if isinstance(c.persona, Persona) else None,
                                f"You ended the session after {took} with {turns}. Your transcript is saved.")
        self._show_review_panel()
        self.sessionEnded.emit(c.session.id)
        self.review.again_button.setFocus(Qt.OtherFocusReason)

    def _show_past(self, past: PastSession) -> None:
        self.header.set_titles(past.title, past.subtitle)
        self.banner.setText(past.banner)
        self.banner.setAccessibleName(past.banner)
        self.banner.show()
        self._show_turns(past.session.turns)
        self.review.show_review(past.persona_obj, past.summary, past.instructor_notes)
        self.review.again_button.setEnabled(bool(past.persona))
        if past.stored_report:
            self.review.set_report(past.stored_report)
        else:
            self.review.report_button.setText("Create feedback report")
            self.review.report_button.show()
        self.pages.setCurrentIndex(PAGE)
        self._show_review_panel()
        self.transcript.setFocus(Qt.OtherFocusReason)

    def _show_review_panel(self) -> None:
        """The review at full width; the chat comes back beside it on request."""
        self.review.show()
        self.review.chat_button.setChecked(False)
        self._show_chat_beside_review(False)

    def _show_chat_beside_review(self, on: bool) -> None:
        self.conversation.setVisible(on)
        if on:
            total = max(self.split.width(), 900)
            left = int(total * 0.42)
            self.split.setSizes([left, total - left])
