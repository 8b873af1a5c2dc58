"""CSV of every stored score: one row per session, one column per metric (empty when not measured)."""

from __future__ import annotations

import csv
from pathlib import Path

from clientsim.progress.data import SessionScores

FIXED = ("session_id", "started_at", "persona_id", "persona", "approach", "status", "band")


def write_scores_csv(rows: list[SessionScores], path: Path) -> Path:
    metrics = sorted({m for r in rows for m in r.values})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow([*FIXED, *metrics])
        for r in rows:
            w.writerow([r.session_id, r.started_at, r.persona_id, r.persona_name, "+".join(r.approaches), r.status,
                        r.band or "", *("" if r.values.get(m) is None else f"{r.values[m]:g}" for m in metrics)])
    return path
