"""Start the desktop app: `clientsim gui [--persona ID]`."""

from __future__ import annotations

import sys

from clientsim.core.errors import UserError


def run_app(persona_id: str | None = None, argv: list[str] | None = None) -> int:
    from PySide6.QtWidgets import QApplication, QMessageBox

    from clientsim.settings import Settings
    from clientsim.ui.style import apply_style, icon

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("ClientSim")
    app.setOrganizationName("ClientSim")
    app.setDesktopFileName("clientsim")
    app.setWindowIcon(icon("clientsim"))
    settings = Settings.load()
    apply_style(app, settings.font_size)
    from clientsim.ui.main_window import MainWindow

    try:
        window = MainWindow(settings=settings)
    except UserError as exc:  # e.g. no usable database folder
        QMessageBox.critical(None, "ClientSim cannot start", str(exc))
        return exc.exit_code
    if persona_id:
        window.select_persona(persona_id)
    app.aboutToQuit.connect(window.shutdown)  # however the app ends, jobs stop and the database closes
    _close_on_signals(window)
    window.show()
    return app.exec()


def _close_on_signals(window) -> None:
    """Ctrl+C in the terminal or a polite kill closes the window the normal way."""
    import signal

    from PySide6.QtCore import QTimer

    def handler(*_):
        window.close()

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            signal.signal(sig, handler)
        except (ValueError, OSError):  # not the main thread, or not supported here
            pass
    # Python runs signal handlers only between bytecodes: wake it up now and then.
    timer = QTimer(window)
    timer.setInterval(250)
    timer.timeout.connect(lambda: None)
    timer.start()
