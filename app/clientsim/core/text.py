"""Text from files and the database made safe to print on a terminal.

Names, ids and turns can hold anything a file held: terminal escape sequences
(which can recolour, retitle or rewrite the terminal), other control
characters, lone surrogates, a 1 MB id. What is printed goes through here.
"""

from __future__ import annotations

import re

# C0 and C1 controls and DEL, except tab and newline; bidi overrides and isolates too.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: object, max_len: int | None = None, *, newlines: bool = True) -> str:
    """`text` with control characters shown as \\xNN / \\uNNNN escapes and, if given, cut to `max_len`."""
    s = str(text)
    s = s.encode("utf-8", "backslashreplace").decode("utf-8")  # lone surrogates -> \\udXXX
    if not newlines:
        s = s.replace("\n", "\\n").replace("\t", " ")
    s = _UNSAFE.sub(lambda m: _escape(m.group()), s)
    if max_len is not None and len(s) > max_len:
        s = s[: max(1, max_len - 1)] + "…"
    return s


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
