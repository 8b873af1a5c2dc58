"""The lab server's settings, build bookkeeping and bench bounds (no model, no server)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from clientsim.bench.lab import parse_sessions
from clientsim.core.errors import UserError
from clientsim.server import build
from clientsim.server.cpu_flags import llama_cmake_args
from clientsim.server.options import (LOOPBACK, ServerOptions, check_key_file, child_environment, default_parallel,
                                      is_loopback, server_args)

REPO = Path(__file__).resolve().parents[1]


def test_cpu_flags_match_the_script_that_builds_llama_cpp_python():
    script = subprocess.run(["bash", str(REPO / "scripts" / "llama-cmake-args.sh")], capture_output=True, text=True,
                            check=True).stdout.split()
    assert llama_cmake_args() == script


def test_build_key_changes_with_version_and_flags():
    a = build.build_key("0.3.36", ["-DX=ON"])
    assert a.startswith("0.3.36-")
    assert a != build.build_key("0.3.37", ["-DX=ON"]) and a != build.build_key("0.3.36", ["-DX=OFF"])


def test_build_is_a_no_op_when_already_built(clientsim_home):
    target = build.user_build_dir() / build.BINARY_NAME
    target.parent.mkdir(parents=True)
    target.write_text("#!/bin/sh\n")
    target.chmod(0o755)
    result = build.build_server()
    assert result.path == target and not result.built and result.seconds == 0


def test_build_says_what_is_missing(clientsim_home, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no cmake, no compiler
    with pytest.raises(UserError, match="cmake") as err:
        build.build_server()
    assert "apt-get install" in str(err.value)


def test_defaults_are_loopback_and_private(tmp_path):
    opts = ServerOptions(model=tmp_path / "m.gguf", parallel=4)
    args = server_args(Path("/bin/llama-server"), opts)
    assert opts.host == LOOPBACK and args[args.index("--host") + 1] == "127.0.0.1"
    assert args[args.index("--ctx-size") + 1] == str(4 * 4096)  # the app's 4096 tokens per session
    assert "--no-slots" in args and "--no-webui" in args
    assert not any(a in args for a in ("--log-prompts-dir", "--slot-save-path", "--metrics", "--props", "--api-key"))


def test_llama_settings_in_the_environment_do_not_reach_the_server(monkeypatch):
    monkeypatch.setenv("LLAMA_ARG_ENDPOINT_SLOTS", "1")
    monkeypatch.setenv("LLAMA_API_KEY", "x")
    env = child_environment()
    assert "LLAMA_ARG_ENDPOINT_SLOTS" not in env and "LLAMA_API_KEY" not in env and "PATH" in env


def test_is_loopback():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4") and not is_loopback("lab-server")


def test_default_parallel_follows_cores_then_memory():
    assert default_parallel(1 << 30, cores=2, memory=16 << 30)[0] == 4
    assert default_parallel(1 << 30, cores=16, memory=64 << 30)[0] == 16
    n, why = default_parallel(1 << 30, cores=8, memory=3 << 30)
    assert n == 2 and "memory" in why


def test_key_file_must_not_be_world_readable(tmp_path):
    f = tmp_path / "key"
    f.write_text("# lab key\nabc\n")
    f.chmod(0o644)
    with pytest.raises(UserError, match="readable by every user"):
        check_key_file(f)
    f.chmod(0o600)
    assert check_key_file(f) == f
    empty = tmp_path / "empty"
    empty.write_text("# nothing\n")
    empty.chmod(0o600)
    with pytest.raises(UserError, match="no key"):
        check_key_file(empty)
    with pytest.raises(UserError, match="Cannot read"):
        check_key_file(tmp_path / "absent")


def test_bench_lab_is_bounded():
    assert parse_sessions("1,2,4,8") == [1, 2, 4, 8]
    for bad in ("17", "0", "a,b", ""):
        with pytest.raises(UserError):
            parse_sessions(bad)
