"""Python values to table rows and back (JSON columns written as UTF-8, not escaped)."""

from __future__ import annotations

import json
from typing import Any


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def loads(text: str | None, default: Any = None) -> Any:
    return default if text is None else json.loads(text)


def session_row(
    session_id: str, persona: dict, model: dict, seed: int | None, started_at: str,
    *, ended_at: str | None = None, status: str = "active", owner=None,
) -> dict:
    return {
        "id": session_id,
        "persona_id": persona.get("id"),
        "persona_json": dumps(persona),
        "model_json": dumps(model),
        "seed": seed,
        "started_at": started_at,
        "ended_at": ended_at,
        "status": status,
        "owner_host": owner.host if owner else None,
        "owner_pid": owner.pid if owner else None,
        "owner_token": owner.token if owner else None,
        "last_active_at": ended_at or started_at,
    }


def turn_row(session_id: str, turn: dict) -> dict:
    """`turn` as {"index", "speaker", "text", "at", optional "meta"}."""
    return {
        "session_id": session_id,
        "idx": turn["index"],
        "speaker": turn["speaker"],
        "text": turn["text"],
        "at": turn["at"],
        "meta_json": dumps(turn["meta"]) if turn.get("meta") else None,
    }


def turn_from_row(row: dict) -> dict:
    return {"index": row["idx"], "speaker": row["speaker"], "text": row["text"], "at": row["at"],
            "meta": loads(row["meta_json"], {})}


def code_row(session_id: str, code: dict) -> dict:
    return {
        "session_id": session_id,
        "turn_idx": code["turn_idx"],
        "code": code.get("code"),
        "family": code.get("family"),
        "talk_type": code.get("talk_type"),
        "confidence": code.get("confidence"),
        "others_json": dumps(code.get("others")),
    }


def code_from_row(row: dict) -> dict:
    return {"turn_idx": row["turn_idx"], "code": row["code"], "family": row["family"],
            "talk_type": row["talk_type"], "confidence": row["confidence"], "others": loads(row["others_json"])}


def session_info(row: dict) -> dict:
    """A sessions row (plus 'turn_count') as the API returns it: persona and model decoded."""
    persona = loads(row["persona_json"], {})
    model = loads(row["model_json"], {})
    return {
        "id": row["id"],
        "persona_id": row["persona_id"],
        "persona_name": persona.get("name") if isinstance(persona, dict) else None,
        "persona": persona,
        "model": model,
        "model_name": model.get("name") if isinstance(model, dict) else None,
        "seed": row["seed"],
        "started_at": row["started_at"],
        "ended_at": row["ended_at"],
        "status": row["status"],
        "turn_count": row.get("turn_count", 0),
    }
