"""A lab server that fails: every fault is told in words, the words that arrived are kept and marked,
no turn is lost, Stop always works, and the session goes on with this computer's model.

The server is a real llama-server on 127.0.0.1 (conftest.lab_server); the faults a healthy server never
makes are put into its real stream by tests/fault_proxy.py.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

from clientsim.core.jobs import JobState
from clientsim.llm.remote import RemoteEngine, ServerAddress, ServerError
from clientsim.llm.types import SamplingParams
from clientsim.personas import PersonaLibrary
from clientsim.sessions.opener import open_engine, open_practice
from clientsim.llm.choice import EngineChoice
from clientsim.storage import Database
from fault_proxy import FaultProxy

pytestmark = pytest.mark.model

ASK = [{"role": "system", "content": "You are Daniel, a client. Answer at length."},
       {"role": "user", "content": "Tell me about your whole week, day by day, in detail."}]
LONG = SamplingParams(max_tokens=120, temperature=0.7, seed=1)


@pytest.fixture
def proxy(lab_server):
    p = FaultProxy(lab_server.url)
    yield p
    p.close()


def remote(url: str, **kw) -> RemoteEngine:
    return RemoteEngine(ServerAddress(url, **kw), n_ctx=2048, seed=3)


def stream(engine: RemoteEngine, state: JobState | None = None) -> tuple[str, ServerError | None]:
    got = ""
    try:
        for piece in engine.stream_chat(ASK, LONG, state):
            got += piece
    except ServerError as exc:
        return got, exc
    return got, None


def dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again: nothing listens there


def test_a_healthy_server_streams_and_reports_its_figures(lab_server):
    engine = remote(lab_server.url).load()
    assert engine.model_name and engine.server_ctx == 4096
    text, err = stream(engine)
    assert err is None and text.strip()
    st = engine.last_stats
    assert st.completion_tokens > 5 and st.ttft_s > 0 and st.stopped_by in ("eog", "max_tokens")
    assert 0 < st.new_prompt_tokens <= st.prompt_tokens  # llama-server's timings: evaluated vs cached


@pytest.mark.parametrize("mode, kind, words", [
    ("drop:6", "dropped", "closed the connection in the middle"),
    ("garbage:6", "malformed", "cannot read"),
])
def test_a_reply_cut_mid_stream_keeps_the_words_that_arrived(proxy, mode, kind, words):
    engine = remote(proxy.url).load()
    proxy.mode = mode
    text, err = stream(engine)
    assert err is not None and err.kind == kind and words in str(err)
    assert text and err.partial == text  # what arrived is handed back, not lost
    assert "this computer's model" in str(err)  # the way on is said


def test_a_silent_server_times_out_and_stop_never_waits_for_it(proxy):
    engine = remote(proxy.url, read_timeout=1.5).load()
    proxy.mode = "stall:4"
    t0 = time.monotonic()
    text, err = stream(engine)
    assert err is not None and err.kind == "timeout" and "stopped answering" in str(err)
    assert 1.4 < time.monotonic() - t0 < 10 and err.partial == text
    # Stop while the server says nothing: the read is broken off at once
    engine = remote(proxy.url, read_timeout=60).load()
    state = JobState()
    threading.Timer(1.0, state.cancel).start()
    t0 = time.monotonic()
    text, err = stream(engine, state)
    assert err is None and engine.last_stats.stopped_by == "cancelled"
    assert time.monotonic() - t0 < 3.0


def test_an_answer_in_another_format_is_named(proxy):
    proxy.mode = "html"
    with pytest.raises(ServerError, match="not JSON|not an OpenAI"):
        remote(proxy.url).load()
    proxy.mode = "pass"
    engine = remote(proxy.url).load()
    proxy.mode = "html"
    text, err = stream(engine)
    assert err is not None and err.kind == "malformed" and "text/html" in str(err) and text == ""


def test_a_busy_server_is_retried_once_then_said(proxy):
    engine = remote(proxy.url).load()
    proxy.mode = "status:503"
    before = len(proxy.requests)
    text, err = stream(engine)
    assert err is not None and err.kind == "busy" and "busy" in str(err)
    assert len(proxy.requests) - before == 2  # one bounded retry


def test_wrong_address_and_slow_headers_are_said_quickly():
    t0 = time.monotonic()
    with pytest.raises(ServerError, match="could not reach the lab server") as exc:
        remote(f"http://127.0.0.1:{dead_port()}").load()
    assert exc.value.kind == "unreachable" and time.monotonic() - t0 < 5
    for bad in ("", "ftp://lab:21", "http://", "lab:notaport"):
        with pytest.raises(ServerError):
            remote(bad).load()


def test_slow_headers_time_out(proxy):
    engine = remote(proxy.url, read_timeout=1.0, retries=0).load()
    proxy.mode = "slow_headers:5"
    t0 = time.monotonic()
    text, err = stream(engine)
    assert err is not None and "did not answer in time" in str(err) and time.monotonic() - t0 < 4


def test_the_api_key_is_required_and_sent(smollm_path, server_binary):
    from clientsim.server.launch import start_server

    with start_server(smollm_path, parallel=1, api_key="k-right", binary=server_binary) as server:
        with pytest.raises(ServerError, match="refused the API key") as exc:
            remote(server.url, api_key="k-wrong").load()
        assert exc.value.kind == "auth"
        with pytest.raises(ServerError, match="refused the API key"):
            remote(server.url).load()
        engine = remote(server.url, api_key="k-right").load()
        text, err = stream(engine)
        assert err is None and text


def test_session_keeps_a_cut_reply_marked_and_goes_on_locally(proxy, tmp_path, smollm_path):
    """The server drops mid-reply: the partial reply is stored and marked, nothing is lost, and after the
    switch to this computer's model the session goes on (the next reply records the new model)."""
    persona = PersonaLibrary.load().get("daniel-alcohol")
    db = Database.open(tmp_path / "s.sqlite3")
    practice = open_practice(persona, EngineChoice(seed=4, server=ServerAddress(proxy.url)), db=db, prime=False)
    s = practice.session
    assert s.model["backend"] == "lab server" and s.model["server"] == proxy.url
    s.add_counsellor_turn("Tell me about your week, Daniel, all of it.")
    proxy.mode = "drop:8"
    turn = s.generate_reply()
    assert s.last_reply.interrupted and "closed the connection" in s.last_reply.interrupted
    stored = db.get_turns(s.id)
    assert [t["speaker"] for t in stored] == ["client", "counsellor", "client"][: len(stored)]
    if turn.text:  # words arrived before the drop: kept, marked
        assert stored[-1]["text"] == turn.text and stored[-1]["meta"]["interrupted"]
    # the server is gone altogether now: the next reply cannot even start
    proxy.mode = "status:502"
    s.add_counsellor_turn("What matters most to you about that?")
    turn = s.generate_reply()
    assert turn.text == "" and s.last_reply.interrupted
    assert db.get_turns(s.id)[-1]["text"] == "What matters most to you about that?"  # the student's words kept
    local = open_engine(EngineChoice(model=str(smollm_path), seed=4)).engine
    s.switch_engine(local)
    turn = s.generate_reply()  # the same counsellor turn, answered on this computer
    assert turn.text and turn.meta["model"]["file"] == smollm_path.name and not turn.meta.get("interrupted")
    s.end()
    local.close()
    db.close()


def test_open_engine_falls_back_to_this_computers_model(smollm_path):
    choice = EngineChoice(model=str(smollm_path), server=ServerAddress(f"http://127.0.0.1:{dead_port()}"))
    with pytest.raises(ServerError):
        open_engine(choice)
    said = []
    opened = open_engine(choice, fallback_to_local=True, say=said.append)
    try:
        assert opened.engine.kind == "local" and "could not reach" in opened.notice
        assert "this computer's model instead" in opened.notice and any("could not reach" in s for s in said)
    finally:
        opened.engine.close()


def test_chat_cli_says_the_server_failed_and_goes_on_locally(smollm_path, clientsim_home, lab_server):
    import json
    import subprocess
    import sys

    from cli_helpers import cli_env

    def chat(*extra):
        cmd = [sys.executable, "-m", "clientsim.cli.main", "chat", "--persona", "daniel-alcohol", "--model",
               str(smollm_path), "--seed", "3", "--json", *extra]
        return subprocess.run(cmd, input="Hello Daniel, what brings you in?\n", capture_output=True, text=True,
                              env=cli_env(clientsim_home), timeout=300)

    proc = chat("--server", f"http://127.0.0.1:{dead_port()}")
    assert proc.returncode == 0, proc.stderr
    assert "could not reach the lab server" in proc.stderr and "this computer's model instead" in proc.stderr
    assert json.loads(proc.stdout.splitlines()[0])["client"]
    proc = chat("--server", f"http://127.0.0.1:{dead_port()}", "--no-fallback")
    assert proc.returncode != 0 and "could not reach the lab server" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = chat("--server", lab_server.url)  # the real server plays the client
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.splitlines()[0])["client"] and "lab server" in proc.stderr
