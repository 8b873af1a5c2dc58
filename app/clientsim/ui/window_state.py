"""Window geometry and layout, kept apart from the user's preferences.

Stored with QSettings (INI) in ``window-state.ini`` in the config folder, so
``settings.json`` holds only choices the student made on purpose.
"""

from __future__ import annotations

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
