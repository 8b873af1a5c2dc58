"""`clientsim judge code|report` end to end, including bad input."""

from __future__ import annotations

import json

import pytest

from clientsim.cli.main import main
from clientsim.judge.report import build_report

from mi_sample import TURNS as SAMPLE_TURNS  # noqa: E402
from mi_sample import miti_band

TURNS = SAMPLE_TURNS[:8]


def transcript(turns=TURNS, **extra):
    return {"format": "clientsim.session/1", "id": "sess-1",
            "persona": {"id": "dan", "name": "Dan Miller", "presenting_problem": "drinking after work",
                        "mi": {"target_behaviour": "reduce drinking", "stage_of_change": "contemplation"}},
            "status": "ended", "started_at": "2026-11-22T02:00:00Z",
            "turns": [{"index": i, "speaker": s, "text": t, "at": "2026-11-22T02:00:00Z"}
                      for i, (s, t) in enumerate(turns)], **extra}


def test_code_jsonl_with_malformed_lines(tmp_path, capsys):
    src = tmp_path / "utt.jsonl"
    lines = [json.dumps({"id": f"u{i}", "session_id": "a", "speaker": s, "text": t}) for i, (s, t) in enumerate(TURNS)]
    lines.insert(2, "{not json")
    lines.insert(4, json.dumps({"id": "x1", "session_id": "a", "speaker": "narrator", "text": "Meanwhile..."}))
    lines.insert(5, json.dumps({"id": "x2", "session_id": "a", "text": "no speaker"}))
    lines.append(json.dumps({"id": "e1", "session_id": "b", "speaker": "client", "text": "  "}))
    lines.append(json.dumps({"id": "f1", "session_id": "b", "speaker": "counsellor",
                             "text": "Wie viele Zigaretten rauchen Sie jeden Tag zu Hause?"}))
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "codes.jsonl"
    assert main(["judge", "code", "--input", str(src), "--output", str(out)]) == 0
    err = capsys.readouterr().err
    assert "utt.jsonl:3: not valid JSON" in err
    assert "utt.jsonl:5: unknown speaker 'narrator'" in err
    assert "utt.jsonl:6: missing speaker" in err
    assert "does not look like English" in err
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == [f"u{i}" for i in range(len(TURNS))] + ["e1", "f1"]
    by_id = {r["id"]: r for r in rows}
    assert by_id["u0"]["family"] == "question" and by_id["u0"]["talk_type"] is None
    assert by_id["u2"]["code"] == "closed_question"
    assert by_id["u1"]["talk_type"] in ("change", "neutral", "sustain") and by_id["u1"]["family"] is None
    assert by_id["e1"]["confidence"] == 0.0
    assert by_id["f1"]["confidence"] <= 0.2
    for r in rows:
        assert set(r) >= {"id", "code", "family", "talk_type", "confidence"}


def test_code_missing_file(tmp_path, capsys):
    assert main(["judge", "code", "--input", str(tmp_path / "none.jsonl"), "--output", str(tmp_path / "o")]) == 2
    assert "input file not found" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["json", "md", "html"])
def test_report_formats(tmp_path, fmt, capsys):
    src = tmp_path / "s.json"
    src.write_text(json.dumps(transcript()), encoding="utf-8")
    out = tmp_path / f"r.{fmt}"
    assert main(["judge", "report", "--transcript", str(src), "--output", str(out), "--no-suggestions"]) == 0
    assert "band:" in capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    if fmt == "json":
        rep = json.loads(text)
        assert rep["format"] == "clientsim.report/1"
        mi = rep["mi"]
        assert len(mi["turns"]) == len(TURNS)
        assert {"code", "family", "talk_type", "confidence", "others"} <= set(mi["turns"][0])
        assert mi["summary"]["band"] == build_report(transcript(), engine=None)["mi"]["band"]
        assert mi["summary"]["band"] == miti_band(mi["summary"])
        assert mi["suggestions"] == [] and "none were made up" in mi["suggestions_note"]
        assert any(t["code"] == "persuade" for t in mi["turns"])
        assert mi["things_to_try"] and all("quote" in x and "turn_index" in x for x in mi["things_to_try"])
    elif fmt == "md":
        assert "Reflections per question (R:Q)" in text and "[Closed question" in text
    else:
        assert text.startswith("<!DOCTYPE html>") and 'id="turn-2"' in text


def test_report_bad_inputs(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{oops", encoding="utf-8")
    assert main(["judge", "report", "-t", str(bad), "-o", str(tmp_path / "r.json"), "--no-suggestions"]) == 2
    assert "bad.json: field '(JSON syntax)': not valid JSON at line 1" in capsys.readouterr().err

    nolist = tmp_path / "nolist.json"
    nolist.write_text(json.dumps({"id": "x"}), encoding="utf-8")
    assert main(["judge", "report", "-t", str(nolist), "-o", str(tmp_path / "r.json"), "--no-suggestions"]) == 2
    assert "no 'turns' list" in capsys.readouterr().err

    one = tmp_path / "one.json"
    tr = transcript([("counsellor", "What brings you here?"), ("counsellor", "Do you smoke?"),
                     ("robot", "beep"), ("counsellor", "")])
    one.write_text(json.dumps(tr), encoding="utf-8")
    out = tmp_path / "one-report.json"
    assert main(["judge", "report", "-t", str(one), "-o", str(out), "--no-suggestions"]) == 0
    err = capsys.readouterr().err
    assert "only counsellor turns" in err and "unknown speaker 'robot'" in err and "empty turn" in err
    rep = json.loads(out.read_text())
    assert rep["mi"]["summary"]["change_talk"] == 0
    assert [t["index"] for t in rep["mi"]["turns"]] == [0, 1, 3]


def test_thousand_turn_transcript(tmp_path):
    turns = [TURNS[i % len(TURNS)] for i in range(1000)]
    src = tmp_path / "long.json"
    src.write_text(json.dumps(transcript(turns)), encoding="utf-8")
    out = tmp_path / "long.json.out"
    assert main(["judge", "report", "-t", str(src), "-o", str(out), "-f", "json", "--no-suggestions"]) == 0
    rep = json.loads(out.read_text())
    assert len(rep["mi"]["turns"]) == 1000
    assert rep["mi"]["summary"]["counsellor_turns"] == 500


def test_bench_judge_measures_the_shipped_coder_on_another_folder(tmp_path, capsys):
    """`bench judge --shipped` is how transcripts the project never saw are measured: it must read a
    folder in AnnoMI's layout (here without the per-annotator file), code it with the shipped coder
    without retraining, and print the figures."""
    import csv

    from clientsim.judge.mi.data import annomi_dir

    src = annomi_dir() / "AnnoMI-simple.csv"
    from tests.conftest import need_annomi

    need_annomi()
    with src.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    def first(quality: str, n: int) -> set[str]:
        return set(list(dict.fromkeys(r["transcript_id"] for r in rows if r["mi_quality"] == quality))[:n])

    keep = first("low", 2) | first("high", 3)
    folder = tmp_path / "withheld"
    folder.mkdir()
    with (folder / "AnnoMI-simple.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(r for r in rows if r["transcript_id"] in keep)
    out_json = tmp_path / "figures.json"
    assert main(["bench", "judge", "--shipped", "--skip-llm", "--annomi", str(folder), "--json", str(out_json)]) == 0
    text = capsys.readouterr().out
    assert "AnnoMI: 5 transcripts (3 high, 2 low quality)" in text and "retraining" not in text.replace("no retraining", "")
    assert "n/a (no subtype labels)" in text
    figures = json.loads(out_json.read_text())
    assert figures["band"]["n_high"] == 3 and figures["band"]["n_low"] == 2
    # the shipped coder was trained on these transcripts: in sample it measured 0.957 (2026-12-02); the floor
    # keeps a margin for retraining, and is far above the 0.25 of a constant guess and the 0.75 of held-out CV
    assert figures["scores"]["family"]["macro_f1"] >= 0.88
    assert figures["band"]["majority_baseline"] == 0.6 and "every session 'fair': 0.600" in text
    assert figures["speed"]["ms_per_turn_mean"] > 0
