"""clientsim.storage on real SQLite files: migrations, crash recovery, corrupt and
locked files, a full database (SQLite's own page limit), Unicode round trips."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from clientsim import paths
from clientsim.core.errors import StorageError
from clientsim.storage import LATEST_VERSION, Database, now_iso
from clientsim.storage.recovery import side_files

REPO_ROOT = Path(__file__).resolve().parents[1]
PERSONA = {"id": "maya", "name": "Maya Collins", "modality": ["MI"]}
MODEL = {"name": "qwen2.5-coder-1.5b-instruct", "sha256": "ab" * 32, "quantization": "Q4_K_M"}


def new_session(db: Database, sid: str = "s1", persona: dict = PERSONA) -> str:
    db.create_session(session_id=sid, persona=persona, model=MODEL, seed=7, started_at=now_iso())
    return sid


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(str(path))


def fill_to_limit(db: Database) -> None:
    """Cap the real file at its present size: the next write needing a page fails with SQLITE_FULL."""
    pages = db.conn.execute("PRAGMA page_count").fetchone()[0]
    db.conn.execute(f"PRAGMA max_page_count = {pages}")


def lift_limit(db: Database) -> None:
    db.conn.execute("PRAGMA max_page_count = 1073741823")


# -- schema -------------------------------------------------------------------


def test_default_path_is_under_clientsim_home(clientsim_home):
    with Database.open() as db:
        assert db.path == paths.database_path()
        assert str(db.path).startswith(str(clientsim_home))
        assert db.path.exists()


def test_fresh_file_is_migrated_and_reopening_changes_nothing(tmp_path):
    path = tmp_path / "deep" / "folder" / "clientsim.sqlite3"
    db = Database.open(path)
    assert db.notices == []
    c = db.conn
    assert c.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
    assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert c.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert c.execute("PRAGMA encoding").fetchone()[0] == "UTF-8"
    tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"sessions", "turns", "turn_codes", "reports", "scores"} <= tables
    schema_before = sorted(c.execute("SELECT type, name, sql FROM sqlite_master").fetchall())
    new_session(db)
    assert db.add_turn("s1", 0, "counsellor", "Hi Maya.", now_iso())
    db.close()

    db = Database.open(path)
    assert db.notices == []
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
    assert sorted(db.conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall()) == schema_before
    assert [t["text"] for t in db.get_turns("s1")] == ["Hi Maya."]
    db.close()


def test_file_from_a_newer_version_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "clientsim.sqlite3"
    c = raw(path)
    c.execute(f"PRAGMA user_version = {LATEST_VERSION + 5}")
    c.close()
    before = path.read_bytes()
    with pytest.raises(StorageError, match="newer ClientSim"):
        Database.open(path)
    assert path.read_bytes() == before


def test_foreign_keys_refuse_a_turn_without_its_session(tmp_path):
    with Database.open(tmp_path / "db.sqlite3") as db:
        with pytest.raises(ValueError, match="FOREIGN KEY"):
            db.add_turn("nobody", 0, "client", "hello", now_iso())
        assert db.pending_count() == 0


def test_bad_speaker_and_duplicate_turn_are_refused(tmp_path):
    with Database.open(tmp_path / "db.sqlite3") as db:
        new_session(db)
        with pytest.raises(ValueError, match="speaker"):
            db.add_turn("s1", 0, "therapist", "hello", now_iso())
        assert db.add_turn("s1", 0, "counsellor", "hello", now_iso())
        with pytest.raises(ValueError, match="turn 0"):
            db.add_turn("s1", 0, "client", "again", now_iso())
        with pytest.raises(ValueError, match="already exists"):
            new_session(db)


# -- what is stored -------------------------------------------------------------

TEXTS = [
    "I feel 😔 and then 😤, then nothing 🫠 — 👩🏽‍⚕️ said 'try'.",
    "אני לא בטוחה שזה יעזור לי, אבל ננסה.",  # Hebrew (right to left)
    "لا أعرف ماذا أفعل بعد الآن",  # Arabic (right to left)
    "mixed \u202eRTL override\u202c and e\u0301 combining, 漢字, \t tabs\r\nCRLF and a NUL\x00inside",
    "".join(chr(0x1F300 + (i % 700)) if i % 3 == 0 else "אבגדהוזחטי"[i % 10] for i in range(20_000)),
]


def test_unicode_emoji_rtl_and_20k_text_round_trip_exactly(tmp_path):
    path = tmp_path / "db.sqlite3"
    with Database.open(path) as db:
        new_session(db, persona={**PERSONA, "name": "مريم 🌙"})
        for i, text in enumerate(TEXTS):
            assert db.add_turn("s1", i, "client" if i % 2 else "counsellor", text, now_iso(), {"note": text[:50]})
    assert len(TEXTS[-1]) == 20_000
    with Database.open(path) as db:
        turns = db.get_turns("s1")
        assert [t["text"] for t in turns] == TEXTS
        assert [t["meta"]["note"] for t in turns] == [t[:50] for t in TEXTS]
        assert db.get_session("s1")["persona"]["name"] == "مريم 🌙"
    # Stored as UTF-8 text, not as escaped JSON or bytes.
    c = raw(path)
    stored, kind = c.execute("SELECT text, typeof(text) FROM turns WHERE idx = 1").fetchone()
    assert (stored, kind) == (TEXTS[1], "text")
    assert c.execute("SELECT length(CAST(text AS BLOB)) FROM turns WHERE idx = 4").fetchone()[0] == len(
        TEXTS[4].encode("utf-8")
    )
    c.close()


def test_sessions_codes_reports_and_scores(tmp_path):
    with Database.open(tmp_path / "db.sqlite3") as db:
        new_session(db, "old")
        db.conn.execute("UPDATE sessions SET started_at = '2026-01-01T10:00:00.000Z' WHERE id = 'old'")
        new_session(db, "new", persona={"id": "ben", "name": "Ben"})
        for i in range(3):
            db.add_turn("new", i, "counsellor" if i % 2 == 0 else "client", f"t{i}", now_iso())
        db.update_turn_meta("new", 1, {"guard": "ok"})
        db.update_turn_meta("new", 1, {"repairs": 0})
        assert db.get_turns("new")[1]["meta"] == {"guard": "ok", "repairs": 0}

        listed = db.list_sessions()
        assert [s["id"] for s in listed] == ["new", "old"]
        assert [s["turn_count"] for s in listed] == [3, 0]
        assert [s["id"] for s in db.list_sessions("maya")] == ["old"]
        got = db.get_session("new")
        assert got["persona"] == {"id": "ben", "name": "Ben"} and got["model"] == MODEL and got["seed"] == 7
        assert got["status"] == "active" and db.get_session("nope") is None

        db.end_session("new", ended_at="2026-11-22T03:00:00.000Z")
        assert db.get_session("new")["status"] == "ended"
        assert db.get_session("new")["ended_at"] == "2026-11-22T03:00:00.000Z"

        codes = [
            {"turn_idx": 0, "code": "OQ", "family": "question", "talk_type": None, "confidence": 0.8,
             "others": {"CR": 0.1}},
            {"turn_idx": 1, "code": None, "family": None, "talk_type": "change", "confidence": 0.6, "others": None},
        ]
        db.save_codes("new", codes)
        db.save_codes("new", codes[:1])  # replaces, not appends
        assert db.get_codes("new") == codes[:1]

        assert db.get_report("new", "mi") is None
        db.save_report("new", "mi", {"r_to_q": 1.0})
        db.save_report("new", "mi", {"r_to_q": 2.0})
        assert db.get_report("new", "mi") == {"r_to_q": 2.0}

        db.save_scores("old", {"r_to_q": 0.5, "pct_cr": 20})
        db.save_scores("new", {"r_to_q": 1.5})
        db.save_scores("new", {"r_to_q": 1.75})
        history = db.score_history("r_to_q")
        assert [(h[0], h[2]) for h in history] == [("old", 0.5), ("new", 1.75)]
        assert history[0][1] == "2026-01-01T10:00:00.000Z"
        assert db.score_history("pct_cr") == [("old", "2026-01-01T10:00:00.000Z", 20.0)]


# -- crashes ----------------------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import sys
    from clientsim.storage import Database, now_iso
    db = Database.open(sys.argv[1])
    db.create_session(session_id="crashy", persona={"id": "maya"}, model={"name": "m"}, seed=1,
                      started_at=now_iso())
    for i in range(4):
        assert db.add_turn("crashy", i, "counsellor" if i % 2 == 0 else "client", f"turn {i} ✓", now_iso())
    print("saved", flush=True)
    sys.stdin.readline()
    # Mid-reply: a write transaction is open when the process is killed.
    db.conn.execute("BEGIN IMMEDIATE")
    db.conn.execute("INSERT INTO turns (session_id, idx, speaker, text, at) VALUES ('crashy', 4, 'client', 'half a rep', 'x')")
    print("mid", flush=True)
    sys.stdin.readline()
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="uses SIGKILL")
def test_session_of_a_killed_process_is_marked_interrupted_with_all_its_turns(tmp_path):
    path = tmp_path / "db.sqlite3"
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "app")}
    child = subprocess.Popen(
        [sys.executable, str(script), str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert child.stdout.readline().strip() == "saved"
        # The owner is alive: a second instance must leave its session alone.
        with Database.open(path) as other:
            assert other.get_session("crashy")["status"] == "active"
            assert not any("interrupted" in n for n in other.notices)
        child.stdin.write("go\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "mid"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL

    with Database.open(path, busy_timeout=1.0) as db:
        session = db.get_session("crashy")
        assert session["status"] == "interrupted"
        turns = db.get_turns("crashy")
        assert [t["text"] for t in turns] == [f"turn {i} ✓" for i in range(4)]
        assert session["ended_at"] == turns[-1]["at"]
        assert any("interrupted" in n for n in db.notices)
        assert db.path == path  # the dead process's lock did not count as 'locked'
    with Database.open(path) as db:  # said once, not on every start
        assert db.notices == []


def test_sessions_owned_by_another_host_wait_a_day(tmp_path):
    path = tmp_path / "db.sqlite3"
    with Database.open(path) as db:
        new_session(db, "recent")
        new_session(db, "stale")
        new_session(db, "orphan")
    c = raw(path)
    c.execute("UPDATE sessions SET owner_host = 'lab-pc-7', owner_pid = 1 WHERE id IN ('recent', 'stale')")
    c.execute("UPDATE sessions SET last_active_at = '2020-01-01T00:00:00Z' WHERE id = 'stale'")
    c.execute("UPDATE sessions SET owner_host = NULL, owner_pid = NULL WHERE id = 'orphan'")
    c.commit()
    c.close()
    with Database.open(path) as db:
        status = {s["id"]: s["status"] for s in db.list_sessions()}
    assert status == {"recent": "active", "stale": "interrupted", "orphan": "interrupted"}


# -- damaged and locked files ---------------------------------------------------------


def test_garbage_file_is_set_aside_with_its_bytes_and_a_fresh_one_started(tmp_path):
    path = tmp_path / "clientsim.sqlite3"
    garbage = os.urandom(3000) + b"not a database at all" * 50
    path.write_bytes(garbage)
    with Database.open(path) as db:
        assert db.path == path
        assert len(db.notices) == 1 and "damaged" in db.notices[0]
        aside = list(tmp_path.glob("clientsim.sqlite3.corrupt-*"))
        assert len(aside) == 1 and aside[0].name in db.notices[0]
        assert aside[0].read_bytes() == garbage
        new_session(db)
        assert db.add_turn("s1", 0, "counsellor", "fresh start", now_iso())
    with Database.open(path) as db:
        assert db.notices == []
        assert db.get_turns("s1")[0]["text"] == "fresh start"


def test_damaged_pages_in_a_real_database_are_detected(tmp_path):
    path = tmp_path / "clientsim.sqlite3"
    with Database.open(path) as db:
        new_session(db)
        for i in range(40):
            db.add_turn("s1", i, "client", "words " * 400, now_iso())
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 10 * page
    for offset in range(2 * page, len(data), page):  # every b-tree page header after the schema page
        data[offset:offset + 16] = b"\xff" * 16
    path.write_bytes(bytes(data))
    with Database.open(path) as db:
        [notice] = [n for n in db.notices if "damaged" in n]
        aside = list(tmp_path.glob("clientsim.sqlite3.corrupt-*"))
        assert len(aside) == 1 and aside[0].name in notice
        # what could still be read was salvaged row by row into the new file
        assert [s["id"] for s in db.list_sessions()] == ["s1"] and "copied into a new database" in notice
        assert all(t["text"] == "words " * 400 for t in db.get_turns("s1"))
    assert [p.read_bytes() for p in aside] == [bytes(data)]


def test_salvage_keeps_every_row_on_undamaged_pages(tmp_path):
    """Damage one leaf page of the turns table: the sessions and the turns elsewhere survive."""
    path = tmp_path / "clientsim.sqlite3"
    with Database.open(path) as db:
        for n in range(3):
            new_session(db, f"s{n}")
        for i in range(60):
            db.add_turn("s1", i, "client", f"turn {i} " + "words " * 300, now_iso())
    con = raw(path)
    con.execute("PRAGMA journal_mode = DELETE")
    leaves = [r[0] for r in con.execute(
        "SELECT pageno FROM dbstat WHERE name = 'turns' AND pagetype = 'leaf' ORDER BY pageno")]
    con.close()
    data = bytearray(path.read_bytes())
    victim = leaves[len(leaves) // 2]
    data[(victim - 1) * 4096:(victim - 1) * 4096 + 4096] = b"\x07" * 4096
    path.write_bytes(bytes(data))
    with Database.open(path) as db:
        assert any("damaged" in n and "copied into a new database" in n for n in db.notices), db.notices
        assert sorted(s["id"] for s in db.list_sessions()) == ["s0", "s1", "s2"]
        texts = [t["text"] for t in db.get_turns("s1")]
        assert 30 <= len(texts) < 60 and all(t.startswith("turn ") for t in texts)
    assert list(tmp_path.glob("clientsim.sqlite3.corrupt-*"))[0].read_bytes() == bytes(data)


def test_a_database_locked_for_good_is_left_alone_and_merged_back_later(tmp_path):
    path = tmp_path / "clientsim.sqlite3"
    with Database.open(path) as db:
        new_session(db, "before")
    holder = sqlite3.connect(str(path), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process sitting on the write lock
    try:
        db = Database.open(path, busy_timeout=0.3)
        assert db.path != path and db.path.parent == path.parent
        assert db.path.name.startswith("clientsim-while-locked-")
        assert any("locked" in n and db.path.name in n for n in db.notices)
        new_session(db, "during")
        assert db.add_turn("during", 0, "counsellor", "saved beside", now_iso())
        db.end_session("during")
        db.close()
        assert path.exists() and not list(tmp_path.glob("*.corrupt-*"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    with Database.open(path) as db:
        assert db.path == path
        assert {s["id"] for s in db.list_sessions()} == {"before", "during"}
        assert db.get_turns("during")[0]["text"] == "saved beside"
        assert any("moved into it" in n for n in db.notices)
    assert side_files(path) == []
    assert len(list(tmp_path.glob("clientsim-while-locked-*.merged-*"))) == 1


# -- full disk -----------------------------------------------------------------------


def test_full_database_keeps_turns_in_memory_and_saves_them_later(tmp_path):
    path = tmp_path / "db.sqlite3"
    big = "Ich habe Angst 😟 " * 1200
    db = Database.open(path)
    new_session(db)
    assert db.add_turn("s1", 0, "counsellor", "What brings you here?", now_iso())
    fill_to_limit(db)

    assert db.add_turn("s1", 1, "client", big, now_iso(), {"draft": True}) is False
    assert db.add_turn("s1", 2, "counsellor", "Go on.", now_iso()) is False  # order kept behind it
    db.update_turn_meta("s1", 1, {"draft": False})
    assert db.pending_count() == 2
    assert any("disk is full" in n for n in db.notices)
    assert [t["text"] for t in db.get_turns("s1")] == ["What brings you here?", big, "Go on."]
    assert db.get_session("s1")["turn_count"] == 3
    assert db.flush_pending() == 0  # still full
    assert raw(path).execute("SELECT COUNT(*) FROM turns").fetchone()[0] == 1

    lift_limit(db)
    assert db.flush_pending() == 2
    assert db.pending_count() == 0
    assert "now been saved" in db.notices[-1]
    db.close()
    with Database.open(path) as again:
        turns = again.get_turns("s1")
        assert [t["text"] for t in turns] == ["What brings you here?", big, "Go on."]
        assert turns[1]["meta"] == {"draft": False}


def test_a_later_write_retries_what_waits_and_a_new_session_can_wait_too(tmp_path):
    path = tmp_path / "db.sqlite3"
    db = Database.open(path)
    new_session(db, "warmup")
    fill_to_limit(db)
    new_session(db, "s2", persona={**PERSONA, "history": "long story " * 800})  # the session row itself waits
    assert raw(path).execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 1
    assert db.add_turn("s2", 0, "counsellor", "x" * 9000, now_iso()) is False
    db.save_report("s2", "mi", {"waiting": True})
    db.end_session("s2")
    assert db.pending_count() == 4
    assert db.get_session("s2")["status"] == "ended"
    assert db.get_report("s2", "mi") == {"waiting": True}
    assert [s["id"] for s in db.list_sessions()][0] in ("s2", "warmup")

    lift_limit(db)
    assert db.add_turn("s2", 1, "client", "and now it fits", now_iso()) is True
    assert db.pending_count() == 0
    db.close()
    with Database.open(path) as again:
        assert again.get_session("s2")["status"] == "ended"
        assert [t["index"] for t in again.get_turns("s2")] == [0, 1]
        assert again.get_report("s2", "mi") == {"waiting": True}


def test_emergency_dump_writes_importable_transcripts_elsewhere(tmp_path):
    from clientsim.sessions.transcript import import_transcript, read_transcripts

    db = Database.open(tmp_path / "db.sqlite3")
    new_session(db)
    db.add_turn("s1", 0, "counsellor", "on disk", now_iso())
    fill_to_limit(db)
    db.add_turn("s1", 1, "client", "only in memory 💭 " * 500, now_iso())
    elsewhere = tmp_path / "usb-stick"
    elsewhere.mkdir()
    dumped = db.emergency_dump(elsewhere)
    assert dumped.parent == elsewhere and db.pending_count() == 1
    doc = json.loads(dumped.read_text(encoding="utf-8"))
    assert doc["format"] == "clientsim.unsaved/1" and len(doc["writes"]) == 1
    [transcript], unsaved = read_transcripts(dumped)
    assert unsaved and [t["text"][:8] for t in transcript["turns"]] == ["on disk", "only in "]
    # the rescue file beside the database was written when the turn was queued, and the notice named it
    [rescue] = list(tmp_path.glob("clientsim-unsaved-*.json"))
    assert any(str(rescue) in n and f"clientsim sessions import {rescue}" in n for n in db.notices)
    db.close()  # still full: the rescue file stays, and the closing notice names it again
    assert any(str(rescue) in n and "clientsim sessions import" in n for n in db.notices[-1:])
    assert read_transcripts(rescue)[0][0]["turns"][1]["text"] == transcript["turns"][1]["text"]
    assert db.unsaved_count() == 1

    with Database.open(tmp_path / "other.sqlite3") as fresh:
        new_id = import_transcript(fresh, transcript)
        assert len(fresh.get_turns(new_id)) == 2


def test_exclusive_locking_mode_holder_blocks_even_reading_and_a_side_file_is_used(tmp_path):
    path = tmp_path / "clientsim.sqlite3"
    with Database.open(path) as db:
        new_session(db, "before")
    holder = sqlite3.connect(str(path), isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("UPDATE sessions SET seed = 8")  # takes the lock and keeps it
    try:
        with Database.open(path, busy_timeout=0.3) as db:
            assert db.path.name.startswith("clientsim-while-locked-")
            assert db.list_sessions() == []
    finally:
        holder.close()
    with Database.open(path) as db:
        assert [s["id"] for s in db.list_sessions()] == ["before"]


def test_a_lock_held_while_running_keeps_the_turn_in_memory(tmp_path):
    path = tmp_path / "db.sqlite3"
    db = Database.open(path, busy_timeout=0.3)
    new_session(db)
    holder = sqlite3.connect(str(path), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        assert db.add_turn("s1", 0, "counsellor", "Are you there?", now_iso()) is False
        assert db.pending_count() == 1
        assert any("another program is holding" in n for n in db.notices)
        assert db.flush_pending() == 0
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert db.flush_pending() == 1
    db.close()
    with Database.open(path) as again:
        assert again.get_turns("s1")[0]["text"] == "Are you there?"
