"""Voice turns through the real speech models (whisper tiny.en, piper joe) on a fake sound device
that plays real WAV files into the microphone and records what reaches the speaker."""

import json
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from clientsim.voice.audio import SoundDeviceBackend
from clientsim.voice.errors import DeviceLost
from clientsim.voice.events import BargeIn, Level, SpeechStarted, UtteranceEnded, VoiceProblem
from clientsim.voice.jobs import wait_for
from clientsim.voice.options import VoiceOptions
from clientsim.voice.pipeline import VoiceTurnPipeline
from clientsim.voice.stt import SpeechRecognizer
from clientsim.voice.wer import normalise, word_errors
from clientsim.voice.tts import SpeechSynthesizer, VoiceStyle
from clientsim.voice.vad import SileroVad

from fake_sounddevice import FakeSoundDevice

pytestmark = pytest.mark.speech

DATA = Path(__file__).parent / "data" / "voice"
REF = {d["file"]: d["text"] for d in json.loads((DATA / "manifest.json").read_text())}
REPLY = ("Well, I suppose I drink a bit more than I used to. My wife keeps bringing it up, and honestly it gets "
         "on my nerves. I just want some peace and quiet after a long day at work, that's all.")


@pytest.fixture(scope="module")
def stt():
    r = SpeechRecognizer("tiny.en", cpu_threads=2)
    r.warm()
    return r


@pytest.fixture(scope="module")
def tts():
    s = SpeechSynthesizer(threads=1)
    s.warm()
    return s


def make(stt, tts, fake, **opts):
    events = []
    p = VoiceTurnPipeline(stt, tts, SoundDeviceBackend(fake), options=VoiceOptions(**opts), vad=SileroVad(),
                          session_id=opts.pop("session_id", None) if "session_id" in opts else None)
    p.add_listener(events.append)
    return p, events


def wer_of(name, text):
    e, n = word_errors(REF[name], text)
    return e / n


def slow_stream(text, delay=0.02):
    for word in text.split(" "):
        yield word + " "
        time.sleep(delay)


def test_push_to_talk_keeps_first_syllables_and_recognises(stt, tts):
    fake = FakeSoundDevice(speed=2.0)
    p, events = make(stt, tts, fake)
    p.start_listening()
    try:
        time.sleep(0.3)
        fake.say(DATA / "u01.wav")
        time.sleep(0.12 / fake.speed)  # the key goes down a moment after the student starts
        p.press_to_talk()
        assert fake.wait_said(10)
        time.sleep(0.2)
        p.release_to_talk()
        utt = p.next_utterance(timeout=5)
        text = p.recognise(utt.audio).text
    finally:
        p.close()
    assert normalise(text)[:2] == ["what", "brings"], text
    assert wer_of("u01.wav", text) <= 0.25, text  # 8 words: "into" for "in to" is 2 errors
    levels = [e.meter for e in events if isinstance(e, Level)]
    assert max(levels) > 50 and min(levels) < 30


def test_hands_free_ends_the_turn_after_a_pause(stt, tts):
    fake = FakeSoundDevice(speed=1.0)
    p, events = make(stt, tts, fake, hands_free=True)
    p.start_listening()
    try:
        fake.say(DATA / "u04.wav")
        fake.wait_said(15)
        said_at = time.monotonic()
        utt = p.next_utterance(timeout=5)
        delivered_after = time.monotonic() - said_at
        text = p.recognise(utt.audio).text
    finally:
        p.close()
    assert delivered_after < 1.2  # ~0.5 s of silence (+ the clip's own tail) ends the turn
    # end of speech is dated to the last voiced frame (the clip ends with ~0.3 s of its own silence)
    assert said_at - 0.7 < utt.ended_at < said_at + 0.2
    assert wer_of("u04.wav", text) <= 0.25, text
    assert any(isinstance(e, SpeechStarted) for e in events)
    assert any(isinstance(e, UtteranceEnded) for e in events)


def test_barge_in_stops_the_client_and_marks_the_cut(stt, tts):
    fake = FakeSoundDevice(speed=1.0)
    p, events = make(stt, tts, fake, hands_free=True)
    p.start_listening()
    try:
        def student_cuts_in():
            wait_for(lambda: fake.sound_played_seconds() > 1.5, 20)
            fake.say(DATA / "u03.wav")

        threading.Thread(target=student_cuts_in, daemon=True).start()
        reply = p.speak(slow_stream(REPLY))
        utt = p.next_utterance(timeout=15)
        heard = p.recognise(utt.audio).text
    finally:
        p.close()
    cuts = [e for e in events if isinstance(e, BargeIn)]
    assert len(cuts) == 1
    assert reply.cut_at == cuts[0].cut_at
    assert 5 < reply.cut_at < len(REPLY) - 20
    assert REPLY[reply.cut_at - 1] != " " and (reply.cut_at == len(REPLY) or REPLY[reply.cut_at] in " .,")
    full = sum(tts.synthesize(s.strip() + ("." if not s.strip().endswith((".", "?")) else "")).audio_seconds
               for s in REPLY.split(". "))
    # the client stopped: much less was played than the whole reply (within ~0.3 s of the cut)
    assert fake.sound_played_seconds() < min(full - 2, 1.5 + 0.3 + 1.2)
    assert reply.text.strip() == REPLY  # the transcript keeps the whole reply; cut_at says what was heard
    # what the student said while cutting in is captured whole (tiny.en on this robotic voice is shaky)
    assert wer_of("u03.wav", heard) <= 0.5 and normalise(heard)[-2:] == ["last", "year"], heard


def test_client_starts_speaking_before_the_reply_is_written(stt, tts):
    fake = FakeSoundDevice(speed=1.0)
    p, _ = make(stt, tts, fake)
    t0 = time.monotonic()
    ends = {}

    def stream():
        yield from slow_stream(REPLY, delay=0.12)
        ends["t"] = time.monotonic()

    reply = p.speak(stream())
    p.close()
    assert reply.pieces[0].text == "Well, I suppose I drink"  # short first piece
    assert reply.first_audio_at < ends["t"] - 2.0  # speaking long before the text was complete
    assert reply.first_audio_at - t0 < 4.0  # 6 words at 0.12 s each, then ~0.3 s of synthesis
    assert reply.cut_at is None
    assert reply.synth_rtf < 1.0
    assert fake.sound_played_seconds() > 6


def test_microphone_unplugged_mid_turn_keeps_what_was_said(stt, tts):
    fake = FakeSoundDevice(speed=1.0)
    p, events = make(stt, tts, fake, hands_free=True)
    p.start_listening()
    try:
        fake.say(DATA / "u05.wav")  # "What would need to happen for you to feel ready to make a change?"
        assert wait_for(lambda: any(isinstance(e, SpeechStarted) for e in events), 5)
        time.sleep(2.0)
        fake.unplug()
        utt = p.next_utterance(timeout=5)
        assert utt.interrupted
        text = p.recognise(utt.audio).text
        with pytest.raises(DeviceLost) as info:
            p.next_utterance(timeout=5)
        assert "unplugged" in str(info.value)
        assert any(isinstance(e, VoiceProblem) and e.input for e in events)
        # plugged back in: Retry brings the microphone back
        fake.plug_in()
        fake.clear_mic()
        p.recover()
        fake.say(DATA / "u01.wav")
        again = p.recognise(p.next_utterance(timeout=10).audio).text
    finally:
        p.close()
    words = normalise(text)
    assert words[0] == "what" and "need" in words[:4], text
    assert "change" not in words  # the end was never spoken into the microphone
    assert wer_of("u01.wav", again) <= 0.15, again


def test_speaker_unplugged_mid_reply_keeps_the_text(stt, tts):
    fake = FakeSoundDevice(speed=1.0)
    p, events = make(stt, tts, fake)

    def unplug_soon():
        wait_for(lambda: fake.sound_played_seconds() > 0.5, 20)
        fake.unplug()

    threading.Thread(target=unplug_soon, daemon=True).start()
    reply = p.speak(slow_stream(REPLY))
    p.close()
    assert reply.text.strip() == REPLY
    assert any(isinstance(e, VoiceProblem) and not e.input for e in events)
    assert p.output_error and "speaker" in p.output_error


def test_audio_is_stored_only_when_turned_on(stt, tts, clientsim_home):
    audio = np.zeros(8000, np.float32)
    off = VoiceTurnPipeline(stt, tts, None, options=VoiceOptions(), vad=SileroVad(), session_id="s-off")
    off.recognise(audio)
    on = VoiceTurnPipeline(stt, tts, None, options=VoiceOptions(store_audio=True), vad=SileroVad(),
                           session_id="s-on")
    on.recognise(audio)
    rec = clientsim_home / "data" / "recordings"
    assert not (rec / "s-off").exists()
    assert [f.name for f in (rec / "s-on").iterdir()] == ["001-counsellor.wav"]


def test_persona_voice_settings_change_the_sound(tts):
    slow = tts.synthesize("I don't really see the point of all this.", VoiceStyle(length_scale=1.25))
    fast = tts.synthesize("I don't really see the point of all this.", VoiceStyle(length_scale=0.85))
    assert slow.audio_seconds > fast.audio_seconds * 1.15
