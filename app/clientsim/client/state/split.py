"""Which AnnoMI sessions tune the client and which measure it.

`clientsim bench responsiveness` replays the counsellor turns of AnnoMI
sessions to the persona whose topic fits. The sessions are split once, here:
within each (quality, persona) group, sorted by transcript id, they alternate
between "tuning" and "measure". The state's constants and the prompt's
example utterances may use the tuning half only; the figures that count are
the measure half's. Transcripts whose topic fits no persona are tuning.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from clientsim.judge.mi.data import Session, load_sessions

# AnnoMI topic (start of the text) -> bundled persona
TOPIC_PERSONA = (
    ("reducing alcohol consumption", "daniel-alcohol"),
    ("smoking cessation", "linh-smoking"),
    ("reducing drug use", "tyler-cannabis"),
    ("not getting into a car", "tyler-cannabis"),
    ("diabetes management", "beatrice-diabetes"),
    ("taking medicine", "beatrice-diabetes"),
)
MIN_COUNSELLOR_TURNS = 6


@dataclass(frozen=True)
class Replay:
    session: Session
    persona_id: str
    split: str  # "tuning" | "measure"

    @property
    def counsellor_lines(self) -> list[str]:
        return [u.text for u in self.session.utterances if u.speaker == "counsellor" and u.text.strip()]


def persona_for(topic: str) -> str | None:
    t = topic.strip().lower()
    return next((pid for start, pid in TOPIC_PERSONA if t.startswith(start)), None)


def replays(sessions: list[Session] | None = None) -> list[Replay]:
    sessions = load_sessions() if sessions is None else sessions
    groups: dict[tuple[str, str], list[Session]] = {}
    for s in sessions:
        pid = persona_for(s.topic)
        if pid and sum(u.speaker == "counsellor" for u in s.utterances) >= MIN_COUNSELLOR_TURNS:
            groups.setdefault((s.quality, pid), []).append(s)
    out = []
    for (quality, pid), group in sorted(groups.items()):
        for i, s in enumerate(sorted(group, key=lambda s: int(s.transcript_id))):
            out.append(Replay(s, pid, "tuning" if i % 2 == 0 else "measure"))
    return out


@cache
def _measure_ids() -> frozenset[str]:
    return frozenset(r.session.transcript_id for r in replays() if r.split == "measure")


def is_tuning(transcript_id: str) -> bool:
    return str(transcript_id) not in _measure_ids()
