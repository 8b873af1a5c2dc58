"""Pick real client utterances from AnnoMI as examples of each client move.

Writes app/clientsim/client/state/examples.json: short change, sustain and
neutral client turns (AnnoMI's client_talk_type), taken only from the
transcripts on the tuning side of the split that `clientsim bench
responsiveness` uses (client/state/split.py), so the sessions it measures on
never lend their words to the prompt. Deterministic.

    PYTHONPATH=app .venv/bin/python scripts/build_client_examples.py [ANNOMI_DIR]
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

from clientsim.client.state.split import is_tuning
from clientsim.judge.mi.data import annomi_dir

OUT = Path(__file__).resolve().parents[1] / "app/clientsim/client/state/examples.json"
PER_KIND = 24
MIN_WORDS, MAX_WORDS = 7, 22
# utterances that lean on the real session's details read oddly in another client's mouth
_WHOLE = re.compile(r"^[A-Z][^-]*[.!?]$")  # a whole sentence, not a fragment cut by the next speaker
_SKIP = re.compile(r"\b(um|uh|hmm|yeah,? yeah|you know,? like)\b|\[|\d", re.I)


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else annomi_dir()
    rows = list(csv.DictReader(open(folder / "AnnoMI-simple.csv", encoding="utf-8")))
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        if r["interlocutor"] != "client" or not is_tuning(r["transcript_id"]):
            continue
        text = " ".join(r["utterance_text"].split())
        n = len(text.split())
        if not MIN_WORDS <= n <= MAX_WORDS or _SKIP.search(text) or not _WHOLE.match(text):
            continue
        by_kind[r["client_talk_type"]].append({"text": text, "topic": r["topic"].strip(), "transcript": int(r["transcript_id"])})
    out = {"about": __doc__.split("\n\n")[0], "source": "AnnoMI (public domain), tuning transcripts only", "moves": {}}
    for kind in ("change", "sustain", "neutral"):
        items = sorted(by_kind[kind], key=lambda x: (x["transcript"], x["text"]))
        step = max(1, len(items) // PER_KIND)
        out["moves"][kind] = items[::step][:PER_KIND]
    OUT.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: " + ", ".join(f"{k} {len(v)}" for k, v in out["moves"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
