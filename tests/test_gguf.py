"""GGUF header reading and the bad-model-file messages, on real files."""

from __future__ import annotations

import shutil

import pytest

from clientsim.core.errors import ModelError
from clientsim.models.gguf import check_model_file, read_header
from clientsim.models.registry import describe, find_models, resolve_model


def test_reads_real_header(smollm_path):
    h = check_model_file(smollm_path)
    assert h.architecture == "llama"
    assert 130e6 < h.n_params < 140e6
    assert h.quantization == "Q4_1"
    assert h.context_length == 8192
    assert h.expected_size == h.file_size
    assert h.has_chat_template


def test_truncated_file_is_reported(smollm_path, tmp_path):
    bad = tmp_path / "cut.gguf"
    with open(smollm_path, "rb") as src, open(bad, "wb") as dst:
        dst.write(src.read(smollm_path.stat().st_size // 2))
    with pytest.raises(ModelError) as exc:
        check_model_file(bad)
    assert "truncated" in str(exc.value)
    assert "clientsim models fetch" in str(exc.value)


def test_header_cut_short_is_reported(smollm_path, tmp_path):
    bad = tmp_path / "head.gguf"
    with open(smollm_path, "rb") as src, open(bad, "wb") as dst:
        dst.write(src.read(5000))
    with pytest.raises(ModelError, match="truncated"):
        read_header(bad)


def test_not_gguf_is_reported(tmp_path):
    bad = tmp_path / "notes.gguf"
    bad.write_text("this is not a model")
    with pytest.raises(ModelError, match="not a GGUF"):
        check_model_file(bad)


def test_missing_file_says_what_to_run(tmp_path):
    with pytest.raises(ModelError, match="models fetch"):
        resolve_model(str(tmp_path / "nope.gguf"))


def test_dropped_files_are_listed_with_problems(smollm_path, tmp_path, monkeypatch):
    models = tmp_path / "models"
    models.mkdir()
    monkeypatch.setenv("CLIENTSIM_REPO_MODELS", str(models))
    shutil.copy(smollm_path, models / "my-own.gguf")
    (models / "broken.gguf").write_bytes(b"GGUF\x03\x00\x00\x00")
    entries = {e.path.name: e for e in find_models()}
    assert entries["my-own.gguf"].usable and entries["my-own.gguf"].checksum_state == "unpinned"
    assert not entries["broken.gguf"].usable
    assert "truncated" in entries["broken.gguf"].problem


def test_pinned_file_checksum_state(smollm_path):
    assert describe(smollm_path).checksum_state == "verified"
