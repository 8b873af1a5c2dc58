"""Blind-set loaders: structure only, and a malformed case is named by file and line.

These tests never print or inspect what the sealed sets say; they load them to check that the files the
benches score are whole (the counts the READMEs give) and use temporary files for the broken cases.
"""

from __future__ import annotations

import json

import pytest

from clientsim.judge.validation import (BLIND_DIR, BlindSetError, blind_files, load_ctrs_doc, load_ctrs_docs,
                                        load_mi_session, load_mi_sessions, load_safety_cases, sha256_of)


def _mi(turns) -> dict:
    return {"format": "clientsim.blind-mi/1", "id": "x", "persona_id": "p", "skill": "poor", "turns": turns}


GOOD_MI = [{"speaker": "client", "text": "i drink a bit", "talk_type": "sustain"},
           {"speaker": "counsellor", "text": "tell me more", "code": "open_question"},
           {"speaker": "client", "text": "ok", "talk_type": "neutral"},
           {"speaker": "counsellor", "text": "you're in charge here", "code": "emphasizing_autonomy",
            "secondary": ["other"]}]


def _write(tmp_path, name, doc) -> object:
    p = tmp_path / name
    p.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return p


def test_good_practice_session_loads(tmp_path):
    s = load_mi_session(_write(tmp_path, "a.json", _mi(GOOD_MI)))
    assert [t["speaker"] for t in s["turns"]] == ["client", "counsellor", "client", "counsellor"]
    assert s["turns"][3]["code"] == "emphasizing_autonomy" and s["turns"][3]["secondary"] == ["other"]
    assert s["turns"][0]["talk_type"] == "sustain"


def test_unknown_code_names_file_and_line_of_the_turn(tmp_path):
    turns = [dict(t) for t in GOOD_MI]
    turns[3]["code"] = "reflection_maybe"
    path = _write(tmp_path, "bad.json", _mi(turns))
    raw = path.read_text(encoding="utf-8").splitlines()
    with pytest.raises(BlindSetError) as e:
        load_mi_session(path)
    line = e.value.line
    assert str(path) in str(e.value) and f":{line}:" in str(e.value)
    # the line named is where the fourth turn starts (its opening brace)
    assert raw[line - 1].strip() == "{" and "you're in charge here" in " ".join(raw[line:line + 4])
    assert "turn 4" in str(e.value) and "reflection_maybe" in str(e.value)


def test_broken_json_names_its_line(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"format": "clientsim.blind-mi/1",\n "turns": [\n {"speaker": "client" "text": "x"}]}\n',
                    encoding="utf-8")
    with pytest.raises(BlindSetError) as e:
        load_mi_session(path)
    assert e.value.line == 3 and "not valid JSON" in str(e.value)


def test_wrong_format_and_missing_turn_text(tmp_path):
    with pytest.raises(BlindSetError, match="expected 'clientsim.blind-mi/1'"):
        load_mi_session(_write(tmp_path, "f.json", {**_mi(GOOD_MI), "format": "other/1"}))
    turns = [dict(t) for t in GOOD_MI]
    turns[1]["text"] = "  "
    with pytest.raises(BlindSetError, match="turn 2: the turn has no text"):
        load_mi_session(_write(tmp_path, "g.json", _mi(turns)))


def _cases(cases) -> dict:
    return {"format": "clientsim.safety-cases/1", "split": "blind", "cases": cases}


def test_safety_case_errors_name_the_case_line(tmp_path):
    good = {"id": "a1", "check": "stigma", "expect": True,
            "turns": [["client", "hello"], ["counsellor", "hi"]]}
    bad = {"id": "a2", "check": "stigmaa", "expect": False, "turns": [["client", "hello"]]}
    path = _write(tmp_path, "cases.json", _cases([good, bad]))
    with pytest.raises(BlindSetError) as e:
        load_safety_cases(path)
    raw = path.read_text(encoding="utf-8").splitlines()
    assert "case 'a2'" in str(e.value) and '"a2"' in raw[e.value.line]  # the object starts one line above its id
    bad2 = {"id": "a3", "check": "stigma", "expect": "yes", "turns": [["client", "x"]]}
    with pytest.raises(BlindSetError, match="'expect' must be true or false"):
        load_safety_cases(_write(tmp_path, "c2.json", _cases([good, bad2])))
    bad3 = {"id": "a4", "check": "stigma", "expect": True, "turns": [["client", "x"], ["therapist", "y"]]}
    with pytest.raises(BlindSetError) as e:
        load_safety_cases(_write(tmp_path, "c3.json", _cases([good, bad3])))
    assert "turn 2" in str(e.value) and "therapist" in str(e.value)
    assert len(load_safety_cases(_write(tmp_path, "ok.json", _cases([good])))) == 1
    with pytest.raises(BlindSetError, match="id used twice"):
        load_safety_cases(_write(tmp_path, "dup.json", _cases([good, good])))


def test_ctrs_doc_needs_every_item_scored_0_to_6(tmp_path):
    from clientsim.judge.ctrs import ITEM_KEYS

    doc = {"format": "clientsim.ctrs-graded/1", "id": "g", "persona_id": "riley-panic",
           "intended": {k: 3 for k in ITEM_KEYS}, "turns": [["counsellor", "hi"], ["client", "hello"]]}
    ok = load_ctrs_doc(_write(tmp_path, "ok.json", doc))
    assert ok["transcript"]["turns"][0]["speaker"] == "counsellor" and sum(ok["intended"].values()) == 33
    doc["intended"]["homework"] = 7
    with pytest.raises(BlindSetError, match="homework"):
        load_ctrs_doc(_write(tmp_path, "bad.json", doc))


def test_sealed_sets_are_whole():
    """The benches' input is complete: counts as the READMEs give them (contents are not looked at)."""
    mi = load_mi_sessions()
    assert len(mi) == 14 and sum(t["speaker"] == "counsellor" for s in mi for t in s["turns"]) == 254
    cases = load_safety_cases()
    assert len(cases) == 180 and sum(c["expect"] for c in cases) == 90
    assert len(load_ctrs_docs()) == 15


def test_blind_hashes_in_docs_match_the_files():
    docs = (BLIND_DIR.parents[1] / "docs" / "validation.md").read_text(encoding="utf-8")
    files = blind_files()
    assert len(files) == 14 + 1 + 15
    for f in files:
        assert sha256_of(f) in docs, f"{f.name}: sha256 not recorded in docs/validation.md (or the file changed)"
