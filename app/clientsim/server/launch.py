"""Start llama-server as a child process and wait until it serves.

`start_server(model, parallel, api_key)` is what the CLI, the lab bench and the
tests use: a free loopback port unless told otherwise, /health polled until
it says ok, and a `ServerHandle` whose `.stop()` ends it with SIGTERM (SIGKILL
after a grace period). On Linux the child also gets SIGTERM if this process
dies, so a crashed test or bench leaves no server behind.
"""

from __future__ import annotations

import collections
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from clientsim.core.errors import UserError
from clientsim.server.build import require_server_binary
from clientsim.server.health import get_health
from clientsim.server.options import LOOPBACK, ServerOptions, child_environment, server_args

LOG_LINES = 400  # the tail of the server's own output kept in memory for error messages; never written to disk


def free_port(host: str = LOOPBACK) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    os.setsid()
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class ServerHandle:
    process: subprocess.Popen
    options: ServerOptions
    api_key: str | None = None
    log: collections.deque = field(default_factory=lambda: collections.deque(maxlen=LOG_LINES))
    _key_dir: tempfile.TemporaryDirectory | None = None
    _reader: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The server's root, e.g. http://127.0.0.1:8080 (the OpenAI API is under /v1)."""
        host = self.options.host
        shown = LOOPBACK if host in ("0.0.0.0", "") else ("[::1]" if host == "::" else host)
        if ":" in shown and not shown.startswith("["):
            shown = f"[{shown}]"
        return f"http://{shown}:{self.options.port}"

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def health(self) -> tuple[int, dict]:
        return get_health(self.url)

    def output(self) -> str:
        return "\n".join(self.log)

    def wait(self, timeout: float | None = None) -> int | None:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, grace: float = 15.0) -> int:
        """SIGTERM, then SIGKILL after `grace` seconds; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._forget_key()
        return self.process.returncode

    def _forget_key(self) -> None:
        if self._key_dir is not None:
            self._key_dir.cleanup()
            self._key_dir = None

    def __enter__(self) -> "ServerHandle":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _pump(stream, sink: collections.deque, echo) -> None:
    for line in stream:
        line = line.rstrip("\n")
        sink.append(line)
        if echo:
            echo(line)


def launch(opts: ServerOptions, api_key: str | None = None, binary: Path | None = None,
           echo=None) -> ServerHandle:
    """Start the process (not waiting for it to be ready)."""
    binary = binary or require_server_binary()
    key_dir = None
    if api_key:
        if opts.api_key_file:
            raise ValueError("give api_key or options.api_key_file, not both")
        key_dir = tempfile.TemporaryDirectory(prefix="clientsim-server-key-")
        key_file = Path(key_dir.name) / "key"
        key_file.touch(mode=0o600)
        key_file.write_text(api_key + "\n")
        opts = ServerOptions(**{**opts.__dict__, "api_key_file": key_file})
    proc = subprocess.Popen(server_args(binary, opts), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, errors="replace", env=child_environment(),
                            preexec_fn=_die_with_parent if os.name == "posix" else None)
    handle = ServerHandle(proc, opts, api_key, _key_dir=key_dir)
    handle._reader = threading.Thread(target=_pump, args=(proc.stdout, handle.log, echo), daemon=True,
                                      name="llama-server-output")
    handle._reader.start()
    return handle


def wait_ready(handle: ServerHandle, timeout: float = 180.0) -> dict:
    """Poll /health until it answers ok; a clear error if the server exits or takes too long."""
    deadline = time.monotonic() + timeout
    while True:
        if handle.process.poll() is not None:
            handle._forget_key()
            if handle._reader is not None:
                handle._reader.join(2.0)  # its last words say why
            tail = "\n".join(list(handle.log)[-15:])
            raise UserError(f"llama-server stopped while starting (exit code {handle.process.returncode}):\n{tail}",
                            hint="Check the model file and that the port is free (--port).")
        status, body = handle.health()
        if status == 200:
            handle._forget_key()  # the server has read it; no copy of the key stays on disk
            return body
        if time.monotonic() > deadline:
            handle.stop()
            raise UserError(f"llama-server did not become ready within {timeout:.0f} s (last /health: {status} {body}).")
        time.sleep(0.2)


def start_server(model: Path | str, parallel: int = 2, api_key: str | None = None, *, host: str = LOOPBACK,
                 port: int | None = None, threads: int | None = None, ctx_per_slot: int | None = None,
                 binary: Path | None = None, timeout: float = 180.0) -> ServerHandle:
    """A ready llama-server on a free loopback port (or host/port given); call .stop() when done."""
    from clientsim.server.options import CTX_PER_SESSION

    opts = ServerOptions(model=Path(model), parallel=parallel, host=host, port=port or free_port(host),
                         threads=threads, ctx_per_slot=ctx_per_slot or CTX_PER_SESSION)
    handle = launch(opts, api_key=api_key, binary=binary)
    try:
        wait_ready(handle, timeout)
    except BaseException:
        handle.stop()
        raise
    return handle
