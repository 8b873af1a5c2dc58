"""1,000 generated bad packs: every one refused with a clear message, nothing written anywhere.

Each example starts from a good pack (which installs, see the control test)
and breaks it one way: random bytes, a truncated or bit-flipped zip, a hostile
member name, a symlink, a bad manifest field, a newer format or app version,
a changed file (sha256), an invalid persona, duplicates, a persona another
pack already has, no personas, unlisted or missing files, a zip bomb, an
older version of an installed pack. After every attempt the whole test
folder (user data, lab folder, neighbours of the packs folder) must be
exactly as it was.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import warnings
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from clientsim import paths
from clientsim.personas.loader import schema as persona_schema
from clientsim.packs import FORMAT, PackError, install_pack, list_packs
from clientsim.packs.manifest import FIELDS, PACK_ID, VERSION

REPO = Path(__file__).resolve().parents[1]
PERSONA = (REPO / "personas" / "linh-smoking.json").read_bytes()
OTHER = (REPO / "personas" / "beatrice-diabetes.json").read_bytes()


def manifest(files: dict[str, bytes], /, **fields) -> dict:
    m = {"format": FORMAT, "id": "fuzz-pack", "title": "Fuzz", "version": "2.0", "author": "T", "licence": "MIT",
         "description": "", "min_app_version": "0.1",
         "files": {n: {"sha256": hashlib.sha256(b).hexdigest(), "size": len(b)} for n, b in files.items()}}
    m.update(fields)
    return m


def zip_of(entries) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, data in entries:
            zf.writestr(name, data)
    return buf.getvalue()


def good_entries(**fields):
    files = {"personas/linh-smoking.json": PERSONA}
    return [("manifest.json", json.dumps(manifest(files, **fields)).encode()), *files.items()]


GOOD = zip_of(good_entries())


def tree(root: Path) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_symlink():
            out[rel] = "link"
        elif p.is_dir():
            out[rel] = "dir"
        else:
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _same_content(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as a, zipfile.ZipFile(io.BytesIO(GOOD)) as b:
            return all(a.read(n) == b.read(n) for n in b.namelist())
    except Exception:
        return False


# --- the ways to break a pack -------------------------------------------------------------

junk_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
not_text = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                     st.lists(st.integers(), max_size=3), st.dictionaries(junk_text, st.integers(), max_size=2))
json_values = st.one_of(not_text, junk_text)


def bad_value(field: str):
    """A value that makes the manifest field wrong (never a valid one by chance)."""
    if field == "format":
        return json_values.filter(lambda v: v != FORMAT)
    if field == "id":
        return json_values.filter(lambda v: not (isinstance(v, str) and PACK_ID.match(v)))
    if field == "version":
        return json_values.filter(lambda v: not (isinstance(v, str) and VERSION.match(v)))
    if field == "min_app_version":
        newer = st.integers(1, 999).map(lambda n: f"{n}.0")
        return st.one_of(newer, json_values.filter(lambda v: not (isinstance(v, str) and VERSION.match(v))))
    if field in ("title", "author", "licence"):
        return st.one_of(not_text, st.sampled_from(["", "  ", "\n"]), st.just("x" * 5000))
    if field == "description":
        return st.one_of(not_text, st.just("x" * 5000))
    return st.one_of(json_values.filter(lambda v: not isinstance(v, dict)),  # files
                     st.just({"personas/linh-smoking.json": "abc"}),
                     st.just({"personas/linh-smoking.json": {"sha256": "0" * 63, "size": len(PERSONA)}}),
                     st.just({"personas/linh-smoking.json": {"sha256": "0" * 64, "size": -1}}))


@st.composite
def _bad_pack(draw, kind: str) -> bytes:
    files = {"personas/linh-smoking.json": PERSONA}
    if kind == "random bytes":
        return draw(st.binary(max_size=3000))
    if kind == "truncated":
        return GOOD[:draw(st.integers(0, len(GOOD) - 1))]
    if kind == "flipped":  # damage a member's compressed bytes: the CRC or the deflate stream must notice
        with zipfile.ZipFile(io.BytesIO(GOOD)) as zf:
            info = draw(st.sampled_from(zf.infolist()))
        start = info.header_offset + 30 + len(info.filename.encode())
        pos = draw(st.integers(start, start + info.compress_size - 1))
        data = bytearray(GOOD)
        data[pos] ^= draw(st.integers(1, 255))
        assume(not _same_content(bytes(data)))  # a flip in deflate's padding bits changes nothing
        return bytes(data)
    if kind == "member name":
        prefix = draw(st.sampled_from(["../", "/", "personas/../../", "C:/", "c:\\", "personas\\", "personas/./",
                                       "voices/../../", "./", "personas//", "voices/.hidden/", "", "~/"]))
        rest = draw(st.sampled_from(["linh-smoking.json", "evil.json", "x", "Manifest.json", "a b.json"]))
        name = prefix + rest
        if name in ("linh-smoking.json", "evil.json", "x", "Manifest.json", "a b.json"):
            name = "../" + name
        return zip_of([*good_entries(), (name, PERSONA)])
    if kind == "symlink":
        info = zipfile.ZipInfo(draw(st.sampled_from(["personas/linh-smoking.json", "voices/v.onnx"])))
        info.create_system = 3
        info.external_attr = 0o120777 << 16
        target = draw(st.sampled_from([b"/etc/passwd", b"../../..", b"/"]))
        f = {info.filename: target}
        return zip_of([("manifest.json", json.dumps(manifest(f)).encode()), (info, target)])
    if kind == "manifest field":
        field = draw(st.sampled_from(FIELDS))
        return zip_of(good_entries(**{field: draw(bad_value(field))}))
    if kind == "missing field":
        m = manifest(files)
        del m[draw(st.sampled_from([f for f in FIELDS if f != "description"]))]
        return zip_of([("manifest.json", json.dumps(m).encode()), *files.items()])
    if kind == "unknown field":
        key = draw(junk_text.filter(lambda k: k not in FIELDS))
        return zip_of(good_entries(**{key: draw(json_values)}))
    if kind == "newer format":
        return zip_of(good_entries(format=f"clientsim.pack/{draw(st.integers(2, 10**6))}"))
    if kind == "sha256":  # same size, other bytes
        i = draw(st.integers(0, len(PERSONA) - 1))
        changed = bytearray(PERSONA)
        changed[i] = (changed[i] + draw(st.integers(1, 255))) % 256
        return zip_of([("manifest.json", json.dumps(manifest(files)).encode()),
                       ("personas/linh-smoking.json", bytes(changed))])
    if kind == "persona":
        data = json.loads(PERSONA)
        how = draw(st.sampled_from(["delete", "wrong type", "speaker label", "id", "enum"]))
        if how == "delete":
            # a required field: optional ones (cbt, voice, tags, client_state, self_report) may go
            del data[draw(st.sampled_from(sorted(set(data) & set(persona_schema()["required"]))))]
        elif how == "wrong type":
            data[draw(st.sampled_from(sorted(data)))] = draw(st.one_of(
                st.integers(), st.booleans(), st.lists(st.integers(), min_size=1, max_size=2)))
        elif how == "speaker label":
            data["opening_statement"] = draw(st.sampled_from(["Client: ", "client:", "Patient : "])) + "Hi."
        elif how == "id":
            data["id"] = draw(st.sampled_from(["linh", "Linh-Smoking", "", "linh smoking", "../linh"]))
        else:
            key = draw(st.sampled_from(["difficulty", "modality"]))
            data[key] = draw(junk_text.filter(lambda v: v not in ("beginner", "intermediate", "advanced")))
        body = json.dumps(data).encode()
        f = {"personas/linh-smoking.json": body}
        return zip_of([("manifest.json", json.dumps(manifest(f)).encode()), *f.items()])
    if kind == "persona not json":
        body = draw(st.sampled_from([b"", b"{", b"[1,2", b"\xff\xfe", b'{"a": NaN}', b'{"a":1,"a":2}', b"[" * 5000,
                                     b"null", b"[]"]))
        f = {"personas/linh-smoking.json": body}
        return zip_of([("manifest.json", json.dumps(manifest(f)).encode()), *f.items()])
    if kind == "duplicate member":
        return zip_of([*good_entries(), ("personas/linh-smoking.json", PERSONA)])
    if kind == "duplicate id":
        other = draw(st.sampled_from(["linh-copy", "a-linh", "zz"]))
        f = {"personas/linh-smoking.json": PERSONA, f"personas/{other}.json": PERSONA}
        return zip_of([("manifest.json", json.dumps(manifest(f)).encode()), *f.items()])
    if kind == "clash":  # beatrice-diabetes belongs to the installed "other-pack"
        f = {"personas/beatrice-diabetes.json": OTHER}
        return zip_of([("manifest.json", json.dumps(manifest(f, id=draw(st.sampled_from(["fuzz-pack", "new"])))).encode()),
                       *f.items()])
    if kind == "no personas":
        f = {} if draw(st.booleans()) else {"voices/v.onnx": b"onnx"}
        return zip_of([("manifest.json", json.dumps(manifest(f)).encode()), *f.items()])
    if kind == "unlisted":
        return zip_of([*good_entries(), (draw(st.sampled_from(["voices/v.onnx", "personas/riley-panic.json"])), b"x")])
    if kind == "missing file":
        f = {**files, "voices/v.onnx": b"onnx"}
        return zip_of([("manifest.json", json.dumps(manifest(f)).encode()), *files.items()])
    if kind == "bomb":
        size = draw(st.integers(2, 6)) * 1024 * 1024
        body = bytes(size)
        f = {**files, "voices/v.onnx": body}
        return zip_of([("manifest.json", json.dumps(manifest(f)).encode()), *f.items()])
    if kind == "too many files":
        extra = {f"voices/v{i}.onnx": b"" for i in range(1000)}
        f = {**files, **extra}
        return zip_of([("manifest.json", json.dumps(manifest(f)).encode()), *f.items()])
    if kind == "old version":
        return zip_of(good_entries(version=draw(st.sampled_from(["1.0", "0.9", "1", "1.0.0.0", "0.0.1"]))))
    if kind == "manifest not json":
        body = draw(st.sampled_from([b"", b"{", b"\x00\x01", b"[]", b'"text"', b"{" * 3000 + b"}" * 3000]))
        return zip_of([("manifest.json", body), *files.items()])
    if kind == "no manifest":
        return zip_of(list(files.items()))
    # an "encrypted" flag on a member
    data = bytearray(GOOD)
    with zipfile.ZipFile(io.BytesIO(GOOD)) as zf:
        info = zf.getinfo("personas/linh-smoking.json")
    central = data.rfind(b"personas/linh-smoking.json") - 46
    data[central + 8] |= 0x1
    data[info.header_offset + 6] |= 0x1
    return bytes(data)


KINDS = ["random bytes", "truncated", "flipped", "member name", "symlink", "manifest field", "missing field",
         "unknown field", "newer format", "sha256", "persona", "persona not json", "duplicate member",
         "duplicate id", "clash", "no personas", "unlisted", "missing file", "bomb", "too many files",
         "old version", "manifest not json", "no manifest", "encrypted flag"]


def bad_packs():
    return st.sampled_from(KINDS).flatmap(lambda kind: st.tuples(st.just(kind), _bad_pack(kind)))


# --- the tests ------------------------------------------------------------------------------


@pytest.fixture
def world(tmp_path, monkeypatch):
    """A home with two packs installed (fuzz-pack 1.0 and other-pack), a lab folder and a sentinel."""
    lab = tmp_path / "lab"
    lab.mkdir()
    monkeypatch.setenv("CLIENTSIM_SYSTEM_DIR", str(lab))
    src = tmp_path / "incoming"
    src.mkdir()
    first = src / "first.clientsim-pack"
    first.write_bytes(zip_of(good_entries(version="1.0")))
    install_pack(first)
    f = {"personas/beatrice-diabetes.json": OTHER}
    other = src / "other.clientsim-pack"
    other.write_bytes(zip_of([("manifest.json", json.dumps(manifest(f, id="other-pack")).encode()), *f.items()]))
    install_pack(other, system=True)
    first.unlink()
    other.unlink()
    return tmp_path


def test_the_good_pack_installs(world):
    pack = world / "incoming" / "good.clientsim-pack"
    pack.write_bytes(GOOD)
    assert install_pack(pack).replaced_version == "1.0"


@settings(max_examples=1000, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(case=bad_packs(), system=st.booleans())
def test_bad_packs_are_refused_and_change_nothing(world, case, system):
    kind, data = case
    incoming = world / "incoming"
    before = tree(world)
    # where hostile names ("/evil.json", "../x", "~/x") would land if they were followed
    outside = [Path("/evil.json"), Path("/x"), world.parent / "evil.json", world.parent / "x",
               Path.home() / "evil.json", Path(os.getcwd()) / "evil.json", Path(os.getcwd()) / "x"]
    outside_before = [p.exists() for p in outside]
    before_list = [(p.id, p.manifest.version, p.location) for p in list_packs().packs]
    cwd = os.getcwd()
    fd, name = tempfile.mkstemp(suffix=".clientsim-pack", dir=incoming)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    pack = Path(name)
    try:
        with pytest.raises(PackError) as info:
            install_pack(pack, system=system)
    finally:
        pack.unlink()
    err = info.value
    text = str(err)
    event(f"{kind}: {err.problem[:45]}")
    assert text.startswith(str(pack)) and len(err.problem) >= 15, (kind, text)
    assert "Traceback" not in text
    assert tree(world) == before
    assert [(p.id, p.manifest.version, p.location) for p in list_packs().packs] == before_list
    assert os.getcwd() == cwd
    assert [p.exists() for p in outside] == outside_before
    assert sorted(p.name for p in paths.user_packs_dir().iterdir()) == ["fuzz-pack"]
