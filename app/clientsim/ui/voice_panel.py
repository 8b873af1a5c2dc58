"""The voice controls under the message box: talk to the client, hear it answer.

A thin face on ``clientsim.voice``: the pipeline does the work on its own
threads and jobs; this widget shows a microphone choice, an input level
meter, a hold-to-talk button (also Ctrl+Space while the panel has focus, or
Space on the button), hands-free, mute and captions toggles, and one status
line that says what is going on or what to do next. Pipeline events (levels,
captions, barge-in, device problems) arrive on audio threads; they are queued
and drained every 50 ms, never touching a widget per frame.

Text practice never depends on this panel: if PortAudio, the microphone or
the speaker is missing, the panel says so, disables what cannot work, offers
Retry, and the message box keeps working.

Signals: ``transcript_ready(str)`` (recognised speech for the input box),
``error(str)``, ``reply_cut(int)`` (barge-in: characters of the reply spoken),
``reply_spoken(object)`` (a ``SpokenReply`` when the client finished or was cut).
The session's voice bridge feeds replies with ``begin_reply()``,
``feed_reply(event)``, ``end_reply(on_spoken)``, all on the UI thread.
``on_spoken`` is connected before the waiting job is submitted, so a reply cut
short (whose job ends at once) is never missed. ``new_session(persona)`` stops
the client, clears the caption and ignores captions still on their way from the
previous session until its first reply begins.

The work itself is the core's: listening and recognising are
``clientsim.voice.jobs.listen`` / ``recognise``, waiting for a reply to be
spoken is ``jobs.wait_spoken``; the panel only calls the pipeline's public
methods. A missing speaker is reported as soon as voice starts: the client is
muted and its replies stay readable.
"""

from __future__ import annotations

import collections
import logging
from typing import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy,
                               QVBoxLayout, QWidget)

from clientsim.core.jobs import JobState
from clientsim.ui.workers import Job, JobRunner
from clientsim.voice import jobs as voice_jobs
from clientsim.voice.errors import DeviceLost, VoiceUnavailable
from clientsim.voice.events import BargeIn, Caption, Level, PartialTranscript, VoiceProblem
from clientsim.voice.options import VoiceOptions
from clientsim.voice.tts import VoiceStyle

log = logging.getLogger(__name__)

DEFAULT_MIC = "Default microphone"
FLUSH_MS = 50


def _settings_options() -> VoiceOptions:
    try:
        from clientsim.settings import Settings

        return VoiceOptions.from_settings(Settings.load().voice)
    except Exception as exc:  # settings trouble must not take voice down
        log.debug("voice settings unavailable: %s", exc)
        return VoiceOptions()


def default_pipeline_factory(backend, options: VoiceOptions, style: VoiceStyle):
    """Builds and warms the real pipeline; returns a job function for the runner."""

    def job(state: JobState):
        from clientsim.voice.audio import SoundDeviceBackend
        from clientsim.voice.pipeline import VoiceTurnPipeline
        from clientsim.voice.stt import SpeechRecognizer
        from clientsim.voice.threads import thread_budget
        from clientsim.voice.tts import SpeechSynthesizer
        from clientsim.voice.warmup import warm_up

        budget = thread_budget()
        stt = SpeechRecognizer(options.stt_model, cpu_threads=budget.stt)
        tts = SpeechSynthesizer(threads=budget.tts)
        warm = warm_up(state, stt=stt, tts=tts, style=style)
        return VoiceTurnPipeline(stt, tts, backend or SoundDeviceBackend(), style=style, options=options,
                                 vad=warm.vad)

    return job


class VoicePanel(QWidget):
    transcript_ready = Signal(str)
    running_transcript = Signal(str)  # everything said so far in the utterance being spoken (issue 15)
    error = Signal(str)
    reply_cut = Signal(int)
    reply_spoken = Signal(object)

    def __init__(self, parent: QWidget | None = None, *, backend=None, options: VoiceOptions | None = None,
                 style: VoiceStyle | None = None, pipeline=None,
                 pipeline_factory: Callable | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("voicePanel")
        self.setFocusPolicy(Qt.StrongFocus)
        self.backend = backend
        self.options = options or _settings_options()
        self.style = style or VoiceStyle()
        self.pipeline = pipeline
        self._factory = pipeline_factory or default_pipeline_factory
        self.runner = JobRunner(self)
        self._events: collections.deque = collections.deque(maxlen=2000)
        self._listen_job: Job | None = None
        self._warm_job: Job | None = None
        self._speaker = None
        self._last_heard = None  # (transcript, HeardTimes) of the last turn recognised
        self._captions_open = True  # False from new_session() until its first reply begins
        self._muted_for_speaker = False  # muted by us because no speaker was found, not by the student
        self._closing = False
        self.last_problem = ""
        self._build()
        self._timer = QTimer(self)
        self._timer.setInterval(FLUSH_MS)
        self._timer.timeout.connect(self._drain)
        self._timer.start()
        if self.pipeline is not None:
            self._pipeline_ready(self.pipeline)
        else:
            self._set_ready(False)
            self.status.setText("Voice is off. Press Start voice to talk to the client (text always works).")

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 4, 0, 0)
        row = QHBoxLayout()
        self.start_button = QPushButton("Start voice", self)
        self.start_button.setToolTip("Load the speech models and open the microphone")
        self.start_button.clicked.connect(self.warm_up)
        row.addWidget(self.start_button)
        self.mic_combo = QComboBox(self)
        self.mic_combo.setAccessibleName("Microphone")
        self.mic_combo.setToolTip("Microphone")
        self.mic_combo.addItem(DEFAULT_MIC, None)  # the list fills in once voice starts
        self.mic_combo.currentIndexChanged.connect(self._mic_changed)
        row.addWidget(self.mic_combo, 1)
        self.level = QProgressBar(self)
        self.level.setRange(0, 100)
        self.level.setTextVisible(False)
        self.level.setFixedWidth(90)
        self.level.setAccessibleName("Input level")
        row.addWidget(self.level)
        self.talk_button = QPushButton("Hold to talk", self)
        self.talk_button.setToolTip("Hold the button, or hold Ctrl+Space, while you speak")
        self.talk_button.pressed.connect(self.press_to_talk)
        self.talk_button.released.connect(self.release_to_talk)
        row.addWidget(self.talk_button)
        self.hands_free = QCheckBox("Hands-free", self)
        self.hands_free.setToolTip("Listen all the time; a pause of half a second ends your turn")
        self.hands_free.setChecked(self.options.hands_free)
        self.hands_free.toggled.connect(self._hands_free_toggled)
        row.addWidget(self.hands_free)
        self.mute = QCheckBox("Mute client", self)
        self.mute.setChecked(self.options.mute)
        self.mute.toggled.connect(self._mute_toggled)
        row.addWidget(self.mute)
        self.captions = QCheckBox("Captions", self)
        self.captions.setToolTip("Show the client's words while it speaks. Off: its reply appears in the "
                                 "transcript only once it is complete")
        self.captions.setChecked(self.options.captions)
        self.captions.toggled.connect(self._captions_toggled)
        row.addWidget(self.captions)
        self.retry_button = QPushButton("Retry", self)
        self.retry_button.clicked.connect(self.retry)
        self.retry_button.hide()
        row.addWidget(self.retry_button)
        outer.addLayout(row)
        self.status = QLabel(self)
        self.status.setObjectName("hint")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Voice status")
        outer.addWidget(self.status)
        self.caption = QLabel(self)
        self.caption.setWordWrap(True)
        self.caption.setAccessibleName("Client caption")
        self.caption.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Minimum)
        self.caption.setVisible(self.options.captions)
        outer.addWidget(self.caption)

    def _set_ready(self, ready: bool) -> None:
        for w in (self.mic_combo, self.talk_button, self.hands_free):
            w.setEnabled(ready)
        self.start_button.setVisible(self.pipeline is None)

    # ------------------------------------------------------------------ start
    def set_persona(self, persona) -> None:
        self.style = VoiceStyle.of(getattr(persona, "voice", None))
        if self.pipeline is not None:
            self.pipeline.style = self.style

    def new_session(self, persona=None) -> None:
        """Another session: the client of the last one stops and its captions are gone."""
        self.stop_speaking()
        self._speaker = None
        self._captions_open = False
        self.caption.setText("")
        if persona is not None:
            self.set_persona(persona)

    def warm_up(self) -> Job | None:
        """Load and warm the speech models (progress in the status line), then open the microphone."""
        if self.pipeline is not None or self._warm_job is not None:
            return self._warm_job
        self.start_button.setEnabled(False)
        job = Job(self._factory(self.backend, self.options, self.style), name="voice warm-up")
        job.signals.progress.connect(self._warm_progress)
        job.signals.finished.connect(self._pipeline_ready)
        job.signals.failed.connect(self._warm_failed)
        self._warm_job = job
        return self.runner.submit(job, pool="general")

    def _warm_progress(self, fraction: float, message: str) -> None:
        self.level.setValue(int(fraction * 100))
        if message:
            self.status.setText(message)

    def _warm_failed(self, message: str) -> None:
        self._warm_job = None
        self.start_button.setEnabled(True)
        self._problem(message)

    def _pipeline_ready(self, pipeline) -> None:
        self._warm_job = None
        self.pipeline = pipeline
        pipeline.add_listener(self._events.append)
        pipeline.set_mute(self.mute.isChecked())
        self.level.setValue(0)
        self._set_ready(True)
        self._fill_mics()
        self._open_microphone()
        self._check_speaker()

    def _fill_mics(self) -> None:
        self.mic_combo.blockSignals(True)
        self.mic_combo.clear()
        self.mic_combo.addItem(DEFAULT_MIC, None)
        try:
            devices = self.pipeline.input_devices()
        except (VoiceUnavailable, DeviceLost):
            devices = []
        for d in devices:
            self.mic_combo.addItem(d.label(), d.name)
        chosen = self.options.input_device
        idx = self.mic_combo.findData(chosen) if chosen else 0
        self.mic_combo.setCurrentIndex(max(0, idx))
        self.mic_combo.blockSignals(False)

    def _open_microphone(self) -> bool:
        try:
            self.pipeline.start_listening()
        except (VoiceUnavailable, DeviceLost) as exc:
            self._problem(str(exc))
            return False
        self.retry_button.hide()
        self.last_problem = ""
        self._set_ready(True)
        self.status.setText(self._idle_text())
        self._listen()
        return True

    def _idle_text(self) -> str:
        if self.hands_free.isChecked():
            return "Listening: just speak; pause to finish."
        return "Hold the button or Ctrl+Space while you speak."

    # ------------------------------------------------------------------ listening
    def _listen(self) -> None:
        if self._listen_job is not None or self.pipeline is None or self._closing:
            return
        job = Job(self._turn_job, name="voice turn")
        job.signals.finished.connect(self._heard)
        job.signals.failed.connect(self._listen_failed)
        job.signals.cancelled.connect(self._listen_done)
        self._listen_job = job
        self.runner.submit(job, pool="session")

    def _turn_job(self, state: JobState):
        # The panel opened the microphone and offers Retry after a loss, so the job does not reopen it.
        utterance = voice_jobs.listen(self.pipeline, state, open_microphone=False)
        rec = voice_jobs.recognise(self.pipeline, utterance, state)
        return rec.text, utterance.interrupted, voice_jobs.HeardTimes.of(utterance, rec, self.pipeline.clock())

    def _heard(self, result) -> None:
        self._listen_job = None
        text, interrupted, times = result
        self._last_heard = (text, times) if text else None
        if text:
            self.transcript_ready.emit(text)
        if not interrupted:
            self.status.setText(self._idle_text())
        self._listen()  # after a device loss this fails at once with the readable message

    def _listen_failed(self, message: str) -> None:
        self._listen_job = None
        self._problem(message)

    def _listen_done(self) -> None:
        self._listen_job = None

    def press_to_talk(self) -> None:
        if self.pipeline is None or not self.pipeline.listening:
            return
        self.pipeline.press_to_talk()
        self.talk_button.setText("Listening… release to send")

    def release_to_talk(self) -> None:
        self.talk_button.setText("Hold to talk")
        if self.pipeline is not None and self.pipeline.talking:
            self.pipeline.release_to_talk()
            self.status.setText("Recognising…")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key_Space and event.modifiers() & Qt.ControlModifier:
            if not event.isAutoRepeat():
                self.press_to_talk()
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key_Space and not event.isAutoRepeat() and self.pipeline is not None \
                and self.pipeline.talking:
            self.release_to_talk()
            event.accept()
            return
        super().keyReleaseEvent(event)

    # ------------------------------------------------------------------ toggles
    def _mic_changed(self, index: int) -> None:
        if self.pipeline is None:
            return
        self.options.input_device = self.mic_combo.itemData(index)
        self.pipeline.stop_listening()
        self.pipeline.set_input_device(self.options.input_device)
        self._open_microphone()

    def _hands_free_toggled(self, on: bool) -> None:
        self.options.hands_free = on
        if self.pipeline is not None:
            self.pipeline.set_hands_free(on)
            if not self.last_problem:
                self.status.setText(self._idle_text())

    def _mute_toggled(self, on: bool) -> None:
        self.options.mute = on
        if self.pipeline is not None:
            self.pipeline.set_mute(on)

    def _captions_toggled(self, on: bool) -> None:
        self.options.captions = on
        self.caption.setVisible(on)

    def _check_speaker(self) -> bool:
        """No output device: say so now and mute the client, rather than fail on its first reply."""
        try:
            present = bool(self.pipeline.output_devices())
        except (VoiceUnavailable, DeviceLost):
            return False  # no sound system at all: the microphone has already said so
        if not present:
            self._speaker_problem("No speaker or headphones were found. The client's replies are shown as "
                                  "text; plug in headphones and press Retry.")
        elif self._muted_for_speaker:
            self._muted_for_speaker = False
            self.mute.setChecked(False)
        return present

    def _speaker_problem(self, message: str) -> None:
        if not self.mute.isChecked():
            self._muted_for_speaker = True
            self.mute.setChecked(True)
        text = f"{self.last_problem}\n{message}" if self.last_problem and message not in self.last_problem \
            else message
        self.last_problem = text
        self.status.setText(text)
        self.retry_button.show()
        self.error.emit(message)

    # ------------------------------------------------------------------ problems
    def _problem(self, message: str) -> None:
        """Say what happened and what to do; disable what cannot work; keep everything said."""
        self.last_problem = message
        self.status.setText(message)
        self.retry_button.show()
        if self.pipeline is None or not self.pipeline.listening:
            self.talk_button.setEnabled(False)
            self.hands_free.setEnabled(False)
        self.level.setValue(0)
        self.error.emit(message)

    def retry(self) -> None:
        if self.pipeline is None:
            self.warm_up()
            return
        self._fill_mics()
        try:
            note = self.pipeline.recover()
        except (VoiceUnavailable, DeviceLost) as exc:
            self._problem(str(exc))
            return
        self.retry_button.hide()
        self.last_problem = ""
        self._set_ready(True)
        self.status.setText(note)
        self._check_speaker()
        self._listen()

    # ------------------------------------------------------------------ the client's voice
    def speaks_replies(self) -> bool:
        """Will the next reply be spoken (voice ready, not muted)?"""
        return self.pipeline is not None and not self.mute.isChecked()

    def shows_replies_once_spoken(self) -> bool:
        """Captions off while the client speaks: its words are heard first and shown once complete."""
        return self.speaks_replies() and not self.captions.isChecked()

    def take_heard(self, sent: str):
        """The ``HeardTimes`` of the last recognised turn if ``sent`` is exactly its transcript (sent as
        heard, not edited), else None; either way it is used up."""
        heard, self._last_heard = self._last_heard, None
        if heard is None or heard[0].strip() != (sent or "").strip():
            return None
        return heard[1]

    def begin_reply(self) -> bool:
        """A reply is coming: feed it with ``feed_reply``. True if it will be heard (not muted)."""
        if self.pipeline is None:
            return False
        self._speaker = self.pipeline.new_speaker()
        self._captions_open = True
        self.caption.setText("")
        return not self._speaker.muted

    def feed_reply(self, event) -> None:
        if self._speaker is not None:
            self._speaker.feed(event)

    def end_reply(self, on_spoken: Callable[[object], None] | None = None) -> Job | None:
        """No more text: the job finishes with the ``SpokenReply`` once it has been spoken (or cut).

        ``on_spoken`` (a bound method of a QObject, so it runs on the UI thread) is connected
        before the job starts: a reply already cut off is waited for in no time, and a
        connection made after ``submit`` could miss its ``finished``.
        """
        sp, self._speaker = self._speaker, None
        if sp is None or self.pipeline is None:
            return None
        sp.finish()
        pipeline = self.pipeline
        job = Job(lambda state: voice_jobs.wait_spoken(pipeline, sp, state), name="speak reply")
        job.signals.finished.connect(self._spoken)
        if on_spoken is not None:
            job.signals.finished.connect(on_spoken)
        return self.runner.submit(job, pool="general")

    def _spoken(self, spoken) -> None:
        if getattr(spoken, "error", None) and not self.mute.isChecked():
            self._speaker_problem(f"{spoken.error} The client's replies are shown as text.")
        self.reply_spoken.emit(spoken)

    def stop_speaking(self) -> None:
        if self.pipeline is not None:
            self.pipeline.barge_in()

    # ------------------------------------------------------------------ events from audio threads
    def _drain(self) -> None:
        level = None
        while self._events:
            ev = self._events.popleft()
            if isinstance(ev, Level):
                level = ev
            elif isinstance(ev, Caption):
                if self.captions.isChecked() and self._captions_open:
                    self.caption.setText(ev.text)
            elif isinstance(ev, BargeIn):
                self.reply_cut.emit(ev.cut_at)
            elif isinstance(ev, PartialTranscript) and ev.covers:
                self.running_transcript.emit(ev.text)
            elif isinstance(ev, VoiceProblem):
                if ev.input:
                    self._problem(ev.message)
                else:
                    self._speaker_problem(ev.message)
        if level is not None:
            self.level.setValue(level.meter)

    # ------------------------------------------------------------------ shutdown
    def shutdown(self) -> None:
        """Stop audio and wait for the voice threads (call from the window's closeEvent)."""
        if self._closing:
            return
        self._closing = True
        self._timer.stop()
        for job in self.runner.active_jobs():
            job.cancel()
        if self.pipeline is not None:
            self.pipeline.close()
        self.runner.shutdown(5000)

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)

