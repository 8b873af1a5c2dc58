"""AnnoMI as the coder sees it: sessions of labelled utterances.

AnnoMI-simple.csv gives one label set per utterance (family, client talk
type); AnnoMI-full.csv gives per-annotator subtypes (question open/closed,
reflection simple/complex, input subtype). Where several annotators coded an
utterance the majority wins; ties go to the first annotator's choice in the
file so the result is deterministic.
"""

from __future__ import annotations

import csv
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from clientsim.core.errors import UserError
from clientsim.paths import REPO_ROOT

FAMILY_FROM_ANNOMI = {
    "question": "question",
    "reflection": "reflection",
    "therapist_input": "input",
    "other": "other",
}


@dataclass
class Utterance:
    transcript_id: str
    index: int
    speaker: str  # counsellor | client
    text: str
    family: str = ""  # counsellor: question|reflection|input|other
    talk_type: str = ""  # client: change|neutral|sustain
    question: str = ""  # open|closed|"" (majority of annotators)
    reflection: str = ""  # simple|complex|""
    input_subtype: str = ""  # information|advice|negotiation|options|""
    also: list[str] = field(default_factory=list)  # other families marked present


@dataclass
class Session:
    transcript_id: str
    quality: str  # high | low
    topic: str
    utterances: list[Utterance]


def annomi_dir() -> Path:
    env = os.environ.get("CLIENTSIM_ANNOMI_DIR")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "data" / "annomi"


def _majority(values: list[str]) -> str:
    values = [v for v in values if v and v != "n/a"]
    if not values:
        return ""
    counts = Counter(values)
    best = max(counts.values())
    for v in values:
        if counts[v] == best:
            return v
    return ""


def load_sessions(directory: Path | None = None) -> list[Session]:
    directory = Path(directory) if directory else annomi_dir()
    simple = directory / "AnnoMI-simple.csv"
    full = directory / "AnnoMI-full.csv"
    if not simple.exists():
        raise UserError(
            f"AnnoMI not found at {directory}",
            hint="Set CLIENTSIM_ANNOMI_DIR to the folder holding AnnoMI-simple.csv and AnnoMI-full.csv.",
        )
    per_utt: dict[tuple[str, str], list[dict]] = defaultdict(list)
    if full.exists():
        with full.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                per_utt[(row["transcript_id"], row["utterance_id"])].append(row)

    sessions: dict[str, Session] = {}
    with simple.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            tid = row["transcript_id"]
            sess = sessions.get(tid)
            if sess is None:
                sess = sessions[tid] = Session(tid, row["mi_quality"], row["topic"].strip(), [])
            speaker = "counsellor" if row["interlocutor"] == "therapist" else "client"
            u = Utterance(tid, int(row["utterance_id"]), speaker, row["utterance_text"])
            if speaker == "counsellor":
                u.family = FAMILY_FROM_ANNOMI.get(row["main_therapist_behaviour"], "other")
                coders = per_utt.get((tid, row["utterance_id"]), [])
                u.question = _majority([c["question_subtype"] for c in coders])
                u.reflection = _majority([c["reflection_subtype"] for c in coders])
                u.input_subtype = _majority([c["therapist_input_subtype"] for c in coders])
                present = {
                    "question": _majority([c["question_exists"] for c in coders]) == "True",
                    "reflection": _majority([c["reflection_exists"] for c in coders]) == "True",
                    "input": _majority([c["therapist_input_exists"] for c in coders]) == "True",
                }
                u.also = [f for f, yes in present.items() if yes and f != u.family]
            else:
                tt = row["client_talk_type"]
                u.talk_type = tt if tt in ("change", "neutral", "sustain") else "neutral"
            sess.utterances.append(u)
    out = []
    for sess in sessions.values():
        sess.utterances.sort(key=lambda u: u.index)
        out.append(sess)
    out.sort(key=lambda s: int(s.transcript_id) if s.transcript_id.isdigit() else s.transcript_id)
    return out
