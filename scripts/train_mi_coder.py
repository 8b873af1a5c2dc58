#!/usr/bin/env python3
"""Train the MI coder on AnnoMI and write its artefacts (deterministic, seed 0).

    PYTHONPATH=app .venv/bin/python scripts/train_mi_coder.py [--annomi DIR] [--seed 0]

Writes app/clientsim/judge/mi/artefacts/mi_coder.npz (features + linear
models as plain arrays) and session_quality.json (the fitted "MI evidence"
score behind the estimated global ratings, fitted on the coder's own
out-of-fold codes of the training transcripts; see docs/mi-judge.md).
Measure it with `clientsim bench judge`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "app"))

from clientsim.judge.mi import ratings  # noqa: E402
from clientsim.judge.mi.data import load_sessions  # noqa: E402
from clientsim.judge.mi.evaluate import fit_quality  # noqa: E402
from clientsim.judge.mi.model import ARTEFACT, train_with_estimates  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--annomi", type=Path, default=None, help="folder with AnnoMI-simple.csv and AnnoMI-full.csv")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=ARTEFACT)
    p.add_argument("--quality-only", action="store_true",
                   help="refit only session_quality.json (after a change to the rule codes or metrics)")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    sessions = load_sessions(args.annomi)
    print(f"{len(sessions)} transcripts, {sum(len(s.utterances) for s in sessions)} utterances")
    # the quality score is fitted on out-of-fold codes, so even --quality-only trains (but does not save) the coder
    models, estimates = train_with_estimates(sessions, seed=args.seed)
    if not args.quality_only:
        models.save(args.out)
    weights = fit_quality(sessions, estimates, args.seed)
    qpath = args.out.parent / ratings.WEIGHTS_FILE.name
    qpath.write_text(json.dumps(weights, indent=2) + "\n", encoding="utf-8")
    for f in ((qpath,) if args.quality_only else (args.out, qpath)):
        digest = hashlib.sha256(f.read_bytes()).hexdigest()[:16]
        print(f"wrote {f} ({f.stat().st_size / 1e6:.2f} MB, sha256 {digest}…)")
    print(f"done in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
