"""A session with no or too little counsellor talk gets "not enough to rate", not a band."""

from __future__ import annotations

import json

import pytest

from clientsim.cli.main import main
from clientsim.judge.report import MIN_RATED_COUNSELLOR_TURNS, NOT_RATED, build_report, render, score_rows

from mi_sample import TURNS


def transcript(turns):
    return {"format": "clientsim.session/1", "id": "s", "persona": {}, "model": {}, "status": "ended",
            "started_at": "2026-11-22T02:00:00Z",
            "turns": [{"index": i, "speaker": s, "text": t, "at": "2026-11-22T02:00:00Z"}
                      for i, (s, t) in enumerate(turns)]}


CLIENT_ONLY = [("client", "I drink a bit too much, I suppose."), ("client", "My wife says so anyway.")]
TWO_QUESTIONS = [("counsellor", "What brings you here?"), ("client", "My drinking."),
                 ("counsellor", "How much do you drink?"), ("client", "A bottle a night.")]


@pytest.mark.parametrize("turns, words", [
    ([], "there are no turns with words"),
    (CLIENT_ONLY, "only the client speaks (2 turn(s))"),
    ([("counsellor", "   "), *CLIENT_ONLY], "only the client speaks"),
    (TWO_QUESTIONS, "the counsellor speaks in only 2 turn(s)"),
])
def test_too_little_counsellor_talk_is_not_rated(turns, words):
    report = build_report(transcript(turns), other_sections=False)
    mi = report["mi"]
    assert mi["band"] == NOT_RATED and words in mi["not_rated"]
    assert mi["summary"]["technical"] is None and mi["summary"]["relational"] is None
    assert set(mi["summary"]["globals"].values()) == {None}
    assert any(words in w for w in report["warnings"])
    scores = score_rows(report)
    assert "mi.band" not in scores and "mi.technical" not in scores and "mi.empathy" not in scores
    md, html = render(report, "md"), render(report, "html")
    assert "Overall band: not enough to rate" in md and words in md
    assert "not enough to rate" in html and "n/a" in md


def test_enough_talk_still_gets_a_band():
    report = build_report(transcript(TURNS[: 2 * MIN_RATED_COUNSELLOR_TURNS + 2]), other_sections=False)
    assert report["mi"]["band"] in ("below fair", "fair", "good") and report["mi"]["not_rated"] is None


def test_cli_says_not_enough_to_rate(tmp_path, capsys):
    src = tmp_path / "t.json"
    src.write_text(json.dumps(transcript(CLIENT_ONLY)), encoding="utf-8")
    out = tmp_path / "r.json"
    assert main(["judge", "report", "-t", str(src), "-o", str(out), "--no-suggestions"]) == 0
    captured = capsys.readouterr()
    assert "not enough to rate" in captured.out and "band:" not in captured.out
    assert "only the client speaks" in captured.err
    assert json.loads(out.read_text())["mi"]["band"] == NOT_RATED
