"""Which engine plays the client: this computer's model or the lab server. Decided here only.

`EngineChoice` says what was chosen (from Settings in the app, from flags in
the CLI and benches); `make_engine` builds the `ChatEngine` (llm/backend.py)
without loading it. A lab administrator can preset the lab server for every
user in `<system folder>/lab-server.json` ({"url": ..., "model": ..., "use":
true}); a student's own Settings override it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from clientsim import paths
from clientsim.llm import api_key
from clientsim.llm.backend import ChatEngine
from clientsim.llm.remote import ServerAddress

DEFAULT_CTX = 4096


@dataclass(frozen=True)
class EngineChoice:
    model: str | None = None  # local GGUF: a path or a file name in a models folder; None = the default model
    threads: int | None = None  # local CPU threads; None = all cores
    ctx: int = DEFAULT_CTX
    seed: int | None = 0
    server: ServerAddress | None = None  # None: this computer

    @property
    def remote(self) -> bool:
        return self.server is not None

    def local(self) -> "EngineChoice":
        """The same choice on this computer (what a student falls back to when the server fails)."""
        return replace(self, server=None)


def make_engine(choice: EngineChoice) -> ChatEngine:
    if choice.server is not None:
        from clientsim.llm.remote import RemoteEngine

        return RemoteEngine(choice.server, n_ctx=choice.ctx, seed=choice.seed)
    from clientsim.llm.engine import LlmEngine
    from clientsim.models.registry import resolve_model

    return LlmEngine(resolve_model(choice.model), n_threads=choice.threads, n_ctx=choice.ctx, seed=choice.seed)


def lab_preset() -> dict:
    """The administrator's preset (system folder), or {}."""
    try:
        value = json.loads((paths.system_dir() / "lab-server.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def server_from_settings(settings) -> ServerAddress | None:
    """The lab server the student chose (or the administrator preset), or None for this computer."""
    lab = settings.lab
    preset = lab_preset()
    url = lab.url or (preset.get("url") if isinstance(preset.get("url"), str) else None)
    use = lab.use if lab.url else preset.get("use") is True
    if not use or not url:
        return None
    model = lab.model or (preset.get("model") if isinstance(preset.get("model"), str) else "") or ""
    return ServerAddress(url=url, model=model, api_key=api_key.load(url))


def choice_from_settings(settings, *, seed: int | None = None, force_local: bool = False) -> EngineChoice:
    return EngineChoice(model=settings.model_path, threads=settings.effective_threads(), seed=seed,
                        server=None if force_local else server_from_settings(settings))


def server_from_flags(url: str | None, model: str | None = None, key_file: str | None = None) -> ServerAddress | None:
    """`--server URL [--server-model NAME] [--api-key-file F]` on the command line; the saved key otherwise."""
    if not url:
        return None
    key = ""
    if key_file:
        from pathlib import Path

        from clientsim.core.errors import UserError

        try:
            key = Path(key_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UserError(f"The API key file {key_file} cannot be read ({exc.strerror}).") from exc
    return ServerAddress(url=url, model=model or "", api_key=key or api_key.load(url))
