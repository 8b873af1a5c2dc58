"""VoiceBridge: the client's voice and the student's microphone in a session.

Connects a ``VoicePanel`` with the ``SessionController``:

- a session starting warms the panel up (speech models, microphone) with the
  persona's voice, reads the send mode from the settings, and clears what the
  last session left (its client stops, its captions go);
- every reply piece reaches the panel on the UI thread, from the same queued
  ``partial`` signal that fills the StreamBuffer. ``begin_reply`` and
  ``end_reply`` run on the UI thread too and queued signals keep their order,
  so every piece reaches the reply's speaker after ``begin_reply`` and before
  ``end_reply`` (feeding from the session thread would race with ``end_reply``);
- when a reply the student could hear is cut off (barge-in, a new message,
  Esc), the offset reached is handed to ``SessionController.record_cut``: the
  turn gets its "(interrupted here …)" note and ``{"cut_at": n}`` in its meta.
  A reply that was not heard (the client muted, or no speaker) is never "cut":
  stopping it is just a stop;
- recognised speech comes out as ``heard(str)`` for the message box;
- a reply to a message sent exactly as it was heard, and heard aloud, gets the
  voice turn's stage times (end-pointing, recognition, prompt, first token,
  first audio: ``voice.jobs.voice_stages``) in its meta under "voice"
  (``SessionController.record_voice_stages``).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from clientsim.ui.session.controller import ReplyOutcome, SessionController

log = logging.getLogger(__name__)


def settings_send_mode() -> str:
    """``"auto"``: recognised speech is sent at once; ``"edit"``: it lands in the message box."""
    from clientsim.settings import Settings

    try:
        return Settings.load().voice.send_mode
    except Exception as exc:  # noqa: BLE001 - settings trouble must not stop a session
        log.debug("voice send mode unavailable: %s", exc)
        return "edit"


class VoiceBridge(QObject):
    heard = Signal(str)  # recognised speech, for the message box

    def __init__(self, panel, controller: SessionController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.panel = panel
        self.controller = controller
        self.send_mode = "edit"  # read from the settings when a session starts
        self._heard_aloud = False  # the reply being written will be spoken aloud
        self._replies: dict = {}  # speak-job signals -> (session, client turn, heard times) of a reply heard aloud
        self._heard_times = None  # HeardTimes of the message being answered, if it was sent as heard
        panel.transcript_ready.connect(self.heard)
        panel.running_transcript.connect(self._running_transcript)
        controller.replyEvent.connect(panel.feed_reply)  # UI thread: see the module docstring
        controller.starting.connect(self._session_starting)
        controller.cleared.connect(panel.new_session)

    def _running_transcript(self, text: str) -> None:
        """Send mode "edit": the student's words so far go into the model's cache while they speak, as
        typed drafts do; the message box then sends them in time. Send mode "auto" sends the moment
        speech ends, before a draft could get far, and evaluates the words in one batch instead
        (SessionController.send, from_speech)."""
        if self.send_mode != "auto":
            self.controller.draft_changed(text)

    # ------------------------------------------------------------------ sessions
    def _session_starting(self, persona) -> None:
        """The speech models load while the session starts (progress in the panel); text keeps working."""
        self.send_mode = settings_send_mode()
        try:
            self.panel.new_session(persona)
            self.panel.warm_up()  # failures are shown in the panel
        except Exception as exc:  # noqa: BLE001
            log.warning("voice could not start: %s", exc)

    # ------------------------------------------------------------------ replies
    def begin_reply(self, sent: str | None = None) -> bool:
        """The student sent a message (``sent``): a client still speaking stops (a cut is recorded), and
        the next reply goes to a new speaker. True if that reply will be heard."""
        self.panel.stop_speaking()
        self._heard_times = self.panel.take_heard(sent) if sent is not None else None
        self._heard_aloud = self.panel.begin_reply()
        return self._heard_aloud

    def reply_ended(self, outcome: ReplyOutcome) -> None:
        """No more text for the panel; once spoken (or cut), a cut is recorded on the turn."""
        if outcome.failed:
            self.panel.stop_speaking()
        aloud, self._heard_aloud = self._heard_aloud, False
        session = self.controller.session
        track = aloud and outcome.turn is not None and session is not None
        job = self.panel.end_reply(self._spoken if track else None)
        if job is not None and track:
            # Read by _spoken, which is queued to this thread: it cannot run before this line.
            self._replies[job.signals] = (session, outcome.turn, self._heard_times)
        self._heard_times = None

    def _spoken(self, spoken) -> None:
        ctx = self._replies.pop(self.sender(), None)
        if ctx is None:
            return
        session, turn, heard = ctx
        if heard is not None and getattr(spoken, "first_audio_at", None) is not None:
            from clientsim.voice.jobs import voice_stages

            stages = voice_stages(heard, spoken, (turn.meta or {}).get("ttft_s"))
            self.controller.record_voice_stages(session, turn, stages)
        cut = getattr(spoken, "cut_at", None)
        if cut is None:
            return
        if cut >= len(turn.text.rstrip()):
            return  # stopped just as the last word ended: nothing was cut off
        self.controller.record_cut(session, turn, cut)

    def stop(self) -> None:
        self.panel.stop_speaking()

    def hides_streaming_text(self) -> bool:
        return self.panel.shows_replies_once_spoken()

    def shutdown(self) -> None:
        """Stop the client's voice and the microphone, and wait for the voice threads."""
        try:
            self.panel.shutdown()
        except Exception as exc:  # noqa: BLE001
            log.warning("voice did not shut down cleanly: %s", exc)
