"""Errors that reach the user as a readable message (CLI and UI alike)."""

from __future__ import annotations


class UserError(Exception):
    """Something the user can fix; the message says what to do next."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base}\n  {self.hint}" if self.hint else base


class ModelError(UserError):
    """A model file is missing, truncated or not a GGUF."""


class BadFile(UserError):
    """A file ClientSim reads is malformed or not a file at all; names file, field and problem."""

    def __init__(self, path, field: str, problem: str) -> None:
        self.path = path
        self.field = field
        self.problem = problem
        super().__init__(f"{path}: field '{field}': {problem}")


class PersonaError(BadFile):
    """A persona file is malformed; names file, field and problem."""


class StorageError(UserError):
    """The database cannot be used; data is kept elsewhere."""
