"""Cached model checksums: the user's cache and the lab installer's read-only record."""

from __future__ import annotations

import json
import os

from clientsim import paths
from clientsim.models import checksums


def test_a_sum_recorded_by_the_lab_installer_counts_until_the_file_changes(tmp_path):
    model = tmp_path / "shared.gguf"
    model.write_bytes(b"GGUF" + bytes(1000))
    assert checksums.cached_sha256(model, compute=False) is None

    record = checksums.system_record()
    assert record.parent == paths.system_models_dir()
    record.parent.mkdir(parents=True)
    record.write_text(json.dumps({checksums.key(model): "ab" * 32}))
    assert checksums.cached_sha256(model, compute=False) == "ab" * 32
    assert not (paths.cache_dir() / "checksums.json").exists()  # nothing copied into the user's cache

    st = model.stat()
    os.utime(model, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert checksums.cached_sha256(model, compute=False) is None
    assert checksums.cached_sha256(model) == checksums.sha256_file(model)


def test_a_broken_record_is_ignored(tmp_path):
    model = tmp_path / "shared.gguf"
    model.write_bytes(b"GGUF")
    checksums.system_record().parent.mkdir(parents=True)
    checksums.system_record().write_text("{not json")
    assert checksums.cached_sha256(model, compute=False) is None
    assert checksums.cached_sha256(model) == checksums.sha256_file(model)
