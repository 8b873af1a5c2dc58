"""What a lab server runs with, and the llama-server command line that says so.

Privacy: a lab server never stores or shows what students wrote. llama-server
keeps prompts only in memory (KV cache and its RAM prompt cache); what could
write or expose them is switched off here and cannot be switched back on by
the environment (LLAMA_ARG_* variables are removed from the child's):
- `--no-slots`: no /slots endpoint (it returns each slot's prompt and reply);
- no `--log-prompts-dir`, `--slot-save-path`, `--metrics` or `--props`;
- log verbosity 3 (info): request and response bodies and prompt tokens are
  logged only at debug level (tools/server/server-http.cpp, server-context.cpp);
- `--no-webui`: no chat page on the server itself.
tests/test_server.py checks that a reply's words never reach the log and that
/slots is refused.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from clientsim.core.errors import UserError

CTX_PER_SESSION = 4096  # what the app gives one session (LlmEngine's n_ctx)
MAX_PARALLEL = 16
LOOPBACK = "127.0.0.1"
SLOT_BYTES = 512 << 20  # KV cache of one 4096-token slot of a model up to ~3B (f16), rounded up


@dataclass(frozen=True)
class ServerOptions:
    model: Path
    parallel: int
    host: str = LOOPBACK
    port: int = 8080
    threads: int | None = None
    ctx_per_slot: int = CTX_PER_SESSION
    api_key_file: Path | None = None  # keys are never put on the command line (ps shows it to everyone)

    @property
    def total_ctx(self) -> int:
        return self.ctx_per_slot * self.parallel


def available_memory() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def default_parallel(model_bytes: int, cores: int | None = None, memory: int | None = None) -> tuple[int, str]:
    """Slots for a CPU server, and why.

    Two slots per core: on CPU a decode step of several sequences costs little
    more than one (the weights are read once per step for all of them), so
    total throughput grows with the slots until the cores are busy with the
    matrix work; beyond ~2 per core each student's own speed drops faster than
    the total rises (docs/lab-server.md has the measured figures). Capped by
    memory: the model once plus a KV cache per slot, with 1 GB to spare.
    """
    cores = cores or os.cpu_count() or 1
    wanted = min(MAX_PARALLEL, max(2, 2 * cores))
    why = f"2 per core × {cores} cores"
    memory = available_memory() if memory is None else memory
    if memory is not None:
        fit = (memory - model_bytes - (1 << 30)) // SLOT_BYTES
        if fit < wanted:
            wanted = max(1, int(fit))
            why = f"memory: {memory / 2**30:.1f} GB free, model {model_bytes / 2**30:.1f} GB, ~0.5 GB per slot"
    return wanted, why


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_key_file(path: Path) -> Path:
    """An API key file must exist, hold a key, and not be readable by other users."""
    path = Path(path).expanduser()
    try:
        mode = path.stat().st_mode
        keys = [k for k in path.read_text().splitlines() if k.strip() and not k.startswith("#")]
    except OSError as exc:
        raise UserError(f"Cannot read the API key file {path}: {exc.strerror}.") from exc
    if mode & 0o004:
        raise UserError(f"The API key file {path} is readable by every user on this machine.",
                        hint=f"chmod 600 {path}")
    if not keys:
        raise UserError(f"The API key file {path} holds no key (one key a line; # starts a comment).")
    return path


def server_args(binary: Path, opts: ServerOptions) -> list[str]:
    threads = opts.threads or max(1, os.cpu_count() or 1)
    args = [
        str(binary), "--model", str(opts.model), "--alias", opts.model.stem,
        "--host", opts.host, "--port", str(opts.port),
        "--parallel", str(opts.parallel), "--ctx-size", str(opts.total_ctx), "--no-kv-unified",
        "--cont-batching", "--threads", str(threads), "--threads-batch", str(threads),
        "--no-slots", "--no-webui", "--log-verbosity", "3", "--log-colors", "off",
    ]
    if opts.api_key_file:
        args += ["--api-key-file", str(opts.api_key_file)]
    return args


def child_environment() -> dict:
    """The caller's environment without llama.cpp's own settings (they could turn logging of prompts on)."""
    return {k: v for k, v in os.environ.items() if not (k.startswith("LLAMA_ARG_") or k.startswith("LLAMA_API_KEY")
                                                      or k.startswith("LLAMA_LOG"))}
