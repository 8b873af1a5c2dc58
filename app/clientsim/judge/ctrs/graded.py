"""The graded transcripts under graded/: tuning/ and tuning-b/, both tuning data.

tuning-b/ was called held-out, but its transcripts were written together with the detectors (they quoted it),
so it is tuning data too. Blind figures come only from validation/blind/ctrs (clientsim.judge.validation).
"""

from __future__ import annotations

import json
from pathlib import Path

GRADED_DIR = Path(__file__).with_name("graded")
SPLITS = ("tuning", "tuning-b")


def load_graded(split: str) -> list[dict]:
    out = []
    for path in sorted((GRADED_DIR / split).glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc["transcript"] = graded_transcript(doc)
        out.append(doc)
    return out


def graded_transcript(doc: dict) -> dict:
    turns = [{"index": i, "speaker": s, "text": t} for i, (s, t) in enumerate(doc["turns"])]
    return {"format": "clientsim.session/1", "id": doc["id"], "persona": _persona(doc["persona_id"]),
            "status": "ended", "turns": turns}


def _persona(persona_id: str) -> dict:
    from clientsim.paths import bundled_personas_dir

    path = bundled_personas_dir() / f"{persona_id}.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    return {"id": persona_id, "name": persona_id, "modality": ["CBT"]}  # stub when the library is absent
