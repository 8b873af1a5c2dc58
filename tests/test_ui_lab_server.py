"""The app on a lab server: it plays the client there, and when the server fails the student is told in
words, keeps every word, and goes on with this computer's model at one click."""

from __future__ import annotations

import socket

import pytest
from PySide6.QtWidgets import QPushButton

from clientsim.settings import LabServerSettings, Settings
from clientsim.ui.main_window import MainWindow
from fault_proxy import FaultProxy
from ui_helpers import stored_turn_rows

pytestmark = [pytest.mark.model, pytest.mark.slow]
PERSONA = "daniel-alcohol"


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def _button(w, caption: str) -> QPushButton:
    for m in w.message_bar.messages():
        for b in m.findChildren(QPushButton):
            if b.text() == caption:
                return b
    raise AssertionError(f"no '{caption}' button in {w.message_bar.texts()}")


def test_unreachable_server_offers_this_computers_model(qtbot, smollm_path, screenshots_dir):
    settings = Settings(model_path=str(smollm_path), n_threads=2,
                        lab=LabServerSettings(use=True, url=_dead_url()))
    w = MainWindow(settings=settings, load_model=True)
    qtbot.addWidget(w)
    w.resize(1100, 760)
    w.show()
    qtbot.waitUntil(lambda: w.host.state == "error", timeout=30_000)
    text = "\n".join(w.message_bar.texts())
    assert "lab server cannot be used" in text and "could not reach" in text
    assert w.grab().save(str(screenshots_dir / "lab-server-unreachable.png"))
    _button(w, "Use this computer's model").click()
    qtbot.waitUntil(lambda: w.host.state == "ready", timeout=120_000)
    w.start_session(PERSONA)
    qtbot.waitUntil(w.session_view.is_active, timeout=60_000)
    assert w.session_view.session.model.get("file") == smollm_path.name


def test_server_dropping_mid_session_keeps_the_turn_and_goes_on_locally(qtbot, smollm_path, lab_server,
                                                                        screenshots_dir):
    proxy = FaultProxy(lab_server.url)
    try:
        settings = Settings(model_path=str(smollm_path), n_threads=2, lab=LabServerSettings(use=True, url=proxy.url))
        w = MainWindow(settings=settings, load_model=True)
        qtbot.addWidget(w)
        w.resize(1100, 760)
        w.show()
        qtbot.waitUntil(lambda: w.host.state == "ready", timeout=60_000)
        assert "lab server" in w.session_view.model_status.label.text()
        w.start_session(PERSONA)
        sv = w.session_view
        qtbot.waitUntil(sv.is_active, timeout=60_000)
        assert sv.session.model["backend"] == "lab server"
        proxy.mode = "status:502"  # the server goes away before the student's message
        sv.input.setPlainText("What brings you in today, Daniel?")
        sv.send_button.click()
        qtbot.waitUntil(lambda: not sv.is_generating(), timeout=30_000)
        rows = stored_turn_rows(sv.session.id)
        assert rows[-1][1:3] == ("counsellor", "What brings you in today, Daniel?")  # nothing lost
        assert any("has not answered it yet" in t for t in w.message_bar.texts())
        assert w.grab().save(str(screenshots_dir / "lab-server-dropped.png"))
        _button(w, "Use this computer's model").click()
        qtbot.waitUntil(lambda: len(stored_turn_rows(sv.session.id)) == 3 and not sv.is_generating(),
                        timeout=120_000)
        rows = stored_turn_rows(sv.session.id)
        assert rows[-1][1] == "client" and rows[-1][2].strip()
        assert sv.transcript.texts()[-1] == ("client", rows[-1][2])
        assert sv.session.engine.kind == "local"
    finally:
        proxy.close()
