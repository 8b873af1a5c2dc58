"""The client's last reply reaches whisper as context (real tiny.en, real WAV).

Whisper continues the writing style of its context, which makes the context
visible in the transcript: after an unpunctuated, lower-case reply it writes
the counsellor's question the same way; after "a four out of ten" it writes
"zero to ten" rather than "0 to 10". The context can also change a word or
two of what is heard: on one CPU (AVX-512, 2026-12-01) tiny.en heard "What
brings you in" as "while bringing you in" after the unpunctuated reply,
where an earlier machine heard it word for word; over many utterances the
context lowers the error rate (docs/voice.md, `clientsim bench voice`).
"""

import json
from pathlib import Path

import pytest

from clientsim.voice.options import VoiceOptions
from clientsim.voice.pipeline import VoiceTurnPipeline
from clientsim.voice.stt import PROMPT_WORDS, SpeechRecognizer, prompt_tail
from clientsim.voice.vad import SileroVad
from clientsim.voice.wavio import read_wav_16k
from clientsim.voice.wer import word_errors

DATA = Path(__file__).parent / "data" / "voice"
REF = {d["file"]: d["text"] for d in json.loads((DATA / "manifest.json").read_text())}
PLAIN_REPLY = "i dont know i guess it started when i lost my job"


@pytest.fixture(scope="module")
def stt():
    r = SpeechRecognizer("tiny.en", cpu_threads=2)
    r.warm()
    return r


def looks_plain(text: str) -> bool:
    return text == text.lower() and not any(c in text for c in "?.,")


def test_prompt_tail_keeps_only_the_last_words():
    assert prompt_tail(None) is None and prompt_tail(" \n ") is None
    words = [f"w{i}" for i in range(PROMPT_WORDS + 25)]
    assert prompt_tail(" ".join(words)).split() == words[-PROMPT_WORDS:]
    assert prompt_tail("  a  reply\nin two lines ") == "a reply in two lines"


@pytest.mark.speech
def test_the_context_steers_how_whisper_writes(stt):
    u01 = read_wav_16k(DATA / "u01.wav")  # "What brings you in to see me today?"
    plain = stt.transcribe(u01).text
    styled = stt.transcribe(u01, prompt=PLAIN_REPLY).text
    assert not looks_plain(plain) and plain.endswith("?"), plain
    assert looks_plain(styled), styled
    assert word_errors(REF["u01.wav"], plain)[0] == 0
    errors, n_words = word_errors(REF["u01.wav"], styled)
    assert errors / n_words <= 0.25, styled  # the same utterance, at most a quarter of its words heard otherwise

    u06 = read_wav_16k(DATA / "u06.wav")  # "On a scale from zero to ten, …"
    digits = stt.transcribe(u06).text
    words = stt.transcribe(u06, prompt="I'd say about a four out of ten, maybe five.").text
    assert "10" in digits and "ten" not in digits.lower(), digits
    assert "zero to ten" in words.lower(), words


@pytest.mark.speech
def test_the_pipeline_gives_whisper_the_clients_last_reply(stt):
    p = VoiceTurnPipeline(stt, None, None, options=VoiceOptions(mute=True), vad=SileroVad())
    u01 = read_wav_16k(DATA / "u01.wav")
    try:
        assert p.last_reply() == ""
        assert not looks_plain(p.recognise(u01).text)  # no reply yet: no context
        p.speak(iter(["i dont know ", "i guess it started ", "when i lost my job"]))
        assert p.last_reply() == PLAIN_REPLY
        heard = p.recognise(u01).text
        assert looks_plain(heard), heard
        assert not looks_plain(p.recognise(u01, prompt="").text)  # "" turns the context off

        # The student cut in before the client made a sound: nothing was heard, so nothing is context.
        sp = p.new_speaker()
        sp.feed("Honestly, it's my wife who thinks there's a problem.")
        sp.stop()
        assert p.last_reply() == ""
    finally:
        p.close()
