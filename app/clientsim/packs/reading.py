"""Reading a pack file without trusting it.

A pack comes from someone else, so before a byte is written: the file must be
a zip; member names must be plain relative paths of the expected shape (no
``..``, no absolute or drive paths, no backslashes, no symlinks, no
duplicates, no encryption); and the zip must stay within ``Limits`` (number of
files, total size, size per file, compression ratio). Sizes in the zip's
directory are only claims, so every member is also counted as it is
decompressed and cut off at its claimed size.

``read_json`` is a small strict JSON reader for members (UTF-8, no duplicate
keys, no NaN, bounded size and nesting). It stays here until the shared reader
in ``clientsim.core`` can take its place.
"""

from __future__ import annotations

import hashlib
import json
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from clientsim.packs.errors import PackError
from clientsim.packs.manifest import MANIFEST_NAME

MiB = 1024 * 1024
CHUNK = 64 * 1024

PERSONA_MEMBER = re.compile(r"^personas/([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)\.json$")
VOICE_MEMBER = re.compile(r"^voices/[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
FOLDERS = ("personas/", "voices/")
METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


@dataclass(frozen=True)
class Limits:
    max_files: int = 1000
    max_total: int = 512 * MiB  # all members, uncompressed
    max_member: int = 256 * MiB  # one voice model is about 60 MB
    max_json: int = 1 * MiB  # manifest and persona files
    max_ratio: float = 100.0  # uncompressed / compressed
    ratio_floor: int = 64 * 1024  # smaller members are not ratio-checked (JSON compresses well)


DEFAULT_LIMITS = Limits()


def open_pack(path: Path, limits: Limits = DEFAULT_LIMITS) -> zipfile.ZipFile:
    path = Path(path)
    if not path.is_file():
        raise PackError(path, "no such file" if not path.exists() else "is not a file")
    _check_directory_size(path, limits)
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise PackError(path, "is not a ClientSim pack: not a zip file (a .clientsim-pack is a zip made by "
                        "`clientsim packs build`)") from None
    except (OSError, ValueError, EOFError) as exc:  # truncated or unreadable central directory
        raise PackError(path, f"cannot be read as a zip file ({exc})") from None


EOCD = b"PK\x05\x06"  # end of central directory record


def _check_directory_size(path: Path, limits: Limits) -> None:
    """Refuse a huge pack or a zip claiming a huge directory before zipfile reads the directory into memory."""
    size = path.stat().st_size
    if size > limits.max_total + limits.max_files * 512:  # the contents and their headers
        raise PackError(path, f"is {_mb(size)}; a pack may be at most {_mb(limits.max_total)} (zip bomb protection)")
    try:
        with open(path, "rb") as f:
            f.seek(max(0, size - (22 + 65535)))
            tail = f.read()
    except OSError as exc:
        raise PackError(path, f"cannot be read ({exc.strerror or exc})") from None
    at = tail.rfind(EOCD)
    if at < 0 or len(tail) < at + 22:
        return  # not a zip: zipfile says so
    entries = int.from_bytes(tail[at + 10:at + 12], "little")
    directory = int.from_bytes(tail[at + 12:at + 16], "little")
    if entries == 0xFFFF or directory == 0xFFFFFFFF:
        raise PackError(path, "is a ZIP64 archive, far larger than a pack may be (zip bomb protection)")
    if entries > limits.max_files:
        raise PackError(path, f"holds {entries} files; a pack may hold at most {limits.max_files} "
                        "(zip bomb protection)")
    if directory > limits.max_files * 1024:
        raise PackError(path, f"has a {_mb(directory)} zip directory, too large for {entries} files "
                        "(zip bomb protection)")


def check_members(zf: zipfile.ZipFile, where, limits: Limits = DEFAULT_LIMITS) -> dict[str, zipfile.ZipInfo]:
    """Every file member by name, after the checks above; PackError names the first bad member."""
    infos = zf.infolist()
    if len(infos) > limits.max_files:
        raise PackError(where, f"holds {len(infos)} files; a pack may hold at most {limits.max_files} "
                        "(zip bomb protection)")
    members: dict[str, zipfile.ZipInfo] = {}
    total = 0
    seen_dirs: set[str] = set()
    for info in infos:
        name = info.filename
        check_name(name, where)
        if _is_symlink(info):
            raise PackError(where, "is a symbolic link; packs may only hold plain files", member=name)
        if info.flag_bits & 0x1:
            raise PackError(where, "is encrypted; packs may not be password-protected", member=name)
        if name.endswith("/"):
            if name not in FOLDERS or name in seen_dirs:
                raise PackError(where, "is an unexpected folder; a pack holds manifest.json, personas/ and voices/",
                                member=name)
            seen_dirs.add(name)
            continue
        if name in members:
            raise PackError(where, "appears twice in the zip", member=name)
        if not (name == MANIFEST_NAME or PERSONA_MEMBER.match(name) or VOICE_MEMBER.match(name)):
            raise PackError(where, "is an unexpected file; a pack holds manifest.json, personas/ID.json "
                            "(lowercase id) and voices/FILE", member=name)
        if info.compress_type not in METHODS:
            raise PackError(where, f"uses compression method {info.compress_type}; packs use stored or deflated "
                            "members (rebuild it with `clientsim packs build`)", member=name)
        size = info.file_size
        limit = limits.max_json if name.endswith(".json") and not name.startswith("voices/") else limits.max_member
        if size > limit:
            raise PackError(where, f"is {_mb(size)} uncompressed; at most {_mb(limit)} is allowed for this "
                            "file (zip bomb protection)", member=name)
        if size > limits.ratio_floor and size > limits.max_ratio * max(info.compress_size, 1):
            ratio = size / max(info.compress_size, 1)
            raise PackError(where, f"expands {ratio:.0f} times ({_mb(info.compress_size)} to {_mb(size)}); "
                            f"at most {limits.max_ratio:.0f} times is allowed (zip bomb protection)", member=name)
        total += size
        if total > limits.max_total:
            raise PackError(where, f"holds more than {_mb(limits.max_total)} uncompressed; that is the limit "
                            "(zip bomb protection)")
        members[name] = info
    return members


def check_name(name: str, where) -> None:
    if not name or "\x00" in name:
        raise PackError(where, f"holds a file with an empty or invalid name {name!r}")
    if "\\" in name:
        raise PackError(where, "has a backslash in its path; pack paths use forward slashes", member=name)
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise PackError(where, "is an absolute path; pack paths must be relative", member=name)
    if ".." in name.split("/"):
        raise PackError(where, "contains '..'; pack paths may not point outside the pack", member=name)
    if any(p in ("", ".") for p in name.rstrip("/").split("/")):
        raise PackError(where, "has an empty or '.' path part", member=name)


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, where, limit: int) -> bytes:
    """The member's bytes, never more than its claimed size or ``limit``."""
    out = bytearray()
    for chunk in _chunks(zf, info, where, limit):
        out += chunk
    return bytes(out)


def copy_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, where, limit: int, dest: BinaryIO) -> tuple[str, int]:
    """Copy the member into ``dest``; return its sha256 (hex) and size."""
    digest = hashlib.sha256()
    size = 0
    for chunk in _chunks(zf, info, where, limit):
        digest.update(chunk)
        dest.write(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo, where, limit: int):
    allowed = min(info.file_size, limit)
    got = 0
    try:
        with zf.open(info) as src:
            while True:
                chunk = src.read(CHUNK)
                if not chunk:
                    break
                got += len(chunk)
                if got > allowed:
                    raise PackError(where, "holds more data than the zip says; the file is damaged or a zip bomb",
                                    member=info.filename)
                yield chunk
    except PackError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError, ValueError,
            NotImplementedError, RuntimeError) as exc:
        raise PackError(where, f"cannot be read from the zip ({exc}); the pack is damaged",
                        member=info.filename) from None


def read_json(raw: bytes, where, member: str) -> Any:
    """Strict JSON from a member's bytes: UTF-8, no duplicate keys, no NaN, bounded nesting."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PackError(where, f"is not UTF-8 text (bad byte at position {exc.start})", member=member) from None

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        dup = next((k for k in keys if keys.count(k) > 1), None)
        if dup is not None:
            raise ValueError(f"the key {dup!r} appears twice in one object")
        return dict(pairs)

    def no_constant(name):
        raise ValueError(f"{name} is not allowed in JSON")

    try:
        return json.loads(text, object_pairs_hook=no_duplicates, parse_constant=no_constant)
    except json.JSONDecodeError as exc:
        raise PackError(where, f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
                        member=member) from None
    except ValueError as exc:
        raise PackError(where, f"is not valid JSON: {exc}", member=member) from None
    except RecursionError:
        raise PackError(where, "is not valid JSON: nested too deeply", member=member) from None


def _mb(n: int) -> str:
    return f"{n / MiB:.1f} MB" if n >= MiB else f"{n} bytes"
