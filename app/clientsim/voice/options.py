"""The voice choices a session runs with (from the student's settings.voice)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class VoiceOptions:
    input_device: str | int | None = None
    output_device: str | int | None = None
    stt_model: str = "tiny.en"
    hands_free: bool = False
    mute: bool = False
    captions: bool = True
    store_audio: bool = False  # off unless the student turns it on
    silence_s: float = 0.5  # this much silence ends a hands-free turn
    preroll_s: float = 0.3  # audio kept from before speech was detected
    barge_in: bool = True
    streaming: bool = True  # recognise while the student speaks (voice/streaming.py)
    adaptive_end: bool = True  # a shorter pause ends a finished sentence (voice/turn_end.py); needs streaming

    @classmethod
    def from_settings(cls, voice_settings) -> "VoiceOptions":
        """From clientsim.settings.VoiceSettings (or anything with the same attributes)."""
        o = cls()
        for name in ("input_device", "output_device", "stt_model", "hands_free", "mute", "captions",
                     "store_audio"):
            if hasattr(voice_settings, name):
                setattr(o, name, getattr(voice_settings, name))
        return o
