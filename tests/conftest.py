"""Shared fixtures: offscreen Qt, a private CLIENTSIM_HOME per test, model paths.

QT_QPA_PLATFORM is set before anything imports Qt so the whole suite runs
without a display (CI, ssh). pytest-qt provides the one shared QApplication.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
MODELS_DIR = REPO_ROOT / "models"
SMOLLM_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
SCREENSHOTS_DIR = REPO_ROOT / "test-artifacts" / "screenshots"


@pytest.fixture(autouse=True)
def clientsim_home(tmp_path, monkeypatch) -> Path:
    """Every test gets its own per-user folders; none touches the real ones."""
    home = tmp_path / "clientsim-home"
    home.mkdir()
    monkeypatch.setenv("CLIENTSIM_HOME", str(home))
    for name in ("CLIENTSIM_DATA_DIR", "CLIENTSIM_CACHE_DIR", "CLIENTSIM_LOG_DIR", "CLIENTSIM_CONFIG_DIR"):
        monkeypatch.delenv(name, raising=False)
    # A lab's shared folder on this machine must not leak into tests.
    monkeypatch.setenv("CLIENTSIM_SYSTEM_DIR", str(tmp_path / "no-system-dir"))
    return home


def in_ci() -> bool:
    """CI=true (or 1/yes): a missing set-up step must turn the suite red, not green."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def need(ok: bool, what: str) -> None:
    """Skip the test when `what` is missing on a developer's machine; fail it in CI (env CI=true)."""
    if ok:
        return
    if in_ci():
        pytest.fail(f"{what} is missing, and CI=true: in CI this is a set-up error, not a skip", pytrace=False)
    pytest.skip(f"{what} is missing")


def need_annomi() -> None:
    from clientsim.judge.mi.data import annomi_dir

    need((annomi_dir() / "AnnoMI-simple.csv").exists() and (annomi_dir() / "AnnoMI-full.csv").exists(),
         f"AnnoMI (../shared/data/annomi or CLIENTSIM_ANNOMI_DIR; looked in {annomi_dir()})")


@pytest.fixture
def annomi_present() -> None:
    need_annomi()


def _model(name: str) -> Path:
    path = MODELS_DIR / name
    need(path.is_file(), f"model {path} (run `clientsim models fetch` to get it)")
    return path


@pytest.fixture
def smollm_path() -> Path:
    """The 135M SmolLM2 GGUF used for fast real-model tests."""
    return _model(SMOLLM_FILE)


@pytest.fixture
def default_model_path() -> Path:
    """The default client model (Qwen2.5-Coder-1.5B-Instruct Q4_K_M)."""
    return _model(DEFAULT_MODEL_FILE)


@pytest.fixture
def screenshots_dir() -> Path:
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS_DIR


def _server_binary():
    from clientsim.server.build import find_server_binary

    return find_server_binary()


SERVER_BINARY = _server_binary()  # found before any test's private CLIENTSIM_HOME hides the user's build cache


@pytest.fixture
def server_binary() -> Path:
    """llama-server as scripts/setup.sh built it (`clientsim server build`)."""
    need(SERVER_BINARY is not None, "llama-server (run `clientsim server build`, or scripts/setup.sh)")
    return SERVER_BINARY


@pytest.fixture(scope="session")
def lab_server():
    """A real llama-server (`clientsim server`) on 127.0.0.1 serving SmolLM2 with two slots, for the
    whole test run. Started before any test's private CLIENTSIM_HOME, so it finds the binary that
    scripts/setup.sh built."""
    from clientsim.server.launch import start_server

    path = MODELS_DIR / SMOLLM_FILE
    need(path.is_file(), f"model {path} (run `clientsim models fetch` to get it)")
    need(SERVER_BINARY is not None, "llama-server (scripts/setup.sh builds it: `clientsim server build`)")
    handle = start_server(path, parallel=2, binary=SERVER_BINARY, ctx_per_slot=4096)
    yield handle
    handle.stop()
