"""PackError: what is wrong with a persona pack, in words an instructor can act on."""

from __future__ import annotations

from clientsim.core.errors import UserError


class PackError(UserError):
    """A pack file cannot be built, installed or removed.

    ``where`` names the pack file (or folder) and ``member`` the file inside
    it when the problem is in one file ("personas/linh-smoking.json").
    """

    def __init__(self, where, problem: str, *, member: str = "", hint: str = "") -> None:
        self.where = where
        self.member = member
        self.problem = problem
        text = f"{where}: {member}: {problem}" if member else f"{where}: {problem}"
        super().__init__(text, hint=hint)
