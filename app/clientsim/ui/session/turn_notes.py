"""What the transcript says about a turn besides its text: who spoke, and
whether the reply was stopped or cut off while the client was speaking."""

from __future__ import annotations

from clientsim.personas.model import Persona

COUNSELLOR_LABEL = "You (counsellor)"
STOPPED_NOTE = "Reply stopped by the counsellor."


def client_label(persona) -> str:
    """``Linh (client)``, from a Persona or the persona dict stored with a past session."""
    name = persona.name if isinstance(persona, Persona) else (persona or {}).get("name", "Client")
    return f"{name.split()[0]} (client)"


def persona_name(persona) -> str:
    return persona.name if isinstance(persona, Persona) else (persona or {}).get("name", "Client")


def cut_note(text: str, cut_at: int) -> str:
    """Where the student cut the client off, in words (the transcript keeps the whole reply)."""
    heard = text[:max(0, cut_at)].split()
    if not heard:
        return "(interrupted here: you cut in before the client was heard)"
    tail = " ".join(heard[-6:])
    return f"(interrupted here, after “{'…' if len(heard) > 6 else ''}{tail}”)"


def turn_note(text: str, meta: dict | None, cut_at: int | None = None) -> str:
    """"Reply stopped…" for a stopped reply, then where a spoken reply was cut (``meta["cut_at"]``)."""
    meta = meta or {}
    cut = cut_at if cut_at is not None else meta.get("cut_at")
    parts = [STOPPED_NOTE if meta.get("stopped") else "", cut_note(text, int(cut)) if cut is not None else ""]
    return " ".join(p for p in parts if p)
