"""Ask a running server whether it is ready: GET /health (public, no key needed)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request


def get_health(url: str, timeout: float = 2.0) -> tuple[int, dict]:
    """(HTTP status, body); status 0 when nothing answers. llama-server says 503 while loading."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/health", timeout=timeout) as resp:
            return resp.status, _json(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, _json(exc.read())
    except (urllib.error.URLError, OSError):
        return 0, {}


def _json(raw: bytes) -> dict:
    try:
        value = json.loads(raw.decode("utf-8", "replace") or "{}")
        return value if isinstance(value, dict) else {"body": value}
    except ValueError:
        return {}
