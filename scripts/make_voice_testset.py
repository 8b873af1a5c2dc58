#!/usr/bin/env python3
"""Speak the counsellor test utterances with espeak-ng voices into a folder (16 kHz WAV + manifest.json).

    PYTHONPATH=app .venv/bin/python scripts/make_voice_testset.py OUT_DIR [--count N]

tests/data/voice/ holds the first 6 (small, committed) for the fake-device
tests; `clientsim bench voice` makes all 30 in the cache folder by itself.
Needs the Debian package espeak-ng.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "app"))

from clientsim.voice.testset import make_testset  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out_dir", type=Path)
    p.add_argument("--count", type=int, default=None, help="how many utterances (default: all 30)")
    args = p.parse_args()
    items = make_testset(args.out_dir, count=args.count)
    for u in items:
        print(f"{u.path}  [{u.voice} {u.speed} wpm]  {u.text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
