"""The session view with voice on: the client speaks its replies, barge-in is recorded.

Real SmolLM2 (client), real whisper tiny.en and piper (en_US-joe-medium), real
SQLite and Qt offscreen; only the sound card is a fake (tests/fake_sounddevice.py),
passed to the voice panel through the session view's ``voice_panel_factory``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from clientsim.personas import PersonaLibrary
from clientsim.settings import Settings, VoiceSettings
from clientsim.storage import Database
from clientsim.ui.engine_host import EngineHost
from clientsim.ui.session_view import SessionView
from clientsim.ui.workers import JobRunner
from clientsim.voice.audio import SoundDeviceBackend
from clientsim.voice.options import VoiceOptions

from fake_sounddevice import FakeSoundDevice
from ui_helpers import stored_turn_rows

pytestmark = [pytest.mark.speech, pytest.mark.model, pytest.mark.slow]

DATA = Path(__file__).parent / "data" / "voice"
PERSONA = "linh-smoking"
AUDIBLE = 1e-3  # FakeSoundDevice.sound_played_seconds threshold




class Harness:
    """A SessionView as the main window builds it, with the voice panel on a fake sound device."""

    def __init__(self, qtbot, smollm_path, fake: FakeSoundDevice, options: VoiceOptions) -> None:
        from clientsim.ui.voice_panel import VoicePanel

        self.fake = fake
        self.runner = JobRunner()
        self.host = EngineHost(self.runner, Settings(model_path=str(smollm_path), n_threads=2))
        self.db = Database.open()
        self.view = SessionView(self.runner, self.host, self.db, voice_panel_factory=lambda parent: VoicePanel(
            parent, backend=SoundDeviceBackend(fake), options=options))
        qtbot.addWidget(self.view)
        self.view.resize(1000, 700)
        self.view.show()
        self.panel = self.view.voice_panel
        self.persona = PersonaLibrary.load().personas[PERSONA]

    def start(self, qtbot) -> None:
        self.view.start(self.persona)
        assert self.panel._warm_job is not None, "voice did not start warming up with the session"
        qtbot.waitUntil(self.view.is_active, timeout=120_000)
        qtbot.waitUntil(lambda: self.panel.pipeline is not None, timeout=120_000)
        assert self.panel.pipeline.style.id == self.persona.voice.id

    def close(self) -> None:
        self.runner.shutdown()
        self.view.end_for_shutdown()
        self.host.close()
        self.db.close()


@pytest.fixture
def harness(qtbot, smollm_path):
    made = []

    def make(fake, options=None):
        h = Harness(qtbot, smollm_path, fake, options or VoiceOptions())
        made.append(h)
        return h

    yield make
    for h in made:
        h.close()


def test_client_speaks_its_reply_and_barge_in_is_recorded(qtbot, harness, screenshots_dir):
    h = harness(FakeSoundDevice(speed=1.0))
    sv, panel, fake = h.view, h.panel, h.fake
    h.start(qtbot)
    assert panel.pipeline.listening and panel.talk_button.isEnabled()

    spoken = []
    panel.reply_spoken.connect(spoken.append)
    sv.input.setPlainText("Hi Linh, thanks for coming. What brings you here today?")
    job = sv.send()
    finished_at = []
    job.signals.finished.connect(lambda _turn: finished_at.append(time.monotonic()))
    t0 = time.monotonic()
    qtbot.waitUntil(lambda: fake.sound_played_seconds(AUDIBLE) > 0.05, timeout=120_000)
    first_sound = time.monotonic()
    # half a second in, so that some of the reply has been heard
    qtbot.waitUntil(lambda: fake.sound_played_seconds(AUDIBLE) > 0.5 or not panel.pipeline.speaking,
                    timeout=30_000)
    # Measured here, not at the first 0.05 s: the first two blocks above the threshold can be the
    # quiet onset of a word (peak 0.042 once, in a loop of this test on a loaded machine).
    assert float(np.max(np.abs(fake.played()))) > 0.05  # the client's voice, not noise
    assert panel.pipeline.speaking, "the reply was over before the student could cut in"

    # barge-in: the student holds the talk button while the client is speaking
    panel.press_to_talk()
    barged = time.monotonic()
    heard = fake.sound_played_seconds(AUDIBLE)
    qtbot.wait(700)
    after = fake.sound_played_seconds(AUDIBLE) - heard
    assert after < 0.15, f"the client kept talking for {after:.2f} s after the student cut in"
    assert not panel.pipeline.player.busy()
    panel.release_to_talk()

    qtbot.waitUntil(lambda: not sv.is_generating(), timeout=120_000)
    qtbot.waitUntil(lambda: bool(spoken), timeout=30_000)
    reply = sv.session.turns[-1]
    assert reply.speaker == "client" and reply.text.strip()
    cut = spoken[0].cut_at
    assert cut is not None and 0 <= cut < len(reply.text)

    def stored_meta():
        return json.loads(stored_turn_rows(sv.session.id)[-1][3] or "{}")

    qtbot.waitUntil(lambda: stored_meta().get("cut_at") == cut, timeout=30_000)
    assert reply.meta.get("cut_at") == cut
    block = sv.transcript.blocks[-1]
    assert block.text() == reply.text  # the whole reply stays in the transcript
    assert "interrupted here" in block.note_label.text() and block.note_label.isVisibleTo(sv)
    assert sv.grab().save(str(screenshots_dir / "session-voice-barge-in.png"))
    spoken_first = spoken[0].first_audio_at
    print(f"\nfirst client audio {first_sound - t0:.2f} s after sending; reply written "
          f"{(finished_at[0] - t0) if finished_at else float('nan'):.2f} s after sending; cut at {cut} of "
          f"{len(reply.text)} characters; output stopped {after:.3f} s of sound after barge-in "
          f"(pressed {barged - first_sound:.2f} s after first sound)")
    assert spoken_first is not None
    # spoken while still being written: the first piece was ready before the whole reply had arrived
    if len(reply.text.split()) >= 16:
        assert spoken[0].first_piece_at < finished_at[0]

    # the conversation goes on: the next message is answered as usual
    sv.input.setPlainText("That sounds hard.")
    sv.send()
    qtbot.waitUntil(lambda: not sv.is_generating(), timeout=120_000)
    rows = stored_turn_rows(sv.session.id)
    assert [r[1] for r in rows] == ["client", "counsellor", "client", "counsellor", "client"]


def test_auto_send_mode_sends_speech_at_once_and_captions_off_waits_for_the_whole_reply(qtbot, harness):
    Settings(voice=VoiceSettings(send_mode="auto")).save()
    h = harness(FakeSoundDevice(speed=2.0), VoiceOptions(hands_free=True, captions=False))
    sv, panel, fake = h.view, h.panel, h.fake
    h.start(qtbot)
    assert sv.voice_send_mode == "auto"
    shown_while_streaming = []
    sv.buffer.flushed.connect(lambda _text: shown_while_streaming.append(
        sv.transcript.live.text() if sv.transcript.live is not None else None))
    running = []  # sent the moment speech ends: no draft of it, its words evaluated in one batch at send
    panel.running_transcript.connect(lambda text: running.append((text, sv.controller._draft)))

    fake.say(DATA / "u01.wav")
    qtbot.waitUntil(sv.is_generating, timeout=60_000)  # sent without pressing anything
    assert sv.input.message() == ""
    assert "brings you" in sv.transcript.texts()[-2][1].lower()
    qtbot.waitUntil(lambda: not sv.is_generating(), timeout=120_000)
    rows = stored_turn_rows(sv.session.id)
    assert [r[1] for r in rows] == ["client", "counsellor", "client"]
    assert "brings you" in rows[1][2].lower()
    assert running and "brings you" in running[-1][0].lower()
    assert all(draft == "" for _text, draft in running) and sv.controller.drafts_evaluated == 0
    assert shown_while_streaming and all(t == "…" for t in shown_while_streaming), shown_while_streaming
    assert sv.transcript.texts()[-1] == ("client", rows[2][2])  # shown once complete
    qtbot.waitUntil(lambda: fake.sound_played_seconds(AUDIBLE) > 0.2, timeout=60_000)
    assert float(np.max(np.abs(fake.played()))) > 0.05  # the client's voice, not noise

    # the reply to speech sent as heard keeps the voice turn's stage times in its stored meta
    def stages():
        return json.loads(stored_turn_rows(sv.session.id)[2][3] or "{}").get("voice")

    qtbot.waitUntil(lambda: stages() is not None, timeout=60_000)
    st = stages()
    parts = [st[k] for k in ("endpoint_s", "recognition_s", "first_token_s", "first_audio_s")]
    assert all(v is not None and v >= 0 for v in parts), st
    assert st["total_s"] == pytest.approx(sum(parts), abs=0.01)
    assert 0 < st["prompt_s"] <= st["first_token_s"]
    assert st["stt_passes"] >= 1


@pytest.mark.parametrize("mode", ["edit", "auto"])
def test_the_running_transcript_is_a_draft_only_when_the_student_reviews_before_sending(qtbot, harness, mode):
    """Send mode "edit": the words so far go into the model's cache while the student speaks, as typed drafts
    do. "auto": sent the moment speech ends, before a draft gets far; evaluated in one batch instead."""
    Settings(voice=VoiceSettings(send_mode=mode)).save()
    h = harness(FakeSoundDevice(speed=1.0))
    sv, panel = h.view, h.panel
    h.start(qtbot)
    panel.running_transcript.emit("What brings you")
    assert sv.controller._draft == ("What brings you" if mode == "edit" else "")


def test_no_speaker_says_so_and_text_sessions_still_work(qtbot, harness):
    h = harness(FakeSoundDevice(speed=2.0, outputs=()))
    sv, panel, fake = h.view, h.panel, h.fake
    h.start(qtbot)
    assert "No speaker or headphones" in panel.status.text()
    assert panel.mute.isChecked() and panel.retry_button.isVisibleTo(sv)
    assert panel.talk_button.isEnabled()  # the microphone still works

    sv.input.setPlainText("Hi Linh, what brings you here today?")
    sv.send()
    qtbot.waitUntil(lambda: not sv.is_generating(), timeout=120_000)
    rows = stored_turn_rows(sv.session.id)
    assert [r[1] for r in rows] == ["client", "counsellor", "client"]
    assert sv.transcript.texts()[-1] == ("client", rows[2][2])  # muted: the text streams as usual
    qtbot.waitUntil(lambda: panel.caption.text() != "", timeout=10_000)  # captions carry on
    assert fake.played().size == 0


def test_a_muted_reply_stopped_is_stopped_not_cut_and_its_captions_stay_with_its_session(qtbot, harness,
                                                                                        monkeypatch):
    # the feedback report has tests of its own; here the session only has to end
    monkeypatch.setattr("clientsim.ui.session.controller.SessionController.build_report", lambda self: None)
    h = harness(FakeSoundDevice(speed=2.0), VoiceOptions(mute=True))
    sv, panel, fake = h.view, h.panel, h.fake
    h.start(qtbot)
    spoken = []
    panel.reply_spoken.connect(spoken.append)

    # typed, muted: the student presses Stop (Esc) as soon as the reply begins
    def stop_at_once(_event):
        sv.controller.replyEvent.disconnect(stop_at_once)
        sv.stop()

    sv.controller.replyEvent.connect(stop_at_once)
    sv.input.setPlainText("Could you tell me, in as much detail as you like, about a typical day?")
    sv.send()
    qtbot.waitUntil(lambda: not sv.is_generating(), timeout=120_000)
    qtbot.waitUntil(lambda: bool(spoken), timeout=30_000)
    qtbot.wait(300)  # a cut, if one were taken, would be noted and stored by now
    row = stored_turn_rows(sv.session.id)[-1]
    assert row[1] == "client", "the reply was stopped before its first word: nothing to check"
    meta = json.loads(row[3] or "{}")
    note = sv.transcript.blocks[-1].note_label.text()
    assert "cut_at" not in meta and "interrupted" not in note and "cut in" not in note, (meta, note)
    if meta.get("stopped"):
        assert note == "Reply stopped by the counsellor."
    assert fake.played().size == 0

    # a reply not stopped: muted, it is captioned
    sv.input.setPlainText("That sounds like a lot.")
    sv.send()
    qtbot.waitUntil(lambda: not sv.is_generating(), timeout=120_000)
    qtbot.waitUntil(lambda: panel.caption.text() != "", timeout=10_000)

    # the next session starts with no caption of this one
    sv.end()
    qtbot.waitUntil(lambda: sv.ended, timeout=60_000)
    sv.start(h.persona)
    assert panel.caption.text() == ""
    qtbot.waitUntil(sv.is_active, timeout=120_000)
    qtbot.wait(200)
    assert panel.caption.text() == ""
