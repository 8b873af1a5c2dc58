"""packaging/install.sh, the real script, into a temporary root: bundle, install, upgrade, repair, uninstall.

Runs as root (CI does); the student is the `nobody` user (setpriv), with a
home of their own. The models come from this checkout's verified models folder
(hard-linked into the bundle and the installation), the Python packages from
pip's caches, so the whole run is offline after the bundle is made.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from cli_helpers import REPO
from conftest import need

from clientsim import paths
from clientsim.models.manifest import load_manifest

INSTALL_SH = REPO / "packaging" / "install.sh"
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
BASE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "LANG": "C.UTF-8"}


def _clean_env(**extra) -> dict:
    """The machine's environment without the test suite's CLIENTSIM_* redirections."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIENTSIM_") and k != "PYTHONPATH"}
    return {**env, **extra}


def _run(cmd, env=None, input=None, timeout=1800) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], env=env or _clean_env(), input=input, capture_output=True,
                          text=True, timeout=timeout, cwd="/")


def _ok(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 0, f"exit {proc.returncode}\nstdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}"
    return proc.stderr


def snapshot(*roots: Path) -> dict:
    """Every entry under roots: type, owner, mode, size, mtime, ctime, and content for files under 16 MB.

    ctime changes on any write, chmod, chown or link to a file, so it catches what a
    content hash of the big model files would, without reading 3 GB each time.
    """
    seen = {}
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            for name in dirnames + filenames:
                p = Path(dirpath, name)
                st = p.lstat()
                digest = None
                if stat.S_ISREG(st.st_mode) and st.st_size < 16 << 20:
                    digest = hashlib.sha256(p.read_bytes()).hexdigest()
                seen[str(p)] = (stat.filemode(st.st_mode), st.st_uid, st.st_size, st.st_mtime_ns, st.st_ctime_ns, digest)
    return seen


def changes(before: dict, after: dict) -> list[str]:
    """The paths that differ between two snapshots (a short, readable failure)."""
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))[:20]


class Lab:
    def __init__(self, root: Path):
        self.root = root
        self.prefix = root / "opt" / "clientsim"
        self.system = root / "usr" / "share" / "clientsim"
        self.bin = root / "usr" / "local" / "bin"
        self.share = root / "usr" / "share"

    def options(self) -> list[str]:
        return ["--prefix", self.prefix, "--system-dir", self.system, "--bin-dir", self.bin, "--share-dir", self.share]


def _as_student(home: Path, *args, input=None) -> subprocess.CompletedProcess:
    env = {**BASE_ENV, "HOME": str(home)}
    return _run([*NOBODY, *args], env=env, input=input, timeout=600)


@pytest.fixture
def world_readable_tmp():
    """A temporary folder other users can reach (pytest's tmp_path is private to root)."""
    d = Path(tempfile.mkdtemp(prefix="clientsim-install-", dir="/tmp"))
    d.chmod(0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def _student_home(base: Path, name: str) -> Path:
    home = base / name
    home.mkdir()
    os.chown(home, 65534, 65534)
    return home


def _old_source(dest: Path) -> Path:
    """This checkout as version 0.0.9 with one module the current version no longer has."""
    for item in ("app", "personas", "assets", "packaging", "scripts", "pyproject.toml", "README.md", "LICENSE"):
        src = REPO / item
        if src.is_dir():
            shutil.copytree(src, dest / item, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(src, dest / item)
    (dest / "models").mkdir()
    for name in ("manifest.json", "README.md"):
        shutil.copy2(REPO / "models" / name, dest / "models" / name)
    init = dest / "app" / "clientsim" / "__init__.py"
    init.write_text(init.read_text().replace('__version__ = "0.1.0"', '__version__ = "0.0.9"'))
    (dest / "app" / "clientsim" / "only_in_old.py").write_text("GONE_IN_0_1_0 = True\n")
    return dest


def test_install_without_root_is_refused_and_writes_nothing(world_readable_tmp):
    lab = Lab(world_readable_tmp / "root")
    lab.root.mkdir()
    script_dir = world_readable_tmp / "src"
    shutil.copytree(REPO / "packaging", script_dir / "packaging")
    shutil.copytree(REPO / "app" / "clientsim", script_dir / "app" / "clientsim",
                    ignore=shutil.ignore_patterns("__pycache__"))
    before = snapshot(world_readable_tmp)
    home = _student_home(world_readable_tmp, "home")
    proc = _as_student(home, "bash", script_dir / "packaging" / "install.sh", *lab.options())
    assert proc.returncode != 0
    assert "run this as root" in proc.stderr and "Nothing was written" in proc.stderr
    assert str(lab.prefix) in proc.stderr
    after = snapshot(world_readable_tmp)
    after.pop(str(home))
    assert changes(before, after) == []


def test_bad_options_are_named():
    proc = _run(["bash", INSTALL_SH, "--prefix"])
    assert proc.returncode != 0 and "--prefix needs a folder" in proc.stderr
    proc = _run(["bash", INSTALL_SH, "--frobnicate"])
    assert proc.returncode != 0 and "unknown option '--frobnicate'" in proc.stderr


@pytest.mark.slow
def test_lab_installation(world_readable_tmp):
    need(os.geteuid() == 0, "root (the lab installer installs as root)")
    models_dir = paths.repo_models_dir()
    manifest_files = [f for m in load_manifest() for f in m.files]
    need(all((models_dir / f.target).is_file() for f in manifest_files),
         f"every model of models/manifest.json in {models_dir} (run `clientsim models fetch`)")
    tmp = world_readable_tmp
    lab = Lab(tmp / "root")
    lab.root.mkdir()
    bundle = tmp / "bundle"
    timings = {}

    # An offline bundle: wheels from pip's caches, the models from this checkout.
    t = time.monotonic()
    _ok(_run(["bash", INSTALL_SH, "--make-bundle", bundle, "--models-from", models_dir]))
    timings["make bundle"] = time.monotonic() - t
    assert list((bundle / "wheels").glob("llama_cpp_python-*.whl"))
    assert json.loads((bundle / "bundle.json").read_text())["format"] == "clientsim.bundle/1"

    # An older version, installed with no network (nothing but the bundle's wheels).
    old = _old_source(tmp / "old-source")
    t = time.monotonic()
    out = _ok(_run(["bash", old / "packaging" / "install.sh", *lab.options(), "--from-bundle", bundle, "--no-models"]))
    timings["install 0.0.9 (new venv, no models)"] = time.monotonic() - t
    assert "installed ClientSim 0.0.9" in out
    assert (lab.prefix / "app" / "clientsim" / "only_in_old.py").is_file()

    # The current version replaces it.
    t = time.monotonic()
    out = _ok(_run(["bash", INSTALL_SH, *lab.options(), "--from-bundle", bundle]))
    timings["upgrade to 0.1.0 (+ models)"] = time.monotonic() - t
    assert "upgraded ClientSim from 0.0.9 to 0.1.0" in out
    assert not (lab.prefix / "app" / "clientsim" / "only_in_old.py").exists()
    assert not list((lab.prefix / "app" / "clientsim").glob("__pycache__/only_in_old.*"))
    assert (lab.prefix / "VERSION").read_text().strip() == "0.1.0"

    # Read-only for users: root's, no group or other write bit anywhere, 755/644.
    for p in [lab.prefix, *lab.prefix.rglob("*"), lab.system / "models", *(lab.system / "models").rglob("*")]:
        st = p.lstat()
        if stat.S_ISLNK(st.st_mode):
            continue
        assert st.st_uid == 0 and st.st_gid == 0, p
        assert stat.S_IMODE(st.st_mode) in (0o755, 0o644), (p, oct(st.st_mode))
    wrapper = lab.bin / "clientsim"
    assert wrapper.is_symlink() and os.access(wrapper, os.X_OK)
    desktop = (lab.share / "applications" / "clientsim.desktop").read_text()
    assert f"Exec={lab.prefix}/bin/clientsim gui" in desktop
    assert (lab.share / "icons" / "hicolor" / "scalable" / "apps" / "clientsim.svg").is_file()

    # A student uses it: models shared and verified, personas, their own database.
    before = snapshot(lab.root)
    home = _student_home(tmp, "student")
    listed = json.loads(_ok_stdout(_as_student(home, wrapper, "models", "list", "--json")))
    ggufs = {f.target for f in manifest_files if f.target.endswith(".gguf")}
    assert {e["name"] for e in listed} and {Path(e["path"]).name for e in listed} == ggufs
    for e in listed:
        assert (e["location"], e["checksum"]) == ("system", "verified"), e
        assert Path(e["path"]).parent == lab.system / "models"
    # verified from the installer's record (models/checksums.json), not by reading 1.9 GB again per student
    assert not (home / ".cache" / "clientsim" / "checksums.json").exists()
    unverified = json.loads(_ok_stdout(_as_student(home, wrapper, "models", "list", "--json", "--no-verify")))
    assert {e["checksum"] for e in unverified} == {"verified"}
    personas = _ok_stdout(_as_student(home, wrapper, "personas", "list"))
    assert "daniel-alcohol" in personas
    chat = _ok_stdout(_as_student(home, wrapper, "chat", "--persona", "daniel-alcohol", "--seed", "1", "--json",
                                  "--model", "SmolLM2-135M-Instruct.Q4_1.gguf", "--threads", "1",
                                  input="Hello Daniel, what brings you in today?\n"))
    turn = [json.loads(line) for line in chat.splitlines() if line.startswith("{")][-1]
    assert turn["counsellor"] == "Hello Daniel, what brings you in today?" and turn["client"]
    database = home / ".local" / "share" / "clientsim" / "clientsim.sqlite3"
    assert database.is_file() and database.stat().st_uid == 65534
    assert changes(before, snapshot(lab.root)) == [], "running the installed app wrote into the installation"

    # As a student, installing again over the root-owned installation is refused.
    proc = _as_student(home, "bash", lab.prefix / "packaging" / "install.sh", *lab.options(), "--from-bundle", bundle)
    assert proc.returncode != 0 and "run this as root" in proc.stderr and f"{lab.prefix} (owned by root)" in proc.stderr
    assert changes(before, snapshot(lab.root)) == []

    # A second run finds everything in place and changes nothing, to the inode.
    t = time.monotonic()
    out = _ok(_run(["bash", INSTALL_SH, *lab.options(), "--from-bundle", bundle]))
    timings["second run (check only)"] = time.monotonic() - t
    assert "ClientSim 0.1.0 is already installed" in out and "nothing to repair" in out
    assert changes(before, snapshot(lab.root)) == []

    # Damage: a deleted module, an edited persona, the command gone. The next run repairs exactly that.
    module = lab.prefix / "app" / "clientsim" / "paths.py"
    module.unlink()
    persona = sorted((lab.prefix / "personas").glob("*.json"))[0]
    persona.write_text(persona.read_text() + " ")
    wrapper.unlink()
    t = time.monotonic()
    out = _ok(_run(["bash", INSTALL_SH, *lab.options(), "--from-bundle", bundle]))
    timings["repair run"] = time.monotonic() - t
    assert "repaired 3 missing or changed file(s)" in out, out
    assert module.read_bytes() == (REPO / "app" / "clientsim" / "paths.py").read_bytes()
    assert persona.read_bytes() == (REPO / "personas" / persona.name).read_bytes()
    assert os.readlink(wrapper) == str(lab.prefix / "bin" / "clientsim")
    repaired = snapshot(lab.root)
    assert changes({k: v[5] for k, v in before.items()}, {k: v[5] for k, v in repaired.items()}) == []

    # Uninstall: everything it installed goes; a pack the lab added and the student's data stay.
    lab_pack = lab.system / "packs" / "programme-pack" / "pack.json"
    lab_pack.parent.mkdir(parents=True)
    lab_pack.write_text("{}")
    out = _ok(_run([lab.prefix / "uninstall.sh"]))
    assert "removed ClientSim 0.1.0" in out and "programme-pack" in out
    left = sorted(str(p.relative_to(lab.root)) for p in lab.root.rglob("*"))
    assert left == ["usr", "usr/share", "usr/share/clientsim", "usr/share/clientsim/packs",
                    "usr/share/clientsim/packs/programme-pack", "usr/share/clientsim/packs/programme-pack/pack.json"]
    assert database.is_file()

    print("\nlab installer timings: " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()))


def _ok_stdout(proc: subprocess.CompletedProcess) -> str:
    _ok(proc)
    return proc.stdout
