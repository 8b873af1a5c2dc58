"""Building a pack file from a folder of personas (``clientsim packs build``).

The folder holds persona files (in ``personas/`` or at the top), optional
piper voices in ``voices/``, and optionally ``pack.json`` with the pack's
id, title, version, author, licence, description and min_app_version; the
same fields can be given as arguments, which win. Every persona is validated
first and every problem is reported; the pack is written atomically with
fixed timestamps, so the same folder always builds the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

from clientsim.packs.errors import PackError
from clientsim.packs.manifest import (
    MANIFEST_NAME,
    PackFile,
    PackManifest,
    app_version,
    check_metadata,
)
from clientsim.packs.reading import DEFAULT_LIMITS, PERSONA_MEMBER, VOICE_MEMBER, Limits, read_json
from clientsim.personas import validate_file

PACK_SUFFIX = ".clientsim-pack"
META_FILE = "pack.json"
META_FIELDS = ("id", "title", "version", "author", "licence", "description", "min_app_version")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def build_pack(folder: Path, output: Path, limits: Limits = DEFAULT_LIMITS, **meta: str | None) -> PackManifest:
    """Write ``output`` from ``folder``; ``meta`` (id=..., title=...) overrides pack.json."""
    folder = Path(folder)
    if not folder.is_dir():
        raise PackError(folder, "is not a folder; give the folder that holds the personas")
    fields = _metadata(folder, meta)
    personas = _persona_files(folder)
    voices = _voice_files(folder)
    files: dict[str, tuple[Path, PackFile]] = {}
    total = 0
    for member, path in [*personas, *voices]:
        size = path.stat().st_size
        limit = limits.max_json if member.startswith("personas/") else limits.max_member
        if size > limit:
            raise PackError(path, f"is {size} bytes; a pack file may be at most {limit} bytes")
        total += size
        files[member] = (path, PackFile(_sha256(path), size))
    if total > limits.max_total:
        raise PackError(folder, f"holds {total} bytes; a pack may hold at most {limits.max_total}")
    manifest = PackManifest(**fields, files={m: f for m, (_, f) in files.items()})
    _write(Path(output), manifest, {m: p for m, (p, _) in files.items()})
    return manifest


def _metadata(folder: Path, given: dict) -> dict:
    data: dict = {}
    meta_file = folder / META_FILE
    if meta_file.is_file():
        data = read_json(meta_file.read_bytes(), folder, META_FILE)
        if not isinstance(data, dict):
            raise PackError(folder, "does not hold a JSON object", member=META_FILE)
        unknown = sorted(set(data) - set(META_FIELDS) - {"format"})
        if unknown:
            raise PackError(folder, f"unknown field(s) {', '.join(map(repr, unknown))}; fields allowed: "
                            + ", ".join(META_FIELDS), member=META_FILE)
        data.pop("format", None)
    for key, value in given.items():
        if key not in META_FIELDS:
            raise TypeError(f"unknown pack field {key!r}")
        if value is not None:
            data[key] = value
    data.setdefault("id", _slug(folder.resolve().name))
    data.setdefault("title", data["id"])
    data.setdefault("version", "1.0")
    data.setdefault("description", "")
    data.setdefault("min_app_version", app_version())
    for key in ("author", "licence"):
        if not str(data.get(key) or "").strip():
            raise PackError(folder, f"the pack's {key} is not given; write it in {META_FILE} or pass --{key}",
                            hint="Say who wrote the personas and under which licence others may use them "
                                 "(for example CC-BY-4.0).")
    check_metadata(data, folder)
    return {k: data[k] for k in META_FIELDS}


def _persona_files(folder: Path) -> list[tuple[str, Path]]:
    source = folder / "personas" if (folder / "personas").is_dir() else folder
    files = sorted(p for p in source.glob("*.json") if p.name not in (META_FILE, MANIFEST_NAME))
    if not files:
        raise PackError(folder, "holds no persona files (*.json here or in personas/); a pack needs at least one")
    problems: list[str] = []
    out = []
    for path in files:
        if path.is_symlink():
            problems.append(f"{path}: is a symbolic link; copy the file in instead")
            continue
        member = f"personas/{path.name}"
        if not PERSONA_MEMBER.match(member):
            problems.append(f"{path}: the file name must be the persona id (lowercase letters, digits, hyphens) + .json")
            continue
        for err in validate_file(path):
            problems.append(f"{path}: field '{err.field}': {err.problem}")
        out.append((member, path))
    if problems:
        shown = "\n  ".join(problems[:20]) + (f"\n  (and {len(problems) - 20} more)" if len(problems) > 20 else "")
        raise PackError(folder, f"{len(problems)} problem(s) in the personas; nothing was written:\n  {shown}")
    return out


def _voice_files(folder: Path) -> list[tuple[str, Path]]:
    voices = folder / "voices"
    if not voices.is_dir():
        return []
    out = []
    for path in sorted(voices.iterdir()):
        if path.name.startswith("."):
            continue
        member = f"voices/{path.name}"
        if path.is_symlink() or not path.is_file():
            raise PackError(path, "is not a plain file; voices/ may hold only voice files (.onnx and .onnx.json)")
        if not VOICE_MEMBER.match(member):
            raise PackError(path, "has a name a pack cannot hold; use letters, digits, '.', '_' and '-'")
        out.append((member, path))
    return out


def _write(output: Path, manifest: PackManifest, sources: dict[str, Path]) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=output.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            _add(zf, MANIFEST_NAME, json.dumps(manifest.to_dict(), indent=2, ensure_ascii=False).encode() + b"\n")
            for member in sorted(sources):
                with open(sources[member], "rb") as src, zf.open(_info(member), "w") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
        os.replace(tmp, output)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o100644 << 16
    return info


def _add(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    zf.writestr(_info(name), data)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:64].strip("-") or "pack"
