"""Which models are on this machine: bundled (fetched), user-dropped and lab-shared."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from clientsim import paths
from clientsim.core.errors import ModelError, UserError
from clientsim.models.checksums import cached_sha256
from clientsim.models.gguf import check_model_file, human_params
from clientsim.models.manifest import model_with_role, pinned_by_name


@dataclass(frozen=True)
class ModelEntry:
    path: Path
    name: str
    size_bytes: int
    n_params: int
    quantization: str
    context_length: int | None
    checksum_state: str  # verified | mismatch | unpinned | unchecked | unreadable
    location: str  # repository | user | system
    problem: str = ""

    @property
    def usable(self) -> bool:
        return not self.problem and self.checksum_state != "mismatch"

    def summary(self) -> str:
        ctx = f"{self.context_length:,}" if self.context_length else "?"
        return f"{self.name} · {human_params(self.n_params)} params · {self.quantization} · ctx {ctx}"


def _locations() -> list[tuple[str, Path]]:
    names = ("repository", "user", "system")
    return list(zip(names, paths.model_dirs()))


def checksum_state(path: Path, verify: bool = True) -> str:
    pinned = pinned_by_name().get(path.name)
    if pinned is None:
        return "unpinned"
    if path.stat().st_size != pinned.size:
        return "mismatch"
    digest = cached_sha256(path, compute=verify)
    if digest is None:
        return "unchecked"
    return "verified" if digest == pinned.sha256 else "mismatch"


def describe(path: Path, location: str = "user", verify: bool = True) -> ModelEntry:
    path = Path(path)
    try:
        h = check_model_file(path)
    except ModelError as exc:
        size = path.stat().st_size if path.exists() else 0
        return ModelEntry(path, path.name, size, 0, "?", None, "unreadable", location, problem=str(exc))
    return ModelEntry(path, h.name, h.file_size, h.n_params, h.quantization, h.context_length,
                      checksum_state(path, verify), location)


def find_models(verify: bool = True) -> list[ModelEntry]:
    """Every GGUF in the models folders; the same file name is listed once (first location wins)."""
    seen: set[str] = set()
    entries = []
    for location, folder in _locations():
        if not folder.is_dir():
            continue
        for p in sorted(folder.glob("*.gguf")):
            if p.name in seen:
                continue
            seen.add(p.name)
            entries.append(describe(p, location, verify))
    return entries


def find_file(relative: str) -> Path | None:
    """A fetched model file (e.g. 'whisper-tiny.en/model.bin') in the first folder that has it."""
    for _, folder in _locations():
        p = folder / relative
        if p.exists():
            return p
    return None


def role_path(role: str) -> Path | None:
    m = model_with_role(role)
    if m is None:
        return None
    return find_file(m.files[0].target)


def default_model_path() -> Path | None:
    """The default client model if fetched, else any usable GGUF."""
    p = role_path("default-client")
    if p is not None:
        return p
    for e in find_models(verify=False):
        if e.usable:
            return e.path
    return None


def resolve_model(spec: str | Path | None) -> Path:
    """A --model value (a path, or a file name in a models folder) or the default."""
    if spec:
        p = Path(spec).expanduser()
        if p.exists():
            return p
        for _, folder in _locations():
            if (folder / str(spec)).exists():
                return folder / str(spec)
        raise ModelError(f"Model file not found: {spec}",
                         hint="Give a path to a .gguf file, run `clientsim models list` to see what is available, "
                         "or `clientsim models fetch` to fetch the bundled models.")
    p = default_model_path()
    if p is None:
        raise ModelError("No language model is installed yet.",
                         hint="Run `clientsim models fetch` (it takes a few minutes), or drop a .gguf file into "
                         f"{paths.repo_models_dir()} or {paths.user_models_dir()}.")
    return p
