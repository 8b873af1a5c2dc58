"""The pack manifest (``manifest.json``, format ``clientsim.pack/1``).

A manifest says what the pack is (id, title, version, author, licence,
description), the oldest ClientSim that can use it, and the sha256 and size
of every other file in the pack. docs/packs.md documents the fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from clientsim import __version__
from clientsim.packs.errors import PackError

FORMAT = "clientsim.pack/1"
FORMAT_PREFIX = "clientsim.pack/"
FORMAT_NUMBER = 1
MANIFEST_NAME = "manifest.json"

PACK_ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
VERSION = re.compile(r"^\d{1,6}(?:\.\d{1,6}){0,3}$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
TEXT_FIELDS = {  # field: (required non-empty, longest)
    "title": (True, 200),
    "author": (True, 200),
    "licence": (True, 100),
    "description": (False, 4000),
}
FIELDS = ("format", "id", "title", "version", "author", "licence", "description", "min_app_version", "files")


def parse_version(text: str) -> tuple[int, ...]:
    """'1.2' -> (1, 2, 0, 0): dotted numbers, compared as numbers."""
    parts = tuple(int(p) for p in text.split("."))
    return parts + (0,) * (4 - len(parts))


def app_version() -> str:
    return __version__


@dataclass(frozen=True)
class PackFile:
    sha256: str
    size: int


@dataclass(frozen=True)
class PackManifest:
    id: str
    title: str
    version: str
    author: str
    licence: str
    description: str
    min_app_version: str
    files: dict[str, PackFile] = field(default_factory=dict)

    @property
    def version_key(self) -> tuple[int, ...]:
        return parse_version(self.version)

    def persona_files(self) -> list[str]:
        return sorted(n for n in self.files if n.startswith("personas/"))

    def persona_ids(self) -> list[str]:
        return [n[len("personas/"):-len(".json")] for n in self.persona_files()]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "id": self.id,
            "title": self.title,
            "version": self.version,
            "author": self.author,
            "licence": self.licence,
            "description": self.description,
            "min_app_version": self.min_app_version,
            "files": {name: {"sha256": f.sha256, "size": f.size} for name, f in sorted(self.files.items())},
        }


def check_metadata(data: dict, where) -> None:
    """The descriptive fields (everything but format and files); raise the first problem."""
    pid = data.get("id")
    if not isinstance(pid, str) or not PACK_ID.match(pid):
        raise PackError(where, f"manifest field 'id' is {_show(pid)}; expected a slug of lowercase letters, "
                        "digits and hyphens (at most 64), e.g. 'mi-course-2027'")
    for name in ("version", "min_app_version"):
        value = data.get(name)
        if not isinstance(value, str) or not VERSION.match(value):
            raise PackError(where, f"manifest field '{name}' is {_show(value)}; expected dotted numbers "
                            "such as '1.0' or '1.2.3'")
    for name, (required, longest) in TEXT_FIELDS.items():
        value = data.get(name, None if required else "")
        if not isinstance(value, str):
            raise PackError(where, f"manifest field '{name}' is {_show(value)}; expected a text")
        if required and not value.strip():
            raise PackError(where, f"manifest field '{name}' is empty; say the pack's {name}")
        if len(value) > longest:
            raise PackError(where, f"manifest field '{name}' is too long ({len(value)} characters, at most {longest})")


def parse_manifest(data: Any, where, *, check_app: bool = True) -> PackManifest:
    """Check a parsed manifest.json and build it; PackError names the first problem.

    ``check_app=False`` reads the manifest of a pack installed earlier without
    refusing it for needing a newer app (it is listed, and can be removed).
    """
    if not isinstance(data, dict):
        raise PackError(where, "manifest.json does not hold a JSON object", member=MANIFEST_NAME)
    fmt = data.get("format")
    if fmt != FORMAT:
        raise PackError(where, _format_problem(fmt), member=MANIFEST_NAME)
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise PackError(where, f"unknown field(s) {', '.join(map(repr, unknown))} in manifest.json; "
                        f"fields allowed: {', '.join(FIELDS)}")
    missing = [name for name in FIELDS if name not in data and name != "description"]
    if missing:
        raise PackError(where, f"manifest.json is missing {', '.join(map(repr, missing))}")
    check_metadata(data, where)
    if check_app and parse_version(data["min_app_version"]) > parse_version(app_version()):
        raise PackError(where, f"the pack needs ClientSim {data['min_app_version']} or newer; this is "
                        f"ClientSim {app_version()}", hint="Update ClientSim, or ask for a pack made for this version.")
    files = data["files"]
    if not isinstance(files, dict):
        raise PackError(where, f"manifest field 'files' is {_show(files)}; expected an object of "
                        "file name: {\"sha256\": ..., \"size\": ...}")
    parsed: dict[str, PackFile] = {}
    for name, entry in files.items():
        if not isinstance(entry, dict) or set(entry) != {"sha256", "size"}:
            raise PackError(where, f"manifest entry for {name!r} must be {{\"sha256\": ..., \"size\": ...}}, "
                            f"found {_show(entry)}")
        sha, size = entry["sha256"], entry["size"]
        if not isinstance(sha, str) or not SHA256.match(sha):
            raise PackError(where, f"manifest sha256 of {name!r} is {_show(sha)}; expected 64 lowercase hex digits")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise PackError(where, f"manifest size of {name!r} is {_show(size)}; expected a whole number of bytes")
        parsed[name] = PackFile(sha, size)
    return PackManifest(
        id=data["id"], title=data["title"].strip(), version=data["version"], author=data["author"].strip(),
        licence=data["licence"].strip(), description=data.get("description", "").strip(),
        min_app_version=data["min_app_version"], files=parsed,
    )


def _format_problem(fmt: Any) -> str:
    if fmt is None:
        return f"has no 'format'; expected '{FORMAT}' (is this a ClientSim pack?)"
    if isinstance(fmt, str) and fmt.startswith(FORMAT_PREFIX):
        number = fmt[len(FORMAT_PREFIX):]
        if number.isdigit() and int(number) > FORMAT_NUMBER:
            return (f"is in format '{fmt}', made for a newer ClientSim; this version reads '{FORMAT}' "
                    "(update ClientSim to install it)")
    return f"format is {_show(fmt)}; expected '{FORMAT}'"


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
