"""Server-sent events: the `data:` payloads of a text/event-stream, one per event.

OpenAI-compatible servers stream a chat reply as events whose data is one
JSON chunk, ending with `data: [DONE]`. Only what the format defines is read
(https://html.spec.whatwg.org/multipage/server-sent-events.html): lines
starting with ':' are comments (keep-alives), `data` lines of one event are
joined with newlines, a blank line ends the event, other fields are ignored.
"""

from __future__ import annotations

from typing import Callable, Iterator

MAX_EVENT_BYTES = 1 << 20  # a chat chunk is a few hundred bytes; a megabyte is a broken stream


class StreamFormatError(ValueError):
    """The bytes are not a server-sent event stream."""


def iter_events(readline: Callable[[], bytes]) -> Iterator[str]:
    """Yield each event's data from ``readline`` (returns b"" at the end of the stream)."""
    data: list[str] = []
    size = 0
    while True:
        raw = readline()
        if not raw:
            if data:
                yield "\n".join(data)
            return
        size += len(raw)
        if size > MAX_EVENT_BYTES:
            raise StreamFormatError(f"an event of more than {MAX_EVENT_BYTES} bytes")
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        if not line:
            if data:
                yield "\n".join(data)
            data, size = [], 0
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if field == "data":
            data.append(value)
