"""The app's faces on packs and class review: packs dialog, dropping a pack, Settings name, instructor view."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent

from clientsim.packs import install_pack
from clientsim.settings import Settings
from clientsim.ui.class_view import ClassReviewWindow
from clientsim.ui.main_window import MainWindow
from clientsim.ui.packs_dialog import PacksDialog
from clientsim.ui.settings_dialog import SettingsDialog
from clientsim.ui.workers import JobRunner
from test_class_review import CBT_TURNS, export
from test_packs import pack_bytes, persona_bytes, write


@pytest.fixture
def runner(qtbot):
    r = JobRunner()
    yield r
    r.shutdown()


def test_packs_dialog_installs_lists_and_removes(qtbot, runner, tmp_path, screenshots_dir):
    dlg = PacksDialog(runner)
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.pack_ids() == [] and dlg.empty_label.isVisible()
    with qtbot.waitSignal(dlg.installFinished, timeout=20000) as sig:
        dlg.install_file(write(tmp_path, pack_bytes(title="Week 2 clients")))
    assert sig.args[0] is True and "Installed “Week 2 clients” 1.0 (new)" in dlg.status.text()
    assert dlg.pack_ids() == ["test-pack"]
    assert [dlg.table.item(0, c).text() for c in range(4)] == ["Week 2 clients", "1.0", "Yours", "1"]
    dlg.table.selectRow(0)
    assert dlg.remove_button.isEnabled()
    dlg.grab().save(str(screenshots_dir / "packs-dialog.png"))
    assert dlg.remove("test-pack")
    assert dlg.pack_ids() == [] and "Removed" in dlg.status.text()


def test_a_bad_pack_says_why_and_changes_nothing(qtbot, runner, tmp_path):
    dlg = PacksDialog(runner)
    qtbot.addWidget(dlg)
    bad = pack_bytes({"linh-smoking": persona_bytes(difficulty="hard")})
    with qtbot.waitSignal(dlg.installFinished, timeout=20000) as sig:
        dlg.install_file(write(tmp_path, bad))
    assert sig.args[0] is False
    text = dlg.status.text()
    assert "nothing was changed" in text and "personas/linh-smoking.json" in text and "difficulty" in text
    assert dlg.pack_ids() == []


def test_lab_packs_show_but_cannot_be_removed(qtbot, runner, tmp_path, monkeypatch):
    monkeypatch.setenv("CLIENTSIM_SYSTEM_DIR", str(tmp_path / "lab"))
    install_pack(write(tmp_path, pack_bytes(id="lab-pack")), system=True)
    dlg = PacksDialog(runner)
    qtbot.addWidget(dlg)
    dlg.table.selectRow(0)
    assert dlg.table.item(0, 2).text().startswith("Lab")
    assert not dlg.remove_button.isEnabled() and "ask whoever looks after the lab" in dlg.remove_button.toolTip()
    assert not dlg.remove("lab-pack") and "is a lab pack" in dlg.status.text()


def test_dropping_a_pack_on_the_window_installs_it_and_the_library_shows_it(qtbot, tmp_path):
    w = MainWindow(load_model=False)
    qtbot.addWidget(w)
    w.show()
    folder = tmp_path / "course"
    folder.mkdir()
    data = json.loads(persona_bytes("linh-smoking"))
    data.update(id="new-client", name="Noor Haddad")
    (folder / "new-client.json").write_text(json.dumps(data), encoding="utf-8")
    from clientsim.packs import build_pack

    pack = tmp_path / "course.clientsim-pack"
    build_pack(folder, pack, author="Dr T", licence="CC-BY-4.0")
    assert "new-client" not in w.library.personas
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(pack))])
    event = QDropEvent(QPoint(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    w.dropEvent(event)
    dlg = w.packs_dialog
    qtbot.waitUntil(lambda: "Installed" in dlg.status.text(), timeout=20000)
    qtbot.waitUntil(lambda: "new-client" in w.library.personas, timeout=5000)
    assert "new-client" in w.library_view.visible_ids()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_pack_dropped_on_the_message_box_is_installed_not_pasted(qtbot, tmp_path):
    from PySide6.QtWidgets import QApplication

    w = MainWindow(load_model=False)
    qtbot.addWidget(w)
    w.show()
    pack = write(tmp_path, pack_bytes(id="dropped"))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(pack))])
    w.session_view.input.setEnabled(True)  # as during a session
    target = w.session_view.input.viewport()
    # a drop is delivered only after a drag entered (PySide marks this constructor deprecated)
    QApplication.sendEvent(target, QDragEnterEvent(QPoint(5, 5), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))
    QApplication.sendEvent(target, QDropEvent(QPoint(5, 5), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))
    qtbot.waitUntil(lambda: "Installed" in w.packs_dialog.status.text(), timeout=20000)
    assert w.session_view.input.toPlainText() == ""


def test_settings_dialog_has_the_students_name(qtbot):
    s = Settings()
    s.student_name = "Ana Lima"
    dlg = SettingsDialog(s)
    qtbot.addWidget(dlg)
    assert dlg.student_name.text() == "Ana Lima"
    dlg.student_name.setText("  Ana   M. Lima ")
    assert dlg.result_settings().student_name == "Ana M. Lima"
    dlg.student_name.setText("   ")
    assert dlg.result_settings().student_name is None


def test_instructor_view_sorts_and_opens_a_review(qtbot, runner, tmp_path, screenshots_dir):
    folder = tmp_path / "class"
    folder.mkdir()
    for name, data in {
        "a.json": export("daniel-alcohol", "s1", "Ana Lima"),
        "b.json": export("amara-social-anxiety", "s2", "Ben Okafor", CBT_TURNS, "2026-11-27T09:00:00Z", 35),
        "c.json": export("linh-smoking", "s3", "Cara Novak", minutes=5),
    }.items():
        (folder / name).write_text(json.dumps(data), encoding="utf-8")
    (folder / "broken.json").write_text("{", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    win = ClassReviewWindow(runner)
    qtbot.addWidget(win)
    win.resize(1100, 640)
    win.show()
    problems = []
    win.failed.connect(problems.append)
    win.open_folder(folder)
    qtbot.waitUntil(lambda: win.report is not None or bool(problems), timeout=60000)
    assert problems == []
    assert win.session_ids() == ["s1", "s2", "s3"]  # by student
    assert "3 session(s) from 3 student(s); 1 file(s) skipped" in win.summary.text()
    assert win.skipped_list.count() == 1 and "broken.json" in win.skipped_list.item(0).text()
    minutes = [h for h in range(win.sessions_view.model().columnCount())
               if win.sessions_view.model().headerData(h, Qt.Horizontal) == "Minutes"][0]
    win.sessions_view.sortByColumn(minutes, Qt.AscendingOrder)
    assert win.session_ids() == ["s3", "s1", "s2"]  # 5, 20, 35 minutes: numbers sort as numbers
    win.sessions_view.sortByColumn(minutes, Qt.DescendingOrder)
    assert win.session_ids() == ["s2", "s1", "s3"]
    win.grab().save(str(screenshots_dir / "class-review.png"))
    with qtbot.waitSignal(win.reviewOpened) as sig:
        index = win.sessions_view.model().index(0, 0)
        win.sessions_view.doubleClicked.emit(index)
    assert sig.args == ["s2"]
    review = [d for d in win.findChildren(type(win).__mro__[1]) if d.windowTitle().startswith("Review:")][0]
    assert "Ben Okafor" in review.windowTitle()
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_main_window_opens_packs_and_class_review(qtbot):
    w = MainWindow(load_model=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.mouseClick(w.packs_button, Qt.LeftButton)
    assert w.packs_dialog.isVisible()
    qtbot.mouseClick(w.class_button, Qt.LeftButton)
    assert w.class_window.isVisible()


@pytest.mark.parametrize("size, font", [((1024, 640), 9), ((1024, 640), 16), ((1280, 800), 28)])
def test_packs_and_class_review_fit_at_sizes_and_fonts(qtbot, runner, tmp_path, screenshots_dir, size, font):
    from PySide6.QtWidgets import QApplication, QPushButton

    from clientsim.ui.style import apply_style

    app = QApplication.instance()
    apply_style(app, font)
    try:
        install_pack(write(tmp_path, pack_bytes(title="A course pack with a rather long title for week two")))
        folder = tmp_path / "class"
        folder.mkdir()
        (folder / "a.json").write_text(json.dumps(export("daniel-alcohol", "s1", "Ana Lima")), encoding="utf-8")
        dlg = PacksDialog(runner)
        win = ClassReviewWindow(runner)
        for w in (dlg, win):
            qtbot.addWidget(w)
        win.open_folder(folder)
        qtbot.waitUntil(lambda: win.report is not None, timeout=60000)
        for w, name in ((dlg, "packs"), (win, "class-review")):
            w.resize(min(size[0], max(w.minimumWidth(), w.sizeHint().width())), size[1] - 80)
            w.show()
            qtbot.waitExposed(w)
            w.grab().save(str(screenshots_dir / f"{name}-{size[0]}x{size[1]}-{font}pt.png"))
            assert w.width() <= size[0] and w.height() <= size[1]
            for b in w.findChildren(QPushButton):
                if b.isVisibleTo(w):
                    assert b.width() >= b.fontMetrics().horizontalAdvance(b.text().replace("&", "")), b.text()
    finally:
        apply_style(app, Settings().font_size)


def test_past_session_is_exported_with_the_students_name(qtbot, tmp_path):
    from clientsim.personas import PersonaLibrary
    from clientsim.sessions.transcript import read_transcript
    from ui_helpers import make_past_session

    persona = PersonaLibrary.load().get("linh-smoking")
    sid = make_past_session(persona, "ended")
    s = Settings()
    s.student_name = "Ana Lima"
    w = MainWindow(settings=s, load_model=False)
    qtbot.addWidget(w)
    w.show()
    w.show_page(2)
    assert w.history_view.export_button.isEnabled()
    target = w.export_past_session(sid, str(tmp_path / "out"))
    assert target == tmp_path / "out.json"
    data = read_transcript(target)
    assert data["student"] == {"name": "Ana Lima"} and data["id"] == sid
    assert any("Exported to" in t and "Ana Lima" in t for t in w.message_bar.texts())
    from clientsim.sessions.transcript import suggested_file_name

    assert suggested_file_name(data) == f"ana-lima-linh-smoking-{data['started_at'][:10]}.json"
