"""Audio kept on disk only when the student has turned that on (settings.voice.store_audio)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from clientsim import paths
from clientsim.voice.wavio import write_wav


def recordings_dir(session_id: str) -> Path:
    return paths.data_dir() / "recordings" / session_id


class Recorder:
    def __init__(self, session_id: str | None, enabled: bool) -> None:
        self.session_id = session_id
        self.enabled = bool(enabled and session_id)
        self._n = 0

    def save(self, speaker: str, audio: np.ndarray, rate: int) -> Path | None:
        if not self.enabled or audio is None or len(audio) == 0:
            return None
        self._n += 1
        return write_wav(recordings_dir(self.session_id) / f"{self._n:03d}-{speaker}.wav", audio, rate)
