"""Where a persona file came from, and whether the student may change it in place.

Only the user's own persona folder is written by ClientSim. Bundled personas,
a lab's shared personas and installed packs are read-only to the editor:
editing one saves a copy under a new id in the user's folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from clientsim import paths

BUNDLED, LAB, PACK, LAB_PACK, USER, NEW = "bundled", "lab", "pack", "lab pack", "user", "new"


@dataclass(frozen=True)
class PersonaSource:
    kind: str  # one of BUNDLED, LAB, PACK, LAB_PACK, USER, NEW (not saved anywhere yet)
    pack_id: str = ""

    @property
    def writable(self) -> bool:
        return self.kind in (USER, NEW)

    def words(self) -> str:
        """'a bundled client', 'a client from the pack course-a', ... for the editor's notice."""
        return {BUNDLED: "a bundled client", LAB: "a lab client (shared by your lab)",
                PACK: f"a client from the pack “{self.pack_id}”",
                LAB_PACK: f"a client from the lab pack “{self.pack_id}”",
                USER: "one of your clients", NEW: "a new client"}[self.kind]


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except (ValueError, OSError):
        return False


def source_of(path: Path | None) -> PersonaSource:
    if path is None:
        return PersonaSource(NEW)
    path = Path(path)
    if _inside(path, paths.user_personas_dir()):
        return PersonaSource(USER)
    if _inside(path, paths.user_packs_dir()):
        return PersonaSource(PACK, path.resolve().relative_to(paths.user_packs_dir().resolve()).parts[0])
    if _inside(path, paths.system_packs_dir()):
        return PersonaSource(LAB_PACK, path.resolve().relative_to(paths.system_packs_dir().resolve()).parts[0])
    if _inside(path, paths.system_personas_dir()):
        return PersonaSource(LAB)
    return PersonaSource(BUNDLED)
