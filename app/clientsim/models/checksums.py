"""sha256 of model files, cached by (path, size, mtime) so listing stays fast."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from clientsim import paths
from clientsim.core import safe_json
from clientsim.core.errors import BadFile


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def _cache_file() -> Path:
    return paths.cache_dir() / "checksums.json"


def _load_cache() -> dict:
    try:
        data = safe_json.read_json(_cache_file())
    except BadFile:
        return {}
    return data if isinstance(data, dict) else {}


def _key(path: Path) -> str:
    st = path.stat()
    return f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"


def cached_sha256(path: Path, compute: bool = True) -> str | None:
    """The file's sha256 from the cache, computing it when allowed."""
    cache = _load_cache()
    key = _key(path)
    if key in cache:
        return cache[key]
    if not compute:
        return None
    digest = sha256_file(path)
    remember(path, digest)
    return digest


def remember(path: Path, digest: str) -> None:
    cache = _load_cache()
    cache[_key(path)] = digest
    try:
        _cache_file().parent.mkdir(parents=True, exist_ok=True)
        tmp = _cache_file().with_suffix(".tmp")
        tmp.write_text(json.dumps(cache))
        os.replace(tmp, _cache_file())
    except OSError:
        pass  # a read-only cache only costs time
