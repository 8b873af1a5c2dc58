"""Half-written personas, kept in their own folder (paths.user_persona_drafts_dir()).

The persona library never reads this folder, so a draft can be as incomplete
as its author left it and still never be offered as a client. A draft file
wraps the persona as far as it is written with where it came from:

    {"format": "clientsim.persona-draft/1", "key": "d-3f2a9c1b", "saved_at": "...",
     "origin": {"id": "daniel-alcohol", "kind": "bundled", "pack_id": ""} | null,
     "persona": {...}}

The editor writes it on every pause in typing (autosave), so a crash loses
nothing, and when the author presses "Save draft".
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from clientsim import paths
from clientsim.core import safe_json
from clientsim.core.errors import BadFile
from clientsim.core.files import atomic_write_text

DRAFT_FORMAT = "clientsim.persona-draft/1"


@dataclass
class PersonaDraft:
    key: str
    persona: dict
    origin_id: str | None = None  # the persona this draft edits or copies
    origin_kind: str = "new"  # sources.PersonaSource.kind of the origin
    origin_pack: str = ""
    saved_at: str = ""

    @property
    def path(self) -> Path:
        return draft_path(self.key)

    @property
    def title(self) -> str:
        name = self.persona.get("name") if isinstance(self.persona, dict) else None
        return name.strip() if isinstance(name, str) and name.strip() else "Untitled client"

    def to_json(self) -> str:
        origin = None if self.origin_id is None else {"id": self.origin_id, "kind": self.origin_kind,
                                                      "pack_id": self.origin_pack}
        return json.dumps({"format": DRAFT_FORMAT, "key": self.key, "saved_at": self.saved_at, "origin": origin,
                           "persona": self.persona}, ensure_ascii=False, indent=2) + "\n"


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_key() -> str:
    return "d-" + secrets.token_hex(4)


def draft_path(key: str) -> Path:
    return paths.user_persona_drafts_dir() / f"{key}.json"


def write_draft(draft: PersonaDraft) -> Path:
    """Write atomically; OSError (read-only folder, full disk) reaches the caller."""
    draft.saved_at = now_iso()
    return atomic_write_text(draft.path, draft.to_json())


def read_draft(path: Path) -> PersonaDraft:
    data = safe_json.read_json(Path(path))
    if not isinstance(data, dict) or data.get("format") != DRAFT_FORMAT or not isinstance(data.get("persona"), dict):
        raise BadFile(path, "format", f'expected a persona draft ("format": "{DRAFT_FORMAT}")')
    origin = data.get("origin") if isinstance(data.get("origin"), dict) else {}
    return PersonaDraft(key=Path(path).stem, persona=data["persona"], origin_id=origin.get("id"),
                        origin_kind=origin.get("kind") or "new", origin_pack=origin.get("pack_id") or "",
                        saved_at=str(data.get("saved_at") or ""))


def list_drafts() -> tuple[list[PersonaDraft], list[BadFile]]:
    """Every readable draft, newest first, and the files that could not be read."""
    found, bad = [], []
    folder = paths.user_persona_drafts_dir()
    if not folder.is_dir():
        return [], []
    for file in folder.glob("*.json"):
        try:
            found.append(read_draft(file))
        except BadFile as exc:
            bad.append(exc)
    found.sort(key=lambda d: d.saved_at, reverse=True)
    return found, bad


def draft_for(origin_id: str) -> PersonaDraft | None:
    """The newest draft that edits or copies this persona, if any."""
    return next((d for d in list_drafts()[0] if d.origin_id == origin_id), None)


def delete_draft(key: str) -> None:
    try:
        draft_path(key).unlink()
    except FileNotFoundError:
        pass
