"""Every path the app uses comes from here.

Per-user data, cache and logs come from platformdirs, each with an
environment override so tests and lab installs can redirect them:

- CLIENTSIM_HOME: one folder holding data/, cache/, logs/ and config/ (tests use it)
- CLIENTSIM_DATA_DIR, CLIENTSIM_CACHE_DIR, CLIENTSIM_LOG_DIR, CLIENTSIM_CONFIG_DIR: one each
- CLIENTSIM_SYSTEM_DIR: the read-only lab location (shared models/, personas/ and packs/),
  by default /usr/share/clientsim (site_data_dir on other systems)
- CLIENTSIM_REPO_MODELS: the models/ folder shipped beside the code (repository checkout)
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "clientsim"

# The repository root: app/clientsim/paths.py -> parents[2]
REPO_ROOT = Path(__file__).resolve().parents[2]


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value).expanduser() if value else None


def _home() -> Path | None:
    return _env_path("CLIENTSIM_HOME")


def data_dir() -> Path:
    p = _env_path("CLIENTSIM_DATA_DIR") or (_home() / "data" if _home() else None)
    return p or Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    p = _env_path("CLIENTSIM_CACHE_DIR") or (_home() / "cache" if _home() else None)
    return p or Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    p = _env_path("CLIENTSIM_LOG_DIR") or (_home() / "logs" if _home() else None)
    return p or Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    p = _env_path("CLIENTSIM_CONFIG_DIR") or (_home() / "config" if _home() else None)
    return p or Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def system_dir() -> Path:
    """Read-only shared location of a lab install (models/, personas/)."""
    p = _env_path("CLIENTSIM_SYSTEM_DIR")
    if p:
        return p
    if os.name == "posix":
        return Path("/usr/share") / APP_NAME
    return Path(platformdirs.site_data_dir(APP_NAME, appauthor=False))


def database_path() -> Path:
    return data_dir() / "clientsim.sqlite3"


def settings_path() -> Path:
    return config_dir() / "settings.json"


def repo_models_dir() -> Path:
    return _env_path("CLIENTSIM_REPO_MODELS") or REPO_ROOT / "models"


def user_models_dir() -> Path:
    return data_dir() / "models"


def system_models_dir() -> Path:
    return system_dir() / "models"


def model_dirs() -> list[Path]:
    """Where GGUF files and speech models are looked for, most specific first."""
    return [repo_models_dir(), user_models_dir(), system_models_dir()]


def bundled_personas_dir() -> Path:
    return REPO_ROOT / "personas"


def user_personas_dir() -> Path:
    return data_dir() / "personas"


def user_persona_drafts_dir() -> Path:
    """Half-written personas from the persona editor; never read by the persona library."""
    return data_dir() / "persona-drafts"


def system_personas_dir() -> Path:
    return system_dir() / "personas"


def user_packs_dir() -> Path:
    """Persona packs the student installed (clientsim packs install)."""
    return data_dir() / "packs"


def system_packs_dir() -> Path:
    """Persona packs a lab installed for everyone (packs install --system); read-only for students."""
    return system_dir() / "packs"


def installed_pack_dirs() -> list[Path]:
    """One folder per installed pack: lab packs, then the user's, each sorted by pack id.

    Folders starting with '.' are an install or removal under way and are skipped.
    """
    found: list[Path] = []
    for root in (system_packs_dir(), user_packs_dir()):
        try:
            children = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
        except OSError:
            continue
        found += children
    return found


def persona_dirs() -> list[Path]:
    """Read in this order; a later folder's persona replaces one with the same id."""
    packs = [d / "personas" for d in installed_pack_dirs()]
    return [bundled_personas_dir(), system_personas_dir(), *packs, user_personas_dir()]


def pack_voice_dirs() -> list[Path]:
    return [d / "voices" for d in installed_pack_dirs() if (d / "voices").is_dir()]


def assets_dir() -> Path:
    return REPO_ROOT / "assets"


def ensure_writable_dirs() -> None:
    for d in (data_dir(), cache_dir(), log_dir(), config_dir()):
        d.mkdir(parents=True, exist_ok=True)
