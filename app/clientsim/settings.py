"""The user's preferences: one typed place, versioned, upgrading itself.

Preferences live in JSON at ``clientsim.paths.settings_path()``. Window state
(geometry, splitter positions) is *not* kept here: the UI keeps it apart, in
``window-state.ini`` beside this file (see ``clientsim.ui.window_state``), so
a reset of the window layout never touches the student's choices and vice versa.

Every file carries a ``version``. ``upgrade()`` brings an older dict up to
``SETTINGS_VERSION`` step by step (like Picard's config_upgrade), so a field
renamed in a later release keeps the student's value.

``Settings.load()`` never raises for a bad file: a corrupt or unreadable file is
set aside (renamed ``settings.json.corrupt-<time>``, never deleted), defaults
are used, and ``Settings.notices`` says what happened so the UI can show it.
``save()`` writes atomically (temporary file, fsync, rename).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from clientsim import paths
from clientsim.core import safe_json
from clientsim.core.errors import BadFile
from clientsim.core.files import atomic_write_text

SETTINGS_VERSION = 3

STT_MODELS = ("tiny.en", "base")
SEND_MODES = ("edit", "auto")  # edit: recognised speech goes to the input box; auto: sent at once
FONT_SIZE_RANGE = (9, 28)
DEFAULT_FONT_SIZE = 12
STUDENT_NAME_MAX = 100
MAX_SETTINGS_BYTES = 256 * 1024


def _fill(obj, d: dict[str, Any]):
    """Copy the dataclass fields ``d`` has onto ``obj`` (values are sanitised by the caller)."""
    for f in fields(obj):
        if f.name in d:
            setattr(obj, f.name, d[f.name])
    return obj


@dataclass
class VoiceSettings:
    input_device: str | None = None  # sounddevice name; None = system default
    output_device: str | None = None
    stt_model: str = "tiny.en"  # one of STT_MODELS
    send_mode: str = "edit"  # one of SEND_MODES
    hands_free: bool = False
    mute: bool = False
    captions: bool = True
    store_audio: bool = False  # recordings are kept only if the student opts in

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "VoiceSettings":
        v = _fill(cls(), d)
        v._sanitise()
        return v

    def _sanitise(self) -> None:
        if self.stt_model not in STT_MODELS:
            self.stt_model = "tiny.en"
        if self.send_mode not in SEND_MODES:
            self.send_mode = "edit"
        for name in ("hands_free", "mute", "captions", "store_audio"):
            setattr(self, name, bool(getattr(self, name)))
        for name in ("input_device", "output_device"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                setattr(self, name, str(value))


@dataclass
class LabServerSettings:
    """The lab's shared model server (llm/remote.py). The API key is not kept here (llm/api_key.py)."""

    use: bool = False  # False: the client runs on this computer
    url: str | None = None  # http://host:port
    model: str | None = None  # None: the first model the server lists

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "LabServerSettings":
        v = _fill(cls(), d)
        v.use = v.use is True
        for name in ("url", "model"):
            value = getattr(v, name)
            setattr(v, name, value.strip() if isinstance(value, str) and value.strip() else None)
        if v.url is None:
            v.use = False
        return v


@dataclass
class Settings:
    version: int = SETTINGS_VERSION
    model_path: str | None = None  # None = the default model (clientsim.models.registry)
    n_threads: int | None = None  # None = auto (os.cpu_count())
    font_size: int = DEFAULT_FONT_SIZE
    last_persona_id: str | None = None
    # instructor setting: beginners see a simple meter of how open the simulated client is during a session
    openness_meter: bool = False
    # The name exported sessions carry (sessions/transcript.py), so an instructor can
    # tell whose they are; None = exports carry no name. Nothing else identifies the student.
    student_name: str | None = None
    voice: VoiceSettings = field(default_factory=VoiceSettings)
    lab: LabServerSettings = field(default_factory=LabServerSettings)
    # Not saved: what load() had to do (corrupt file set aside, unknown version...).
    notices: list[str] = field(default_factory=list, repr=False, compare=False)

    # -- derived values -------------------------------------------------
    def effective_threads(self) -> int:
        if self.n_threads and self.n_threads > 0:
            return self.n_threads
        return os.cpu_count() or 1

    # -- (de)serialisation ----------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("notices", None)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Settings":
        d = upgrade(dict(d))
        s = cls()
        for f in fields(cls):
            if f.name in ("notices", "voice", "lab", "version"):
                continue
            if f.name in d:
                setattr(s, f.name, d[f.name])
        s.voice = VoiceSettings.from_dict(d.get("voice") if isinstance(d.get("voice"), dict) else {})
        s.lab = LabServerSettings.from_dict(d.get("lab") if isinstance(d.get("lab"), dict) else {})
        s._sanitise()
        return s

    def _sanitise(self) -> None:
        """Values of the wrong type fall back to defaults rather than crash the app."""
        if self.model_path is not None and not isinstance(self.model_path, str):
            self.model_path = None
        if self.model_path == "":
            self.model_path = None
        if not isinstance(self.n_threads, int) or isinstance(self.n_threads, bool) or self.n_threads <= 0:
            self.n_threads = None
        if not isinstance(self.font_size, int) or isinstance(self.font_size, bool):
            self.font_size = DEFAULT_FONT_SIZE
        lo, hi = FONT_SIZE_RANGE
        self.font_size = max(lo, min(hi, self.font_size))
        self.openness_meter = self.openness_meter is True
        for name in ("last_persona_id",):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                setattr(self, name, None)
        self.student_name = clean_student_name(self.student_name)

    # -- files ------------------------------------------------------------
    @classmethod
    def load(cls, path: Path | None = None) -> "Settings":
        path = Path(path) if path else paths.settings_path()
        if not path.exists():
            return cls()
        try:
            raw = safe_json.read_json(path, max_bytes=MAX_SETTINGS_BYTES)
            if not isinstance(raw, dict):
                raise ValueError("the file does not hold a JSON object")
            version = raw.get("version", 1)
            if not isinstance(version, int) or version > SETTINGS_VERSION:
                # Written by a newer ClientSim: read what we understand, keep the file.
                s = cls.from_dict({**raw, "version": SETTINGS_VERSION})
                s.notices.append(
                    f"Settings were saved by a newer version of ClientSim ({version!r}); "
                    "unknown options are ignored."
                )
                return s
            return cls.from_dict(raw)
        except (BadFile, OSError, ValueError, TypeError, AttributeError) as exc:
            aside = _set_aside(path)
            s = cls()
            where = f" It was kept as {aside.name}." if aside else ""
            why = str(exc) if isinstance(exc, BadFile) else f"{exc.__class__.__name__}: {exc}"
            s.notices.append(
                f"Your settings file could not be read ({why}); default settings are used.{where}"
            )
            return s

    def save(self, path: Path | None = None) -> Path:
        path = Path(path) if path else paths.settings_path()
        return atomic_write_text(path, json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n")


def clean_student_name(value: Any) -> str | None:
    """One line of at most STUDENT_NAME_MAX characters, or None when there is no name."""
    if not isinstance(value, str):
        return None
    name = " ".join(value.split())[:STUDENT_NAME_MAX].strip()
    return name or None


def _set_aside(path: Path) -> Path | None:
    aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    n = 1
    while aside.exists():
        aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}-{n}")
        n += 1
    try:
        path.rename(aside)
        return aside
    except OSError:
        return None


# -- upgrades: one function per version step ------------------------------------


def _upgrade_1_to_2(d: dict[str, Any]) -> dict[str, Any]:
    """Version 1 kept voice options flat (voice_input_device, ...) and called the
    thread count "threads"; version 2 groups them under "voice"."""
    if "threads" in d and "n_threads" not in d:
        d["n_threads"] = d.pop("threads")
    voice = dict(d.get("voice") or {})
    for key in list(d):
        if key.startswith("voice_"):
            voice.setdefault(key[len("voice_"):], d.pop(key))
    d["voice"] = voice
    return d


def _upgrade_2_to_3(d: dict[str, Any]) -> dict[str, Any]:
    """Version 2 saved a "lab_server_url" that nothing used; version 3 groups the lab server's
    settings under "lab" (address, model, whether to use it). A saved address is kept, not switched on."""
    url = d.pop("lab_server_url", None)
    lab = dict(d.get("lab") or {}) if isinstance(d.get("lab"), dict) else {}
    if url and "url" not in lab:
        lab["url"] = url
    d["lab"] = lab
    return d


_UPGRADES = {1: _upgrade_1_to_2, 2: _upgrade_2_to_3}


def upgrade(d: dict[str, Any]) -> dict[str, Any]:
    """Bring a settings dict of any earlier version up to SETTINGS_VERSION."""
    version = d.get("version", 1)
    if not isinstance(version, int) or version < 1:
        version = 1
    while version < SETTINGS_VERSION:
        d = _UPGRADES[version](d)
        version += 1
    d["version"] = SETTINGS_VERSION
    return d
