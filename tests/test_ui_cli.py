"""`clientsim gui` is explicit; `--persona ID` opens that client's brief."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from clientsim.cli import app_cmd
from clientsim.cli.main import build_parser, main
from clientsim.ui.main_window import LIBRARY, MainWindow


def test_plain_clientsim_prints_help_and_opens_no_window(capsys):
    before = QApplication.instance()
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "gui" in out and "usage" in out.lower()
    assert QApplication.instance() is before  # no QApplication was created for it


def test_gui_command_takes_a_persona():
    args = build_parser().parse_args(["gui", "--persona", "linh-smoking"])
    assert args.func is app_cmd.run and args.persona == "linh-smoking"


def test_persona_option_opens_that_brief(qtbot):
    w = MainWindow(load_model=False)
    qtbot.addWidget(w)
    w.library_view.search.setText("zzz")  # even when a search hides it
    assert w.select_persona("tyler-cannabis")
    assert w.stack.currentIndex() == LIBRARY
    assert w.library_view.brief.persona.id == "tyler-cannabis"
    assert not w.select_persona("nobody")
    assert any("nobody" in t and "clientsim personas list" in t for t in w.message_bar.texts())
