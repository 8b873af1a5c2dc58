"""Build llama.cpp's `llama-server` from the source the installed llama-cpp-python vendors.

The same llama.cpp as the app's local engine, so a lab server and a laptop
read the same GGUF files the same way. Only the server target is built, as
one self-contained binary (static libraries, no libcurl, no OpenSSL, no web
UI download), with the CPU flags the app's own build uses. It lands in a
folder keyed by the llama-cpp-python version and a hash of the flags:
the user's cache, or the system folder when a lab administrator builds it
(`clientsim server build --system`). Building again with the same key is a
no-op.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Callable

from clientsim import paths
from clientsim.core.errors import UserError
from clientsim.server.cpu_flags import llama_cmake_args

BINARY_NAME = "llama-server"
ENV_BINARY = "CLIENTSIM_LLAMA_SERVER"  # an llama-server built elsewhere, used as is
PACKAGE = "llama-cpp-python"

# Everything but the server switched off; nothing in the build reaches the network.
SERVER_CMAKE_ARGS = [
    "-DCMAKE_BUILD_TYPE=Release", "-DBUILD_SHARED_LIBS=OFF",
    "-DLLAMA_BUILD_SERVER=ON", "-DLLAMA_BUILD_TOOLS=ON", "-DLLAMA_BUILD_COMMON=ON",
    "-DLLAMA_BUILD_TESTS=OFF", "-DLLAMA_BUILD_EXAMPLES=OFF", "-DLLAMA_BUILD_APP=OFF",
    "-DLLAMA_CURL=OFF", "-DLLAMA_OPENSSL=OFF", "-DLLAMA_BUILD_UI=OFF", "-DLLAMA_USE_PREBUILT_UI=OFF",
    "-DGGML_CCACHE=OFF",
]


@dataclass(frozen=True)
class BuildResult:
    path: Path
    built: bool  # False: it was already there
    seconds: float  # this run's build time (0 when already there)
    info: dict  # build-info.json: version, cmake args, build seconds, when


def llama_cpp_version() -> str:
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError as exc:
        raise UserError("llama-cpp-python is not installed, so there is no llama.cpp version to build.",
                        hint="Run the set-up command from the README first.") from exc


def cmake_args() -> list[str]:
    return SERVER_CMAKE_ARGS + llama_cmake_args()


def build_key(version: str | None = None, args: list[str] | None = None) -> str:
    version = version or llama_cpp_version()
    digest = hashlib.sha256(" ".join(args if args is not None else cmake_args()).encode()).hexdigest()[:12]
    return f"{version}-{digest}"


def user_build_dir(key: str | None = None) -> Path:
    return paths.cache_dir() / BINARY_NAME / (key or build_key())


def system_build_dir(key: str | None = None) -> Path:
    return paths.system_dir() / BINARY_NAME / (key or build_key())


def _usable(p: Path) -> bool:
    return p.is_file() and os.access(p, os.X_OK)


def find_server_binary() -> Path | None:
    """$CLIENTSIM_LLAMA_SERVER, else the lab's build, else the user's; None when there is none."""
    env = os.environ.get(ENV_BINARY)
    if env:
        p = Path(env).expanduser()
        if not _usable(p):
            raise UserError(f"{ENV_BINARY}={env} is not an executable file.",
                            hint=f"Unset {ENV_BINARY} or point it at a llama-server binary.")
        return p
    key = build_key()
    for folder in (system_build_dir(key), user_build_dir(key)):
        if _usable(folder / BINARY_NAME):
            return folder / BINARY_NAME
    return None


def require_server_binary() -> Path:
    p = find_server_binary()
    if p is None:
        raise UserError("llama-server is not built yet on this machine.",
                        hint="Run `clientsim server build` once (about 10 minutes on 2 cores).")
    return p


def _check_tools() -> tuple[str, list[str]]:
    """The cmake generator to use; a clear message for each missing tool."""
    missing = []
    if not shutil.which("cmake"):
        missing.append("cmake")
    if not (shutil.which("c++") or shutil.which("g++") or shutil.which("clang++")):
        missing.append("a C++ compiler (g++)")
    if missing:
        raise UserError(f"Building llama-server needs {' and '.join(missing)}, not found on this machine.",
                        hint="On Debian/Ubuntu: sudo apt-get install cmake ninja-build g++ "
                        "(or set CLIENTSIM_LLAMA_SERVER to an llama-server built elsewhere).")
    if shutil.which("ninja"):
        return "Ninja", []
    if shutil.which("make"):
        return "Unix Makefiles", []
    raise UserError("Building llama-server needs ninja or make, neither found.",
                    hint="On Debian/Ubuntu: sudo apt-get install ninja-build")


def download_source(version: str, dest: Path) -> Path:
    """The llama-cpp-python source distribution from PyPI (pip's cache first), as a .tar.gz."""
    cmd = [sys.executable, "-m", "pip", "download", f"{PACKAGE}=={version}", "--no-deps",
           "--no-binary", ":all:", "--disable-pip-version-check", "-q", "-d", str(dest)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    found = sorted(dest.glob("*.tar.gz"))
    if proc.returncode != 0 or not found:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-4:])
        raise UserError(f"Could not download the {PACKAGE} {version} source from PyPI (no network?):\n{tail}",
                        hint="On a machine without internet, copy the source archive over and run "
                        f"`clientsim server build --source {PACKAGE.replace('-', '_')}-{version}.tar.gz`.")
    return found[0]


def unpack_source(source: Path, dest: Path) -> Path:
    """The llama.cpp folder inside an sdist archive or an unpacked source tree."""
    source = Path(source)
    if source.is_dir():
        root = source
    else:
        try:
            with tarfile.open(source) as tar:
                tar.extractall(dest, filter="data")
        except (tarfile.TarError, OSError) as exc:
            raise UserError(f"{source} is not a readable source archive: {exc}") from exc
        root = dest
    for candidate in (root / "vendor" / "llama.cpp", *root.glob("*/vendor/llama.cpp"), root):
        if (candidate / "tools" / "server").is_dir() and (candidate / "CMakeLists.txt").is_file():
            return candidate
    raise UserError(f"No llama.cpp source with tools/server found in {source}.",
                    hint=f"Give the {PACKAGE} source archive (.tar.gz) or its unpacked folder.")


def _nice() -> None:  # the build shares the machine: run it at lower priority
    os.nice(10)


def _run(cmd: list[str], log, on_line: Callable[[str], None] | None, cwd: Path | None = None) -> None:
    log.write("$ " + " ".join(cmd) + "\n")
    log.flush()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            errors="replace", preexec_fn=_nice if os.name == "posix" else None)
    assert proc.stdout is not None
    for line in proc.stdout:
        log.write(line)
        if on_line:
            on_line(line.rstrip("\n"))
    if proc.wait() != 0:
        raise subprocess.CalledProcessError(proc.returncode, cmd)


def build_server(system: bool = False, source: Path | None = None, jobs: int | None = None,
                 force: bool = False, on_line: Callable[[str], None] | None = None) -> BuildResult:
    """Build llama-server once for this version and these flags; return where it is."""
    version = llama_cpp_version()
    args = cmake_args()
    key = build_key(version, args)
    out_dir = system_build_dir(key) if system else user_build_dir(key)
    binary = out_dir / BINARY_NAME
    if _usable(binary) and not force:
        return BuildResult(binary, False, 0.0, _read_info(out_dir))
    generator, _ = _check_tools()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except PermissionError as exc:
        raise UserError(f"Cannot write to {out_dir}.",
                        hint="Building into the system folder needs root (sudo clientsim server build --system).") from exc
    jobs = jobs or max(1, os.cpu_count() or 1)
    paths.log_dir().mkdir(parents=True, exist_ok=True)
    log_path = paths.log_dir() / "llama-server-build.log"
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="clientsim-llama-server-") as tmp, log_path.open("w") as log:
        work = Path(tmp)
        try:
            archive = Path(source) if source else download_source(version, work / "sdist")
            src = unpack_source(archive, work / "src")
            build_dir = work / "build"
            _run(["cmake", "-S", str(src), "-B", str(build_dir), "-G", generator, *args], log, on_line)
            _run(["cmake", "--build", str(build_dir), "--target", BINARY_NAME, "-j", str(jobs)], log, on_line)
        except subprocess.CalledProcessError as exc:
            raise UserError(f"Building llama-server failed ({exc.cmd[0]} exited with {exc.returncode}).",
                            hint=f"The whole output is in {log_path}.") from exc
        built = next((p for p in (build_dir / "bin" / BINARY_NAME, build_dir / BINARY_NAME) if p.is_file()), None)
        if built is None:
            raise UserError("The build finished but produced no llama-server binary.", hint=f"See {log_path}.")
        tmp_target = out_dir / f".{BINARY_NAME}.tmp"
        shutil.copy2(built, tmp_target)
        tmp_target.chmod(0o755)
        os.replace(tmp_target, binary)  # a half-copied binary is never found
    seconds = time.perf_counter() - t0
    info = {"llama_cpp_python": version, "cmake_args": args, "build_seconds": round(seconds, 1),
            "jobs": jobs, "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    (out_dir / "build-info.json").write_text(json.dumps(info, indent=1) + "\n")
    return BuildResult(binary, True, seconds, info)


def _read_info(folder: Path) -> dict:
    try:
        return json.loads((folder / "build-info.json").read_text())
    except (OSError, ValueError):
        return {}
