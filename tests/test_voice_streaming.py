"""Recognition while the student speaks, on real speech (espeak-ng WAVs) through a fake microphone, with the
real whisper tiny.en and Silero VAD: the transcript is always of exactly what was said."""

import json
import re
import time
from pathlib import Path

import numpy as np
import pytest

from clientsim.voice.audio import SoundDeviceBackend
from clientsim.voice.events import PartialTranscript
from clientsim.voice.options import VoiceOptions
from clientsim.voice.pipeline import VoiceTurnPipeline
from clientsim.voice.streaming import UtteranceStream, agreed_prefix
from clientsim.voice.stt import SpeechRecognizer
from clientsim.voice.turn_end import LONG_S, SHORT_S
from clientsim.voice.vad import FRAME, SileroVad
from clientsim.voice.wavio import SAMPLE_RATE, read_wav_16k
from clientsim.voice.wer import normalise, word_errors

from conftest import need
from fake_sounddevice import FakeSoundDevice

pytestmark = pytest.mark.speech

DATA = Path(__file__).parent / "data" / "voice"
REF = {d["file"]: d["text"] for d in json.loads((DATA / "manifest.json").read_text())}


@pytest.fixture(scope="module")
def stt():
    from clientsim.voice.stt import find_whisper_dir
    from clientsim.core.errors import ModelError

    try:
        find_whisper_dir("tiny.en")
    except ModelError:
        need(False, "whisper tiny.en (run `clientsim models fetch`)")
    r = SpeechRecognizer("tiny.en", cpu_threads=2)
    r.warm()
    return r


def trimmed(name):
    """The clip without its own leading and trailing silence."""
    x = read_wav_16k(DATA / name)
    loud = np.flatnonzero(np.abs(x) > 0.02)
    return x[max(0, loud[0] - 800):loud[-1] + 800]


def silence(s):
    return np.zeros(int(s * SAMPLE_RATE), np.float32)


def hands_free(stt, fake, **opts):
    events = []
    p = VoiceTurnPipeline(stt, None, SoundDeviceBackend(fake), options=VoiceOptions(hands_free=True, **opts),
                          vad=SileroVad())
    p.add_listener(events.append)
    p.start_listening()
    return p, events


def longest_pause(x):
    """The longest run of unvoiced frames between voiced ones, in seconds, as the end-pointer counts them."""
    vad, run, longest = SileroVad(), 0, 0
    for i in range(0, len(x) - FRAME + 1, FRAME):
        if vad(x[i:i + FRAME]) >= 0.5 - 0.15:  # the end-pointer's hysteresis inside a turn
            longest, run = max(longest, run), 0
        else:
            run += 1
    return longest * FRAME / SAMPLE_RATE


def wer(ref, text):
    e, n = word_errors(ref, text)
    return e / n


def test_agreement_ignores_case_and_punctuation():
    assert agreed_prefix("It sounds like part".split(), "it sounds, like parts of".split()) == 3
    assert agreed_prefix([], ["a"]) == 0


def test_transcript_is_ready_when_the_turn_ends(stt):
    fake = FakeSoundDevice(speed=1.0)
    p, events = hands_free(stt, fake)
    try:
        fake.say(np.concatenate([silence(0.3), read_wav_16k(DATA / "u02.wav")]))
        utt = p.next_utterance(timeout=30)
        rec = p.recognise(utt)
    finally:
        p.close()
    assert utt.stream is not None
    partials = [e for e in events if isinstance(e, PartialTranscript)]
    assert partials, "no pass ran while the student spoke"
    assert rec.passes >= 2  # at least one pass during speech, then the covering one
    assert wer(REF["u02.wav"], rec.text) <= 0.25, rec.text
    # whichever pass it came from, the text is of the whole utterance: the last words are there
    assert normalise(rec.text)[-1] == "lose" or "worries" in normalise(rec.text), rec.text


def test_a_pause_mid_clause_does_not_end_the_turn(stt):
    """The student stops after "and" for 0.6 s (longer than the old fixed 0.5 s) and goes on: one turn."""
    x = read_wav_16k(DATA / "u02.wav")  # "...want to cut down, and | part of you worries what you'd lose."
    cut = int(3.08 * SAMPLE_RATE)  # in the gap after "and" (the VAD and the level drop at 3.07-3.10 s)
    fake = FakeSoundDevice(speed=1.0)
    p, _ = hands_free(stt, fake)
    try:
        fake.say(np.concatenate([silence(0.3), x[:cut], silence(0.6), x[cut:]]))
        utt = p.next_utterance(timeout=30)
        fake.wait_said(10)
        rec = p.recognise(utt)
        with pytest.raises(TimeoutError):
            p.next_utterance(timeout=1.5)  # nothing was left over as a second turn
    finally:
        p.close()
    words = normalise(rec.text)
    assert "cut" in words and words[-1] in ("lose", "use", "used", "lost"), rec.text
    assert wer(REF["u02.wav"], rec.text) <= 0.3, rec.text


def test_a_finished_sentence_ends_on_the_short_pause(stt):
    # The microphone runs at a quarter of real time: the end-pointer counts frames, whisper takes wall time, so
    # the covering pass has 4 x 0.8 s to come back even on a machine busy with other work.
    fake = FakeSoundDevice(speed=0.25)
    p, _ = hands_free(stt, fake)
    told = []
    ask = p.endpointer.silence_for
    p.endpointer.silence_for = lambda: told.append(ask()) or told[-1]
    try:
        fake.say(np.concatenate([silence(0.3), read_wav_16k(DATA / "u01.wav")]))  # "What brings you in…today?"
        utt = p.next_utterance(timeout=30)
        rec = p.recognise(utt)
    finally:
        p.close()
    assert normalise(rec.text)[:2] == ["what", "brings"], rec.text
    # a covering pass said "…today?", and the end-pointer ended the turn on the short pause from then on
    assert told[-1] == SHORT_S, told[-5:]
    waited = utt.delivered_at - utt.ended_at
    assert SHORT_S - 0.05 <= waited < LONG_S + 0.1, waited


def test_speech_that_stops_and_restarts_becomes_two_turns_each_exactly_heard(stt):
    fake = FakeSoundDevice(speed=1.0)
    p, _ = hands_free(stt, fake)
    try:
        fake.say(np.concatenate([silence(0.3), trimmed("u01.wav"), silence(1.5), trimmed("u03.wav")]))
        first = p.recognise(p.next_utterance(timeout=30)).text
        second = p.recognise(p.next_utterance(timeout=30)).text
    finally:
        p.close()
    assert wer(REF["u01.wav"], first) <= 0.25 and "drinking" not in normalise(first), first
    assert wer(REF["u03.wav"], second) <= 0.4 and "brings" not in normalise(second), second


def test_an_utterance_over_thirty_seconds_is_heard_whole(stt, tmp_path):
    """Twelve different sentences without a break long enough to end the turn (about 45 s). A single
    whisper pass over such a stretch drops whole sentences; settling at pauses as it goes does not."""
    from clientsim.voice.testset import UTTERANCES, make_testset

    # one sentence each: "You said a four, not a two. What…" has a full stop and a 0.35-s pause inside, which
    # rightly ends a turn (the short pause after a finished sentence) on a machine fast enough to hear it in time
    one_sentence = [t for t in UTTERANCES if len(re.findall(r"[.?!](\s|$)", t)) == 1]
    clips = make_testset(tmp_path, texts=one_sentence[6:18])
    parts = []
    for c in clips:
        x = read_wav_16k(c.path)
        loud = np.flatnonzero(np.abs(x) > 0.02)
        parts += [x[max(0, loud[0] - 800):loud[-1] + 800], silence(0.12)]
    x = np.concatenate(parts)
    assert len(x) / SAMPLE_RATE > 30
    assert longest_pause(x) < SHORT_S - 0.05  # no pause that may end the turn, however fast whisper answers
    reference = " ".join(c.text for c in clips)
    fake = FakeSoundDevice(speed=1.0)
    p, _ = hands_free(stt, fake)
    try:
        fake.say(np.concatenate([silence(0.3), x]))
        utt = p.next_utterance(timeout=120)
        rec = p.recognise(utt)
    finally:
        p.close()
    assert utt.seconds > 30
    assert utt.stream.settled_seconds > 8  # settled as it went, not re-read whole at the end
    streamed = wer(reference, rec.text)
    whole = wer(reference, stt.transcribe(utt.audio).text)  # one pass at the end, as before streaming
    print(f"\n{len(x) / SAMPLE_RATE:.0f} s of speech: WER streamed {streamed:.1%}, one pass at the end {whole:.1%}")
    assert streamed <= 0.3, rec.text
    words = normalise(rec.text)
    heard = set(words)
    for c in clips:  # no sentence dropped (the failure of one pass over a long stretch); the exact WER of
        said = normalise(c.text)  # streamed against one pass depends on how busy the cores were (7.5 % vs 8.7 %
        assert sum(w in heard for w in said) >= len(said) / 2, (c.text, rec.text)  # idle, 17 % vs 9 % loaded)
    assert words[-3:] == normalise(reference)[-3:], rec.text  # nothing lost at the end either


def test_silence_and_noise_alone_are_no_turn(stt):
    fake = FakeSoundDevice(speed=1.0, noise=0.01)
    p, events = hands_free(stt, fake)
    try:
        fake.say(np.random.default_rng(3).normal(0, 0.02, 3 * SAMPLE_RATE).astype(np.float32))  # hiss
        with pytest.raises(TimeoutError):
            p.next_utterance(timeout=4)
    finally:
        p.close()
    assert not [e for e in events if isinstance(e, PartialTranscript) and e.text]


def test_speech_in_noise_is_heard(stt):
    x = read_wav_16k(DATA / "u04.wav")
    x = x + np.random.default_rng(4).normal(0, 0.01, len(x)).astype(np.float32)
    fake = FakeSoundDevice(speed=1.0, noise=0.01)
    p, _ = hands_free(stt, fake)
    try:
        fake.say(np.concatenate([silence(0.3), x]))
        rec = p.recognise(p.next_utterance(timeout=30))
    finally:
        p.close()
    assert wer(REF["u04.wav"], rec.text) <= 0.3, rec.text


def test_finish_is_of_exactly_the_audio_given(stt):
    """A stream whose last pass covered less than the audio handed over recognises the rest."""
    x = read_wav_16k(DATA / "u05.wav")
    frames = [x[i:i + 512] for i in range(0, len(x) - 511, 512)]
    half = len(frames) // 2
    s = UtteranceStream(stt, None, frames[:3], pass_every_s=0.5, interim_after_s=0.5)
    for f in frames[3:half]:
        s.feed(f, True)
    for _ in range(4):
        s.feed(np.zeros(512, np.float32), False)  # a pause: a covering pass of the first half starts
    deadline = time.monotonic() + 20
    while s.covering_text() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    first_half = s.covering_text()
    assert first_half is not None
    for f in frames[half:]:
        s.feed(f, True)  # the student goes on
    rec = s.finish()  # straight away: no pass has covered the second half
    assert len(normalise(rec.text)) > len(normalise(first_half))
    assert normalise(rec.text)[-1] == "change", rec.text
