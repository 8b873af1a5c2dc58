"""Persona packs: one ``NAME.clientsim-pack`` file (a zip) that shares personas and voices.

- ``manifest``: the manifest format ``clientsim.pack/1`` (``PackManifest``)
- ``reading``: opening a pack without trusting it (paths, symlinks, zip-bomb limits, strict JSON)
- ``build``: ``build_pack(folder, output, ...)``
- ``store``: ``install_pack``, ``list_packs``, ``remove_pack`` (user and lab locations)

docs/packs.md describes the format and the commands.
"""

from clientsim.packs.build import PACK_SUFFIX, build_pack
from clientsim.packs.errors import PackError
from clientsim.packs.manifest import FORMAT, PackFile, PackManifest
from clientsim.packs.reading import DEFAULT_LIMITS, Limits
from clientsim.packs.store import (
    LAB,
    USER,
    InstalledPack,
    InstallResult,
    PackList,
    install_pack,
    list_packs,
    remove_pack,
)

__all__ = [
    "DEFAULT_LIMITS",
    "FORMAT",
    "LAB",
    "PACK_SUFFIX",
    "USER",
    "InstallResult",
    "InstalledPack",
    "Limits",
    "PackError",
    "PackFile",
    "PackList",
    "PackManifest",
    "build_pack",
    "install_pack",
    "list_packs",
    "remove_pack",
]
