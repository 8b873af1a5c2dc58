"""The cases under cases/: tuning.json and tuning-b.json, both tuning data.

tuning-b.json was called held-out, but it was written together with the rules (rules quoted its phrases), so
its figure is in sample. Blind figures come only from validation/blind/safety (clientsim.judge.validation).
"""

from __future__ import annotations

import json
from pathlib import Path

CASES_DIR = Path(__file__).with_name("cases")
SPLITS = ("tuning", "tuning-b")


def load_cases(split: str) -> list[dict]:
    data = json.loads((CASES_DIR / f"{split}.json").read_text(encoding="utf-8"))
    return data["cases"]


def case_transcript(case: dict) -> dict:
    turns = [{"index": i, "speaker": s, "text": t} for i, (s, t) in enumerate(case["turns"])]
    return {"format": "clientsim.session/1", "persona": {"modality": []}, "turns": turns}
