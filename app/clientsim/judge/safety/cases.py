"""The cases under cases/: tuning.json, tuning-b.json and tuning-c.json, all tuning data.

tuning-b.json was called held-out, but it was written together with the rules (rules quoted its phrases), so
its figure is in sample. tuning-c.json was written from the definitions for the second stage (the model's
thresholds were chosen on it). Blind figures come only from validation/blind/safety (clientsim.judge.validation).
They are read by the same loader as the blind set, so a malformed case names its file and line.
"""

from __future__ import annotations

from pathlib import Path

CASES_DIR = Path(__file__).with_name("cases")
SPLITS = ("tuning", "tuning-b", "tuning-c")


def load_cases(split: str) -> list[dict]:
    from clientsim.judge.validation import load_safety_cases

    return load_safety_cases(CASES_DIR / f"{split}.json")


def case_transcript(case: dict) -> dict:
    turns = [{"index": i, "speaker": s, "text": t} for i, (s, t) in enumerate(case["turns"])]
    return {"format": "clientsim.session/1", "persona": {"modality": []}, "turns": turns}
