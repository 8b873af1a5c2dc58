"""A proxy on 127.0.0.1 that puts faults into a real lab server's answers.

The tests talk to a real llama-server (clientsim server); faults a healthy
server never makes (a connection dropped mid-reply, a malformed event, a
stall, an answer in another format, a busy server) are made here, on the
real server's real stream. One fault per proxy, set by `mode`:

  pass                 forward everything
  drop:N               forward N events, then close the connection
  garbage:N            forward N events, then an event that is not JSON
  stall:N              forward N events, then send nothing (the socket stays open)
  html                 answer 200 with an HTML page, as a captive portal or a wrong port does
  status:CODE          answer with that HTTP status and a JSON error
  slow_headers:SECONDS wait that long before answering at all
"""

from __future__ import annotations

import http.client
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class FaultProxy:
    def __init__(self, upstream: str, mode: str = "pass") -> None:
        u = urlsplit(upstream)
        self.upstream = (u.hostname, u.port)
        self.mode = mode
        self.requests: list[dict] = []  # what the client sent (path, headers), for assertions
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                proxy._handle(self, None)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                proxy._handle(self, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.stall_release = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.stall_release.set()
        self.server.shutdown()
        self.server.server_close()

    # ---- one request ---------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler, body: bytes | None) -> None:
        self.requests.append({"path": h.path, "headers": dict(h.headers)})
        kind, _, arg = self.mode.partition(":")
        if kind == "slow_headers":
            self.stall_release.wait(float(arg))
        if kind == "html":
            return _answer(h, 200, "text/html", b"<html><body>Please log in to the network</body></html>")
        if kind == "status":
            return _answer(h, int(arg), "application/json", b'{"error": {"message": "injected by the test proxy"}}')
        conn = http.client.HTTPConnection(*self.upstream, timeout=120)
        headers = {k: v for k, v in h.headers.items() if k.lower() not in ("host", "content-length", "connection")}
        conn.request(h.command, h.path, body=body, headers=headers)
        resp = conn.getresponse()
        streaming = (resp.getheader("Content-Type") or "").startswith("text/event-stream")
        if not streaming or kind in ("pass", "slow_headers"):
            data = resp.read()
            conn.close()
            return _answer(h, resp.status, resp.getheader("Content-Type") or "application/json", data)
        limit = int(arg)
        h.send_response(resp.status)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Connection", "close")
        h.end_headers()
        events = 0
        try:
            while True:
                line = resp.readline()
                if not line:
                    break
                h.wfile.write(line)
                h.wfile.flush()
                if line.strip() == b"" and events >= 0:
                    events += 1
                    if events >= limit:
                        break
        except OSError:
            return
        finally:
            conn.close()
        if kind == "garbage":
            h.wfile.write(b"data: {this is not json\n\n")
            h.wfile.flush()
        elif kind == "stall":
            self.stall_release.wait(60)
        h.close_connection = True
        try:
            h.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _answer(h: BaseHTTPRequestHandler, status: int, content_type: str, data: bytes) -> None:
    h.send_response(status)
    h.send_header("Content-Type", content_type)
    h.send_header("Content-Length", str(len(data)))
    h.send_header("Connection", "close")
    h.end_headers()
    h.wfile.write(data)
    h.close_connection = True
