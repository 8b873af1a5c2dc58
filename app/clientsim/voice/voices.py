"""Piper voices on this machine: models/voices/*.onnx, any piper .onnx dropped into a models folder,
and the voices/ of installed persona packs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from clientsim import paths
from clientsim.core.errors import ModelError

DEFAULT_VOICE = "en_US-joe-medium"


@dataclass(frozen=True)
class VoiceFile:
    id: str  # file stem, as persona.voice.id names it
    path: Path
    config_path: Path
    sample_rate: int
    language: str


def _describe(onnx: Path) -> VoiceFile | None:
    cfg = onnx.with_name(onnx.name + ".json")
    if not cfg.exists():
        return None  # some other ONNX model, not a piper voice
    try:
        d = json.loads(cfg.read_text(encoding="utf-8"))
        rate = int(d["audio"]["sample_rate"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    lang = (d.get("language") or {}).get("code", "") if isinstance(d.get("language"), dict) else ""
    return VoiceFile(onnx.stem, onnx, cfg, rate, lang)


def list_voices() -> list[VoiceFile]:
    seen: dict[str, VoiceFile] = {}
    folders = [f for base in paths.model_dirs() for f in (base / "voices", base)]
    folders += paths.pack_voice_dirs()  # voices shipped in installed persona packs
    for folder in folders:
        if not folder.is_dir():
            continue
        for onnx in sorted(folder.glob("*.onnx")):
            v = _describe(onnx)
            if v is not None and v.id not in seen:
                seen[v.id] = v
    return list(seen.values())


def find_voice(voice_id: str = DEFAULT_VOICE) -> VoiceFile:
    p = Path(voice_id).expanduser()
    if p.suffix == ".onnx" and p.exists():
        v = _describe(p)
        if v is not None:
            return v
    voices = list_voices()
    for v in voices:
        if v.id == voice_id:
            return v
    available = ", ".join(v.id for v in voices) or "none"
    raise ModelError(f"The voice '{voice_id}' is not installed (available: {available}).",
                     hint=f"Put {voice_id}.onnx and {voice_id}.onnx.json into {paths.user_models_dir() / 'voices'}, "
                     "or run `clientsim models fetch`.")
