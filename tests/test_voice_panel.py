"""The voice panel (Qt, offscreen) on a fake sound device with the real speech models."""

import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from clientsim.voice.audio import SoundDeviceBackend
from clientsim.voice.options import VoiceOptions
from clientsim.voice.pipeline import VoiceTurnPipeline
from clientsim.voice.stt import SpeechRecognizer
from clientsim.voice.tts import SpeechSynthesizer
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

    fake = FakeSoundDevice(speed=2.0)
    panel = VoicePanel(backend=SoundDeviceBackend(fake), options=VoiceOptions())
    qtbot.addWidget(panel)
    messages = []
    try:
        assert not panel.talk_button.isEnabled()
        job = panel.warm_up()
        job.signals.progress.connect(lambda f, m: messages.append(m))
        qtbot.waitUntil(lambda: panel.pipeline is not None, timeout=60000)
        assert panel.talk_button.isEnabled()
        assert panel.pipeline.listening
        assert isinstance(panel.pipeline.tts, SpeechSynthesizer) and panel.pipeline.tts.load() is not None
        assert any("speech recognition" in m for m in messages) or "Hold" in panel.status.text()
    finally:
        panel.shutdown()
