"""The bench's streaming chat client for a lab server, until the app's RemoteEngine exists.

Same interface as LlmEngine.stream_chat(messages, params, state): an
OpenAI-compatible POST /v1/chat/completions with stream=true, pieces yielded
as they arrive, the stream closed when state is cancelled.
"""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit


class _StreamingChat:
    def __init__(self, url: str, model: str, api_key: str | None = None, timeout: float = 120.0) -> None:
        self.parts = urlsplit(url)
        self.model = model
        self.api_key = api_key
        self.timeout = timeout

    def stream_chat(self, messages, params=None, state=None):
        body = {"model": self.model, "messages": messages, "stream": True}
        if params is not None:
            body.update(max_tokens=params.max_tokens, temperature=params.temperature, top_p=params.top_p,
                        top_k=params.top_k, min_p=params.min_p, repeat_penalty=params.repeat_penalty)
            if params.seed is not None:
                body["seed"] = params.seed
        headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        conn = http.client.HTTPConnection(self.parts.hostname, self.parts.port, timeout=self.timeout)
        try:
            conn.request("POST", "/v1/chat/completions", json.dumps(body), headers)
            resp = conn.getresponse()
            if resp.status != 200:
                raise RuntimeError(f"HTTP {resp.status}: {resp.read(300).decode('utf-8', 'replace')}")
            for raw in resp:
                if state is not None and state.cancelled:
                    break
                line = raw.decode("utf-8", "replace").strip()
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                event = json.loads(data)
                for choice in event.get("choices") or []:
                    piece = (choice.get("delta") or {}).get("content")
                    if piece:
                        yield piece
        finally:
            conn.close()


def remote_engine(url: str, model: str, api_key: str | None = None):
    return _StreamingChat(url, model, api_key)
