"""sha256 of model files, cached by (path, size, mtime) so listing stays fast.

Two caches: the user's (written as files are hashed) and, read-only, the one the
lab installer wrote beside the shared models (system models folder,
checksums.json), so students do not each read the 1.9 GB of shared models again.
"""

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


def system_record() -> Path:
    """The sums packaging/install.sh recorded for the models it put in the system folder."""
    return paths.system_models_dir() / "checksums.json"


def _load_cache(file: Path | None = None) -> dict:
    try:
        data = safe_json.read_json(file or _cache_file())
    except BadFile:
        return {}
    return data if isinstance(data, dict) else {}


def key(path: Path) -> str:
    """What a cached sum is filed under: it no longer applies once the file is replaced or written."""
    st = path.stat()
    return f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"


def cached_sha256(path: Path, compute: bool = True) -> str | None:
    """The file's sha256 from the cache, computing it when allowed."""
    k = key(path)
    for cache in (_load_cache(), _load_cache(system_record())):
        if isinstance(cache.get(k), str):
            return cache[k]
    if not compute:
        return None
    digest = sha256_file(path)
    remember(path, digest)
    return digest


def remember(path: Path, digest: str) -> None:
    cache = _load_cache()
    cache[key(path)] = digest
    try:
        _cache_file().parent.mkdir(parents=True, exist_ok=True)
        tmp = _cache_file().with_suffix(".tmp")
        tmp.write_text(json.dumps(cache))
        os.replace(tmp, _cache_file())
    except OSError:
        pass  # a read-only cache only costs time
