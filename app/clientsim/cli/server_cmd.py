"""`clientsim server build | start`: a lab's model server on llama.cpp's llama-server (docs/lab-server.md)."""

from __future__ import annotations

import signal
import socket
import sys
import time
from pathlib import Path

from clientsim.core.errors import UserError


def register(sub) -> None:
    p = sub.add_parser("server", help="a lab model server many students use at once (llama-server)")
    ssub = p.add_subparsers(dest="server_command", metavar="COMMAND")

    b = ssub.add_parser("build", help="build llama-server from the llama.cpp that llama-cpp-python vendors (once)")
    b.add_argument("--system", action="store_true", help="into the system folder, for every user (needs root)")
    b.add_argument("--source", type=Path, help="the llama-cpp-python source archive (.tar.gz) instead of PyPI")
    b.add_argument("--jobs", type=int, help="parallel compile jobs (default: all cores)")
    b.add_argument("--force", action="store_true", help="build again even if built")
    b.add_argument("--verbose", action="store_true", help="show the compiler's output")
    b.set_defaults(func=run_build)

    s = ssub.add_parser("start", help="serve the default model (or --model) until Ctrl+C")
    s.add_argument("--model", help="GGUF (default: the default client model)")
    s.add_argument("--parallel", type=int, help="sessions served at once (default: from cores and memory)")
    s.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0: the lab network)")
    s.add_argument("--port", type=int, default=8080)
    s.add_argument("--threads", type=int, help="CPU threads (default: all cores)")
    key = s.add_mutually_exclusive_group()
    key.add_argument("--api-key", help="require this key (Authorization: Bearer KEY); prefer --api-key-file")
    key.add_argument("--api-key-file", type=Path, help="file with the key(s), one a line, not readable by others")
    s.add_argument("--verbose", action="store_true", help="show llama-server's own log (it never holds prompts)")
    s.set_defaults(func=run_start)
    p.set_defaults(func=lambda args: (p.print_help(), 0)[1])


def run_build(args) -> int:
    from clientsim.server.build import build_server, find_server_binary

    state = {"last": 0.0}

    def on_line(line: str) -> None:
        if args.verbose:
            print(line, flush=True)
        elif line.startswith("[") and time.monotonic() - state["last"] > 15:  # ninja's [n/total]
            state["last"] = time.monotonic()
            print(f"  {line.split(']')[0]}]", flush=True)

    existing = None if (args.force or args.system) else find_server_binary()
    if existing is not None:
        print(f"llama-server is already built: {existing}")
        return 0
    print("building llama-server (about 10 minutes on 2 cores; nothing else is downloaded)", flush=True)
    result = build_server(system=args.system, source=args.source, jobs=args.jobs, force=args.force, on_line=on_line)
    if result.built:
        print(f"built in {result.seconds / 60:.1f} min: {result.path}")
    else:
        print(f"llama-server is already built: {result.path}")
    return 0


def lan_address() -> str:
    """This machine's address on the network students reach it by (no packet is sent)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))
            return s.getsockname()[0]
    except OSError:
        return socket.gethostname()


def run_start(args) -> int:
    from clientsim.models.registry import resolve_model
    from clientsim.server.build import require_server_binary
    from clientsim.server.launch import launch, wait_ready
    from clientsim.server.options import MAX_PARALLEL, ServerOptions, check_key_file, default_parallel, is_loopback

    model = resolve_model(args.model)
    binary = require_server_binary()
    if args.parallel is None:
        parallel, why = default_parallel(model.stat().st_size)
    else:
        if not 1 <= args.parallel <= MAX_PARALLEL:
            raise UserError(f"--parallel must be between 1 and {MAX_PARALLEL}.")
        parallel, why = args.parallel, "--parallel"
    key_file = check_key_file(args.api_key_file) if args.api_key_file else None
    protected = bool(args.api_key or key_file)
    if not is_loopback(args.host) and not protected:
        bar = "!" * 78
        print(f"{bar}\nWARNING: listening on {args.host} WITHOUT an API key: anyone who can reach this machine\n"
              f"can use the model. Give --api-key-file FILE (chmod 600) for a lab network.\n{bar}",
              file=sys.stderr, flush=True)
    opts = ServerOptions(model=model, parallel=parallel, host=args.host, port=args.port, threads=args.threads,
                         api_key_file=key_file)
    print(f"model {model.name}, {parallel} sessions at once ({why}), {opts.ctx_per_slot} tokens of context each",
          flush=True)
    handle = launch(opts, api_key=args.api_key, binary=binary, echo=print if args.verbose else None)

    def on_term(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        body = wait_ready(handle)
        host = lan_address() if args.host in ("0.0.0.0", "::") else args.host
        address = f"http://{host}:{args.port}/v1"
        print(f"ready: /health says {body.get('status', body)}")
        print(f"students enter this in Settings → lab server: {address}")
        print(f"model name: {model.stem}" + ("; API key: the one you gave" if protected else "; no API key"))
        print("transcripts are not stored or logged; Ctrl+C stops the server", flush=True)
        code = handle.wait()
        print(f"llama-server exited with code {code}:\n" + "\n".join(list(handle.log)[-10:]), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("stopping…", flush=True)
        code = handle.stop()
        print(f"stopped (exit code {code})")
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        if handle.running:
            handle.stop()
