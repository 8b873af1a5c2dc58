"""Hostile files: one hardened JSON reader (core/safe_json.py) behind personas, transcripts,
JSONL, settings and manifests, and what each command says about a bad file.

Every case here was found by hand first (issue 12); tests/test_fuzz_readers.py throws
generated inputs at the same readers.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from clientsim import paths
from clientsim.cli.main import main
from clientsim.core import safe_json
from clientsim.core.errors import BadFile
from clientsim.core.text import printable
from clientsim.personas import PersonaLibrary, validate_file
from clientsim.settings import Settings

BUNDLED = paths.bundled_personas_dir()
GOOD_PERSONA = BUNDLED / "daniel-alcohol.json"


def deep(n: int) -> str:
    return "[" * n + "]" * n


HOSTILE_TEXTS = {
    "nested": '{"id": ' + deep(100_000) + "}",
    "surrogate": '{"id": "x", "name": "A\\ud800B"}',
    "nan": '{"id": "x", "voice": {"length_scale": NaN}}',
    "infinity": '{"id": "x", "n": -Infinity}',
    "huge-int": '{"id": "x", "seed": ' + "9" * 5000 + "}",
    "big-int": '{"id": "x", "seed": 18446744073709551616}',
    "overflow-float": '{"id": "x", "v": 1e400}',
}


@pytest.mark.parametrize("name", sorted(HOSTILE_TEXTS))
def test_reader_refuses_with_file_field_and_problem(tmp_path, name):
    path = tmp_path / f"{name}.json"
    path.write_text(HOSTILE_TEXTS[name], encoding="utf-8")
    with pytest.raises(BadFile) as err:
        safe_json.read_json(path)
    assert str(path) in str(err.value) and err.value.field and err.value.problem


def test_reader_refuses_fifo_device_symlinks_folders_and_big_files_without_blocking(tmp_path):
    fifo = tmp_path / "x.json"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.json"
    zero.symlink_to("/dev/zero")
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (safe_json.MAX_BYTES + 1))
    folder = tmp_path / "dir.json"
    folder.mkdir()
    t0 = time.monotonic()
    for path, words in ((fifo, "named pipe"), (zero, "a device"), (big, "at most"), (folder, "folder"),
                        (tmp_path / "missing.json", "does not exist")):
        with pytest.raises(BadFile, match=words):
            safe_json.read_json(path)
    assert time.monotonic() - t0 < 5


def test_nesting_is_measured_outside_strings():
    assert safe_json.nesting_depth('{"a": "[[[[{{{{", "b": [1, [2]]}') == 3
    assert safe_json.nesting_depth('"\\"[[["') == 0
    assert safe_json.loads('{"text": "' + "[" * 1000 + '"}') == {"text": "[" * 1000}


def test_a_good_persona_still_loads_through_the_reader():
    assert safe_json.read_json(GOOD_PERSONA)["id"] == "daniel-alcohol"


# -- personas --------------------------------------------------------------------------


def hostile_persona_folder(folder: Path) -> dict[str, str]:
    """A user pack with one good override and one file of each hostile kind; returns name -> expected words."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(GOOD_PERSONA, folder / "daniel-alcohol.json")
    good = json.loads(GOOD_PERSONA.read_text(encoding="utf-8"))
    (folder / "nested.json").write_text('{"id": ' + deep(50_000) + "}", encoding="utf-8")
    raw = json.dumps({**good, "id": "surrogate"})
    (folder / "surrogate.json").write_text(raw.replace('"name": "', '"name": "\\udc80', 1), encoding="utf-8")
    nan = json.dumps({**good, "id": "nan-voice", "voice": {"length_scale": 1.0}}).replace(
        '"length_scale": 1.0', '"length_scale": NaN')
    (folder / "nan-voice.json").write_text(nan, encoding="utf-8")
    os.mkfifo(folder / "fifo.json")
    (folder / "zero.json").symlink_to("/dev/zero")
    return {"nested.json": "levels deep", "surrogate.json": "lone surrogate", "nan-voice.json": "NaN",
            "fifo.json": "named pipe", "zero.json": "a device"}


def test_broken_files_in_the_persona_folder_are_skipped_and_named(tmp_path):
    expected = hostile_persona_folder(tmp_path / "pack")
    library = PersonaLibrary.load([BUNDLED, tmp_path / "pack"])
    assert len(library) == len(PersonaLibrary.load([BUNDLED]))
    problems = {Path(e.path).name: e.problem for e in library.errors}
    assert set(problems) == set(expected)
    for name, words in expected.items():
        assert words in problems[name], (name, problems[name])


def test_validate_agrees_with_loading(tmp_path, capsys):
    expected = hostile_persona_folder(tmp_path / "pack")
    for name in expected:
        assert validate_file(tmp_path / "pack" / name), name
    assert main(["personas", "validate", str(tmp_path / "pack")]) == 1
    out = capsys.readouterr().out
    assert "1 valid, 5 invalid" in out and "ok      " in out
    for name in expected:
        assert f"INVALID {tmp_path / 'pack' / name}" in out


def test_nan_voice_settings_in_a_stored_persona_are_refused():
    from clientsim.core.errors import PersonaError
    from clientsim.personas import persona_from_dict

    data = json.loads(GOOD_PERSONA.read_text(encoding="utf-8"))
    data["voice"] = {"length_scale": float("nan")}
    with pytest.raises(PersonaError, match="voice.length_scale.*not a finite number"):
        persona_from_dict(data)


def test_personas_list_names_skipped_files(clientsim_home, capsys):
    hostile_persona_folder(paths.user_personas_dir())
    assert main(["personas", "list"]) == 0
    err = capsys.readouterr().err
    assert "5 problem(s) in persona files; those files were skipped" in err
    assert "fifo.json" in err and "zero.json" in err


# -- settings, manifests -------------------------------------------------------------------


@pytest.mark.parametrize("text", [HOSTILE_TEXTS["nested"], HOSTILE_TEXTS["surrogate"], '{"voice": {"mute": NaN}}'])
def test_hostile_settings_are_set_aside_and_defaults_used(tmp_path, text):
    path = tmp_path / "settings.json"
    path.write_text(text, encoding="utf-8")
    s = Settings.load(path)
    assert s == Settings() and "could not be read" in s.notices[0] and "kept as" in s.notices[0]
    assert not path.exists() and list(tmp_path.glob("settings.json.corrupt-*"))


def test_settings_that_are_a_fifo_do_not_hang(tmp_path):
    path = tmp_path / "settings.json"
    os.mkfifo(path)
    s = Settings.load(path)
    assert "named pipe" in s.notices[0]


# -- transcripts and JSONL ---------------------------------------------------------------------


def transcript(**extra) -> dict:
    return {"format": "clientsim.session/1", "id": "sess-1", "persona": {"id": "dan", "name": "Dan"},
            "model": {"name": "m"}, "seed": 1, "status": "ended", "started_at": "2026-11-22T02:00:00Z",
            "ended_at": None,
            "turns": [{"index": i, "speaker": s, "text": t, "at": "2026-11-22T02:00:00Z"}
                      for i, (s, t) in enumerate([("counsellor", "Hello."), ("client", "Hi.")])], **extra}


@pytest.mark.parametrize("text, words", [
    ('{"format": "clientsim.session/1", "id": ' + deep(40_000) + "}", "levels deep"),
    (json.dumps(transcript(id="x")).replace('"id": "x"', '"id": "\\ud800"'), "lone surrogate"),
    (json.dumps(transcript()).replace('"seed": 1', '"seed": 123456789012345678901234567890'), "integer"),
    (json.dumps(transcript()).replace('"seed": 1', '"seed": 9223372036854775808'), "integer too large"),
])
def test_sessions_import_refuses_hostile_transcripts_without_a_traceback(tmp_path, capsys, text, words):
    path = tmp_path / "t.json"
    path.write_text(text, encoding="utf-8")
    assert main(["sessions", "import", str(path)]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err and str(path) in err


def test_turn_meta_and_state_stay_allowed(tmp_path, capsys):
    data = transcript()
    data["turns"][1]["meta"] = {"guard": "ok"}
    data["turns"][1]["state"] = {"trust": 0.4, "mood": "guarded"}
    path = tmp_path / "t.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main(["sessions", "import", str(path)]) == 0
    assert main(["sessions", "import", str(path)]) == 0
    assert "already in the database" in capsys.readouterr().out


def test_transcript_schema_enums_are_the_storage_lists():
    from clientsim.sessions.transcript import SCHEMA_PATH
    from clientsim.storage.values import SPEAKERS, STATUSES

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert tuple(schema["properties"]["status"]["enum"]) == STATUSES
    assert tuple(schema["$defs"]["turn"]["properties"]["speaker"]["enum"]) == SPEAKERS


def test_judge_report_hostile_transcript_keeps_the_old_output(tmp_path, capsys):
    out = tmp_path / "report.json"
    out.write_text("the previous report", encoding="utf-8")
    for text in (HOSTILE_TEXTS["nested"], HOSTILE_TEXTS["surrogate"]):
        src = tmp_path / "t.json"
        src.write_text(text, encoding="utf-8")
        assert main(["judge", "report", "-t", str(src), "-o", str(out), "--no-suggestions"]) == 2
        assert "Traceback" not in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "the previous report"


def test_judge_code_skips_hostile_lines_and_replaces_its_output_in_one_step(tmp_path, capsys):
    src = tmp_path / "u.jsonl"
    good = json.dumps({"id": "u1", "session_id": "a", "speaker": "counsellor", "text": "What brings you here?"})
    src.write_bytes(b"\n".join([
        good.encode(), deep(10_000).encode(), b'{"id": "u2", "speaker": "client", "text": "\\ud800"}',
        b'{"id": "u3", "speaker": "client", "text": "bad \xff byte"}', b'{"id": NaN}',
    ]) + b"\n")
    out = tmp_path / "codes.jsonl"
    out.write_text("old codes\n", encoding="utf-8")
    assert main(["judge", "code", "-i", str(src), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert ":2: " in err and "levels deep" in err and ":3: " in err and "lone surrogate" in err
    assert ":4: " in err and "not UTF-8" in err and ":5: " in err and "NaN" in err
    assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] == ["u1"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# -- printing what files hold -------------------------------------------------------------


def test_printable_defuses_terminal_escapes_and_cuts_long_ids():
    assert printable("a\x1b]0;pwned\x07b\x9b2J") == "a\\x1b]0;pwned\\x07b\\x9b2J"
    assert printable("x" * 10_000, 36) == "x" * 35 + "…"
    assert printable("line\nnext", newlines=False) == "line\\nnext"
    assert printable("bad \ud800") == "bad \\ud800"
    assert printable("\u202eevil") == "\\u202eevil"


def test_terminal_escapes_in_persona_files_and_their_names_are_not_printed_raw(tmp_path, capsys):
    folder = tmp_path / "pack"
    folder.mkdir()
    good = json.loads(GOOD_PERSONA.read_text(encoding="utf-8"))
    (folder / "esc\x1b]0;owned\x07.json").write_text("{", encoding="utf-8")
    evil = {**good, "id": "evil", "name": "Evil \x1b[2J Name"}
    (folder / "evil.json").write_text(json.dumps(evil), encoding="utf-8")
    assert main(["personas", "validate", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\\x1b]0;owned\\x07" in out
    assert main(["personas", "list", "--dir", str(folder)]) == 0
    captured = capsys.readouterr()
    assert "\x1b" not in captured.out + captured.err


def test_sessions_list_and_show_defuse_escapes_cut_long_ids_and_show_local_time(clientsim_home, capsys, monkeypatch):
    from clientsim.storage import Database

    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    try:
        long_id = "x" * 100_000
        with Database.open() as db:
            db.import_session(session_id=long_id, persona={"id": "p", "name": "Eve \x1b[31mred"}, model={},
                              seed=None, started_at="2026-11-20T09:00:00+05:00", ended_at=None, status="ended",
                              turns=[{"index": 0, "speaker": "counsellor", "text": "hi \x1b]0;title\x07", "at":
                                      "2026-11-20T09:00:01Z"}])
        assert main(["sessions", "list"]) == 0
        out = capsys.readouterr().out
        assert "\x1b" not in out and len(out) < 1000 and "x" * 35 + "…" in out
        assert "2026-11-20 09:30" in out  # 09:00+05:00 is 03:30 UTC, 09:30 in Kolkata (+05:30)
        assert main(["sessions", "show", "x" * 50]) == 0
        out = capsys.readouterr().out
        assert "\x1b" not in out and "\\x1b]0;title\\x07" in out and "2026-11-20T09:30:00+05:30" in out
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
