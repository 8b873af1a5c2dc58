"""Audio hardware trouble without speech models: PortAudio missing, no devices, unplugged."""

import builtins
import sys
import time

import numpy as np
import pytest

from clientsim.voice.audio import SoundDeviceBackend
from clientsim.voice.errors import DeviceLost, VoiceUnavailable
from clientsim.voice.microphone import Microphone
from clientsim.voice.pipeline import VoiceTurnPipeline
from clientsim.voice.vad import EnergyVad

from fake_sounddevice import FakeSoundDevice


class _NoModel:  # recognition/synthesis are not reached in these tests
    model_name = "none"


def test_portaudio_missing_is_a_readable_message(monkeypatch):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "sounddevice":
            raise OSError("PortAudio library not found")  # what sounddevice raises without libportaudio2
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(builtins, "__import__", fake_import)
    backend = SoundDeviceBackend()
    with pytest.raises(VoiceUnavailable) as info:
        backend.input_devices()
    assert "PortAudio" in str(info.value) and "libportaudio2" in str(info.value)
    assert "keep typing" in str(info.value)


def test_lists_microphones_and_speakers():
    b = SoundDeviceBackend(FakeSoundDevice(inputs=("USB Mic", "Laptop Mic"), outputs=("Headphones",)))
    assert [d.name for d in b.input_devices()] == ["USB Mic", "Laptop Mic"]
    assert b.input_devices()[0].is_default_input
    assert [d.name for d in b.output_devices()] == ["Headphones"]


def test_no_microphone_says_so_and_speaking_still_works():
    backend = SoundDeviceBackend(FakeSoundDevice(inputs=()))
    p = VoiceTurnPipeline(_NoModel(), None, backend, vad=EnergyVad())
    with pytest.raises(VoiceUnavailable) as info:
        p.start_listening()
    assert "No microphone" in str(info.value)
    reply = p.speak(["Fine. ", "I'll talk."])  # muted (no voice loaded): text goes on
    assert reply.text == "Fine. I'll talk."
    p.close()


def test_microphone_that_refuses_16k_is_resampled():
    fake = FakeSoundDevice(speed=8.0, supported_rates=(48000,))
    mic = Microphone(SoundDeviceBackend(fake))
    fake.say(np.full(16000, 0.1, np.float32))
    mic.open()
    frames = [mic.read(timeout=2) for _ in range(10)]
    mic.close()
    assert all(f is not None and len(f) == 512 for f in frames)
    assert max(float(np.abs(f).max()) for f in frames) > 0.05


def test_unplugged_microphone_raises_device_lost():
    fake = FakeSoundDevice(speed=4.0)
    mic = Microphone(SoundDeviceBackend(fake))
    mic.open()
    assert mic.read(timeout=2) is not None
    fake.unplug()
    with pytest.raises(DeviceLost) as info:
        for _ in mic.frames():
            pass
    assert "unplugged" in str(info.value)
    # opening again fails with a message, not a crash
    with pytest.raises((DeviceLost, VoiceUnavailable)):
        Microphone(SoundDeviceBackend(fake)).open()


def test_lost_microphone_is_noticed_even_without_a_callback_error():
    fake = FakeSoundDevice(speed=4.0)
    mic = Microphone(SoundDeviceBackend(fake), stall_s=0.3)
    mic.open()
    stream = fake._streams[0]
    stream.finished_callback = None  # a driver that just goes quiet
    fake.unplug()
    t0 = time.monotonic()
    with pytest.raises(DeviceLost):
        for _ in mic.frames():
            pass
    assert time.monotonic() - t0 < 3
