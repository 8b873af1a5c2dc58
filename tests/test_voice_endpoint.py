"""End-pointing with the real Silero VAD (small ONNX file shipped by faster-whisper) on real WAVs."""

from pathlib import Path

import numpy as np
import pytest

from clientsim.voice.endpoint import EndPointer
from clientsim.voice.vad import FRAME, EnergyVad, SileroVad, silero_model_path
from clientsim.voice.wavio import SAMPLE_RATE, read_wav_16k

DATA = Path(__file__).parent / "data" / "voice"


def _padded(name, before=1.0, after=1.5, noise=0.002):
    speech = read_wav_16k(DATA / name)
    x = np.concatenate([np.zeros(int(before * SAMPLE_RATE), np.float32), speech,
                        np.zeros(int(after * SAMPLE_RATE), np.float32)])
    x += np.random.default_rng(0).normal(0, noise, len(x)).astype(np.float32)
    return x, speech


def _run(ep, x):
    events = []
    for i in range(0, len(x) - FRAME + 1, FRAME):
        ev = ep.feed(x[i:i + FRAME])
        if ev is not None:
            events.append((i / SAMPLE_RATE, ev))
    return events


def test_silero_model_ships_offline():
    """The VAD model comes inside the faster-whisper wheel: a real ONNX file, nothing fetched at run time."""
    import faster_whisper

    path = silero_model_path()
    assert path is not None and path.is_file() and path.suffix == ".onnx"
    assert Path(faster_whisper.__file__).parent in path.parents
    assert path.stat().st_size > 100_000  # the model itself, not a pointer file
    vad = SileroVad(path)
    assert vad(np.zeros(FRAME, np.float32)) < 0.5  # it loads and hears silence as silence


@pytest.mark.parametrize("vad_kind", ["silero", "energy"])
def test_turn_has_preroll_and_ends_after_half_a_second_of_silence(vad_kind):
    vad = SileroVad() if vad_kind == "silero" else EnergyVad()
    ep = EndPointer(vad, silence_s=0.5, preroll_s=0.3)
    x, speech = _padded("u01.wav")
    events = _run(ep, x)
    kinds = [e.kind for _, e in events]
    assert kinds == ["start", "end"], kinds
    t_start, t_end = events[0][0], events[1][0]
    assert 0.95 <= t_start <= 1.4
    speech_end = 1.0 + len(speech) / SAMPLE_RATE
    # the turn ends about 0.5 s after the speech (the WAV has a little trailing silence of its own)
    assert speech_end - 0.3 <= t_end <= speech_end + 0.8
    audio = events[1][1].audio
    # pre-roll: the captured turn starts before speech was detected (at least ~0.3 s of lead-in)
    captured_start = t_start + FRAME / SAMPLE_RATE - (len(audio) / SAMPLE_RATE - (t_end - t_start))
    assert captured_start <= t_start - 0.25


def test_noise_alone_is_not_a_turn():
    ep = EndPointer(SileroVad())
    x = np.random.default_rng(1).normal(0, 0.003, 3 * SAMPLE_RATE).astype(np.float32)
    assert _run(ep, x) == []


def test_flush_keeps_a_turn_cut_short():
    ep = EndPointer(SileroVad())
    x, _ = _padded("u02.wav", after=0.0)
    events = _run(ep, x[: int(2.5 * SAMPLE_RATE)])  # the device goes away mid-sentence
    assert [e.kind for _, e in events] == ["start"]
    ev = ep.flush()
    assert ev is not None and ev.kind == "end" and len(ev.audio) > SAMPLE_RATE
