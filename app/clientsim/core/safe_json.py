"""The one way ClientSim reads a JSON file it did not write a moment ago.

Persona files, transcripts, JSONL utterances, settings and manifests can come
from anywhere: a colleague's pack, a USB stick, a typo in a path. Reading one
must never hang, run out of memory or end in a traceback, so every file goes
through read_json() / read_jsonl() here:

- regular files only: a FIFO, a device or a symlink to one is refused (opened
  with O_NONBLOCK, then checked with fstat, so opening a FIFO cannot block);
- a size limit, read as a limit (a file that grows while read still stops);
- UTF-8 (a BOM is allowed), with the byte offset of a bad byte;
- nesting no deeper than MAX_DEPTH, checked before json.loads can recurse;
- no NaN or Infinity, no integer beyond 64 bits, no lone surrogate (an
  escaped "\\ud800" is valid JSON but cannot be written out as UTF-8);
- every problem is a BadFile naming the file, the field and the problem.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any, Iterator

from clientsim.core.errors import BadFile

MAX_BYTES = 8 * 1024 * 1024  # transcripts of very long sessions stay far below
MAX_DEPTH = 64  # personas and transcripts nest 5 deep at most
MAX_INT = 2**63 - 1  # what SQLite can store
MIN_INT = -(2**63)
WHOLE_FILE = "(file)"
JSON_SYNTAX = "(JSON syntax)"

_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def read_bytes(path: Path, *, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file, at most `max_bytes`; BadFile otherwise."""
    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise BadFile(path, WHOLE_FILE, "does not exist") from None
    except IsADirectoryError:
        raise BadFile(path, WHOLE_FILE, "is a folder, not a file") from None
    except OSError as exc:
        raise BadFile(path, WHOLE_FILE, f"cannot be read ({exc.strerror or exc})") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise BadFile(path, WHOLE_FILE, f"is {_kind(info.st_mode)}, not a regular file; it was not read")
        if info.st_size > max_bytes:
            raise BadFile(path, WHOLE_FILE, f"is {_size(info.st_size)}; at most {_size(max_bytes)} is read")
        chunks, total = [], 0
        while True:
            try:
                chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            except OSError as exc:
                raise BadFile(path, WHOLE_FILE, f"cannot be read ({exc.strerror or exc})") from exc
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                raise BadFile(path, WHOLE_FILE, f"is larger than {_size(max_bytes)}; it was not read")
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text(path: Path, *, max_bytes: int = MAX_BYTES) -> str:
    """The file as text: UTF-8 (a leading BOM is dropped); BadFile otherwise."""
    raw = read_bytes(path, max_bytes=max_bytes)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadFile(
            path, WHOLE_FILE, f"is not UTF-8 text (bad byte at position {exc.start}); save it as UTF-8"
        ) from None


def read_json(path: Path, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """Parse a JSON file with every check in this module; BadFile names what is wrong."""
    return loads(read_text(path, max_bytes=max_bytes), path, max_depth=max_depth)


def read_jsonl(
    path: Path, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH
) -> Iterator[tuple[int, Any | BadFile]]:
    """(line number, value) for each non-blank line; a bad line (JSON, UTF-8) yields its BadFile instead.

    The file as a whole (missing, not a regular file, too big) raises BadFile.
    """
    raw = read_bytes(path, max_bytes=max_bytes)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    for no, line in enumerate(raw.split(b"\n"), 1):
        where = f"{path}:{no}"
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield no, BadFile(where, WHOLE_FILE, f"is not UTF-8 text (bad byte at position {exc.start})")
            continue
        if not text.strip():
            continue
        try:
            yield no, loads(text, where, max_depth=max_depth)
        except BadFile as exc:
            yield no, exc


def loads(text: str, where: Any = "(text)", *, max_depth: int = MAX_DEPTH) -> Any:
    """json.loads with the checks of this module; `where` names the source in errors."""
    depth = nesting_depth(text)
    if depth > max_depth:
        raise BadFile(where, JSON_SYNTAX, f"nests {depth} levels deep; at most {max_depth} are allowed")
    try:
        data = json.loads(text, parse_constant=_reject_constant, parse_int=_checked_int)
    except _Refused as exc:
        raise BadFile(where, JSON_SYNTAX, str(exc)) from None
    except json.JSONDecodeError as exc:
        raise BadFile(where, JSON_SYNTAX, json_problem(exc)) from None
    except (RecursionError, ValueError) as exc:  # belt and braces: nesting_depth should catch these
        raise BadFile(where, JSON_SYNTAX, f"cannot be parsed ({exc.__class__.__name__})") from None
    problem = find_bad_value(data)
    if problem:
        field, what = problem
        raise BadFile(where, field, what)
    return data


def nesting_depth(text: str) -> int:
    """The deepest [ / { nesting in JSON `text`, brackets inside strings ignored (linear time)."""
    depth = deepest = 0
    for m in _STRING_OR_BRACKET.finditer(text):
        c = m.group()
        if c in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
        elif c in "]}":
            depth -= 1
    return deepest


def find_bad_value(data: Any) -> tuple[str, str] | None:
    """(field, problem) for the first string or key holding a lone surrogate, or a float that is not finite."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            if not _utf8_ok(value):
                return where or "(top level)", "holds invalid Unicode (a lone surrogate such as \\ud800)"
        elif isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                return where or "(top level)", "is not a finite number"
        elif isinstance(value, dict):
            for key, item in value.items():
                if not _utf8_ok(key):
                    return where or "(top level)", "has a field name with invalid Unicode (a lone surrogate)"
                stack.append((f"{where}.{key}" if where else key, item))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                stack.append((f"{where}[{i}]", item))
    return None


def json_problem(exc: json.JSONDecodeError) -> str:
    problem = f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
    if exc.msg.startswith("Expecting property name") or exc.msg == "Expecting value":
        problem += " (a comma after the last item, or a missing value, often causes this)"
    elif exc.msg.startswith("Expecting ',' delimiter"):
        problem += " (a missing comma or an unescaped double quote inside a text often causes this)"
    elif exc.msg.startswith("Invalid control character"):
        problem += " (write a line break inside a text as \\n)"
    return problem


class _Refused(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _Refused(f"holds {name}, which is not a number JSON allows; write a plain number")


def _checked_int(text: str) -> int:
    if len(text.lstrip("-")) > 19:
        raise _Refused(f"holds an integer with {len(text.lstrip('-'))} digits; at most 64-bit integers are allowed")
    value = int(text)
    if not MIN_INT <= value <= MAX_INT:
        raise _Refused("holds an integer too large to store; at most 64-bit integers are allowed")
    return value


def _utf8_ok(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n} bytes"
