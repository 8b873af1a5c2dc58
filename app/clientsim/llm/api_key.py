"""The lab server's API key, kept out of settings.json.

With the platform's keyring when the `keyring` package is installed and has a
real backend (GNOME Keyring, KWallet, macOS Keychain, Windows Credential
Locker); otherwise in `lab-server-key.json` in the user's config folder,
readable by the user only (0600), one key per server address.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from clientsim import paths
from clientsim.core.files import atomic_write_text

SERVICE = "ClientSim lab server"


def _keyring():
    try:
        import keyring
        from keyring.backends import fail
    except Exception:  # noqa: BLE001 - not installed, or broken: the file is used
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:  # noqa: BLE001
        return None
    return None if isinstance(backend, fail.Keyring) else keyring


def key_file() -> Path:
    return paths.config_dir() / "lab-server-key.json"


def _read_file() -> dict:
    try:
        value = json.loads(key_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def where() -> str:
    """Where a saved key goes, in words for the Settings dialog."""
    return "the system keyring" if _keyring() else f"{key_file()} (readable by you only)"


def load(url: str) -> str:
    if not url:
        return ""
    if (kr := _keyring()) is not None:
        try:
            return kr.get_password(SERVICE, url) or ""
        except Exception:  # noqa: BLE001 - a locked keyring: fall back to the file
            pass
    value = _read_file().get(url, "")
    return value if isinstance(value, str) else ""


def save(url: str, key: str) -> None:
    """Keep ``key`` for ``url`` ("" forgets it)."""
    if (kr := _keyring()) is not None:
        try:
            if key:
                kr.set_password(SERVICE, url, key)
            else:
                try:
                    kr.delete_password(SERVICE, url)
                except Exception:  # noqa: BLE001 - nothing to delete
                    pass
            return
        except Exception:  # noqa: BLE001 - a locked keyring: the file
            pass
    keys = _read_file()
    if key:
        keys[url] = key
    else:
        keys.pop(url, None)
    path = atomic_write_text(key_file(), json.dumps(keys, indent=1) + "\n")
    os.chmod(path, 0o600)
