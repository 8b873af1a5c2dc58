"""Generated hostile inputs (hypothesis) at every reader: personas, transcripts, JSONL
utterances, settings and the database file.

For each reader at least 1,000 inputs: random bytes, random JSON (lone surrogates, NaN,
huge numbers, control characters, deep nesting), and mutations of a good file (bytes
flipped, cut short, a value swapped for a hostile one). Each must end, within a time
limit, in a value or a readable error (a UserError), never a traceback; the good files
beside it still load; nothing outside the test's temporary home changes.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clientsim import paths
from clientsim.cli.judge_cmd import read_utterances
from clientsim.core.errors import UserError
from clientsim.personas import PersonaLibrary, validate_file
from clientsim.sessions.transcript import import_transcript, read_transcripts
from clientsim.settings import Settings
from clientsim.storage import Database, now_iso

EXAMPLES = int(os.environ.get("CLIENTSIM_FUZZ_EXAMPLES", "1000"))
LIMIT_S = 10  # per input; a hang (a FIFO, /dev/zero) is what this catches
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))

BUNDLED = paths.bundled_personas_dir()
GOOD_PERSONA = (BUNDLED / "daniel-alcohol.json").read_bytes()


@contextmanager
def time_limit(seconds: int = LIMIT_S):
    def fail(signum, frame):
        raise TimeoutError(f"a reader took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, fail)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# -- strategies -------------------------------------------------------------------------------

HOSTILE_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF, categories=None), max_size=40
) | st.sampled_from(["\ud800", "a\udfffb", "\x1b[2J\x1b]0;x\x07", "\u202e", "\x00", "x" * 5000, ""])
HOSTILE_NUMBER = st.sampled_from([float("nan"), float("inf"), -float("inf"), 2**64, -(2**63) - 1, 10**30, 1e308,
                                  -0.0, 0, True, 2**63 - 1]) | st.integers() | st.floats()
HOSTILE_SCALAR = st.none() | st.booleans() | HOSTILE_NUMBER | HOSTILE_TEXT
HOSTILE_JSON = st.recursive(
    HOSTILE_SCALAR,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(HOSTILE_TEXT, inner, max_size=4),
    max_leaves=12,
)


def dumps(value) -> bytes:
    """JSON as an attacker writes it: NaN tokens, \\ud800 escapes and all."""
    return json.dumps(value, allow_nan=True, ensure_ascii=True).encode("ascii")


def deep(n: int, open_: str = "[", close: str = "]") -> bytes:
    return (open_ * n + close * n).encode()


@st.composite
def mutated(draw, good: bytes) -> bytes:
    data = bytearray(good)
    how = draw(st.sampled_from(["flip", "cut", "splice", "nest", "token"]))
    if how == "flip":
        for _ in range(draw(st.integers(1, 8))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] = draw(st.integers(0, 255))
    elif how == "cut":
        data = data[: draw(st.integers(0, len(data)))]
    elif how == "splice":
        i = draw(st.integers(0, len(data)))
        data[i:i] = dumps(draw(HOSTILE_JSON))
    elif how == "nest":
        i = draw(st.integers(0, len(data)))
        data[i:i] = deep(draw(st.integers(50, 5_000)))
    else:
        token = draw(st.sampled_from([b"NaN", b"-Infinity", b"1" * 400, b'"\\ud800"', b'"\\udc00x"', b"1e999"]))
        text = bytes(data)
        colon = [i for i in range(len(text)) if text[i:i + 2] == b": "]
        if colon:
            i = draw(st.sampled_from(colon)) + 2
            data[i:i] = token + b", " if text[i:i + 1] in (b'"', b"[", b"{") else token
    return bytes(data)


def hostile_file(good: bytes):
    return (
        st.binary(max_size=300)
        | HOSTILE_JSON.map(dumps)
        | st.integers(10, 5_000).map(lambda n: deep(n, "{\"a\":", "}"))
        | mutated(good)
    )


# -- the guard every test shares ---------------------------------------------------------------


def snapshot(folder: Path) -> list[tuple[str, int]]:
    return sorted((str(p.relative_to(folder)), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def untouched(tmp_path):
    """Fails the test when anything outside tmp_path changed: the bundled personas, the working folder."""
    def state():  # .hypothesis is hypothesis's own working folder
        return snapshot(BUNDLED), sorted(set(os.listdir(os.getcwd())) - {".hypothesis"})

    before = state()
    yield tmp_path
    assert state() == before


# -- personas ---------------------------------------------------------------------------------------


def test_persona_folder(untouched):
    folder = untouched / "pack"
    folder.mkdir()
    (folder / "daniel-alcohol.json").write_bytes(GOOD_PERSONA)
    target = folder / "zz-hostile.json"

    @FUZZ
    @given(hostile_file(GOOD_PERSONA))
    def check(data: bytes) -> None:
        target.write_bytes(data)
        with time_limit():
            library = PersonaLibrary.load([folder])
            problems = validate_file(target)
        assert "daniel-alcohol" in library.personas  # the good file still loads
        loaded = any(p.source_path == target for p in library.personas.values())
        assert loaded == (problems == [])  # validate and loading agree
        for p in problems:
            str(p).encode("utf-8")  # every message can be printed

    check()


# -- transcripts ---------------------------------------------------------------------------------------

GOOD_TRANSCRIPT = json.dumps({
    "format": "clientsim.session/1", "id": "fuzz-0", "persona": {"id": "dan", "name": "Dan"},
    "model": {"name": "m"}, "seed": 1, "started_at": "2026-11-22T02:00:00Z", "ended_at": None,
    "status": "ended", "turns": [
        {"index": 0, "speaker": "counsellor", "text": "What brings you here?", "at": "2026-11-22T02:00:01Z"},
        {"index": 1, "speaker": "client", "text": "My drinking.", "at": "2026-11-22T02:00:05Z",
         "meta": {"guard": "ok"}, "state": {"trust": 0.3}},
    ]}).encode()


def test_transcripts(untouched):
    target = untouched / "t.json"
    db = Database.open(untouched / "fuzz.sqlite3")
    db.conn.execute("PRAGMA synchronous = OFF")  # speed only; the data is thrown away

    @FUZZ
    @given(hostile_file(GOOD_TRANSCRIPT))
    def check(data: bytes) -> None:
        target.write_bytes(data)
        with time_limit():
            try:
                transcripts, _ = read_transcripts(target)
            except UserError as exc:
                str(exc).encode("utf-8")
                return
            for t in transcripts:
                try:
                    import_transcript(db, t)
                except UserError as exc:  # StorageError is one
                    str(exc).encode("utf-8")

    try:
        check()
        target.write_bytes(GOOD_TRANSCRIPT)
        assert read_transcripts(target)[0][0]["id"] == "fuzz-0"
    finally:
        db.close()


# -- JSONL utterances ---------------------------------------------------------------------------------

GOOD_JSONL = b"\n".join(
    json.dumps({"id": f"u{i}", "session_id": "a", "speaker": s, "text": t}).encode()
    for i, (s, t) in enumerate([("counsellor", "What brings you here?"), ("client", "My drinking.")])
)


def test_jsonl_utterances(untouched):
    target = untouched / "u.jsonl"

    @FUZZ
    @given(st.lists(hostile_file(GOOD_JSONL), min_size=1, max_size=4).map(lambda parts: b"\n".join(parts)))
    def check(data: bytes) -> None:
        target.write_bytes(data)
        with time_limit():
            try:
                sessions, problems = read_utterances(target)
            except UserError:
                return
        for rows in sessions.values():
            for _, rec in rows:
                assert rec["speaker"] in ("counsellor", "client") and isinstance(rec["text"], str)
        for p in problems:
            p.encode("utf-8")

    check()


# -- settings ------------------------------------------------------------------------------------------------

GOOD_SETTINGS = json.dumps(Settings().to_dict()).encode()


def test_settings(untouched):
    target = untouched / "settings.json"

    @FUZZ
    @given(hostile_file(GOOD_SETTINGS))
    def check(data: bytes) -> None:
        for old in untouched.glob("settings.json.corrupt-*"):
            old.unlink()
        target.write_bytes(data)
        with time_limit():
            s = Settings.load(target)
        assert isinstance(s.font_size, int) and s.voice.stt_model in ("tiny.en", "base")
        assert s.model_path is None or isinstance(s.model_path, str)
        s.save(untouched / "saved.json")  # whatever was read can be written back

    check()


# -- the database file -------------------------------------------------------------------------------------


def good_database(path: Path) -> bytes:
    with Database.open(path) as db:
        db.create_session(session_id="good", persona={"id": "p"}, model={}, seed=1, started_at=now_iso())
        for i in range(6):
            db.add_turn("good", i, "counsellor" if i % 2 == 0 else "client", f"turn {i} " * 50, now_iso())
        db.end_session("good")
    con = sqlite3.connect(str(path))
    con.execute("PRAGMA journal_mode = DELETE")
    con.close()
    return path.read_bytes()


@st.composite
def damaged_database(draw, good: bytes) -> bytes:
    data = bytearray(good)
    how = draw(st.sampled_from(["flip", "page", "cut", "header", "bytes"]))
    if how == "flip":
        for _ in range(draw(st.integers(1, 20))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] = draw(st.integers(0, 255))
    elif how == "page":
        page = draw(st.integers(1, max(1, len(data) // 4096 - 1)))
        fill = draw(st.binary(min_size=1, max_size=16))
        data[page * 4096:(page + 1) * 4096] = (fill * 4096)[:4096]
    elif how == "cut":
        data = data[: draw(st.integers(0, len(data)))]
    elif how == "header":
        i = draw(st.integers(16, 99))
        data[i] = draw(st.integers(0, 255))
    else:
        return draw(st.binary(max_size=5000))
    return bytes(data)


def test_database_file(untouched):
    source = untouched / "source.sqlite3"
    good = good_database(source)
    folder = untouched / "db"

    @FUZZ
    @given(damaged_database(good))
    def check(data: bytes) -> None:
        folder.mkdir(exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
        target = folder / "clientsim.sqlite3"
        target.write_bytes(data)
        with time_limit():
            try:
                db = Database.open(target, busy_timeout=0.2)
            except UserError as exc:
                str(exc).encode("utf-8")
                return
            try:
                for s in db.list_sessions():
                    db.get_turns(s["id"])
                for n in db.notices:
                    n.encode("utf-8")
            finally:
                db.close()
        if len(os.listdir(folder)) > 1:  # damaged: the original kept aside byte for byte
            kept = [p for p in folder.iterdir() if ".corrupt-" in p.name and p.name.count("-") <= 2]
            assert any(p.read_bytes() == data for p in kept) or not kept

    check()
    with Database.open(source) as db:  # the good file still loads
        assert [t["index"] for t in db.get_turns("good")] == list(range(6))
