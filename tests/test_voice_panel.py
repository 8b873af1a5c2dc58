"""The voice panel (Qt, offscreen) on a fake sound device with the real speech models."""

import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QObject, Qt

from clientsim.core.jobs import JobState
from clientsim.voice import jobs as voice_jobs
from clientsim.voice.audio import SoundDeviceBackend
from clientsim.voice.options import VoiceOptions
from clientsim.voice.pipeline import VoiceTurnPipeline
from clientsim.voice.stt import SpeechRecognizer
from clientsim.voice.tts import Speech, SpeechSynthesizer
from clientsim.voice.vad import SileroVad

from fake_sounddevice import FakeSoundDevice

pytestmark = pytest.mark.speech

DATA = Path(__file__).parent / "data" / "voice"


@pytest.fixture(scope="module")
def stt():
    r = SpeechRecognizer("tiny.en", cpu_threads=2)
    r.warm()
    return r


def _panel(qtbot, stt, fake, **opts):
    from clientsim.ui.voice_panel import VoicePanel

    options = VoiceOptions(**opts)
    pipeline = VoiceTurnPipeline(stt, None, SoundDeviceBackend(fake), options=options, vad=SileroVad())
    panel = VoicePanel(pipeline=pipeline, options=options)
    qtbot.addWidget(panel)
    panel.show()
    return panel


def test_hold_the_button_to_talk(qtbot, stt, screenshots_dir):
    fake = FakeSoundDevice(speed=2.0, inputs=("USB Mic", "Laptop Mic"))
    panel = _panel(qtbot, stt, fake)
    try:
        assert [panel.mic_combo.itemText(i) for i in range(panel.mic_combo.count())] == \
            ["Default microphone", "USB Mic (default)", "Laptop Mic"]
        assert panel.talk_button.isEnabled() and not panel.start_button.isVisible()
        qtbot.mousePress(panel.talk_button, Qt.LeftButton)
        assert panel.pipeline.talking
        fake.say(DATA / "u01.wav")
        peak = 0
        deadline = time.monotonic() + 10
        while not fake.wait_said(0.05) and time.monotonic() < deadline:
            qtbot.wait(60)
            peak = max(peak, panel.level.value())
        panel.grab().save(str(screenshots_dir / "voice_panel_talking.png"))
        with qtbot.waitSignal(panel.transcript_ready, timeout=15000) as got:
            qtbot.mouseRelease(panel.talk_button, Qt.LeftButton)
        assert "brings you" in got.args[0].lower()
        assert peak > 40  # the level meter moved while the student spoke
    finally:
        panel.shutdown()


def test_ctrl_space_is_the_hold_key(qtbot, stt):
    fake = FakeSoundDevice(speed=2.0)
    panel = _panel(qtbot, stt, fake)
    try:
        panel.setFocus()
        qtbot.keyPress(panel, Qt.Key_Space, Qt.ControlModifier)
        assert panel.pipeline.talking
        qtbot.keyRelease(panel, Qt.Key_Space, Qt.ControlModifier)
        assert not panel.pipeline.talking
    finally:
        panel.shutdown()


def test_no_microphone_disables_voice_and_says_why(qtbot, stt):
    fake = FakeSoundDevice(inputs=())
    from clientsim.ui.voice_panel import VoicePanel

    pipeline = VoiceTurnPipeline(stt, None, SoundDeviceBackend(fake), vad=SileroVad())
    errors = []
    panel = VoicePanel(pipeline=None, options=VoiceOptions())
    qtbot.addWidget(panel)
    panel.error.connect(errors.append)
    panel._pipeline_ready(pipeline)
    try:
        assert not panel.talk_button.isEnabled()
        assert panel.retry_button.isVisibleTo(panel)
        assert "No microphone" in panel.status.text() and "keep typing" in panel.status.text()
        assert errors and "No microphone" in errors[0]
    finally:
        panel.shutdown()


def test_unplugged_microphone_is_reported_and_retry_recovers(qtbot, stt):
    fake = FakeSoundDevice(speed=2.0)
    panel = _panel(qtbot, stt, fake, hands_free=True)
    try:
        with qtbot.waitSignal(panel.error, timeout=10000) as got:
            fake.unplug()
        assert "unplugged" in got.args[0]
        qtbot.waitUntil(lambda: not panel.talk_button.isEnabled(), timeout=5000)
        assert panel.retry_button.isVisibleTo(panel)
        fake.plug_in()
        panel.retry()
        assert panel.talk_button.isEnabled() and not panel.retry_button.isVisibleTo(panel)
        with qtbot.waitSignal(panel.transcript_ready, timeout=20000) as heard:
            fake.say(DATA / "u01.wav")
        assert "brings" in heard.args[0].lower()
    finally:
        panel.shutdown()


def test_start_voice_warms_the_models_with_progress(qtbot, tmp_path):
    from clientsim.ui.voice_panel import VoicePanel

    class RecordingPanel(VoicePanel):
        """Sees every progress step the panel shows: its slot is connected before the job starts (a
        connection made after ``warm_up()`` returns could miss the first steps)."""

        def _warm_progress(self, fraction, message):
            shown.append((fraction, message))
            super()._warm_progress(fraction, message)

    shown = []
    fake = FakeSoundDevice(speed=2.0)
    panel = RecordingPanel(backend=SoundDeviceBackend(fake), options=VoiceOptions())
    qtbot.addWidget(panel)
    try:
        assert not panel.talk_button.isEnabled()
        panel.warm_up()
        qtbot.waitUntil(lambda: panel.pipeline is not None, timeout=60000)
        assert panel.talk_button.isEnabled()
        assert panel.pipeline.listening
        assert isinstance(panel.pipeline.tts, SpeechSynthesizer) and panel.pipeline.tts.load() is not None
        messages = [m for _, m in shown]
        assert messages[0] == "Loading voice activity detector…" and messages[-1] == "Ready", messages
        assert any(m.startswith("Loading speech recognition") for m in messages)
        assert any(m.startswith("Loading the client's voice") for m in messages)
        fractions = [f for f, _ in shown]
        assert fractions == sorted(fractions) and fractions[-1] == 1.0
        assert "Hold" in panel.status.text()  # ready: the progress line gave way to what to do
    finally:
        panel.shutdown()


class ToneVoice:
    """A stand-in synthesiser: ``seconds`` of tone per piece (0.2); ``delays`` makes some pieces slow to make."""

    def __init__(self, delays=(), seconds: float = 0.2) -> None:
        self.delays = list(delays)
        self.seconds = seconds

    def synthesize(self, text, style) -> Speech:
        delay = self.delays.pop(0) if self.delays else 0.0
        time.sleep(delay)
        rate = 22050
        audio = (0.3 * np.sin(np.arange(int(self.seconds * rate)) * 2 * np.pi * 440 / rate)).astype(np.float32)
        return Speech(audio, rate, delay)


class Spoken(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.got = []

    def spoken(self, reply) -> None:  # a QObject's method: delivered on the UI thread
        self.got.append(reply)


def test_a_reply_is_still_being_spoken_between_two_sentences():
    """Synthesis slower than playback (a busy machine) leaves the player idle between two
    sentences; the reply is not over for that (the barge-in UI test once saw it "over")."""
    fake = FakeSoundDevice(speed=1.0)
    pipeline = VoiceTurnPipeline(None, ToneVoice([0.0, 0.6]), SoundDeviceBackend(fake), vad=SileroVad())
    try:
        sp = pipeline.new_speaker()
        sp.feed("I have been smoking for years now. ")
        sp.feed("It is hard to stop.")
        sp.finish()
        deadline = time.monotonic() + 10
        while not pipeline.player.busy() and time.monotonic() < deadline:
            time.sleep(0.005)
        samples = []
        while (sp.pending or pipeline.player.busy()) and time.monotonic() < deadline:
            samples.append((pipeline.player.busy(), pipeline.speaking))
            time.sleep(0.01)
        assert any(not busy for busy, _ in samples), "no gap between the sentences: nothing was tested"
        assert all(speaking for _, speaking in samples)
        reply = voice_jobs.wait_spoken(pipeline, sp, JobState())
        assert reply.cut_at is None and not pipeline.speaking
    finally:
        pipeline.close()


@pytest.mark.parametrize("stall_s", [0.0, 3.0])
def test_a_late_sound_card_thread_does_not_play_the_backlog_at_once(stall_s):
    """The race behind the barge-in UI test that failed once in a full run: under load the output thread
    runs late (that test once pressed "after half a second of sound" only 0.43 s after the first sound),
    and the fake device then played the whole backlog at once, so a short reply could be over before the
    UI thread, polling for half a second of sound, could cut in. A sound card plays at its own pace: a
    late callback is a gap, never sound played faster. Here the output thread stalls for longer than
    the reply lasts, then the test does what the UI test does."""
    fake = FakeSoundDevice(speed=1.0)
    pipeline = VoiceTurnPipeline(None, ToneVoice(seconds=1.0), SoundDeviceBackend(fake), vad=SileroVad())
    text = "I have been smoking for years now. It is hard to stop."
    try:
        sp = pipeline.new_speaker()
        sp.feed(text)
        sp.finish()
        deadline = time.monotonic() + 10
        while fake.sound_played_seconds() <= 0.05 and time.monotonic() < deadline:
            time.sleep(0.002)
        first_sound = time.monotonic()
        with pipeline.player._lock:  # the output callback is held up, as by a busy machine
            time.sleep(stall_s)
        released = time.monotonic()
        while fake.sound_played_seconds() <= 0.5 and time.monotonic() < deadline:
            time.sleep(0.005)
        heard_at = time.monotonic()
        assert pipeline.speaking, "the reply was over before the student could cut in"
        cut = pipeline.barge_in()
        assert cut is not None and cut < len(text)
        # real time: never more sound than time has passed since the first sound, minus the stall
        assert fake.sound_played_seconds() <= heard_at - first_sound - stall_s + 0.2
        burst = [t for t, _, _ in list(fake._played) if released <= t <= released + 0.1]
        assert len(burst) <= 5, f"{len(burst)} blocks played within 0.1 s of the stall's end"
    finally:
        pipeline.close()


def test_a_reply_cut_short_reaches_on_spoken_even_when_its_wait_is_over_at_once(qtbot):
    """``end_reply(on_spoken)`` connects before the waiting job starts: a reply already cut off
    is waited for in no time, and a connection made after ``submit`` could miss it."""
    from clientsim.ui.voice_panel import VoicePanel

    fake = FakeSoundDevice(speed=2.0)
    pipeline = VoiceTurnPipeline(None, ToneVoice(), SoundDeviceBackend(fake), vad=SileroVad())
    panel = VoicePanel(pipeline=pipeline, options=VoiceOptions())
    qtbot.addWidget(panel)
    receiver = Spoken()
    try:
        assert panel.begin_reply() is True  # will be heard
        panel.feed_reply("I have been smoking for years, and I")
        qtbot.waitUntil(lambda: pipeline.player.busy(), timeout=5000)
        panel.stop_speaking()  # the student cuts in
        assert not pipeline.speaking
        submit = panel.runner.submit

        def submit_and_finish(job, pool="session"):  # the worker is done before submit returns
            submit(job, pool=pool)
            assert panel.runner.general_pool.waitForDone(5000)
            return job

        panel.runner.submit = submit_and_finish
        assert panel.end_reply(receiver.spoken) is not None
        qtbot.waitUntil(lambda: bool(receiver.got), timeout=5000)
        assert receiver.got[0].cut_at is not None
    finally:
        panel.shutdown()


def test_a_new_session_clears_the_captions_of_the_last_one(qtbot):
    from clientsim.ui.voice_panel import VoicePanel

    fake = FakeSoundDevice(speed=2.0)
    pipeline = VoiceTurnPipeline(None, ToneVoice(), SoundDeviceBackend(fake), vad=SileroVad())
    panel = VoicePanel(pipeline=pipeline, options=VoiceOptions(mute=True))  # muted: captions at once
    qtbot.addWidget(panel)
    try:
        assert panel.begin_reply() is False  # muted: not heard
        panel.feed_reply("My doctor said I should stop smoking. ")
        qtbot.waitUntil(lambda: "doctor" in panel.caption.text(), timeout=5000)
        panel.feed_reply("My wife agrees with her. ")
        panel.new_session()
        qtbot.wait(150)  # captions still on their way are drained and dropped
        assert panel.caption.text() == ""
        panel.begin_reply()
        panel.feed_reply("Hi, I am Daniel and I came about my drinking. ")
        qtbot.waitUntil(lambda: "Daniel" in panel.caption.text(), timeout=5000)
    finally:
        panel.shutdown()
