"""Persona packs: build, install, list, remove, and every kind of bad pack refused with a clear message."""

from __future__ import annotations

import hashlib
import io
import json
import warnings
import zipfile
from pathlib import Path

import pytest

from clientsim import __version__, paths
from clientsim.cli.main import main
from clientsim.packs import (
    FORMAT,
    LAB,
    Limits,
    PackError,
    build_pack,
    install_pack,
    list_packs,
    remove_pack,
)
from clientsim.personas import PersonaLibrary

REPO = Path(__file__).resolve().parents[1]
BUNDLED = REPO / "personas"


# --- helpers ------------------------------------------------------------------------------


def persona_bytes(pid: str = "linh-smoking", **changes) -> bytes:
    data = json.loads((BUNDLED / f"{pid}.json").read_text(encoding="utf-8"))
    data.update(changes)
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


def manifest_for(files: dict[str, bytes], /, **fields) -> dict:
    m = {
        "format": FORMAT, "id": "test-pack", "title": "Test pack", "version": "1.0", "author": "A. Tutor",
        "licence": "CC-BY-4.0", "description": "For tests.", "min_app_version": "0.1",
        "files": {n: {"sha256": hashlib.sha256(b).hexdigest(), "size": len(b)} for n, b in files.items()},
    }
    m.update(fields)
    return m


def zip_bytes(entries) -> bytes:
    """entries: [(name or ZipInfo, bytes)] written as given (duplicates and odd names included)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name" is what some tests want
        for name, data in entries:
            zf.writestr(name, data)
    return buf.getvalue()


def pack_bytes(personas: dict[str, bytes] | None = None, extra=(), **manifest_fields) -> bytes:
    personas = {"linh-smoking": persona_bytes()} if personas is None else personas
    files = {f"personas/{pid}.json": b for pid, b in personas.items()}
    files.update({n: b for n, b in extra})
    manifest = manifest_for(files, **manifest_fields)
    return zip_bytes([("manifest.json", json.dumps(manifest).encode()), *files.items()])


def write(tmp_path: Path, data: bytes, name: str = "p.clientsim-pack") -> Path:
    path = tmp_path / "in" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return path


def tree(root: Path) -> dict[str, str]:
    """Every file and folder under root with a hash of its content, to compare before and after."""
    out = {}
    if not root.exists():
        return out
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_symlink():
            out[rel] = "link:" + str(p.readlink())
        elif p.is_dir():
            out[rel] = "dir"
        else:
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def refused(path: Path, match: str, **kw) -> PackError:
    with pytest.raises(PackError, match=match) as info:
        install_pack(path, **kw)
    return info.value


@pytest.fixture
def lab(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "lab"
    d.mkdir()
    monkeypatch.setenv("CLIENTSIM_SYSTEM_DIR", str(d))
    return d


# --- build, install, list, remove ------------------------------------------------------


def test_round_trip_bundled_personas(tmp_path, clientsim_home):
    pack = tmp_path / "bundled.clientsim-pack"
    manifest = build_pack(BUNDLED, pack, id="bundled", author="ClientSim developers", licence="GPL-3.0-or-later")
    assert manifest.persona_ids() == sorted(p.stem for p in BUNDLED.glob("*.json"))
    assert list(paths.installed_pack_dirs()) == []
    result = install_pack(pack)
    assert result.pack.path == clientsim_home / "data" / "packs" / "bundled"
    original = PersonaLibrary.load([BUNDLED])
    installed = PersonaLibrary.load([d / "personas" for d in paths.installed_pack_dirs()])
    assert not original.errors and not installed.errors
    assert installed.ids() == original.ids()
    for pid in original.ids():
        assert installed.get(pid).to_dict() == original.get(pid).to_dict()
    # and the default library reads the pack's copies
    default = PersonaLibrary.load()
    assert default.get("linh-smoking").source_path == result.pack.path / "personas" / "linh-smoking.json"


def test_build_is_reproducible_and_reads_pack_json(tmp_path):
    folder = tmp_path / "course"
    (folder / "personas").mkdir(parents=True)
    (folder / "personas" / "linh-smoking.json").write_bytes(persona_bytes())
    (folder / "pack.json").write_text(json.dumps({"id": "mi-course", "title": "MI course", "version": "2.1",
                                                  "author": "Dr T", "licence": "CC-BY-4.0"}))
    a, b = tmp_path / "a.clientsim-pack", tmp_path / "b.clientsim-pack"
    m = build_pack(folder, a)
    build_pack(folder, b)
    assert a.read_bytes() == b.read_bytes()
    assert (m.id, m.title, m.version, m.min_app_version) == ("mi-course", "MI course", "2.1", __version__)
    assert build_pack(folder, b, version="2.2").version == "2.2"  # arguments win over pack.json


def test_build_reports_every_invalid_persona_and_writes_nothing(tmp_path):
    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "linh-smoking.json").write_bytes(persona_bytes(difficulty="hard"))
    (folder / "riley-panic.json").write_bytes(persona_bytes("riley-panic", opening_statement=None))
    out = tmp_path / "x.clientsim-pack"
    with pytest.raises(PackError) as info:
        build_pack(folder, out, author="A", licence="B")
    text = str(info.value)
    assert "linh-smoking.json: field 'difficulty'" in text and "riley-panic.json: field 'opening_statement'" in text
    assert not out.exists() and list(tmp_path.glob(".x*")) == []


def test_build_needs_author_and_licence(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "linh-smoking.json").write_bytes(persona_bytes())
    with pytest.raises(PackError, match="author is not given"):
        build_pack(folder, tmp_path / "x.clientsim-pack", licence="MIT")


def test_cli_build_install_list_remove(tmp_path, capsys, clientsim_home):
    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "linh-smoking.json").write_bytes(persona_bytes())
    out = tmp_path / "course.clientsim-pack"
    assert main(["packs", "build", str(folder), "-o", str(out), "--author", "Dr T", "--licence", "CC-BY-4.0",
                 "--version", "1.2"]) == 0
    assert "pack 'course' 1.2, 1 persona(s)" in capsys.readouterr().out
    assert main(["packs", "install", str(out)]) == 0
    assert "Installed pack 'course' 1.2 (new) for you: linh-smoking." in capsys.readouterr().out
    assert main(["packs", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["id"], r["version"], r["source"], r["removable"], r["personas"]) for r in rows] == [
        ("course", "1.2", "user", True, ["linh-smoking"])]
    assert main(["packs", "list"]) == 0
    assert "course  1.2      user" in capsys.readouterr().out
    assert main(["personas", "show", "linh-smoking", "--json", "--instructor"]) == 0
    assert "/packs/course/personas/" in json.loads(capsys.readouterr().out)["source_path"]
    assert main(["packs", "remove", "course"]) == 0
    assert "Removed pack 'course' 1.2." in capsys.readouterr().out
    assert list((clientsim_home / "data" / "packs").iterdir()) == []
    assert main(["packs", "install", str(tmp_path / "missing.clientsim-pack")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_newer_version_replaces_older_and_older_is_refused(tmp_path):
    install_pack(write(tmp_path, pack_bytes(version="1.0"), "v1.clientsim-pack"))
    result = install_pack(write(tmp_path, pack_bytes(version="1.10", title="Test pack, fixed"), "v2.clientsim-pack"))
    assert result.replaced_version == "1.0"
    [pack] = list_packs().packs
    assert (pack.manifest.version, pack.manifest.title) == ("1.10", "Test pack, fixed")
    refused(write(tmp_path, pack_bytes(version="1.9"), "v19.clientsim-pack"), r"1\.9 is older than the installed 1\.10")
    refused(write(tmp_path, pack_bytes(version="1.10"), "same.clientsim-pack"), "the same version as the installed")
    assert [p.name for p in paths.user_packs_dir().iterdir()] == ["test-pack"]


def test_failed_upgrade_keeps_the_old_version_and_leaves_nothing(tmp_path):
    install_pack(write(tmp_path, pack_bytes(version="1.0"), "v1.clientsim-pack"))
    before = tree(paths.user_packs_dir())
    bad = pack_bytes({"linh-smoking": persona_bytes(difficulty="impossible")}, version="2.0")
    refused(write(tmp_path, bad), "field 'difficulty'")
    assert tree(paths.user_packs_dir()) == before


def test_interrupted_upgrade_is_undone_on_next_install(tmp_path):
    install_pack(write(tmp_path, pack_bytes(version="1.0"), "v1.clientsim-pack"))
    root = paths.user_packs_dir()
    (root / "test-pack").rename(root / ".old-test-pack-1234abcd")  # crash between the two renames
    (root / ".staging-xyz").mkdir()
    install_pack(write(tmp_path, pack_bytes({"riley-panic": persona_bytes("riley-panic")}, id="other"), "o.clientsim-pack"))
    assert sorted(p.name for p in root.iterdir()) == ["other", "test-pack"]


def test_lab_packs_are_listed_but_not_removable_by_a_student(tmp_path, lab, capsys):
    install_pack(write(tmp_path, pack_bytes(id="lab-pack")), system=True)
    [pack] = list_packs().packs
    assert (pack.location, pack.removable, pack.path.parent) == (LAB, False, lab / "packs")
    assert "linh-smoking" in PersonaLibrary.load().ids()
    with pytest.raises(PackError, match="is a lab pack"):
        remove_pack("lab-pack")
    assert main(["packs", "remove", "lab-pack"]) == 2
    assert "Ask whoever looks after the lab" in capsys.readouterr().err
    assert (lab / "packs" / "lab-pack").is_dir()
    remove_pack("lab-pack", system=True)  # whoever runs the lab can
    assert list_packs().packs == []


def test_a_pack_is_installed_in_one_place_only(tmp_path, lab):
    install_pack(write(tmp_path, pack_bytes(version="1.0"), "a.clientsim-pack"), system=True)
    err = refused(write(tmp_path, pack_bytes(version="2.0"), "b.clientsim-pack"),
                  r"pack 'test-pack' is already installed by the lab, for everyone on this computer \(version 1.0\)")
    assert "Ask whoever looks after the lab" in str(err)
    remove_pack("test-pack", system=True)
    install_pack(write(tmp_path, pack_bytes(version="1.0"), "a.clientsim-pack"))
    refused(write(tmp_path, pack_bytes(version="2.0"), "b.clientsim-pack"), "already installed for you", system=True)


def test_lab_folder_that_cannot_be_written(tmp_path, lab):
    (lab / "packs").write_text("not a folder")  # chmod would not stop root, which runs CI here
    with pytest.raises(PackError, match="cannot write here") as info:
        install_pack(write(tmp_path, pack_bytes()), system=True)
    assert "without --system" in str(info.value)


def test_remove_unknown_pack(tmp_path):
    with pytest.raises(PackError, match="no such pack is installed"):
        remove_pack("nothing-here")


# --- bad input: each refused with a message naming the problem -------------------------------


def test_not_a_zip(tmp_path):
    refused(write(tmp_path, b"hello, I am text"), "not a zip file")
    refused(write(tmp_path, pack_bytes()[:200]), "not a zip file|cannot be read")


def test_zip_bomb_too_many_files(tmp_path):
    extra = [(f"voices/v{i}.onnx", b"x") for i in range(5)]
    refused(write(tmp_path, pack_bytes(extra=extra)), "holds 7 files; a pack may hold at most 4",
            limits=Limits(max_files=4))


def test_zip_bomb_huge_directory_is_refused_before_it_is_read(tmp_path):
    extra = [(f"voices/v{i}.onnx", b"") for i in range(1200)]
    refused(write(tmp_path, pack_bytes(extra=extra)), "holds 1202 files; a pack may hold at most 1000")
    data = bytearray(pack_bytes())
    at = data.rfind(b"PK\x05\x06")
    data[at + 10:at + 12] = (0xFFFF).to_bytes(2, "little")  # claims ZIP64
    refused(write(tmp_path, bytes(data)), "ZIP64")


def test_a_pack_file_larger_than_any_pack(tmp_path):
    refused(write(tmp_path, pack_bytes()), "a pack may be at most 1000 bytes", limits=Limits(max_total=1000, max_files=2))


def test_zip_bomb_total_size(tmp_path):
    extra = [(f"voices/v{i}.onnx", bytes(range(256)) * 40) for i in range(3)]
    refused(write(tmp_path, pack_bytes(extra=extra)), "more than 20000 bytes uncompressed",
            limits=Limits(max_total=20_000))


def test_zip_bomb_compression_ratio(tmp_path):
    bomb = [("voices/v.onnx", bytes(8 * 1024 * 1024))]  # 8 MB of zeros squeeze to about 8 KB
    err = refused(write(tmp_path, pack_bytes(extra=bomb)), r"expands \d+ times")
    assert err.member == "voices/v.onnx"


def test_zip_bomb_member_lying_about_its_size(tmp_path):
    data = bytearray(pack_bytes(extra=[("voices/v.onnx", bytes(50_000))]))
    # claim 100 bytes in the central directory and local header: the reader stops at the claim
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("voices/v.onnx")
    central = data.rfind(b"voices/v.onnx") - 46
    data[central + 24:central + 28] = (100).to_bytes(4, "little")
    data[info.header_offset + 22:info.header_offset + 26] = (100).to_bytes(4, "little")
    refused(write(tmp_path, bytes(data)), "bytes but manifest.json says|more data than the zip says|damaged")


@pytest.mark.parametrize("name, problem", [
    ("../evil.json", "contains '..'"),
    ("personas/../../evil.json", "contains '..'"),
    ("/etc/evil.json", "absolute path"),
    ("C:/evil.json", "absolute path"),
    ("personas\\evil.json", "backslash"),
    ("personas/./linh.json", "'.' path part"),
    ("notes.txt", "unexpected file"),
    ("personas/Linh.json", "unexpected file"),
    ("other/", "unexpected folder"),
])
def test_bad_member_names(tmp_path, name, problem):
    data = zip_bytes([("manifest.json", json.dumps(manifest_for({})).encode()), (name, b"{}")])
    err = refused(write(tmp_path, data), problem)
    assert name in str(err)
    assert not (tmp_path / "evil.json").exists()


def test_symlink_member(tmp_path):
    info = zipfile.ZipInfo("personas/linh-smoking.json")
    info.create_system = 3
    info.external_attr = 0o120777 << 16
    data = zip_bytes([("manifest.json", json.dumps(manifest_for({})).encode()), (info, b"/etc/passwd")])
    refused(write(tmp_path, data), "symbolic link")


def test_missing_manifest(tmp_path):
    refused(write(tmp_path, zip_bytes([("personas/linh-smoking.json", persona_bytes())])), "has no manifest.json")


@pytest.mark.parametrize("fmt, problem", [
    ("clientsim.pack/2", "made for a newer ClientSim"),
    ("clientsim.persona/1", "expected 'clientsim.pack/1'"),
    (None, "has no 'format'"),
])
def test_manifest_format(tmp_path, fmt, problem):
    refused(write(tmp_path, pack_bytes(format=fmt)), problem)


def test_pack_needs_a_newer_app(tmp_path):
    err = refused(write(tmp_path, pack_bytes(min_app_version="99.0")), f"needs ClientSim 99.0 or newer; this is ClientSim {__version__}")
    assert "Update ClientSim" in str(err)


@pytest.mark.parametrize("field, value, problem", [
    ("id", "Bad Id", "manifest field 'id'"),
    ("version", "one", "manifest field 'version'"),
    ("author", "  ", "manifest field 'author' is empty"),
    ("files", [], "manifest field 'files'"),
    ("colour", "blue", "unknown field"),
])
def test_bad_manifest_fields(tmp_path, field, value, problem):
    refused(write(tmp_path, pack_bytes(**{field: value})), problem)


def test_duplicate_member(tmp_path):
    p = persona_bytes()
    files = {"personas/linh-smoking.json": p}
    data = zip_bytes([("manifest.json", json.dumps(manifest_for(files)).encode()),
                      ("personas/linh-smoking.json", p), ("personas/linh-smoking.json", p)])
    refused(write(tmp_path, data), "appears twice in the zip")


def test_duplicate_persona_id_inside_a_pack(tmp_path):
    data = pack_bytes({"linh-smoking": persona_bytes(), "linh-2": persona_bytes()})
    err = refused(write(tmp_path, data), "persona id 'linh-smoking' appears twice in the pack")
    assert err.member in ("personas/linh-smoking.json", "personas/linh-2.json")


def test_duplicate_persona_id_across_packs(tmp_path, lab):
    install_pack(write(tmp_path, pack_bytes(id="first"), "a.clientsim-pack"), system=True)
    err = refused(write(tmp_path, pack_bytes(id="second"), "b.clientsim-pack"),
                  "persona 'linh-smoking' is already provided by the installed pack 'first' \\(lab\\)")
    assert err.member == "personas/linh-smoking.json"
    assert [p.id for p in list_packs().packs] == ["first"]


def test_invalid_persona_names_file_field_problem(tmp_path):
    data = pack_bytes({"linh-smoking": persona_bytes(difficulty="hard")})
    err = refused(write(tmp_path, data), "personas/linh-smoking.json: is not a valid persona: field 'difficulty': "
                                         'is "hard"; expected')
    assert err.member == "personas/linh-smoking.json"


def test_persona_not_json(tmp_path):
    refused(write(tmp_path, pack_bytes({"linh-smoking": b'{"id": "linh-smoking",'})), "is not valid JSON")


def test_sha256_mismatch(tmp_path):
    good = persona_bytes()
    files = {"personas/linh-smoking.json": good}
    changed = good.replace(b"Linh", b"Lihn", 1)
    data = zip_bytes([("manifest.json", json.dumps(manifest_for(files)).encode()),
                      ("personas/linh-smoking.json", changed)])
    refused(write(tmp_path, data), "sha256 does not match manifest.json")
    assert list(paths.user_packs_dir().iterdir()) == []


def test_unlisted_and_missing_files(tmp_path):
    p = persona_bytes()
    files = {"personas/linh-smoking.json": p}
    data = zip_bytes([("manifest.json", json.dumps(manifest_for(files)).encode()),
                      ("personas/linh-smoking.json", p), ("voices/x.onnx", b"abc")])
    refused(write(tmp_path, data), "not listed in manifest.json")
    files["voices/y.onnx"] = b"abc"
    data = zip_bytes([("manifest.json", json.dumps(manifest_for(files)).encode()), ("personas/linh-smoking.json", p)])
    refused(write(tmp_path, data), "manifest.json lists 'voices/y.onnx', which is not in the pack")


def test_pack_with_no_personas(tmp_path):
    refused(write(tmp_path, pack_bytes({}, extra=[("voices/v.onnx", b"abc")])), "holds no personas")


def test_voices_in_a_pack_are_installed(tmp_path):
    cfg = json.dumps({"audio": {"sample_rate": 22050}, "language": {"code": "en_GB"}}).encode()
    install_pack(write(tmp_path, pack_bytes(extra=[("voices/en_GB-test-low.onnx", b"onnx"),
                                                   ("voices/en_GB-test-low.onnx.json", cfg)])))
    assert paths.pack_voice_dirs() == [paths.user_packs_dir() / "test-pack" / "voices"]
    from clientsim.voice.voices import find_voice

    voice = find_voice("en_GB-test-low")
    assert (voice.sample_rate, voice.language) == (22050, "en_GB")


def test_a_write_failure_while_unpacking_leaves_nothing(tmp_path, monkeypatch):
    from clientsim.packs import store

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store, "_check_personas", full_disk)
    err = refused(write(tmp_path, pack_bytes()), "No space left on device")
    assert "nothing was installed" in str(err)
    assert list(paths.user_packs_dir().iterdir()) == []
