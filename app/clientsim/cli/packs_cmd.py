"""`clientsim packs build|install|list|remove`: share personas as one file.

A pack is one ``NAME.clientsim-pack`` file (docs/packs.md). ``install`` checks
everything before a byte is kept; ``--system`` installs for every user of a
lab computer (needs the rights to write the lab folder).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from clientsim.packs import LAB, build_pack, install_pack, list_packs, remove_pack


def register(sub) -> None:
    p = sub.add_parser("packs", help="build, install, list and remove persona packs (.clientsim-pack)")
    psub = p.add_subparsers(dest="packs_command", metavar="ACTION")
    p.set_defaults(func=lambda args: p.print_help() or 0)

    bp = psub.add_parser("build", help="make a .clientsim-pack from a folder of personas")
    bp.add_argument("folder", type=Path, metavar="FOLDER",
                    help="persona files (here or in personas/), voices/ and an optional pack.json")
    bp.add_argument("-o", "--output", type=Path, required=True, metavar="FILE", help="the pack file to write")
    for name, what in (("id", "pack id: lowercase letters, digits, hyphens (default: the folder name)"),
                       ("title", "title shown in the app"), ("version", "dotted numbers, e.g. 1.2 (default 1.0)"),
                       ("author", "who wrote the personas"), ("licence", "e.g. CC-BY-4.0"),
                       ("description", "a sentence or two"),
                       ("min-app-version", "oldest ClientSim that can use the pack (default: this one)")):
        bp.add_argument(f"--{name}", metavar="TEXT", help=what)
    bp.set_defaults(func=run_build)

    ip = psub.add_parser("install", help="check and install a pack (a newer version replaces the older)")
    ip.add_argument("file", type=Path, metavar="FILE")
    ip.add_argument("--system", action="store_true", help="install for every user of this computer (lab install)")
    ip.set_defaults(func=run_install)

    lp = psub.add_parser("list", help="installed packs with version and source")
    lp.add_argument("--json", action="store_true", help="machine-readable output")
    lp.set_defaults(func=run_list)

    rp = psub.add_parser("remove", help="remove one of your packs")
    rp.add_argument("pack_id", metavar="ID")
    rp.add_argument("--system", action="store_true", help="remove a lab pack (needs the rights to write there)")
    rp.set_defaults(func=run_remove)


def run_build(args) -> int:
    manifest = build_pack(args.folder, args.output, id=args.id, title=args.title, version=args.version,
                          author=args.author, licence=args.licence, description=args.description,
                          min_app_version=args.min_app_version)
    ids = manifest.persona_ids()
    voices = len(manifest.files) - len(ids)
    print(f"Wrote {args.output}: pack '{manifest.id}' {manifest.version}, {len(ids)} persona(s)"
          + (f", {voices} voice file(s)" if voices else "") + ".")
    return 0


def run_install(args) -> int:
    result = install_pack(args.file, system=args.system)
    m = result.pack.manifest
    what = f"replaced {result.replaced_version}" if result.replaced_version else "new"
    where = "for everyone on this computer" if result.pack.location == LAB else "for you"
    print(f"Installed pack '{m.id}' {m.version} ({what}) {where}: {', '.join(m.persona_ids())}.")
    return 0


def run_list(args) -> int:
    found = list_packs()
    for problem in found.problems:
        print(f"warning: {problem}", file=sys.stderr)
    if args.json:
        print(json.dumps([{
            "id": p.id, "title": p.manifest.title, "version": p.manifest.version, "author": p.manifest.author,
            "licence": p.manifest.licence, "source": p.location, "removable": p.removable,
            "personas": p.manifest.persona_ids(), "path": str(p.path),
        } for p in found.packs], indent=2, ensure_ascii=False))
        return 0
    if not found.packs:
        print("No packs installed. Install one with `clientsim packs install FILE.clientsim-pack`.")
        return 0
    headers = ["ID", "VERSION", "SOURCE", "PERSONAS", "TITLE"]
    rows = [[p.id, p.manifest.version, p.location, str(len(p.manifest.persona_ids())), p.manifest.title]
            for p in found.packs]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    for line in [headers] + rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip())
    return 0


def run_remove(args) -> int:
    pack = remove_pack(args.pack_id, system=args.system)
    print(f"Removed pack '{pack.id}' {pack.manifest.version}.")
    return 0
