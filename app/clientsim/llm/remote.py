"""RemoteEngine: the client played by a lab server that speaks OpenAI's chat-completions protocol.

Any such server works: llama.cpp's llama-server (what `clientsim server`
starts), vLLM, or another. The engine streams the reply (`stream: true`,
server-sent events), so the character guard sees every piece before the
student does, exactly as with the local model (client/simulator.py).

Faults are told in words, never hidden:
- a server that cannot be reached, refuses the key, is busy or answers with
  an error raises `ServerError` before any word, after a bounded retry for
  the faults a retry can cure (refused or reset connection, busy, 5xx);
- a server that stops mid-reply, goes silent for `read_timeout` seconds,
  sends malformed events or a reply in another format raises `ServerError`
  with `partial` = the words already streamed, which the session keeps and
  marks (sessions/session.py);
- Stop closes the connection at once (a watcher thread shuts the socket
  down), so a silent server never makes Stop wait.

Nothing is sent but the chat messages and sampling settings to the address
the user configured; the API key goes in the Authorization header only.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Iterator
from urllib.parse import urlsplit

from clientsim.core.errors import UserError
from clientsim.core.jobs import JobState
from clientsim.llm.sse import StreamFormatError, iter_events
from clientsim.llm.types import GenerationStats, SamplingParams

CHARS_PER_TOKEN = 3.0  # English runs ~4 characters a token; 3 over-counts, so budgets err on the safe side
TOKENS_PER_MESSAGE = 8  # template tokens around each message
RETRYABLE_STATUS = {429, 500, 502, 503, 504}


class ServerError(UserError):
    """The lab server could not give (all of) the reply. ``partial``: the words streamed before it failed."""

    exit_code = 3

    def __init__(self, message: str, *, hint: str = "", kind: str = "error", partial: str = "") -> None:
        super().__init__(message, hint=hint)
        self.kind = kind  # unreachable | auth | busy | error | timeout | dropped | malformed
        self.partial = partial


LOCAL_HINT = "You can go on with this computer's model instead, or ask your lab administrator."


@dataclass(frozen=True)
class ServerAddress:
    """Where the lab server is and how to talk to it (Settings → Lab server)."""

    url: str  # http(s)://host:port, with or without a trailing /v1
    model: str = ""  # the name the server knows the model by; "" = the first it lists
    api_key: str = ""
    connect_timeout: float = 5.0
    read_timeout: float = 60.0  # no byte from the server for this long: it has stopped answering
    retries: int = 1  # extra attempts for faults a retry can cure, before any word arrived

    def parts(self) -> tuple[str, str, int, str]:
        """(scheme, host, port, path prefix); UserError for an address that cannot be one."""
        text = (self.url or "").strip()
        if not text:
            raise ServerError("No lab server address is set.", hint="Enter it in Settings → Lab server, "
                              "for example http://lab-server:8080.", kind="unreachable")
        if "://" not in text:
            text = "http://" + text
        try:
            u = urlsplit(text)
            port = u.port
        except ValueError as exc:
            raise ServerError(f"The lab server address {self.url!r} is not an address ({exc}).",
                              hint="It looks like http://lab-server:8080.", kind="unreachable") from exc
        if u.scheme not in ("http", "https") or not u.hostname:
            raise ServerError(f"The lab server address {self.url!r} is not an http:// or https:// address.",
                              hint="It looks like http://lab-server:8080.", kind="unreachable")
        prefix = u.path.rstrip("/")
        if prefix.endswith("/v1"):
            prefix = prefix[:-3]
        return u.scheme, u.hostname, port or (443 if u.scheme == "https" else 80), prefix

    def display(self) -> str:
        scheme, host, port, prefix = self.parts()
        return f"{scheme}://{host}:{port}{prefix}"


class RemoteEngine:
    """A `ChatEngine` (llm/backend.py) on a lab server."""

    kind = "remote"

    def __init__(self, address: ServerAddress, n_ctx: int = 4096, seed: int | None = 0) -> None:
        self.address = address
        self.requested_ctx = n_ctx
        self.seed = seed
        self.model_name = address.model
        self.server_ctx: int | None = None
        self.last_stats = GenerationStats()
        self._loaded = False
        self._lock = threading.RLock()  # one request at a time from this engine, as with the local one

    # ---- ChatEngine -------------------------------------------------------
    @property
    def loaded(self) -> bool:
        return self._loaded

    @property
    def n_ctx(self) -> int:
        return min(self.requested_ctx, self.server_ctx) if self.server_ctx else self.requested_ctx

    def load(self, state: JobState | None = None) -> "RemoteEngine":
        """Check that the server answers and knows a model; learn its name and context size."""
        if self._loaded:
            return self
        if state:
            state.progress(0.1, f"connecting to {self.address.display()}")
        listing = self.get_json("/v1/models")
        names = [m.get("id") for m in (listing.get("data") or []) if isinstance(m, dict) and m.get("id")]
        if not names:
            raise ServerError(f"The lab server at {self.address.display()} lists no model.",
                              hint="Ask your lab administrator to start it with a model. " + LOCAL_HINT,
                              kind="malformed")
        if self.model_name and self.model_name not in names:
            raise ServerError(f"The lab server has no model called {self.model_name!r} (it has: {', '.join(names[:5])}).",
                              hint="Correct the model name in Settings → Lab server, or leave it empty.", kind="error")
        self.model_name = self.model_name or names[0]
        self.server_ctx = self._slot_context()
        self._loaded = True
        if state:
            state.progress(1.0, "ready")
        return self

    def close(self) -> None:
        self._loaded = False

    def label(self) -> str:
        return f"{self.model_name or 'model'} on the lab server {self.address.display()}"

    def model_record(self) -> dict:
        return {"name": self.model_name, "backend": "lab server", "server": self.address.display(),
                "n_ctx": self.n_ctx}

    def count_tokens(self, messages: list[dict]) -> int:
        """An over-estimate: the protocol has no tokenizer, and a budget must not overflow the server's context."""
        chars = sum(len(str(m.get("content", ""))) for m in messages)
        return int(chars / CHARS_PER_TOKEN) + TOKENS_PER_MESSAGE * len(messages) + 16

    def prime(self, messages: list[dict], upto: str | None = None) -> int:
        return 0  # the server keeps its own prompt cache per slot (llama-server: cache_prompt)

    def reset_cache(self) -> None:
        return None

    def stream_chat(self, messages: list[dict], params: SamplingParams | None = None, state: JobState | None = None,
                    grammar: str | None = None, opening: str = "") -> Iterator[str]:
        p = params or SamplingParams()
        body = {"model": self.model_name or self.address.model or "default", "messages": list(messages),
                "stream": True, "stream_options": {"include_usage": True},
                "max_tokens": p.max_tokens, "temperature": p.temperature, "top_p": p.top_p,
                # llama.cpp's names; vLLM's for the repeat penalty; other servers ignore what they do not know
                "top_k": p.top_k, "min_p": p.min_p, "repeat_penalty": p.repeat_penalty,
                "repetition_penalty": p.repeat_penalty, "cache_prompt": True}
        seed = p.seed if p.seed is not None else self.seed
        if seed is not None:
            body["seed"] = int(seed) & 0x7FFFFFFF
        if grammar:
            body["grammar"] = grammar
        if opening:
            # the reply's first words, continued by the model (llama-server prefills a trailing
            # assistant message; vLLM and newer llama-server read continue_final_message)
            body["messages"].append({"role": "assistant", "content": opening})
            body["continue_final_message"] = True
            body["add_generation_prompt"] = False
        with self._lock:
            yield from self._stream(body, state or JobState())

    def chat(self, messages: list[dict], max_tokens: int = 256, temperature: float = 0.0, grammar: str | None = None,
             stop: list[str] | None = None, state: JobState | None = None, seed: int | None = None) -> str:
        params = SamplingParams(temperature=temperature, max_tokens=max_tokens, seed=seed if seed is not None else 0,
                                top_k=1 if temperature == 0 else 40, repeat_penalty=1.0 if temperature == 0 else 1.1)
        text = ""
        for piece in self.stream_chat(messages, params, state, grammar):
            text += piece
            if stop and any(s in text for s in stop):
                break
        if stop:
            text = text[:min((text.index(s) for s in stop if s in text), default=len(text))]
        return text.strip()

    # ---- HTTP ---------------------------------------------------------------
    def _connection(self) -> http.client.HTTPConnection:
        scheme, host, port, _ = self.address.parts()
        if scheme == "https":
            return http.client.HTTPSConnection(host, port, timeout=self.address.connect_timeout,
                                               context=ssl.create_default_context())
        return http.client.HTTPConnection(host, port, timeout=self.address.connect_timeout)

    def _headers(self) -> dict:
        h = {"Content-Type": "application/json", "Accept": "text/event-stream, application/json"}
        if self.address.api_key:
            h["Authorization"] = f"Bearer {self.address.api_key}"
        return h

    def _open(self, method: str, path: str, body: dict | None, state: JobState | None):
        """Send one request; returns (connection, response). ServerError for every failure, in words.
        The connection's socket is kept as ``conn.stream_socket``: http.client lets go of it when the
        server says it will close, and Stop needs it to break off a blocked read."""
        where = self.address.display()
        prefix = self.address.parts()[3]
        conn = self._connection()
        try:
            conn.connect()
            conn.sock.settimeout(self.address.read_timeout)
            conn.stream_socket = conn.sock
            conn.request(method, prefix + path, body=json.dumps(body).encode() if body is not None else None,
                         headers=self._headers())
            resp = conn.getresponse()
        except (socket.timeout, TimeoutError) as exc:
            conn.close()
            raise ServerError(f"The lab server at {where} did not answer in time.", hint=LOCAL_HINT,
                              kind="unreachable") from exc
        except ssl.SSLError as exc:
            conn.close()
            raise ServerError(f"A secure connection to {where} failed ({exc.reason or exc}).",
                              hint="Check the address (http:// or https://). " + LOCAL_HINT, kind="unreachable") from exc
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            if state is not None and state.cancelled:
                raise _Cancelled() from exc
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc.__class__.__name__
            raise ServerError(f"ClientSim could not reach the lab server at {where} ({why}).",
                              hint="Check the address in Settings → Lab server and that the server is running. "
                              + LOCAL_HINT, kind="unreachable") from exc
        if resp.status >= 400:
            detail = _error_detail(resp)
            conn.close()
            raise _status_error(resp.status, detail, where)
        return conn, resp

    def get_json(self, path: str) -> dict:
        conn, resp = self._with_retries(lambda: self._open("GET", path, None, None), None)
        try:
            raw = resp.read(1 << 20)
        except (OSError, http.client.HTTPException) as exc:
            raise ServerError(f"The lab server stopped answering ({exc.__class__.__name__}).", hint=LOCAL_HINT,
                              kind="dropped") from exc
        finally:
            resp.close()
            conn.close()
        try:
            value = json.loads(raw)
        except ValueError as exc:
            raise ServerError(f"The lab server's answer to {path} is not JSON, so it is probably not an "
                              "OpenAI-compatible server.", hint="Check the address and port. " + LOCAL_HINT,
                              kind="malformed") from exc
        if not isinstance(value, dict):
            raise ServerError(f"The lab server's answer to {path} is not what an OpenAI-compatible server sends.",
                              hint=LOCAL_HINT, kind="malformed")
        return value

    def _slot_context(self) -> int | None:
        """llama-server says its per-slot context in /props; other servers have no such page."""
        try:
            props = self.get_json("/props")
        except ServerError:
            return None
        settings = props.get("default_generation_settings") or {}
        n = settings.get("n_ctx") or props.get("n_ctx")
        return n if isinstance(n, int) and n > 0 else None

    def _with_retries(self, attempt, state: JobState | None):
        delay = 0.5
        for n in range(self.address.retries + 1):
            try:
                return attempt()
            except ServerError as exc:
                if n >= self.address.retries or exc.kind not in ("unreachable", "busy", "error") or \
                        (state is not None and state.cancelled):
                    raise
                deadline = time.monotonic() + delay
                while time.monotonic() < deadline:
                    if state is not None and state.cancelled:
                        raise _Cancelled() from exc
                    time.sleep(0.05)
                delay *= 2
        raise AssertionError("unreachable")

    def _stream(self, body: dict, state: JobState) -> Iterator[str]:
        stats = GenerationStats(prompt_tokens=self.count_tokens(body["messages"]))
        stats.new_prompt_tokens = stats.prompt_tokens
        self.last_stats = stats
        start = time.perf_counter()
        try:
            conn, resp = self._with_retries(lambda: self._open("POST", "/v1/chat/completions", body, state), state)
        except _Cancelled:
            stats.stopped_by = "cancelled"
            return
        done = threading.Event()
        watcher = threading.Thread(target=_close_on_cancel, args=(state, conn, done), name="server-stop", daemon=True)
        watcher.start()
        text = ""
        first = None
        finished = False
        try:
            kind = (resp.getheader("Content-Type") or "").split(";")[0].strip().lower()
            if kind == "application/json":  # a server that ignored stream=true: the whole reply at once
                pieces = [_whole_reply(resp.read(4 << 20))]
                finished = True
            elif kind == "text/event-stream":
                pieces = None
            else:
                raise ServerError(f"The lab server answered with {kind or 'no content type'} instead of a "
                                  "stream of events.", hint=LOCAL_HINT, kind="malformed")
            for piece in pieces if pieces is not None else _deltas(iter_events(resp.readline), stats):
                if piece is _FINISHED:
                    finished = True
                    continue
                if state.cancelled:
                    break
                now = time.perf_counter()
                if first is None and piece:
                    first = now
                    stats.ttft_s = now - start
                if piece:
                    stats.completion_tokens += 1
                    stats.gen_s = now - (first or now)
                    text += piece
                    yield piece
                if stats.completion_tokens >= 4 * body["max_tokens"]:  # a server that ignores max_tokens
                    stats.stopped_by = "max_tokens"
                    break
            if state.cancelled:
                stats.stopped_by = "cancelled"
            elif not finished and stats.stopped_by != "max_tokens":
                raise ServerError("The lab server closed the connection in the middle of the reply.",
                                  hint=LOCAL_HINT, kind="dropped", partial=text)
        except ServerError as exc:
            exc.partial = exc.partial or text
            raise
        except (socket.timeout, TimeoutError) as exc:
            if state.cancelled:
                stats.stopped_by = "cancelled"
                return
            raise ServerError(f"The lab server stopped answering for {self.address.read_timeout:.0f} s in the "
                              "middle of the reply.", hint=LOCAL_HINT, kind="timeout", partial=text) from exc
        except (OSError, http.client.HTTPException) as exc:
            if state.cancelled:
                stats.stopped_by = "cancelled"
                return
            raise ServerError(f"The connection to the lab server broke in the middle of the reply "
                              f"({exc.__class__.__name__}).", hint=LOCAL_HINT, kind="dropped", partial=text) from exc
        except StreamFormatError as exc:
            raise ServerError(f"The lab server sent a stream ClientSim cannot read ({exc}).", hint=LOCAL_HINT,
                              kind="malformed", partial=text) from exc
        except GeneratorExit:
            stats.stopped_by = "caller"
            raise
        finally:
            done.set()
            resp.close()
            conn.close()


class _Cancelled(Exception):
    pass


_FINISHED = object()  # a chunk said finish_reason


def _deltas(events: Iterator[str], stats: GenerationStats) -> Iterator:
    """The content pieces of a chat-completions event stream (and _FINISHED when the server says it is done)."""
    for data in events:
        if data.strip() == "[DONE]":
            yield _FINISHED
            return
        try:
            chunk = json.loads(data)
        except ValueError as exc:
            raise StreamFormatError(f"an event that is not JSON: {data[:60]!r}") from exc
        if not isinstance(chunk, dict):
            raise StreamFormatError(f"an event that is not a JSON object: {data[:60]!r}")
        if chunk.get("error"):
            err = chunk["error"]
            message = err.get("message") if isinstance(err, dict) else str(err)
            raise ServerError(f"The lab server reported an error in the middle of the reply: {str(message)[:200]}",
                              hint=LOCAL_HINT, kind="error")
        _read_figures(chunk, stats)
        choices = chunk.get("choices")
        if choices is None:
            continue  # the usage-only chunk at the end
        if not isinstance(choices, list):
            raise StreamFormatError("'choices' is not a list")
        for choice in choices[:1]:
            if not isinstance(choice, dict):
                raise StreamFormatError("a choice is not an object")
            delta = choice.get("delta")
            if delta is None and isinstance(choice.get("message"), dict):
                delta = choice["message"]  # some servers send whole messages in the stream
            if delta is not None and not isinstance(delta, dict):
                raise StreamFormatError("'delta' is not an object")
            content = (delta or {}).get("content")
            if content:
                if not isinstance(content, str):
                    raise StreamFormatError("'content' is not text")
                yield content
            reason = choice.get("finish_reason")
            if reason:
                stats.stopped_by = {"stop": "eog", "length": "max_tokens"}.get(reason, reason)
                yield _FINISHED


def _read_figures(chunk: dict, stats: GenerationStats) -> None:
    """llama-server's `timings` (prompt tokens evaluated vs cached) and the protocol's `usage`."""
    timings = chunk.get("timings")
    if isinstance(timings, dict) and isinstance(timings.get("prompt_n"), int):
        stats.new_prompt_tokens = timings["prompt_n"]
        if isinstance(timings.get("cache_n"), int):
            stats.prompt_tokens = timings["prompt_n"] + timings["cache_n"]
    usage = chunk.get("usage")
    if isinstance(usage, dict) and isinstance(usage.get("prompt_tokens"), int):
        stats.prompt_tokens = usage["prompt_tokens"]
    if isinstance(usage, dict) and isinstance(usage.get("completion_tokens"), int) and usage["completion_tokens"] > 0:
        stats.completion_tokens = usage["completion_tokens"]  # pieces may hold several tokens


def _whole_reply(raw: bytes) -> str:
    try:
        value = json.loads(raw)
        content = value["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise ServerError("The lab server's reply is not in the chat-completions format.", hint=LOCAL_HINT,
                          kind="malformed") from exc
    if not isinstance(content, str):
        raise ServerError("The lab server's reply holds no text.", hint=LOCAL_HINT, kind="malformed")
    return content


def _close_on_cancel(state: JobState, conn: http.client.HTTPConnection, done: threading.Event) -> None:
    """Stop must work while the server is silent: shut the socket down, which ends the blocked read."""
    while not done.is_set():
        if state._cancel.wait(0.05):
            sock = getattr(conn, "stream_socket", None)
            if sock is not None and not done.is_set():
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            return


def _error_detail(resp) -> str:
    try:
        raw = resp.read(4096)
        value = json.loads(raw)
        err = value.get("error", value) if isinstance(value, dict) else value
        message = err.get("message") if isinstance(err, dict) else err
        return str(message)[:200]
    except Exception:  # noqa: BLE001 - the status code says enough
        return ""


def _status_error(status: int, detail: str, where: str) -> ServerError:
    said = f" It said: {detail}" if detail else ""
    if status in (401, 403):
        return ServerError(f"The lab server at {where} refused the API key (HTTP {status}).{said}",
                           hint="Check the key in Settings → Lab server. " + LOCAL_HINT, kind="auth")
    if status == 404:
        return ServerError(f"There is no chat-completions service at {where} (HTTP 404).{said}",
                           hint="The address should be the server's address and port, e.g. http://lab-server:8080. "
                           + LOCAL_HINT, kind="error")
    if status in (429, 503):
        return ServerError(f"The lab server at {where} is busy (HTTP {status}).{said}",
                           hint="Try again in a moment. " + LOCAL_HINT, kind="busy")
    return ServerError(f"The lab server at {where} answered with an error (HTTP {status}).{said}",
                       hint=LOCAL_HINT, kind="error" if status in RETRYABLE_STATUS else "refused")
