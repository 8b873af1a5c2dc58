"""What a per-turn check may know about the exchange around a counsellor turn."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TurnContext:
    prev_client: str = ""  # the client turn this counsellor turn answers ("" if none)
    prev_client_index: int | None = None
    risk_recent: bool = False  # a client risk disclosure within the last few turns
