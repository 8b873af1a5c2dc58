"""The persona editor through its real widgets: a generated form, problems beside their fields,
drafts, copies of bundled clients, files that cannot be written, and "Try this client"."""

from __future__ import annotations

import hashlib

import pytest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLineEdit, QPlainTextEdit

from clientsim import paths
from clientsim.personas import PersonaLibrary, load_persona
from clientsim.personas.authoring import free_id
from clientsim.personas.drafts import list_drafts
from clientsim.personas.sources import BUNDLED, PACK, USER, source_of
from clientsim.settings import Settings
from clientsim.ui.library_view import SUBTITLE_ROLE
from clientsim.ui.main_window import EDITOR, LIBRARY, MainWindow
from clientsim.ui.persona_editor import editor_view
from clientsim.ui.persona_editor.fields import GroupField, ListField, ValueField
from clientsim.ui.persona_editor.schema_form import SchemaForm

BUNDLED_ID = "daniel-alcohol"


@pytest.fixture
def window(qtbot, monkeypatch):
    w = MainWindow(load_model=False)
    qtbot.addWidget(w)
    w.show()
    # pytest-qt closes the window after the test: an editor left with changes must not wait for an answer
    monkeypatch.setattr(w.persona_editor, "ask_unsaved", lambda: editor_view.DISCARD)
    return w


def field(editor, path: str):
    from clientsim.ui.persona_editor.schema_form import path_parts

    found, reached = editor.form.locate(path)
    assert reached == len(path_parts(path)), f"no field for {path}"
    return found


def type_into(qtbot, editor, path: str, text: str) -> None:
    """Types into a line or paragraph field as a person would (replacing what was there)."""
    box = field(editor, path).input
    if isinstance(box, QPlainTextEdit):
        box.clear()
        qtbot.keyClicks(box, text)
    else:
        assert isinstance(box, QLineEdit)
        box.clear()
        qtbot.keyClicks(box, text)


def choose(editor, path: str, value) -> None:
    box = field(editor, path).input
    box.setCurrentIndex(box.findData(value))


def add_lines(editor, path: str, lines: list[str]) -> None:
    lst = field(editor, path)
    assert isinstance(lst, ListField)
    for text in lines:
        lst.add_button.click()
        lst.rows[-1].editor.input.setText(text)


def checked(editor, path: str) -> GroupField:
    group = field(editor, path)
    group.box.setChecked(True)
    return group


def settle(qtbot, editor) -> None:
    """Waits for the debounced check, as a person pausing in typing would."""
    qtbot.wait(editor_view.CHECK_DELAY_MS + 50)
    editor.controller.check_now()


def fill_new_mi_client(qtbot, editor) -> None:
    type_into(qtbot, editor, "id", "noor-gambling")
    type_into(qtbot, editor, "name", "Noor Haddad")
    choose(editor, "difficulty", "intermediate")
    field(editor, "identity.age").input.setValue(38)
    type_into(qtbot, editor, "identity.gender", "woman")
    type_into(qtbot, editor, "identity.pronouns", "she/her")
    type_into(qtbot, editor, "presenting_problem", "She bets on football on her phone most nights. "
              "Her sister found the credit card statement.")
    type_into(qtbot, editor, "history", "Started betting with friends at university. Works as a pharmacist.")
    checked(editor, "mi")
    type_into(qtbot, editor, "mi.target_behaviour", "Stop betting on her phone")
    choose(editor, "mi.stage_of_change", "contemplation")
    add_lines(editor, "mi.reasons_for_change", ["My sister trusts me again."])
    add_lines(editor, "mi.reasons_against_change", ["It's the only time I switch off."])
    add_lines(editor, "mi.values", ["Being honest with my family"])
    choose(editor, "style.conversational_style", "tangent")
    add_lines(editor, "sample_lines", ["It's just a bit of fun, mostly.", "I know the odds, I'm not stupid.",
                                       "My sister worries too much."])
    type_into(qtbot, editor, "trainee_brief.referral_note", "Self-referred after her sister found debts.")
    type_into(qtbot, editor, "instructor_notes", "Contemplation: evoke change talk about her sister.")


def test_a_new_client_from_scratch_with_a_problem_beside_its_field(window, qtbot):
    window.library_view.new_button.click()
    editor = window.persona_editor
    assert window.stack.currentIndex() == EDITOR and editor.title.text() == "New client"
    # the form is generated from the schema: nested groups, lists, numbers with the schema's range
    assert isinstance(field(editor, "client_state.holds_back"), ListField)
    age = field(editor, "identity.age").input
    assert (age.minimum() + 1, age.maximum()) == (12, 100) and age.specialValueText() == "not set"
    assert "first name first" in field(editor, "name").help_label.text()  # the schema's description as help
    # a new form does not open all in red, yet cannot be used
    assert not any(f.error() for f in editor.form.root.fields())
    assert not editor.controller.is_valid()

    fill_new_mi_client(qtbot, editor)
    type_into(qtbot, editor, "opening_statement", "Client: My sister made me come.")
    settle(qtbot, editor)
    opening = field(editor, "opening_statement")
    assert "starts with a speaker label" in opening.error() and opening.error_label.isVisible()
    assert not field(editor, "name").error()
    assert [p.field for p in editor.controller.problems] == ["opening_statement"]
    editor.use_button.click()  # blocked: nothing written
    assert not (paths.user_personas_dir() / "noor-gambling.json").exists()
    assert "Not saved for use: 1 problem" in editor.save_message.text()

    type_into(qtbot, editor, "opening_statement", "My sister made me come. I don't really see the point.")
    settle(qtbot, editor)
    assert not opening.error() and editor.controller.is_valid() and editor.status.text() == "Ready to use."
    assert editor.preview.name_label.text() == "Noor Haddad"  # the live trainee-brief preview
    assert "Self-referred" in editor.preview.visible_text()
    editor.use_button.click()

    path = paths.user_personas_dir() / "noor-gambling.json"
    persona = load_persona(path)  # the real loader
    assert persona.name == "Noor Haddad" and persona.identity.age == 38 and persona.mi.stage_of_change == "contemplation"
    assert "noor-gambling" in PersonaLibrary.load().personas
    assert window.stack.currentIndex() == LIBRARY and "noor-gambling" in window.library_view.visible_ids()
    assert window.library_view.current_id() == "noor-gambling"
    assert list_drafts()[0] == []  # the autosaved draft is gone once the client is saved for use


def test_editing_a_bundled_client_saves_a_copy_and_never_touches_the_file(window, qtbot):
    bundled = paths.bundled_personas_dir() / f"{BUNDLED_ID}.json"
    before = hashlib.sha256(bundled.read_bytes()).hexdigest()
    window.library_view.select(BUNDLED_ID)
    window.library_view.edit_button.click()
    editor = window.persona_editor
    assert editor.title.text() == "Edit a copy of Daniel Mercer"
    assert "This is a bundled client; your changes are saved as a copy, daniel-alcohol-copy." in editor.notice.text()
    assert field(editor, "id").input.text() == "daniel-alcohol-copy" and editor.controller.is_valid()
    assert not editor.edit.dirty  # nothing changed yet: closing would not ask

    # the bundled id back: a problem beside the id field, and "Save and use" saves nothing
    type_into(qtbot, editor, "id", BUNDLED_ID)
    settle(qtbot, editor)
    assert "the id of a bundled client" in field(editor, "id").error()
    type_into(qtbot, editor, "id", "daniel-alcohol-copy")
    type_into(qtbot, editor, "name", "Dan Mercer")
    settle(qtbot, editor)
    assert "copy, daniel-alcohol-copy" in editor.notice.text()
    editor.use_button.click()

    assert hashlib.sha256(bundled.read_bytes()).hexdigest() == before
    copy = load_persona(paths.user_personas_dir() / "daniel-alcohol-copy.json")
    assert copy.name == "Dan Mercer" and copy.mi == window.library.personas[BUNDLED_ID].mi
    assert source_of(copy.source_path).kind == USER
    assert {BUNDLED_ID, "daniel-alcohol-copy"} <= set(window.library.ids())
    assert window.library.personas[BUNDLED_ID].name == "Daniel Mercer"

    # the user's own client is then edited in place
    window.library_view.select("daniel-alcohol-copy")
    window.library_view.edit_button.click()
    assert window.persona_editor.title.text() == "Edit Dan Mercer"
    assert "one of your clients; saving replaces it" in editor.notice.text()
    type_into(qtbot, editor, "identity.occupation", "Electrician")
    settle(qtbot, editor)
    editor.use_button.click()
    assert load_persona(paths.user_personas_dir() / "daniel-alcohol-copy.json").identity.occupation == "Electrician"
    assert sorted(p.name for p in paths.user_personas_dir().iterdir()) == ["daniel-alcohol-copy.json"]


def test_a_draft_is_saved_listed_as_not_usable_and_reopens(window, qtbot):
    window.library_view.new_button.click()
    editor = window.persona_editor
    type_into(qtbot, editor, "name", "Half Written")
    field(editor, "identity.age").input.setValue(150 - 60)
    editor.draft_button.click()
    drafts, bad = list_drafts()
    assert bad == [] and [d.title for d in drafts] == ["Half Written"]
    assert "Draft saved in" in editor.save_message.text()
    assert "Half Written" not in [p.name for p in PersonaLibrary.load()]  # never loaded as a client
    assert not editor.edit.dirty
    editor.close_button.click()  # saved: closes without asking

    view = window.library_view
    row = "draft:" + drafts[0].key
    assert row in view.visible_ids()
    view.select(row)
    assert not view.brief.start_button.isEnabled() and view.brief.start_button.text() == "Draft — not usable yet"
    item = view.list.currentItem()
    assert "not usable yet" in item.data(SUBTITLE_ROLE).lower()
    view.edit_button.click()
    assert window.stack.currentIndex() == EDITOR
    assert field(editor, "name").input.text() == "Half Written" and field(editor, "identity.age").input.value() == 90
    assert field(editor, "id").error()  # a draft reopens with every gap marked
    editor.use_button.click()
    assert not (paths.user_personas_dir() / ".json").exists() and not paths.user_personas_dir().exists()


def test_unsaved_changes_are_autosaved_and_closing_asks(window, qtbot, monkeypatch):
    window.library_view.new_button.click()
    editor = window.persona_editor
    type_into(qtbot, editor, "name", "Crash Test")
    # a crash after a pause in typing loses nothing: the draft is on disk already
    qtbot.waitUntil(lambda: [d.title for d in list_drafts()[0]] == ["Crash Test"], timeout=5000)
    asked = []
    monkeypatch.setattr(editor, "ask_unsaved", lambda: asked.append(1) or editor_view.CANCEL)
    editor.close_button.click()
    assert asked and window.stack.currentIndex() == EDITOR  # Cancel: still editing
    monkeypatch.setattr(editor, "ask_unsaved", lambda: editor_view.DISCARD)
    editor.close_button.click()
    assert window.stack.currentIndex() == LIBRARY and list_drafts()[0] == []  # discarded on purpose


def test_a_file_that_cannot_be_written_says_so_and_keeps_the_form(window, qtbot):
    paths.data_dir().mkdir(parents=True, exist_ok=True)
    paths.user_personas_dir().write_text("not a folder")  # the folder cannot be made: as a read-only disk
    paths.user_persona_drafts_dir().write_text("not a folder")
    window.library_view.select(BUNDLED_ID)
    window.library_view.duplicate_button.click()
    editor = window.persona_editor
    type_into(qtbot, editor, "name", "Daniel Kept")
    settle(qtbot, editor)
    editor.use_button.click()
    assert "Could not write" in editor.save_message.text() and "Nothing is lost" in editor.save_message.text()
    assert editor.save_message.property("kind") == "error"
    editor.draft_button.click()
    assert "Could not write" in editor.save_message.text()
    assert field(editor, "name").input.text() == "Daniel Kept" and editor.edit.dirty
    assert window.stack.currentIndex() == EDITOR


def test_problems_land_beside_nested_fields(qtbot):
    form = SchemaForm()
    qtbot.addWidget(form)
    data = PersonaLibrary.load().personas["riley-panic"].to_dict()
    data["cbt"]["situations"][1]["emotion"] = ""
    form.set_value(data)
    from clientsim.personas import check_persona
    from clientsim.personas.authoring import Problem

    problems = [Problem(e.field, e.problem) for e in check_persona(form.value())]
    assert [p.field for p in problems] == ["cbt.situations[1].emotion"]
    placed = form.show_problems(problems)
    target = form.locate("cbt.situations[1].emotion")[0]
    assert isinstance(target, ValueField) and placed == [(target, target.error())]
    assert target.error().startswith("Emotion is empty")
    # a field the form has no row for: the problem goes to the nearest group and names the rest
    placed = form.show_problems([Problem("style.tone", "is not a known field")])
    assert placed[0][0] is form.locate("style")[0] and placed[0][1] == "tone is not a known field"


def test_where_a_persona_comes_from_and_the_copy_id(tmp_path):
    assert source_of(paths.bundled_personas_dir() / "linh-smoking.json").kind == BUNDLED
    assert source_of(paths.user_packs_dir() / "course-a" / "personas" / "x.json") .kind == PACK
    assert source_of(paths.user_personas_dir() / "x.json").writable
    assert not source_of(paths.system_personas_dir() / "x.json").writable
    assert free_id("linh-smoking", {"linh-smoking-copy"}) == "linh-smoking-copy-2"
    long = free_id("a" * 60, set())
    assert len(long) <= 60 and long.endswith("-copy")


@pytest.mark.model
@pytest.mark.slow
def test_try_this_client_streams_a_reply_and_stores_nothing(qtbot, smollm_path, monkeypatch, screenshots_dir):
    w = MainWindow(settings=Settings(model_path=str(smollm_path), n_threads=2), load_model=False)
    qtbot.addWidget(w)
    monkeypatch.setattr(w.persona_editor, "ask_unsaved", lambda: editor_view.DISCARD)
    w.show()
    w.library_view.select("linh-smoking")
    w.library_view.duplicate_button.click()
    editor = w.persona_editor
    type_into(qtbot, editor, "name", "Linh Tryout")
    settle(qtbot, editor)
    dialog = editor.try_button.click() or editor.try_dialog
    assert dialog is not None and "nothing is saved" in dialog.findChildren(type(editor.title))[0].text()
    dialog.input.setText("Hi Linh, what brings you here today?")
    with qtbot.waitSignal(dialog.replyEnded, timeout=180_000) as ended:
        dialog.send_button.click()
        assert not dialog.send_button.isEnabled()
    reply = ended.args[0]
    assert reply.strip(), dialog.status.text()
    assert dialog.transcript_lines()[-1] == ("client", reply) and reply in dialog.transcript.toPlainText()
    assert len(dialog.tryout.turns) == 3
    dialog.grab().save(str(screenshots_dir / "persona-editor-try-client.png"))
    assert w.db.list_sessions() == []  # a try-out is not a practice session
    dialog.close()
    editor.controller.close()
    w.shutdown()


@pytest.mark.parametrize("size,font", [((1024, 640), 10), ((1920, 1080), 10), ((1024, 640), 20)])
def test_editor_screenshots_fit(qtbot, screenshots_dir, monkeypatch, size, font):
    s = Settings.load()
    s.font_size = font
    s.save()
    w = MainWindow(load_model=False)
    qtbot.addWidget(w)
    monkeypatch.setattr(w.persona_editor, "ask_unsaved", lambda: editor_view.DISCARD)
    w.show()
    qtbot.wait(20)
    w.resize(*size)
    w.library_view.select("riley-panic")
    w.library_view.edit_button.click()
    editor = w.persona_editor
    type_into(qtbot, editor, "id", "riley-panic")  # a problem beside a field, for the picture
    settle(qtbot, editor)
    qtbot.wait(50)
    cut = [b.text() for b in editor.findChildren(QAbstractButton)
           if b.isVisible() and b.text() and b.width() < b.minimumSizeHint().width() - 2]
    w.grab().save(str(screenshots_dir / f"persona-editor-{size[0]}x{size[1]}-{font}pt.png"))
    group = field(editor, "cbt")
    editor.scroll.ensureWidgetVisible(group.box, 0, 0)
    qtbot.wait(20)
    w.grab().save(str(screenshots_dir / f"persona-editor-cbt-{size[0]}x{size[1]}-{font}pt.png"))
    assert editor.right.isVisible() == (not editor.narrow)
    if editor.narrow:  # one pane at a time, switched by a button
        editor.preview_button.click()
        assert editor.right.isVisible() and not editor.scroll.isVisible()
        qtbot.wait(20)
        w.grab().save(str(screenshots_dir / f"persona-editor-preview-{size[0]}x{size[1]}-{font}pt.png"))
        editor.preview_button.click()
    assert not cut, cut
    assert editor.scroll.widget().width() <= editor.scroll.viewport().width() or font > 16
    editor.controller.close()
    w.shutdown()
    QApplication.processEvents()
