"""The list of what packaging/install.sh installed: checked on every run, removed by --uninstall.

A manifest is a text file, one entry a line, tab-separated:
    file <sha256> <path>     a regular file and its content
    link <target> <path>     a symbolic link
    dir  -        <path>     a folder the installer created (removed only when empty)

Commands (standard library only; run with the Python the installer uses):
    verify MANIFEST                 print "missing<TAB>path" / "changed<TAB>path" for every
                                    file or link that is not as installed
    write NEW OLD MARKER            read "kind<TAB>path" lines on stdin, write NEW with checksums;
                                    a file listed in OLD and untouched since MARKER (ctime) keeps
                                    OLD's checksum instead of being read again, and a line
                                    "file<TAB>path<TAB>sha256" gives a checksum the installer has
                                    just verified (the models)
    remove MANIFEST [KEEP]          delete MANIFEST's files, links and empty folders that KEEP
                                    (another manifest) does not list; print what stayed and why
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path


def read(path: str) -> list[tuple[str, str, str]]:
    try:
        text = Path(path).read_text()
    except FileNotFoundError:
        return []
    entries = []
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        kind, value, p = line.split("\t", 2)
        entries.append((kind, value, p))
    return entries


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def problem(kind: str, value: str, path: str) -> str | None:
    if kind == "dir":
        return None
    if kind == "link":
        if not os.path.islink(path):
            return "missing"
        return None if os.readlink(path) == value else "changed"
    if os.path.islink(path) or not os.path.isfile(path):
        return "missing"
    try:
        return None if sha256(path) == value else "changed"
    except OSError:
        return "missing"


def verify(manifest: str) -> int:
    for kind, value, path in read(manifest):
        what = problem(kind, value, path)
        if what:
            print(f"{what}\t{path}")
    return 0


def write(new: str, old: str, marker: str) -> int:
    known = {p: v for k, v, p in read(old) if k == "file"}
    since = os.stat(marker).st_mtime_ns
    lines = ["# ClientSim lab installation: what packaging/install.sh installed (kind, checksum or target, path)"]
    for raw in sys.stdin.read().splitlines():
        if not raw.strip():
            continue
        kind, path, *verified = raw.split("\t")
        if kind == "dir":
            lines.append(f"dir\t-\t{path}")
        elif kind == "link":
            lines.append(f"link\t{os.readlink(path)}\t{path}")
        else:
            st = os.lstat(path)
            digest = verified[0] if verified else known.get(path) if st.st_ctime_ns < since else None
            lines.append(f"file\t{digest or sha256(path)}\t{path}")
    text = "\n".join(lines) + "\n"
    if os.path.isfile(new) and Path(new).read_text() == text:
        return 0  # a run that changed nothing leaves the installation as it was, to the inode
    tmp = new + ".tmp"
    Path(tmp).write_text(text)
    os.replace(tmp, new)
    return 0


def remove(manifest: str, keep: str | None = None) -> int:
    kept = {p for _, _, p in read(keep)} if keep else set()
    entries = [e for e in read(manifest) if e[2] not in kept]
    removed = 0
    for kind, _, path in entries:
        if kind != "dir" and os.path.lexists(path):
            os.unlink(path)
            removed += 1
    stayed = []
    for _, _, path in sorted((e for e in entries if e[0] == "dir"), key=lambda e: -len(Path(e[2]).parts)):
        if not os.path.isdir(path) or os.path.islink(path):
            continue
        try:
            os.rmdir(path)
        except OSError:
            stayed.append(path)
    print(f"removed\t{removed}")
    for path in stayed:
        others = sorted(os.listdir(path))
        if others and all(os.path.join(path, o) in stayed for o in others):
            continue  # kept only for a folder already named
        print(f"kept\t{path}\t{len(others)} item(s) not installed by ClientSim, e.g. {others[0]}" if others
              else f"kept\t{path}\tcould not remove it")
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["verify"] and len(argv) == 2:
        return verify(argv[1])
    if argv[:1] == ["write"] and len(argv) == 4:
        return write(*argv[1:])
    if argv[:1] == ["remove"] and len(argv) in (2, 3):
        return remove(*argv[1:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
