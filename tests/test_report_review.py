"""The review a student reads: one report package, escaped HTML, screen and print variants, Markdown with the
same sections, the session's own scale first, counts that match the transcript, turn numbers that match the
chat, a broken section that fails loudly, and the review on screen at several window and font sizes."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from clientsim.judge.report import SessionReport, build_report, render_html, render_md, save_report_to_db
from mi_sample import TURNS, transcript

LINES = [
    ("client", "My doctor sent me. I'm not sure I need to be here."),
    ("counsellor", "Thanks for coming in. What would you like to talk about today?"),
    ("client", "The drinking, I guess. My wife says it's a problem. <script>alert('x')</script>"),
    ("counsellor", "It's up to you what we look at. What do you think?"),
    ("client", "I think I drink more than I used to."),
    ("counsellor", "You've noticed it creeping up, and that worries you a little."),
    ("client", "Yeah. Mornings are rough."),
    ("counsellor", "You need to cut down, it's bad for your liver."),
    ("client", "Everyone says that."),
    ("counsellor", "You're tired of being told what to do, and you'd like to decide for yourself."),
    ("client", "Exactly. I want to be fit for the kids."),
    ("counsellor", "Your kids matter a lot to you. Well done for thinking about them."),
]


def _transcript(modality: str, lines=LINES, sid: str = "s-review") -> dict:
    return {"format": "clientsim.session/1", "id": sid, "status": "ended",
            "started_at": "2026-12-02T13:52:00+00:00", "ended_at": "2026-12-02T14:15:10+00:00",
            "persona": {"id": "pat", "name": "Pat Reyes", "presenting_problem": "drinking after work",
                        "modality": [modality]},
            "turns": [{"index": i, "speaker": s, "text": t, "at": "2026-12-02T14:00:00+00:00"}
                      for i, (s, t) in enumerate(lines)]}


@pytest.fixture(scope="module")
def mi_report():
    return build_report(_transcript("MI"))


@pytest.fixture(scope="module")
def cbt_report():
    return build_report(_transcript("CBT"))


def test_html_is_autoescaped_and_a_typed_script_shows_as_text(qtbot, mi_report):
    from PySide6.QtWidgets import QTextBrowser

    for variant in ("print", "screen"):
        html = render_html(mi_report, variant)
        assert "<script" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    browser = QTextBrowser()
    qtbot.addWidget(browser)
    browser.setHtml(render_html(mi_report, "screen"))
    assert "<script>alert('x')</script>" in browser.toPlainText()
    md = render_md(mi_report)
    assert "<script" not in md and "&lt;script>alert('x')&lt;/script>" in md


def test_print_and_screen_variants_differ(mi_report):
    printed, screen = render_html(mi_report, "print"), render_html(mi_report, "screen")
    assert "max-width: 60em" in printed and "max-width" not in screen
    assert "font-size: 11pt" in printed and "font-size: 11pt" not in screen  # the window's own font on screen
    assert "<details" in printed and "<details" not in screen  # QTextBrowser has no <details>: a link instead
    assert 'href="#show-other-scale"' in screen and "competence line" not in screen
    assert "competence line" in render_html(mi_report, "screen", show_other=True)
    with pytest.raises(ValueError):
        render_html(mi_report, "poster")


def _html_sections(html: str) -> list[str]:
    return [re.sub("<[^>]+>", "", h) for h in re.findall(r"<h[23][^>]*>(.*?)</h[23]>", html)]


def _md_sections(md: str) -> list[str]:
    return [m.group(2) for m in re.finditer(r"^(##|###) (.+)$", md, re.M) if not m.group(2).startswith("For reference")]


@pytest.mark.parametrize("which", ["mi", "cbt"])
def test_markdown_renders_the_same_sections_in_the_same_order(which, mi_report, cbt_report):
    report = mi_report if which == "mi" else cbt_report
    html_sections = _html_sections(render_html(report, "print"))
    assert _md_sections(render_md(report)) == html_sections
    for needed in ("Safety review", "MI skills (MITI 4.2.1)", "CBT competence (CTRS)", "What you did, counted",
                   "Things to try", "Your transcript, coded"):
        assert needed in html_sections, needed


def test_the_sessions_own_scale_leads_and_an_mi_session_never_headlines_the_ctrs(mi_report, cbt_report):
    mi, cbt = SessionReport.from_dict(mi_report), SessionReport.from_dict(cbt_report)
    assert mi.lead == "MITI" and mi.other_scale == "CTRS" and mi.headline.startswith("MITI band: ")
    assert "CTRS" not in mi.headline and "competence" not in mi.headline
    assert cbt.lead == "CTRS" and cbt.other_scale == "MITI" and cbt.headline.startswith("CTRS total ")
    head = render_html(mi_report, "screen").split("<h2")[0]
    assert "MITI band" in head and "CTRS" not in head


def test_dates_durations_and_turn_counts_in_words(mi_report):
    r = SessionReport.from_dict(mi_report)
    assert re.fullmatch(r"2 Dec 2026, \d\d:\d\d", r.started) and r.duration == "23 min"
    assert r.turns_words == "6 counsellor turns (12 in all)"
    md = render_md(mi_report)
    assert "Session of 2 Dec 2026, " in md and ", 23 min · 6 counsellor turns (12 in all)" in md
    assert "T13:52" not in md and "+00:00" not in md


def test_a_code_shown_in_the_transcript_is_counted_in_the_table():
    report = build_report(_transcript("MI", LINES + list(TURNS)))
    shown: dict[str, int] = {}
    for t in report["mi"]["turns"]:
        if t["speaker"] == "counsellor":
            for code in {t["code"], *t.get("others", [])}:
                shown[code] = shown.get(code, 0) + 1
    assert any(t.get("others") for t in report["mi"]["turns"]), "the sample must hold a secondary code"
    table = {c.code: c.count for c in SessionReport.from_dict(report).mi.counts}
    assert {code: n for code, n in table.items() if n} == shown
    md = render_md(report)
    for code, n in shown.items():
        label = report["mi"]["codes"][code]["label"]
        assert f"| {label} | {n} |" in md, (label, n)


def test_an_older_stored_report_without_the_new_keys_still_renders():
    report = build_report(transcript())
    report.pop("session")
    report["mi"]["summary"].pop("code_counts_all")
    r = SessionReport.from_dict(report)
    assert r.started == "" and r.duration == "" and "Your transcript, coded" in render_html(report)


@pytest.mark.parametrize("broken", ["clientsim.judge.safety", "clientsim.judge.ctrs",
                                    "clientsim.client.state.review"])
def test_a_broken_section_fails_loudly_instead_of_vanishing(broken):
    # Blocking a module in sys.modules makes importing it raise ModuleNotFoundError, as a missing or broken
    # file would; the report and the review must not turn that into "no such section" or "not available".
    code = (f"import sys; sys.modules[{broken!r}] = None\n"
            "try:\n    import clientsim.ui.review_panel\nexcept ModuleNotFoundError as exc:\n"
            "    print('LOUD', exc.name)\nelse:\n    print('QUIET')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.stdout.strip() == f"LOUD {broken}", out.stdout + out.stderr


def test_a_section_that_raises_fails_the_report(monkeypatch):
    def broken(*_a, **_k):
        raise RuntimeError("safety check crashed")

    monkeypatch.setattr("clientsim.judge.safety.review", broken)
    with pytest.raises(RuntimeError, match="safety check crashed"):
        build_report(transcript())


# ---------------------------------------------------------------- on screen


def _mid_word_breaks(document) -> list[str]:
    """Words that the layout split across two lines ("Reflectio|ns")."""
    broken = []
    block = document.begin()
    while block.isValid():
        layout, text = block.layout(), block.text()
        for i in range(1, layout.lineCount() if layout else 0):
            at = layout.lineAt(i).textStart()
            if 0 < at < len(text) and text[at - 1].isalnum() and text[at].isalnum():
                start = max(text.rfind(" ", 0, at), 0)
                broken.append(text[start:at + 6].strip())
        block = block.next()
    return broken


def _past_session_with_report(persona_id: str) -> str:
    from clientsim.personas import PersonaLibrary
    from clientsim.sessions.session import PracticeSession
    from clientsim.storage import Database
    from ui_helpers import make_past_session

    persona = PersonaLibrary.load().personas[persona_id]
    sid = make_past_session(persona, turns=[(s, t) for s, t in LINES + list(TURNS)])
    with Database.open() as db:
        data = PracticeSession.open(db, sid).transcript()
        save_report_to_db(db, sid, build_report(data))
    return sid


@pytest.mark.parametrize("size,font", [((1024, 640), 9), ((1024, 640), 20), ((1920, 1080), 9), ((1920, 1080), 20)])
@pytest.mark.parametrize("persona_id", ["daniel-alcohol", "marcus-perfectionism"])
def test_review_reads_well_at_several_window_and_font_sizes(qtbot, screenshots_dir, size, font, persona_id):
    from clientsim.ui.report_view import ReportView
    from ui_helpers import window_at

    sid = _past_session_with_report(persona_id)
    w = window_at(qtbot, size, font)
    w.open_past_session(sid)
    sv = w.session_view
    qtbot.waitUntil(lambda: isinstance(sv.review.report_widget, ReportView), timeout=10_000)
    view = sv.review.report_widget
    qtbot.wait(100)
    # the review opens at the page's full width; the chat is one click away, its turns numbered as the report's
    assert not sv.conversation.isVisible() and sv.review.width() >= 0.9 * sv.split.width()
    numbers = [b.number for b in sv.transcript.blocks]
    assert numbers == list(range(len(LINES) + len(TURNS)))
    assert [t.number for t in view.typed.turns] == numbers
    # the header counts turns in the report's words
    assert view.typed.turns_words in sv.subtitle.text()
    # the session's own scale leads; the other waits behind a link
    lead = "MITI band" if persona_id == "daniel-alcohol" else "CTRS total "
    text = view.browser.toPlainText()
    assert lead in text.split("Safety review")[0]
    folded = "competence line" if persona_id == "daniel-alcohol" else "Summary against the MITI"
    assert folded not in text
    name = f"review-{persona_id.split('-')[0]}-{size[0]}x{size[1]}-{font}pt"
    w.grab().save(str(screenshots_dir / f"{name}.png"))
    doc = view.browser.document()
    assert view.browser.horizontalScrollBar().maximum() == 0, (doc.size().width(), view.browser.viewport().width())  # nothing wider than the review
    broken = _mid_word_breaks(view.browser.document())
    assert not broken, broken
    view.set_show_other(True)
    qtbot.wait(50)
    assert folded in view.browser.toPlainText()
    view.browser.scrollToAnchor("turn-3")
    sv.review.chat_button.click()
    qtbot.wait(50)
    assert sv.conversation.isVisible()
    w.grab().save(str(screenshots_dir / f"{name}-with-chat.png"))
    w.close()
