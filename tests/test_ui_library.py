"""The client library and brief, driven through the real widgets (no model)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from clientsim.ui.main_window import LIBRARY, MainWindow
from ui_helpers import visible_label_texts


@pytest.fixture
def window(qtbot):
    w = MainWindow(load_model=False)
    qtbot.addWidget(w)
    w.show()
    return w


def test_filters_and_search(window, qtbot):
    lib = window.library
    view = window.library_view
    assert len(lib) >= 6
    assert sorted(view.visible_ids()) == sorted(lib.ids())

    view.modality.setCurrentIndex(view.modality.findData("CBT"))
    cbt = view.visible_ids()
    assert cbt and all("CBT" in lib.personas[i].modality for i in cbt)
    assert len(cbt) < len(lib)

    view.modality.setCurrentIndex(0)
    style = lib.all()[0].style.conversational_style
    view.style.setCurrentIndex(view.style.findData(style))
    assert view.visible_ids() and all(lib.personas[i].style.conversational_style == style
                                      for i in view.visible_ids())
    view.style.setCurrentIndex(0)

    view.difficulty.setCurrentIndex(view.difficulty.findData("advanced"))
    assert all(lib.personas[i].difficulty == "advanced" for i in view.visible_ids())
    view.difficulty.setCurrentIndex(0)

    target = lib.all()[-1]
    qtbot.keyClicks(view.search, target.name.split()[0])
    assert target.id in view.visible_ids()
    assert len(view.visible_ids()) < len(lib)
    assert view.brief.persona is not None and view.brief.persona.id in view.visible_ids()

    view.search.setText("zzzz-no-such-client")
    assert view.visible_ids() == []
    assert view.empty_label.isVisibleTo(view) and "No client matches" in view.empty_label.text()
    assert not view.brief.start_button.isEnabled()


def test_brief_shows_referral_and_objectives_but_never_instructor_notes(window):
    view = window.library_view
    for persona in window.library.all():
        view.select(persona.id)
        shown = view.brief.visible_text()
        assert persona.trainee_brief.referral_note.strip()[:60] in shown
        for objective in persona.trainee_brief.learning_objectives:
            assert objective[:40] in shown
        notes = persona.instructor_notes.strip()
        assert notes and notes[:50] not in visible_label_texts(window)
        assert view.brief.start_button.isEnabled()
        assert persona.first_name in view.brief.start_button.text()


def test_persona_errors_are_shown_and_others_still_load(qtbot, clientsim_home):
    from clientsim import paths

    folder = paths.user_personas_dir()
    folder.mkdir(parents=True)
    (folder / "broken.json").write_text('{"format": "clientsim.persona/1", "id": "broken"}')
    w = MainWindow(load_model=False)
    qtbot.addWidget(w)
    text = "\n".join(w.message_bar.texts())
    assert "broken.json" in text and "could not be loaded" in text
    assert len(w.library) >= 6


def test_ctrl_f_focuses_search_and_ctrl_numbers_switch_pages(window, qtbot):
    window.activateWindow()
    window.show_page(2)
    qtbot.keyClick(window, Qt.Key_F, Qt.ControlModifier)
    assert window.stack.currentIndex() == LIBRARY
    assert window.library_view.search.hasFocus() or window.focusWidget() is window.library_view.search
    qtbot.keyClick(window, Qt.Key_3, Qt.ControlModifier)
    assert window.stack.currentIndex() == 2


def test_main_controls_have_accessible_names(window):
    sv = window.session_view
    lv = window.library_view
    controls = [lv.search, lv.modality, lv.style, lv.difficulty, lv.list, lv.brief.start_button,
                sv.input, sv.send_button, sv.stop_button, sv.end_button, sv.clock_label, sv.transcript,
                window.nav, window.settings_button, window.history_view.tree, window.history_view.open_button,
                sv.model_status]
    for c in controls:
        assert c.accessibleName().strip(), f"{c.__class__.__name__} {c.objectName()} has no accessible name"


def test_library_screenshot(window, qtbot, screenshots_dir):
    window.resize(1240, 800)
    window.library_view.select(window.library.ids()[0])
    qtbot.wait(50)
    path = screenshots_dir / "main-window-library.png"
    assert window.grab().save(str(path))
    assert path.stat().st_size > 10_000


def test_tab_walks_the_library_in_reading_order(window, qtbot):
    window.activateWindow()
    lv = window.library_view
    lv.search.setFocus()
    qtbot.waitUntil(lv.search.hasFocus, timeout=2000)
    order = [lv.search]
    for _ in range(5):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Tab)
        order.append(QApplication.focusWidget())
    assert order == [lv.search, lv.modality, lv.style, lv.difficulty, lv.list, lv.brief.start_button]
