"""Adaptive end-pointing: the rule on the running transcript (no models), and the end-pointer on a real WAV."""

from pathlib import Path

import numpy as np
import pytest

from clientsim.voice.endpoint import EndPointer
from clientsim.voice.turn_end import LONG_S, SHORT_S, silence_needed, sounds_finished
from clientsim.voice.vad import FRAME, SileroVad
from clientsim.voice.wavio import SAMPLE_RATE, read_wav_16k

DATA = Path(__file__).parent / "data" / "voice"


@pytest.mark.parametrize("text", ["What brings you in to see me today?", "Tell me more.", "That's hard!",
                                  "You said a four, not a two."])
def test_a_complete_sentence_needs_a_short_pause(text):
    assert sounds_finished(text)
    assert silence_needed(text, 0.5) == SHORT_S


@pytest.mark.parametrize("text", ["It sounds like part of you wants to cut down, and", "I wonder, because",
                                  "So what would", "I was thinking that, um", "Tell me about the", "and so...",
                                  "Well, I guess,", "What happens when you and.", "You mentioned your wife -"])
def test_a_joining_word_filler_or_half_clause_needs_a_longer_pause(text):
    assert not sounds_finished(text)
    assert silence_needed(text, 0.5) == LONG_S


def test_without_a_transcript_the_old_pause_or_the_pass_on_its_way():
    assert silence_needed(None, 0.5) == 0.5
    assert silence_needed(None, 0.5, pending=True) == LONG_S  # recognition would wait for that pass anyway
    assert silence_needed("", 0.5) == 0.5  # a pass that heard nothing (noise)
    assert silence_needed("Tell me more.", 0.25) == 0.25  # never longer than asked for a finished sentence
    assert silence_needed("and", 1.2) == 1.2  # never shorter than asked for an open one


def _frames(x):
    return [x[i:i + FRAME] for i in range(0, len(x) - FRAME + 1, FRAME)]


@pytest.mark.parametrize("needed", [SHORT_S, LONG_S])
def test_end_pointer_waits_as_long_as_it_is_told_at_that_moment(needed):
    """The same real speech ends ``needed`` seconds after its last voiced frame."""
    speech = read_wav_16k(DATA / "u01.wav")
    x = np.concatenate([np.zeros(SAMPLE_RATE // 2, np.float32), speech, np.zeros(2 * SAMPLE_RATE, np.float32)])
    x += np.random.default_rng(0).normal(0, 0.002, len(x)).astype(np.float32)
    asked = []

    def silence_for():
        asked.append(1)
        return needed

    ep = EndPointer(SileroVad(), silence_s=0.5, silence_for=silence_for)
    end = None
    for frame in _frames(x):
        ev = ep.feed(frame)
        if ev is not None and ev.kind == "end":
            end = ev
            break
    assert end is not None and asked
    waited = (ep.frames_seen - end.speech_end_frame) * FRAME / SAMPLE_RATE
    assert needed <= waited < needed + FRAME / SAMPLE_RATE + 1e-6
