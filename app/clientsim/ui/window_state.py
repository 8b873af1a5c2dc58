"""Window geometry and layout, kept apart from the user's preferences.

Stored with QSettings (INI) in ``window-state.ini`` in the config folder, so
``settings.json`` holds only choices the student made on purpose.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow

from clientsim import paths


def _store() -> QSettings:
    path = paths.config_dir() / "window-state.ini"
    path.parent.mkdir(parents=True, exist_ok=True)
    return QSettings(str(path), QSettings.IniFormat)


def restore(window: QMainWindow) -> bool:
    s = _store()
    geometry = s.value("main/geometry")
    state = s.value("main/state")
    ok = False
    if isinstance(geometry, QByteArray) and not geometry.isEmpty():
        ok = window.restoreGeometry(geometry)
    if isinstance(state, QByteArray) and not state.isEmpty():
        window.restoreState(state)
    return ok


def save(window: QMainWindow) -> None:
    s = _store()
    s.setValue("main/geometry", window.saveGeometry())
    s.setValue("main/state", window.saveState())
    s.sync()


def last_folder(kind: str, default: Path | None = None) -> Path:
    """The folder the student last saved a `kind` of file to (reports, exports), else `default` or home."""
    value = _store().value(f"folders/{kind}")
    folder = Path(value) if isinstance(value, str) and value else None
    if folder is not None and folder.is_dir():
        return folder
    return default or Path.home()


def remember_folder(kind: str, file_path: Path | str) -> None:
    s = _store()
    s.setValue(f"folders/{kind}", str(Path(file_path).parent))
    s.sync()
