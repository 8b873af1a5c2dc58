#!/usr/bin/env bash
# The test suite: fast tier and real-model tier (SmolLM2, the default 1.5B model,
# whisper and piper) under Qt's offscreen platform. Screenshots land in
# test-artifacts/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest -q "$@"
