"""The client's state in the window: the review's chart and the beginners' openness meter (no model needed)."""

from __future__ import annotations

import pytest

from clientsim.client.state import StateTracker
from clientsim.judge.report import build_report
from clientsim.personas import PersonaLibrary
from clientsim.settings import Settings
from clientsim.ui.main_window import MainWindow
from clientsim.ui.review_panel import ReviewPanel

LINES = [
    ("You need to stop drinking, honestly, you're in denial about it.", "confront"),
    ("You're fed up with people telling you what to do.", "complex_reflection"),
    ("It's your call what happens next.", "emphasizing_autonomy"),
    ("What would be different for you and Owen if something changed?", "open_question"),
]


def transcript_with_state(persona_id: str = "daniel-alcohol") -> dict:
    persona = PersonaLibrary.load().get(persona_id)
    tracker = StateTracker(persona, 4)
    at = "2026-12-02T09:00:00.000Z"
    turns = [{"index": 0, "speaker": "client", "text": persona.opening_statement, "at": at,
              "meta": {"opening": True, "state": tracker.start.summary()}}]
    for text, code in LINES:
        coded = {"code": code, "confidence": 0.9, "others": []}
        turns.append({"index": len(turns), "speaker": "counsellor", "text": text, "at": at, "meta": {"mi": coded}})
        _, move = tracker.after_counsellor(text, coded, len(turns) - 1)
        turns.append({"index": len(turns), "speaker": "client", "text": "Right.", "at": at,
                      "meta": {"state": tracker.record(move, coded)}})
    return {"format": "clientsim.session/1", "id": "s1", "persona": persona.to_dict(), "model": {},
            "started_at": at, "status": "ended", "turns": turns}


def test_review_charts_how_the_client_responded(qtbot, screenshots_dir):
    report = build_report(transcript_with_state(), other_sections=False)
    section = report["client"]
    assert [p["counsellor_index"] for p in section["points"]] == [1, 3, 5, 7]
    assert section["lowered"][0]["turn_index"] == 1, "the confrontation closed the client down most"
    assert section["raised"] and all(m["change"] > 0 for m in section["raised"])
    panel = ReviewPanel()
    qtbot.addWidget(panel)
    panel.resize(1000, 700)
    panel.show()
    panel.set_report(report)
    assert panel.tabs.isTabVisible(panel.client_tab)
    chart = panel.client_chart
    curves = chart.plot.getPlotItem().listDataItems()
    assert len(curves) == 3 and all(len(c.getData()[0]) == len(section["points"]) + 1 for c in curves)
    assert "in denial" in chart.movers.text() and "trust in you went from" in chart.summary.text()
    panel.tabs.setCurrentIndex(panel.client_tab)
    qtbot.wait(50)
    assert panel.grab().save(str(screenshots_dir / "review-client-state.png"))


def test_a_transcript_without_state_has_no_chart(qtbot):
    data = transcript_with_state()
    for t in data["turns"]:
        t["meta"].pop("state", None)
    report = build_report(data, other_sections=False)
    assert "client" not in report
    panel = ReviewPanel()
    qtbot.addWidget(panel)
    panel.set_report(report)
    assert not panel.tabs.isTabVisible(panel.client_tab)


def test_the_saved_report_says_how_the_client_responded():
    from clientsim.judge.report import render

    report = build_report(transcript_with_state(), other_sections=False)
    html, md = render(report, "html"), render(report, "md")
    assert "How the client responded" in html and "in denial" in html
    assert "## How the client responded" in md and "trust in you went from" in md


@pytest.mark.parametrize("on", [True, False])
def test_openness_meter_follows_the_instructor_setting(qtbot, on):
    w = MainWindow(settings=Settings(openness_meter=on), load_model=False)
    qtbot.addWidget(w)
    meter = w.openness_meter
    assert meter.isHidden() is (not on)  # the session page itself is hidden until a session opens
    w.session_view.controller.clientState.emit({"openness": 7.4, "trust": 6.0})
    assert meter.bar.value() == 74 and meter.words.text() == "open"
    w.session_view.controller.clientState.emit(None)
    assert meter.bar.value() == 0
    w.apply_settings(Settings(openness_meter=not on))
    assert meter.isHidden() is on
    w.close()
