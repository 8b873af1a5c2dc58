"""Voice problems the student can act on. Text practice keeps working in every case."""

from __future__ import annotations

from clientsim.core.errors import UserError

TEXT_STILL_WORKS = "Voice is off for now; you can keep typing."


class VoiceUnavailable(UserError):
    """No audio at all: PortAudio missing, or no device of the kind needed."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message, hint=hint or TEXT_STILL_WORKS)


class DeviceLost(UserError):
    """A device stopped in the middle of a session (unplugged, taken by another app)."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message, hint=hint or "Plug it back in and press Retry, or pick another device. "
                         + TEXT_STILL_WORKS)
