"""A lab server: real llama-server on 127.0.0.1 with the real SmolLM2 model.

The binary is looked up when this module is imported, before conftest gives
each test its own CLIENTSIM_HOME: it is the one `scripts/setup.sh` built into
the user's cache (`clientsim server build`).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from cli_helpers import cli_env

from clientsim.llm.remote import RemoteEngine, ServerAddress
from clientsim.server.build import ENV_BINARY
from clientsim.server.launch import free_port, start_server

pytestmark = pytest.mark.model
def _post(url: str, body: dict, key: str | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    req = urllib.request.Request(url + "/v1/chat/completions", json.dumps(body).encode(), headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on `port`, from /proc/net/tcp{,6}."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            local, state = row.split()[1], row.split()[3]
            addr, p = local.split(":")
            if int(p, 16) == port and state == "0A":
                found.add("127.0.0.1" if addr == "0100007F" else addr)
    return found


HELLO = [{"role": "system", "content": "You are Ada, a client in counselling."},
         {"role": "user", "content": "Hello Ada. What brings you here today? (zebra-quartz-marker)"}]


def test_serves_streams_and_binds_to_loopback(smollm_path, server_binary):
    with start_server(smollm_path, parallel=2, binary=server_binary) as server:
        assert server.url.startswith("http://127.0.0.1:")
        assert server.health() == (200, {"status": "ok"})
        assert _listening_addresses(server.options.port) == {"127.0.0.1"}
        from clientsim.llm.engine import SamplingParams

        pieces = list(RemoteEngine(ServerAddress(server.url)).load().stream_chat(HELLO, SamplingParams(max_tokens=24, seed=1)))
        assert len(pieces) > 3 and "".join(pieces).strip()  # streamed piece by piece, not one block
        status, _ = _post(server.url, {"messages": HELLO, "max_tokens": 4})
        assert status == 200  # no key set: none asked for
        # privacy: no endpoint shows what students wrote, and the log holds neither prompt nor reply
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(server.url + "/slots", timeout=10)
        assert err.value.code in (404, 501)
        reply = "".join(pieces).strip()
        log = server.output()
        assert "zebra-quartz-marker" not in log and "You are Ada" not in log
        assert reply[:30] not in log
    assert not server.running


def test_api_key_is_required_when_set(smollm_path, server_binary):
    key = "lab-key-7f3a9c"
    with start_server(smollm_path, parallel=1, api_key=key, binary=server_binary) as server:
        assert server.health()[0] == 200  # /health stays public so a client can tell "up" from "refused"
        assert _post(server.url, {"messages": HELLO, "max_tokens": 4})[0] == 401
        assert _post(server.url, {"messages": HELLO, "max_tokens": 4}, key="wrong")[0] == 401
        status, body = _post(server.url, {"messages": HELLO, "max_tokens": 4}, key=key)
        assert status == 200 and body["choices"][0]["message"]["content"] is not None
        # the key is on no command line (ps shows those to every user) and no longer on disk
        assert key not in Path(f"/proc/{server.process.pid}/cmdline").read_text(errors="replace")
        key_file = Path(server.options.api_key_file)
        assert not key_file.exists()


def _start_cli(home, model, binary, *extra):
    env = cli_env(home) | {ENV_BINARY: str(binary)}
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "clientsim.cli.main", "server", "start", "--model", str(model),
                             "--port", str(port), "--parallel", "2", *extra], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    return proc, port


def test_cli_start_prints_the_address_and_sigterm_stops_it(smollm_path, server_binary, clientsim_home):
    proc, port = _start_cli(clientsim_home, smollm_path, server_binary)
    lines = []
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "Settings" in line:
            break
    out = "".join(lines)
    assert f"http://127.0.0.1:{port}/v1" in out, out + proc.stderr.read() if proc.poll() is not None else out
    assert "/health says ok" in out
    assert _listening_addresses(port) == {"127.0.0.1"}
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    assert "stopped" in proc.stdout.read()
    assert _listening_addresses(port) == set()  # llama-server is gone too, not orphaned


def test_cli_warns_when_listening_beyond_loopback_without_a_key(smollm_path, server_binary, clientsim_home):
    # 192.0.2.1 (TEST-NET-1) is on no interface here: the warning comes, then a clear failure, no hang
    proc, _ = _start_cli(clientsim_home, smollm_path, server_binary, "--host", "192.0.2.1")
    out, err = proc.communicate(timeout=120)
    assert "WARNING" in err and "WITHOUT an API key" in err
    assert proc.returncode == 2 and "llama-server stopped while starting" in err and "Traceback" not in err


def test_cli_refuses_a_key_file_others_can_read(smollm_path, server_binary, clientsim_home, tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("secret\n")
    key_file.chmod(0o644)
    proc, port = _start_cli(clientsim_home, smollm_path, server_binary, "--api-key-file", str(key_file))
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "readable by every user" in err and "chmod 600" in err
    assert _listening_addresses(port) == set()


def test_bench_lab_against_a_real_server(smollm_path, server_binary, clientsim_home, tmp_path, monkeypatch):
    from clientsim.cli.main import main

    monkeypatch.setenv(ENV_BINARY, str(server_binary))
    out = tmp_path / "lab.json"
    code = main(["bench", "lab", "--sessions", "2", "--turns", "2", "--arms", "server", "--model", str(smollm_path),
                 "--time-limit", "120", "--json", str(out)])
    assert code == 0
    data = json.loads(out.read_text())
    (summary,) = data["summaries"]
    assert summary["sessions"] == 2 and summary["turns"] == 4 and not summary["errors"]
    assert summary["tok_per_s_total"] > 0 and summary["ttft_p50_s"] > 0
    assert {t["student"] for t in data["turns"]["server-2"]} == {0, 1}
