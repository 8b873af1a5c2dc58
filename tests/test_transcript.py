"""Transcript files (clientsim.session/1) and `clientsim sessions`, on real SQLite files."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from clientsim.cli.main import main
from clientsim.core.errors import StorageError, UserError
from clientsim.sessions.transcript import (
    FORMAT,
    export_session,
    import_transcript,
    read_transcript,
    validate_transcript,
    write_transcript,
)
from clientsim.storage import Database, now_iso

PERSONA = {"id": "maya", "name": "Maya Collins", "history": "Started drinking more after the move 🏠."}
MODEL = {"name": "qwen2.5-coder-1.5b-instruct", "sha256": "cd" * 32, "quantization": "Q4_K_M"}
LINES = [
    ("counsellor", "What brings you in today?"),
    ("client", "My partner thinks I drink too much. I don't know… מה אתה חושב?"),
    ("counsellor", "You're not sure it's a problem, and it matters what others think. 🤔"),
    ("client", "Yeah. " * 3000),
]


def make_session(db: Database, sid: str = "sess-1", status: str = "ended") -> str:
    db.create_session(session_id=sid, persona=PERSONA, model=MODEL, seed=42, started_at="2026-11-20T09:00:00.000Z")
    for i, (speaker, text) in enumerate(LINES):
        db.add_turn(sid, i, speaker, text, f"2026-11-20T09:0{i}:00.000Z", {"tokens": i} if speaker == "client" else None)
    if status != "active":
        db.end_session(sid, status, "2026-11-20T09:30:00.000Z")
    return sid


def valid() -> dict:
    return {
        "format": FORMAT, "id": "x1", "persona": {"id": "maya"}, "model": {"name": "m"},
        "started_at": "2026-11-20T09:00:00Z", "ended_at": None, "status": "ended",
        "turns": [
            {"index": 0, "speaker": "counsellor", "text": "Hi.", "at": "2026-11-20T09:00:01Z"},
            {"index": 1, "speaker": "client", "text": "Hello.", "at": "2026-11-20T09:00:05Z"},
        ],
    }


def counts(path: Path) -> tuple:
    c = sqlite3.connect(str(path))
    try:
        return tuple(c.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("sessions", "turns"))
    finally:
        c.close()


def test_export_has_the_documented_shape(tmp_path):
    with Database.open(tmp_path / "db.sqlite3") as db:
        data = export_session(db, make_session(db))
    assert data["format"] == "clientsim.session/1"
    assert {"id", "persona", "model", "started_at", "ended_at", "status", "turns"} <= set(data)
    assert data["persona"] == PERSONA and data["model"] == MODEL and data["status"] == "ended"
    assert data["ended_at"] == "2026-11-20T09:30:00.000Z"
    assert [(t["speaker"], t["text"]) for t in data["turns"]] == LINES
    assert [t["index"] for t in data["turns"]] == [0, 1, 2, 3]
    assert data["turns"][1]["meta"] == {"tokens": 1} and "meta" not in data["turns"][0]
    assert validate_transcript(data) == []


def test_export_write_read_import_round_trip(tmp_path):
    with Database.open(tmp_path / "a.sqlite3") as a:
        original = export_session(a, make_session(a))
    out = tmp_path / "out" / "session.json"
    write_transcript(original, out)
    assert "מה אתה חושב" in out.read_text(encoding="utf-8")  # readable UTF-8, not \\u escapes
    assert [p.name for p in out.parent.iterdir()] == ["session.json"]  # no temp file left
    loaded = read_transcript(out)
    assert loaded == original

    with Database.open(tmp_path / "b.sqlite3") as b:
        assert import_transcript(b, loaded) == "sess-1"
        assert export_session(b, "sess-1") == original
        assert import_transcript(b, loaded) == "sess-1"  # the same transcript again: not doubled
        assert len(b.list_sessions()) == 1
        other = {**loaded, "turns": loaded["turns"][:1]}  # another session under a taken id
        again = import_transcript(b, other)
        assert again != "sess-1"
        assert {**export_session(b, again), "id": "sess-1"} == {**original, "turns": original["turns"][:1]}
        assert len(b.list_sessions()) == 2


def test_active_session_is_imported_as_interrupted(tmp_path):
    with Database.open(tmp_path / "db.sqlite3") as db:
        data = export_session(db, make_session(db, status="active"))
        assert data["status"] == "active" and data["ended_at"] is None
    with Database.open(tmp_path / "other.sqlite3") as db:
        sid = import_transcript(db, data)
        session = db.get_session(sid)
        assert session["status"] == "interrupted"
        assert session["ended_at"] == data["turns"][-1]["at"]


def test_failed_import_changes_nothing(tmp_path):
    path = tmp_path / "db.sqlite3"
    db = Database.open(path)
    make_session(db)
    before = counts(path)
    data = valid()
    data["turns"] += [
        {"index": i, "speaker": "client", "text": f"{i} " + "long answer ✍️ " * 2000, "at": "2026-11-20T09:10:00Z"}
        for i in range(2, 12)
    ]
    # Room for the session row and a few turns, not for all of them: the
    # insert fails part way with SQLITE_FULL.
    pages = db.conn.execute("PRAGMA page_count").fetchone()[0]
    db.conn.execute(f"PRAGMA max_page_count = {pages + 12}")
    with pytest.raises(StorageError, match="disk is full.*Nothing was changed"):
        import_transcript(db, data)
    assert counts(path) == before
    assert db.get_session("x1") is None and db.get_turns("x1") == [] and db.pending_count() == 0

    bad = valid()
    bad["turns"][1]["speaker"] = "narrator"
    with pytest.raises(UserError, match="field 'turns\\[1\\].speaker': is \"narrator\""):
        import_transcript(db, bad)
    assert counts(path) == before

    db.conn.execute("PRAGMA max_page_count = 1073741823")
    assert import_transcript(db, data) == "x1"
    assert counts(path) == (before[0] + 1, before[1] + 12)
    db.close()


def test_write_replaces_the_file_in_one_step(tmp_path):
    folder = tmp_path / "exports"
    path = folder / "t.json"
    write_transcript(valid(), path)
    old = path.read_bytes()
    # A second name for the old file: an in-place rewrite would change it too,
    # a temp file renamed over the path does not.
    import os

    os.link(path, folder / "old-link.json")
    newer = valid()
    newer["turns"][0]["text"] = "Hi again."
    write_transcript(newer, path)
    assert (folder / "old-link.json").read_bytes() == old
    assert read_transcript(path)["turns"][0]["text"] == "Hi again."

    broken = valid()
    broken["persona"]["bad"] = object()  # not JSON: fails before anything is replaced
    with pytest.raises(TypeError):
        write_transcript(broken, path)
    assert read_transcript(path)["turns"][0]["text"] == "Hi again."
    assert sorted(p.name for p in folder.iterdir()) == ["old-link.json", "t.json"]


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d.update(format="clientsim.session/9"), "field 'format': is \"clientsim.session/9\"; expected the text \"clientsim.session/1\""),
        (lambda d: d.pop("format"), "field 'format': is missing"),
        (lambda d: d["turns"][1].pop("text"), "field 'turns[1].text': is missing; expected a text"),
        (lambda d: d["turns"][0].update(speaker="x"), "field 'turns[0].speaker': is \"x\"; expected \"counsellor\" or \"client\""),
        (lambda d: d["turns"][1].update(index=0), "field 'turns[1].index': repeats index 0"),
        (lambda d: d["turns"][1].update(at="yesterday"), "field 'turns[1].at': is \"yesterday\"; expected an ISO-8601 time"),
        (lambda d: d["turns"][0].update(text=5), "field 'turns[0].text': expected a text, found the number 5"),
        (lambda d: d["turns"][0].update(text="\ud800 broken"), "field 'turns[0].text': holds invalid Unicode"),
        (lambda d: d.update(status="paused"), "field 'status': is \"paused\"; expected one of"),
        (lambda d: d.update(persona="maya"), "field 'persona': expected an object: the persona as played, found the text"),
        (lambda d: d.update(turns={}), "field 'turns': expected a list of turns, found an object"),
        (lambda d: d.update(id=""), "field 'id': is \"\"; expected a session id"),
    ],
)
def test_read_names_the_problem(tmp_path, mutate, message):
    data = valid()
    mutate(data)
    assert any(message in p for p in validate_transcript(data)), validate_transcript(data)
    path = tmp_path / "t.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(UserError) as err:
        read_transcript(path)
    assert message in str(err.value) and str(path) in str(err.value)


def test_read_reports_bad_json_with_its_line_missing_files_and_non_utf8(tmp_path):
    path = tmp_path / "t.json"
    path.write_text('{\n  "format": "clientsim.session/1",\n  "id": "x",\n  "turns": [,]\n}', encoding="utf-8")
    with pytest.raises(UserError, match="field '\\(JSON syntax\\)': not valid JSON at line 4, column 13"):
        read_transcript(path)
    with pytest.raises(UserError, match="does not exist"):
        read_transcript(tmp_path / "missing.json")
    path.write_bytes(b'{"id": "\xff\xfe"}')
    with pytest.raises(UserError, match="not UTF-8"):
        read_transcript(path)
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(UserError, match="expected an object .* holding the transcript, found a list"):
        read_transcript(path)


# -- the CLI -----------------------------------------------------------------------------


def test_cli_list_show_export_import(clientsim_home, tmp_path, capsys):
    with Database.open() as db:
        make_session(db, "3f2a9c1d")
        make_session(db, "7be01d44", status="active")
    assert main(["sessions", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["id"]: (r["turn_count"], r["status"]) for r in rows} == {
        "3f2a9c1d": (4, "ended"), "7be01d44": (4, "active")
    }

    assert main(["sessions", "list"]) == 0
    table = capsys.readouterr().out
    assert "Maya Collins" in table and "3f2a9c1d" in table

    assert main(["sessions", "show", "3f2a"]) == 0  # a unique prefix is enough
    shown = capsys.readouterr().out
    assert "[0] Counsellor: What brings you in today?" in shown and "[1] Maya: My partner" in shown

    out = tmp_path / "export.json"
    assert main(["sessions", "export", "3f2a9c1d", "--output", str(out)]) == 0
    assert read_transcript(out)["id"] == "3f2a9c1d"
    capsys.readouterr()

    assert main(["sessions", "import", str(out)]) == 0  # the same session again: said, not doubled
    assert "already in the database with the same turns; nothing was imported" in capsys.readouterr().out
    with Database.open() as db:
        assert len(db.list_sessions()) == 2

    # export never replaces a file silently
    before = out.read_bytes()
    assert main(["sessions", "export", "7be01d44", "--output", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err and out.read_bytes() == before
    assert main(["sessions", "export", "7be01d44", "--output", str(out), "--force"]) == 0
    assert read_transcript(out)["id"] == "7be01d44"
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".")] == []  # no temp file left


def test_cli_unknown_id_and_bad_file_exit_2_with_a_clear_message(clientsim_home, tmp_path, capsys):
    assert main(["sessions", "show", "nope"]) == 2
    assert "No session with id 'nope'" in capsys.readouterr().err
    assert main(["sessions", "export", "nope", "-o", str(tmp_path / "x.json")]) == 2
    assert not (tmp_path / "x.json").exists()
    capsys.readouterr()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**valid(), "format": "other/1"}), encoding="utf-8")
    assert main(["sessions", "import", str(bad)]) == 2
    assert "bad.json: not a valid ClientSim transcript: field 'format': is \"other/1\"" in capsys.readouterr().err


def test_cli_prints_database_notices_to_stderr(clientsim_home, capsys):
    from clientsim import paths

    paths.database_path().parent.mkdir(parents=True, exist_ok=True)
    paths.database_path().write_bytes(b"\x00garbage" * 500)
    assert main(["sessions", "list"]) == 0
    captured = capsys.readouterr()
    assert "No sessions yet." in captured.out
    assert "damaged" in captured.err and ".corrupt-" in captured.err


def test_cli_import_of_an_unsaved_turns_file_completes_the_session(clientsim_home, tmp_path, capsys):
    db = Database.open()
    make_session(db, "full-disk", status="active")
    pages = db.conn.execute("PRAGMA page_count").fetchone()[0]
    db.conn.execute(f"PRAGMA max_page_count = {pages}")
    assert db.add_turn("full-disk", 4, "counsellor", "Tell me more 🙏 " * 600, now_iso()) is False
    db.end_session("full-disk", ended_at="2026-11-20T09:40:00.000Z")
    dump = db.emergency_dump(tmp_path)
    db.close()  # the turn could not be saved: it is only in the dump files now
    with Database.open() as check:
        assert len(check.get_turns("full-disk")) == 4
    capsys.readouterr()

    assert main(["sessions", "import", str(dump)]) == 0
    out, err = capsys.readouterr()
    # the rescue file beside the database was restored by itself on this start, and said so;
    # the copy given on the command line then has nothing more to add
    assert "1 turn(s) kept in the rescue file" in err and "restored" in err
    assert "Session full-disk already holds every turn in this file; nothing to restore." in out
    with Database.open() as after:
        assert [s["id"] for s in after.list_sessions()] == ["full-disk"]  # no duplicate
        turns = after.get_turns("full-disk")
        assert [t["index"] for t in turns] == [0, 1, 2, 3, 4]
        assert turns[4]["text"] == "Tell me more 🙏 " * 600
        assert after.get_session("full-disk")["status"] == "ended"
    assert main(["sessions", "import", str(dump)]) == 0  # twice: nothing more to add
    assert "nothing to restore" in capsys.readouterr().out
