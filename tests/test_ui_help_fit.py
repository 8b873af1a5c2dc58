"""F1 help, a window that fits its screen, models offered in plain words, pages at several sizes."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication

from clientsim.models.plain import FAST, STANDARD, plain_labels, short_name, tier
from clientsim.models.registry import ModelEntry
from clientsim.settings import Settings
from clientsim.ui.help_view import help_html
from clientsim.ui.main_window import HISTORY, LIBRARY, PROGRESS, SESSION, MainWindow



def test_help_covers_sessions_styles_bands_figures_and_shortcuts():
    html = help_html()
    for words in ("How a session works", "tangent", "pleasing", "below fair", "R:Q (reflections per question)",
                  "Technical global", "Ctrl+E", "F1", "66"):
        assert words in html, words
    assert "<script" not in html


def test_f1_opens_help(qtbot, screenshots_dir):
    w = MainWindow(load_model=False)
    qtbot.addWidget(w)
    w.show()
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=5000)
    qtbot.keyClick(w, Qt.Key_F1)
    dlg = w.help_dialog
    assert dlg.isVisible() and "How a session works" in dlg.browser.toPlainText()
    screen = w.screen().availableGeometry()
    assert dlg.width() <= screen.width() and dlg.height() <= screen.height()
    dlg.grab().save(str(screenshots_dir / "help.png"))


def test_window_opens_within_the_available_screen(qtbot):
    w = MainWindow(load_model=False)
    qtbot.addWidget(w)
    w.resize(1600, 1200)  # as if restored from a larger screen
    w.show()
    avail = w.screen().availableGeometry()  # 800x800 on the offscreen platform
    qtbot.waitUntil(lambda: w.frameGeometry().width() <= avail.width()
                    and w.frameGeometry().height() <= avail.height(), timeout=3000)
    assert avail.contains(w.frameGeometry().topLeft())
    assert w.minimumWidth() > 0 and w.minimumHeight() > 0
    assert w.minimumWidth() <= avail.width() and w.minimumHeight() <= avail.height()


def _entry(name: str, params: int, problem: str = "") -> ModelEntry:
    return ModelEntry(Path(f"/m/{name}"), name, params // 2, params, "Q4_K_M", 4096, "verified", "repository", problem)


def test_models_in_plain_words():
    assert tier(1_540_000_000) == STANDARD and tier(135_000_000) == FAST
    assert tier(0, file_size=1_100_000_000) == STANDARD  # unknown params: the file size tells
    entries = [_entry("qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", 1_540_000_000),
               _entry("SmolLM2-135M-Instruct.Q4_1.gguf", 135_000_000),
               _entry("smollm2-360m-instruct-q8_0.gguf", 360_000_000, problem="truncated")]
    labels = plain_labels(entries)
    assert labels[0] == "Standard: better replies, slower"
    assert labels[1].startswith("Fast: quicker, simpler (") and "SmolLM2" in labels[1]
    assert labels[2].endswith("cannot be used")
    assert short_name("qwen2.5-coder-1.5b-instruct-q4_k_m.gguf") == "qwen2.5 coder 1.5b"


def test_settings_fold_the_model_file_details_away(qtbot):
    from clientsim.ui.settings_dialog import SettingsDialog

    dlg = SettingsDialog(Settings.load())
    qtbot.addWidget(dlg)
    dlg.show()
    first = dlg.model.itemText(0)
    assert first.startswith("Recommended — ")
    assert ".gguf" not in first
    assert not dlg.model_details.isVisible()
    dlg.details_button.click()
    assert dlg.model_details.isVisible()


PAGES = {LIBRARY: "clients", SESSION: "session", HISTORY: "history", PROGRESS: "progress"}


@pytest.mark.parametrize("size,font", [((1024, 640), 9), ((1024, 640), 20), ((1280, 800), 28), ((3840, 2160), 28)])
def test_pages_at_several_window_and_font_sizes(qtbot, screenshots_dir, size, font):
    from clientsim.personas import PersonaLibrary
    from ui_helpers import window_at, make_past_session

    make_past_session(PersonaLibrary.load().all()[0])
    w = window_at(qtbot, size, font)
    cut = []
    for index, name in PAGES.items():
        w.show_page(index)
        qtbot.wait(50)
        page = w.stack.currentWidget()
        for b in page.findChildren(QAbstractButton):
            if b.isVisible() and b.text() and b.width() < b.minimumSizeHint().width() - 2:
                cut.append(f"{name}: {b.text()!r} {b.width()} < {b.minimumSizeHint().width()}")
        w.grab().save(str(screenshots_dir / f"page-{name}-{size[0]}x{size[1]}-{font}pt.png"))
    mine = [c for c in cut if c.startswith(("history", "progress"))]
    assert not mine, mine
    if cut:
        print("buttons narrower than their text:", cut)
    QApplication.processEvents()


def test_saving_a_report_suggests_a_readable_name_remembers_the_folder_and_says_where(qtbot, tmp_path, monkeypatch):
    import random

    from PySide6.QtWidgets import QFileDialog

    from clientsim.bench.progress import sample_report
    from clientsim.ui.report_view import ReportView

    report = sample_report(random.Random(0), "abc", "MI", 10)
    report["persona"] = {"id": "maria", "name": "María López (58)", "presenting_problem": "x"}
    report["created_at"] = "2026-12-02T02:52:59+00:00"
    view = ReportView()
    qtbot.addWidget(view)
    view.set_report(report)
    assert view.suggested_name("html") == "feedback-maría-lópez-2026-12-02.html"
    starts = []
    folder = tmp_path / "my reports"
    folder.mkdir()

    def fake_dialog(_parent, _title, start, _filter):
        starts.append(start)
        return str(folder / "mine"), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake_dialog)
    view.save_html_button.click()
    assert (folder / "mine.html").exists()
    assert str(folder / "mine.html") in view.saved_label.text() and "open the folder" in view.saved_label.text()
    view.save_pdf_button.click()
    assert starts[1] == str(folder / "feedback-maría-lópez-2026-12-02.pdf")  # the folder used last time
    assert (folder / "mine.pdf").read_bytes()[:4] == b"%PDF"


@pytest.mark.parametrize("modality", ["MI", "CBT"])
def test_report_leads_with_the_sessions_own_scale_and_folds_the_other(modality):
    from clientsim.judge.report import build_report
    from clientsim.judge.report import render_html

    turns = [{"index": i, "speaker": "client" if i % 2 == 0 else "counsellor",
              "text": "I want to change but it is hard." if i % 2 == 0 else "What makes it hard right now?"}
             for i in range(12)]
    report = build_report({"id": "s1", "status": "ended", "turns": turns,
                           "persona": {"id": "p", "name": "Pat", "modality": [modality]}})
    report["created_at"] = "2026-12-02T02:52:59+00:00"
    html = render_html(report)
    ctrs_at, miti_at = html.index("CBT competence (CTRS)"), html.index("Summary against the MITI")
    if modality == "CBT":
        assert ctrs_at < miti_at and "MI figures (MITI), for reference" in html
        assert html.index("<details") < miti_at
    else:
        assert miti_at < ctrs_at and "CBT rating (CTRS), for reference only" in html
        assert html.index("<details") < ctrs_at
    assert "2026-12-02T" not in html and " Dec 2026, " in html


@pytest.mark.parametrize("modality", ["MI", "CBT"])
def test_markdown_report_leads_with_the_sessions_own_scale(modality):
    from clientsim.judge.report import build_report
    from clientsim.judge.report import render_md

    turns = [{"index": i, "speaker": "client" if i % 2 == 0 else "counsellor",
              "text": "I want to change but it is hard." if i % 2 == 0 else "What makes it hard right now?"}
             for i in range(12)]
    md = render_md(build_report({"id": "s1", "status": "ended", "turns": turns,
                                 "persona": {"id": "p", "name": "Pat", "modality": [modality]}}))
    ctrs_at, miti_at = md.index("CBT competence (CTRS)"), md.index("Summary against the MITI")
    assert (ctrs_at < miti_at) == (modality == "CBT")
    assert ("this was a CBT session" in md) == (modality == "CBT")
    assert ("this was not a CBT session" in md) == (modality == "MI")
