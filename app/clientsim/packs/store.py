"""Installed packs: install, list, remove.

Packs live one folder per pack id: ``<user data>/packs/ID/`` for the student's
own, ``<system dir>/packs/ID/`` for a lab's (read-only to students). A folder
holds the manifest, ``personas/`` and ``voices/``, exactly as in the pack.

Installing never leaves half a pack behind: the pack is unpacked and checked
in a ``.staging-*`` folder beside the others, and only a complete, checked
pack is renamed into place. A newer version of an installed pack replaces the
old one by two renames (old aside to ``.old-*``, new into place); a crash
between the two is undone the next time packs are installed or removed.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from clientsim import paths
from clientsim.core.files import atomic_write_text
from clientsim.personas import validate_file
from clientsim.packs.errors import PackError
from clientsim.packs.manifest import MANIFEST_NAME, PackManifest, parse_manifest
from clientsim.packs.reading import (
    DEFAULT_LIMITS,
    Limits,
    check_members,
    copy_member,
    open_pack,
    read_json,
    read_member,
)

USER, LAB = "user", "lab"
LOCATIONS = (USER, LAB)
LOCATION_WORDS = {USER: "yours", LAB: "lab"}
STAGING_PREFIX = ".staging-"
OLD_PREFIX = ".old-"


@dataclass(frozen=True)
class InstalledPack:
    manifest: PackManifest
    path: Path
    location: str  # USER or LAB

    @property
    def id(self) -> str:
        return self.manifest.id

    @property
    def removable(self) -> bool:
        """Students remove their own packs; lab packs belong to whoever runs the lab."""
        return self.location == USER


@dataclass
class PackList:
    packs: list[InstalledPack] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # installed folders that could not be read

    def find(self, pack_id: str, location: str | None = None) -> InstalledPack | None:
        return next((p for p in self.packs if p.id == pack_id and location in (None, p.location)), None)


@dataclass(frozen=True)
class InstallResult:
    pack: InstalledPack
    replaced_version: str | None  # the version it replaced, if any


def packs_root(location: str) -> Path:
    return paths.system_packs_dir() if location == LAB else paths.user_packs_dir()


# --- listing ----------------------------------------------------------------------


def list_packs() -> PackList:
    """Lab packs, then the user's, sorted by id; unreadable folders go to ``problems``."""
    out = PackList()
    for location in (LAB, USER):
        root = packs_root(location)
        try:
            folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
        except OSError:
            continue
        for folder in folders:
            try:
                out.packs.append(_read_installed(folder, location))
            except PackError as exc:
                out.problems.append(str(exc))
    return out


def _read_installed(folder: Path, location: str) -> InstalledPack:
    file = folder / MANIFEST_NAME
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise PackError(folder, f"installed pack without a readable manifest.json ({exc.strerror or exc})") from None
    manifest = parse_manifest(read_json(raw, folder, MANIFEST_NAME), folder, check_app=False)
    if manifest.id != folder.name:
        raise PackError(folder, f"installed pack folder holds the manifest of '{manifest.id}'")
    return InstalledPack(manifest, folder, location)


# --- installing ------------------------------------------------------------------


def install_pack(file: Path, *, system: bool = False, limits: Limits = DEFAULT_LIMITS) -> InstallResult:
    """Check ``file`` completely and install it; PackError names the first problem and nothing is left behind."""
    file = Path(file)
    location = LAB if system else USER
    with open_pack(file, limits) as zf:
        members = check_members(zf, file, limits)
        manifest = _manifest(zf, members, file, limits)
        _check_listing(members, manifest, file)
        installed = list_packs()
        previous = installed.find(manifest.id, location)
        if previous is not None and manifest.version_key <= previous.manifest.version_key:
            newer = manifest.version_key < previous.manifest.version_key
            raise PackError(file, f"pack '{manifest.id}' {manifest.version} is "
                            f"{'older than' if newer else 'the same version as'} the installed "
                            f"{previous.manifest.version} ({LOCATION_WORDS[location]})",
                            hint="Remove the installed pack first to go back to an older version." if newer else "")
        twin = installed.find(manifest.id, USER if location == LAB else LAB)
        if twin is not None:
            raise PackError(file, f"pack '{manifest.id}' is already installed "
                            + ("by the lab, for everyone on this computer" if twin.location == LAB else "for you")
                            + f" (version {twin.manifest.version}); a pack is installed in one place only",
                            hint="Ask whoever looks after the lab to update it." if twin.location == LAB
                            else f"Remove your copy first: clientsim packs remove {manifest.id}")
        _check_clashes(manifest, installed, previous, file)
        root = _ready_root(packs_root(location), system)
        _recover(root)
        staging = _make_staging(root, system)
        target = root / manifest.id
        try:
            _unpack(zf, members, manifest, file, staging, limits)
            _check_personas(manifest, staging, file)
            _swap_in(staging, target)
        except OSError as exc:  # a full disk, a file name this file system cannot hold twice, ...
            shutil.rmtree(staging, ignore_errors=True)
            raise PackError(file, f"could not be written into {root} ({exc.strerror or exc}); nothing was "
                            "installed") from None
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return InstallResult(InstalledPack(manifest, target, location),
                         previous.manifest.version if previous else None)


def _manifest(zf: zipfile.ZipFile, members: dict, where: Path, limits: Limits) -> PackManifest:
    info = members.get(MANIFEST_NAME)
    if info is None:
        raise PackError(where, "has no manifest.json, so it is not a ClientSim pack "
                        "(build packs with `clientsim packs build`)")
    return parse_manifest(read_json(read_member(zf, info, where, limits.max_json), where, MANIFEST_NAME), where)


def _check_listing(members: dict, manifest: PackManifest, where: Path) -> None:
    present = set(members) - {MANIFEST_NAME}
    for name in sorted(set(manifest.files) - present):
        raise PackError(where, f"manifest.json lists {name!r}, which is not in the pack")
    for name in sorted(present - set(manifest.files)):
        raise PackError(where, "is in the pack but not listed in manifest.json (it has no checksum)", member=name)
    for name in sorted(present):
        claimed, listed = members[name].file_size, manifest.files[name].size
        if claimed != listed:
            raise PackError(where, f"is {claimed} bytes but manifest.json says {listed}", member=name)
    if not manifest.persona_files():
        raise PackError(where, "holds no personas; a pack needs at least one personas/ID.json")


def _check_clashes(manifest: PackManifest, installed: PackList, previous: InstalledPack | None, where: Path) -> None:
    owners: dict[str, InstalledPack] = {}
    for pack in installed.packs:
        if pack is previous:
            continue  # being replaced
        for pid in pack.manifest.persona_ids():
            owners.setdefault(pid, pack)
    for pid in manifest.persona_ids():
        other = owners.get(pid)
        if other is not None:
            raise PackError(where, f"persona '{pid}' is already provided by the installed pack '{other.id}' "
                            f"({LOCATION_WORDS[other.location]}); persona ids must be unique across packs",
                            member=f"personas/{pid}.json",
                            hint="Give the persona a new id, or remove the other pack first.")


def _ready_root(root: Path, system: bool) -> Path:
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _no_write(root, exc, system) from None
    return root


def _make_staging(root: Path, system: bool) -> Path:
    try:
        return Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=root))
    except OSError as exc:
        raise _no_write(root, exc, system) from None


def _no_write(root: Path, exc: OSError, system: bool) -> PackError:
    hint = ("Lab packs are installed by whoever looks after the lab (with the rights to write there); "
            "without --system the pack is installed for you alone." if system else "")
    return PackError(root, f"cannot write here ({exc.strerror or exc})", hint=hint)


def _unpack(zf: zipfile.ZipFile, members: dict, manifest: PackManifest, where: Path, staging: Path,
            limits: Limits) -> None:
    for name in sorted(members):
        if name == MANIFEST_NAME:
            continue
        info = members[name]
        dest = staging / name
        if staging.resolve() not in dest.resolve().parents:  # names are checked already; belt and braces
            raise PackError(where, "would be written outside the pack folder", member=name)
        dest.parent.mkdir(exist_ok=True)
        limit = limits.max_json if name.startswith("personas/") else limits.max_member
        with open(dest, "xb") as out:
            sha, _ = copy_member(zf, info, where, limit, out)
        if sha != manifest.files[name].sha256:
            raise PackError(where, "sha256 does not match manifest.json: the file was changed after the pack "
                            "was built, or the pack is damaged", member=name)
    atomic_write_text(staging / MANIFEST_NAME, json.dumps(manifest.to_dict(), indent=2, ensure_ascii=False) + "\n")


def _check_personas(manifest: PackManifest, staging: Path, where: Path) -> None:
    ids: dict[str, str] = {}
    for name in manifest.persona_files():  # first the ids: a duplicate is the clearer message
        data = read_json((staging / name).read_bytes(), where, name)
        pid = data.get("id") if isinstance(data, dict) else None
        if isinstance(pid, str):
            if pid in ids:
                raise PackError(where, f"persona id '{pid}' appears twice in the pack: {ids[pid]} and {name}",
                                member=name)
            ids[pid] = name
    for name in manifest.persona_files():
        errors = validate_file(staging / name)
        if errors:
            first = errors[0]
            more = f" (and {len(errors) - 1} more problem(s); run `clientsim personas validate` on the file)" \
                if len(errors) > 1 else ""
            raise PackError(where, f"is not a valid persona: field '{first.field}': {first.problem}{more}",
                            member=name)


def _swap_in(staging: Path, target: Path) -> None:
    if not target.exists():
        os.rename(staging, target)
        return
    old = target.with_name(f"{OLD_PREFIX}{target.name}-{uuid.uuid4().hex[:8]}")
    os.rename(target, old)
    try:
        os.rename(staging, target)
    except BaseException:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _recover(root: Path) -> None:
    """Undo what an interrupted install or removal left: staging folders go, a lone old copy comes back."""
    try:
        children = list(root.iterdir())
    except OSError:
        return
    for child in children:
        if child.name.startswith(STAGING_PREFIX):
            shutil.rmtree(child, ignore_errors=True)
    for child in children:
        if child.name.startswith(OLD_PREFIX) and child.is_dir():
            pack_id = child.name[len(OLD_PREFIX):].rsplit("-", 1)[0]
            target = root / pack_id
            if not target.exists() and not child.name.endswith("-removed"):
                try:
                    os.rename(child, target)
                    continue
                except OSError:
                    pass
            shutil.rmtree(child, ignore_errors=True)


# --- removing --------------------------------------------------------------------


def remove_pack(pack_id: str, *, system: bool = False) -> InstalledPack:
    """Remove an installed pack (the student's own, or a lab pack with ``system``)."""
    location = LAB if system else USER
    installed = list_packs()
    pack = installed.find(pack_id, location)
    if pack is None:
        lab = installed.find(pack_id, LAB)
        if lab is not None and not system:
            raise PackError(pack_id, "is a lab pack, installed for everyone on this computer; it cannot be "
                            "removed here", hint="Ask whoever looks after the lab to remove it.")
        known = ", ".join(sorted({p.id for p in installed.packs})) or "none"
        raise PackError(pack_id, f"no such pack is installed ({'lab' if system else 'yours'}); installed: {known}",
                        hint="Run `clientsim packs list` to see the installed packs.")
    root = pack.path.parent
    aside = root / f"{OLD_PREFIX}{pack.id}-{uuid.uuid4().hex[:8]}-removed"
    try:
        os.rename(pack.path, aside)
    except OSError as exc:
        raise _no_write(root, exc, system) from None
    shutil.rmtree(aside, ignore_errors=True)
    return pack
