#!/usr/bin/env bash
# ClientSim lab installation: one run per machine, as root. See packaging/LAB-INSTALL.md.
#
#   install.sh [options]              install, upgrade, or check and repair an installation
#   install.sh --uninstall [--prefix DIR]
#   install.sh --make-bundle DIR [--models-from DIR | --no-models]   an offline bundle (no root needed)
#
# Options (defaults in brackets):
#   --prefix DIR        code, virtual environment, `clientsim` wrapper, manifest [/opt/clientsim]
#   --system-dir DIR    the shared read-only folder: models/, packs/, personas/ [/usr/share/clientsim]
#   --bin-dir DIR       where the `clientsim` command goes for every user [/usr/local/bin]
#   --share-dir DIR     desktop entry (applications/) and icon (icons/) [/usr/share]
#   --from-bundle DIR   install from an offline bundle: no network at all
#                       (the default when this script lies inside a bundle)
#   --models-from DIR   take the models from DIR (e.g. a checkout's models/), checked against
#                       models/manifest.json; hard-linked when possible, else copied
#   --no-models         install no models (a lab that only uses a shared model server)
#   --python PY         the Python 3.11 to build the virtual environment on [/usr/bin/python3.11]
#
# Everything installed is listed in PREFIX/INSTALLED; a second run checks the installation
# against it and repairs what is missing or changed; --uninstall removes exactly that list.
# Students' data (their home folders) is never read or written.
set -euo pipefail
umask 022

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PREFIX=/opt/clientsim
SYSTEM_DIR=/usr/share/clientsim
BIN_DIR=/usr/local/bin
SHARE_DIR=/usr/share
MODE=install
BUNDLE=""
BUNDLE_OUT=""
MODELS_FROM=""
NO_MODELS=0
PY=${PYTHON:-}

say() { printf '[clientsim install] %s\n' "$*" >&2; }
die() { printf 'clientsim install: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

need_value() { [ -n "${2:-}" ] && [ "${2:0:2}" != "--" ] || die "$1 needs a folder (see --help)"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix|--system-dir|--bin-dir|--share-dir|--from-bundle|--models-from|--make-bundle|--python)
      need_value "$1" "${2:-}"
      case "$1" in
        --prefix) PREFIX=$2 ;; --system-dir) SYSTEM_DIR=$2 ;; --bin-dir) BIN_DIR=$2 ;;
        --share-dir) SHARE_DIR=$2 ;; --from-bundle) BUNDLE=$2 ;; --models-from) MODELS_FROM=$2 ;;
        --make-bundle) MODE=bundle; BUNDLE_OUT=$2 ;; --python) PY=$2 ;;
      esac
      shift 2 ;;
    --no-models) NO_MODELS=1; shift ;;
    --uninstall) MODE=uninstall; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
abspath() { realpath -m -- "$1"; }
PREFIX=$(abspath "$PREFIX"); SYSTEM_DIR=$(abspath "$SYSTEM_DIR"); BIN_DIR=$(abspath "$BIN_DIR")
SHARE_DIR=$(abspath "$SHARE_DIR")
[ -z "$BUNDLE" ] || BUNDLE=$(abspath "$BUNDLE")
[ -z "$MODELS_FROM" ] || MODELS_FROM=$(abspath "$MODELS_FROM")
[ "$NO_MODELS" = 0 ] || [ -z "$MODELS_FROM" ] || die "--no-models and --models-from contradict each other"
# This script inside a bundle (BUNDLE/source/packaging/install.sh) installs from that bundle.
if [ "$MODE" = install ] && [ -z "$BUNDLE" ] && [ -f "$SRC/../bundle.json" ]; then BUNDLE=$(abspath "$SRC/.."); fi

MANIFEST="$PREFIX/INSTALLED"
HELPER="$SRC/packaging/install_manifest.py"
VERSION=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$SRC/app/clientsim/__init__.py")
[ -n "$VERSION" ] || die "cannot read the version from $SRC/app/clientsim/__init__.py: is this a ClientSim source tree?"

# What of the source tree an installation holds (what paths.REPO_ROOT-relative code reads at run time).
SOURCE_ITEMS="app personas assets packaging scripts/llama-cmake-args.sh models/manifest.json models/README.md pyproject.toml README.md LICENSE"
source_files() {  # relative paths, one a line
  (cd "$SRC" && for item in $SOURCE_ITEMS; do
     find "$item" \( -name __pycache__ -o -name '*.egg-info' \) -prune -o \( -type f ! -name '*.pyc' -print \)
   done) | LC_ALL=C sort
}

requirements() {  # the runtime dependencies, as pyproject.toml pins them
  "$PY" -c 'import sys, tomllib; print("\n".join(tomllib.load(open(sys.argv[1], "rb"))["project"]["dependencies"]))' \
    "$SRC/pyproject.toml"
}

pick_python() {
  local c
  for c in ${PY:-/usr/bin/python3.11 python3.11 python3}; do
    command -v "$c" >/dev/null 2>&1 || continue
    "$c" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null || continue
    # Students run the virtual environment, which points at this interpreter: it must be
    # readable by every user (a Python under /root is not).
    if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null &&
       ! setpriv --reuid=65534 --regid=65534 --clear-groups "$(command -v "$c")" -c '' 2>/dev/null; then
      say "skipping $c: other users cannot run it"
      continue
    fi
    PY=$(command -v "$c"); return 0
  done
  die "ClientSim needs Python 3.11 with the venv module, runnable by every user (Debian/Ubuntu: apt-get install python3.11 python3.11-venv; or --python /path/to/python3.11)"
}

# The models of models/manifest.json: "target<TAB>sha256<TAB>size" lines.
model_files() {
  "$PY" -c '
import json, sys
for m in json.load(open(sys.argv[1]))["models"]:
    for f in m["files"]:
        print(f["target"], f["sha256"], f["size"], sep="\t")' "$SRC/models/manifest.json"
}

# Put one verified model file at dest, from folder src_dir: hard link when the source already has
# the owner and mode an installed file needs (so nothing about the source changes), else copy.
place_model() {
  local src=$1 dest=$2 sha=$3 size=$4
  [ -f "$src" ] || return 1
  [ "$(stat -c %s "$src")" = "$size" ] || { say "$src: wrong size, not used"; return 1; }
  [ "$(sha256sum < "$src" | cut -c1-64)" = "$sha" ] || { say "$src: checksum mismatch, not used"; return 1; }
  mkd "$(dirname "$dest")"
  rm -f "$dest.part"
  if [ "$(stat -c %u:%g:%a "$src")" = "0:0:644" ] && ln "$src" "$dest.part" 2>/dev/null; then :; else
    cp "$src" "$dest.part"; chmod 644 "$dest.part"
  fi
  mv -f "$dest.part" "$dest"
}

# Folders outside the prefix that this installation created (so --uninstall removes them when empty).
CREATED_DIRS=""
mkd() {
  local d=$1 missing=""
  while [ ! -d "$d" ]; do missing="$d"$'\n'"$missing"; d=$(dirname "$d"); done
  [ -z "$missing" ] && return 0
  mkdir -p "$1"
  CREATED_DIRS+="$missing"
}

# ---------------------------------------------------------------- uninstall
if [ "$MODE" = uninstall ]; then
  [ -f "$MANIFEST" ] || die "no ClientSim installation in $PREFIX (no $MANIFEST); nothing removed"
  [ "$(id -u)" = 0 ] || [ -w "$PREFIX" ] || die "run as root (sudo): $PREFIX belongs to $(stat -c %U "$PREFIX"). Nothing was removed."
  PY=$(command -v python3.11 || command -v python3) || die "needs python3 to read $MANIFEST"
  installed=$(cat "$PREFIX/VERSION" 2>/dev/null || echo "?")
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
  cp "$HELPER" "$work/helper.py"  # the installed copy is about to be removed
  mv "$MANIFEST" "$work/INSTALLED"
  out=$("$PY" "$work/helper.py" remove "$work/INSTALLED") ||
    { mkdir -p "$PREFIX"; mv "$work/INSTALLED" "$MANIFEST"; die "could not remove everything; $MANIFEST lists what is left: run --uninstall again"; }
  say "removed ClientSim $installed: $(printf '%s\n' "$out" | sed -n 's/^removed\t//p') files and links listed in $MANIFEST"
  printf '%s\n' "$out" | sed -n 's/^kept\t\(.*\)\t\(.*\)/kept \1: \2/p' | while read -r line; do say "$line"; done
  say "students' data (their ~/.local/share/clientsim and the like) was not touched"
  exit 0
fi

# ---------------------------------------------------------------- offline bundle
if [ "$MODE" = bundle ]; then
  pick_python
  [ -z "$BUNDLE_OUT" ] || mkdir -p "$BUNDLE_OUT"
  OUT=$(abspath "$BUNDLE_OUT")
  [ -z "$(ls -A "$OUT" 2>/dev/null | grep -v -x -e wheels -e models -e source -e bundle.json)" ] ||
    die "$OUT holds other things; give an empty folder or an earlier bundle"
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
  start=$SECONDS
  say "wheels for Python $("$PY" -c 'import platform; print(platform.python_version())') → $OUT/wheels" \
      "(llama-cpp-python compiles once, ~12 min on 2 cores; pip's wheel cache makes it fast afterwards)"
  "$PY" -m venv "$work/venv"
  requirements > "$work/requirements.txt"
  CMAKE_ARGS="$(bash "$SRC/scripts/llama-cmake-args.sh")" \
    "$work/venv/bin/python" -m pip wheel -q -w "$OUT/wheels" -r "$work/requirements.txt"
  say "checking that the wheels install with no network"
  "$work/venv/bin/python" -m pip install -q --no-index --find-links "$OUT/wheels" -r "$work/requirements.txt"
  rm -rf "$OUT/source"; mkdir -p "$OUT/source"
  source_files | (cd "$SRC" && while IFS= read -r f; do install -D -m 644 "$f" "$OUT/source/$f"; done)
  chmod 755 "$OUT/source/packaging/install.sh" "$OUT/source/scripts/llama-cmake-args.sh"
  if [ "$NO_MODELS" = 0 ]; then
    mkdir -p "$OUT/models"
    if [ -n "$MODELS_FROM" ]; then
      mkd() { mkdir -p "$1"; }
      while IFS=$'\t' read -r target sha size; do
        dest="$OUT/models/$target"
        [ -f "$dest" ] && [ "$(sha256sum < "$dest" | cut -c1-64)" = "$sha" ] && continue
        place_model "$MODELS_FROM/$target" "$dest" "$sha" "$size" || die "$MODELS_FROM/$target: missing or not the pinned file"
      done < <(model_files)
    else
      echo "$OUT/source/app" > "$("$work/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')/clientsim.pth"
      CLIENTSIM_CACHE_DIR="$work/cache" \
        "$work/venv/bin/python" -I -c 'import sys; from clientsim.cli.main import main; sys.exit(main(sys.argv[1:]))' \
        models fetch --dest "$OUT/models" >/dev/null
    fi
  fi
  llama_args=$(bash "$SRC/scripts/llama-cmake-args.sh")
  "$PY" -c 'import json, sys, datetime; json.dump({"format": "clientsim.bundle/1", "version": sys.argv[1],
    "made": datetime.date.today().isoformat(), "llama_cmake_args": sys.argv[2], "models": sys.argv[3] == "0"},
    open(sys.argv[4], "w"), indent=1)' "$VERSION" "$llama_args" "$NO_MODELS" "$OUT/bundle.json"
  say "bundle of ClientSim $VERSION written to $OUT ($(du -sh "$OUT" | cut -f1), $((SECONDS - start)) s)"
  say "on each lab machine, as root: bash $OUT/source/packaging/install.sh"
  say "its llama-cpp-python is built for this CPU's instructions ($llama_args): make the bundle on the lab's oldest CPU model"
  exit 0
fi

# ---------------------------------------------------------------- install / upgrade / repair
if [ "$(id -u)" != 0 ]; then
  owner=$(stat -c %U "$(d=$PREFIX; while [ ! -e "$d" ]; do d=$(dirname "$d"); done; echo "$d")")
  die "run this as root (sudo bash $0 ...): a lab installation writes $PREFIX (owned by $owner), $SYSTEM_DIR and $BIN_DIR for every user and makes them read-only. Nothing was written."
fi
if [ -e "$PREFIX" ] && [ ! -f "$MANIFEST" ] && [ -n "$(ls -A "$PREFIX")" ]; then
  die "$PREFIX exists and was not made by this installer (no $MANIFEST). Move it away (an older manual install: see packaging/LAB-INSTALL.md), or choose another --prefix. Nothing was written."
fi
if [ -n "$BUNDLE" ]; then
  [ -d "$BUNDLE/wheels" ] && [ -f "$BUNDLE/bundle.json" ] || die "$BUNDLE is not a ClientSim bundle (no bundle.json and wheels/); make one with --make-bundle"
  [ "$NO_MODELS" = 1 ] || [ -n "$MODELS_FROM" ] || [ -d "$BUNDLE/models" ] ||
    die "$BUNDLE has no models/ (made with --no-models); add --no-models or --models-from DIR"
fi
pick_python
start=$SECONDS
OLD_VERSION=$(cat "$PREFIX/VERSION" 2>/dev/null || true)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'say "stopped before the end (line $LINENO); run the same command again: it repairs what is missing"' ERR
touch "$work/marker"
cp "$MANIFEST" "$work/old" 2>/dev/null || : > "$work/old"

# 1. What of an earlier installation is missing or changed.
"$PY" "$HELPER" verify "$work/old" > "$work/damaged"
repaired=$(wc -l < "$work/damaged")
while IFS=$'\t' read -r what path; do
  say "$what since installed: $path"
  [ "$what" = changed ] && rm -f "$path"
done < "$work/damaged"
# Folders outside the prefix that an earlier run created stay this installation's.
CREATED_DIRS+=$(awk -F'\t' -v p="$PREFIX/" '$1 == "dir" && index($3 "/", p) != 1 {print $3}' "$work/old")$'\n'

# 2. The virtual environment: rebuilt when damaged, when its Python or the dependencies changed.
VENV="$PREFIX/venv"
requirements > "$work/requirements.txt"
want="$( (cat "$work/requirements.txt"; "$PY" -c 'import sys; print(sys.version)') | sha256sum | cut -c1-16)"
if grep -q -F "$VENV/" "$work/damaged" || [ "$(cat "$VENV/.clientsim-requirements" 2>/dev/null)" != "$want" ] ||
   ! "$VENV/bin/python" -I -B -c 'import llama_cpp, PySide6, clientsim' 2>/dev/null; then
  mkd "$PREFIX"
  rm -rf "$VENV"
  say "virtual environment in $VENV (first time without a bundle: llama-cpp-python compiles, ~12 min on 2 cores)"
  "$PY" -m venv "$VENV"
  if [ -n "$BUNDLE" ]; then
    "$VENV/bin/python" -m pip install -q --no-index --find-links "$BUNDLE/wheels" -r "$work/requirements.txt"
  else
    CMAKE_ARGS="$(bash "$SRC/scripts/llama-cmake-args.sh")" "$VENV/bin/python" -m pip install -q -r "$work/requirements.txt"
  fi
  echo "$PREFIX/app" > "$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')/clientsim.pth"
  echo "$want" > "$VENV/.clientsim-requirements"
fi

# 3. The code: what differs from this source is copied; files an earlier version had and this one
#    has not go in step 8. Byte-compiled now, so nothing is written into the prefix at run time.
changed_code=0
while IFS= read -r f; do
  if ! cmp -s "$SRC/$f" "$PREFIX/$f"; then
    install -D -p -m 644 "$SRC/$f" "$PREFIX/$f"; changed_code=$((changed_code + 1))
  fi
done < <(source_files)
for f in packaging/install.sh scripts/llama-cmake-args.sh; do
  [ "$(stat -c %a "$PREFIX/$f")" = 755 ] || chmod 755 "$PREFIX/$f"
done
# Files of an earlier version that this one does not have, and their byte code.
(cd "$PREFIX" && for item in $SOURCE_ITEMS; do [ ! -e "$item" ] || find "$item" -type f ! -name '*.pyc'; done) |
  LC_ALL=C sort | LC_ALL=C comm -23 - <(source_files) | while IFS= read -r f; do rm -f "$PREFIX/$f"; done
find "$PREFIX/app" "$PREFIX/packaging" -name '*.pyc' -path '*/__pycache__/*' | while IFS= read -r pyc; do
  py="$(dirname "$(dirname "$pyc")")/$(basename "$pyc" | cut -d. -f1).py"
  [ -f "$py" ] || rm -f "$pyc"
done
find "$PREFIX/app" "$PREFIX/personas" "$PREFIX/assets" "$PREFIX/packaging" -mindepth 1 -type d -empty -delete
"$VENV/bin/python" -I -m compileall -q "$PREFIX/app" "$PREFIX/packaging" >/dev/null
echo "$VERSION" > "$work/VERSION"
cmp -s "$work/VERSION" "$PREFIX/VERSION" || install -m 644 "$work/VERSION" "$PREFIX/VERSION"

# 4. The `clientsim` command. -I: only the installed code runs (not PYTHONPATH, the user's site
#    folder or the current folder); -B: no .pyc is written at run time.
mkdir -p "$PREFIX/bin"
cat > "$work/clientsim" <<EOF
#!/bin/sh
# The clientsim command of the ClientSim lab installation in $PREFIX (written by packaging/install.sh).
CLIENTSIM_SYSTEM_DIR="\${CLIENTSIM_SYSTEM_DIR:-$SYSTEM_DIR}"
export CLIENTSIM_SYSTEM_DIR
exec "$VENV/bin/python" -I -B -c 'import sys; from clientsim.cli.main import main; sys.exit(main(sys.argv[1:]))' "\$@"
EOF
cmp -s "$work/clientsim" "$PREFIX/bin/clientsim" || install -m 755 "$work/clientsim" "$PREFIX/bin/clientsim"
cat > "$work/uninstall.sh" <<EOF
#!/bin/sh
# Removes the ClientSim lab installation in $PREFIX: exactly the files listed in $MANIFEST.
exec bash "$PREFIX/packaging/install.sh" --uninstall --prefix "$PREFIX"
EOF
cmp -s "$work/uninstall.sh" "$PREFIX/uninstall.sh" || install -m 755 "$work/uninstall.sh" "$PREFIX/uninstall.sh"
mkd "$BIN_DIR"
if [ "$(readlink "$BIN_DIR/clientsim" 2>/dev/null)" != "$PREFIX/bin/clientsim" ]; then
  if [ -e "$BIN_DIR/clientsim" ] || [ -L "$BIN_DIR/clientsim" ]; then say "replacing $BIN_DIR/clientsim (was: $(readlink "$BIN_DIR/clientsim" || echo a file))"; fi
  ln -sfn "$PREFIX/bin/clientsim" "$BIN_DIR/clientsim"
fi

# 5. Desktop entry and icon.
DESKTOP="$SHARE_DIR/applications/clientsim.desktop"
ICON="$SHARE_DIR/icons/hicolor/scalable/apps/clientsim.svg"
mkd "$(dirname "$DESKTOP")"; mkd "$(dirname "$ICON")"
sed -e "s|^Exec=clientsim|Exec=$PREFIX/bin/clientsim|" -e "s|^TryExec=clientsim|TryExec=$PREFIX/bin/clientsim|" \
  "$SRC/packaging/clientsim.desktop" > "$work/desktop"
cmp -s "$work/desktop" "$DESKTOP" || install -m 644 "$work/desktop" "$DESKTOP"
cmp -s "$SRC/assets/icons/clientsim.svg" "$ICON" || install -m 644 "$SRC/assets/icons/clientsim.svg" "$ICON"

# 6. The shared folder: models checked against models/manifest.json; packs/ and personas/ for the
#    programme's own (`clientsim packs install --system`), which are never this installation's files.
mkd "$SYSTEM_DIR/packs"; mkd "$SYSTEM_DIR/personas"
MODEL_PATHS=""
MODEL_LINES=""
if [ "$NO_MODELS" = 0 ]; then
  mkd "$SYSTEM_DIR/models"
  from=${MODELS_FROM:-${BUNDLE:+$BUNDLE/models}}
  fetch_needed=0
  while IFS=$'\t' read -r target sha size; do
    dest="$SYSTEM_DIR/models/$target"
    MODEL_PATHS+="$dest"$'\n'
    MODEL_LINES+="file"$'\t'"$dest"$'\t'"$sha"$'\n'
    # Installed before and unchanged (checked in step 1) or already here with the pinned checksum.
    if [ -f "$dest" ]; then
      if grep -q -F -x "file	$sha	$dest" "$work/old" || [ "$(sha256sum < "$dest" | cut -c1-64)" = "$sha" ]; then continue; fi
      rm -f "$dest"
    fi
    if [ -n "$from" ]; then
      place_model "$from/$target" "$dest" "$sha" "$size" || die "$from/$target is missing or not the pinned file; the models in $SYSTEM_DIR/models are incomplete. Give a complete folder (--models-from), or run without it to download them."
      say "model $target from $from"
    else
      fetch_needed=1
    fi
  done < <(model_files)
  if [ "$fetch_needed" = 1 ]; then
    say "downloading the models (about 1.9 GB) into $SYSTEM_DIR/models"
    CLIENTSIM_CACHE_DIR="$work/cache" "$PREFIX/bin/clientsim" models fetch --dest "$SYSTEM_DIR/models" >/dev/null
  fi
  # Their checksums, filed the way the app looks them up (clientsim.models.checksums), so that no
  # student reads the 1.9 GB again to see them verified.
  printf '%s' "$MODEL_LINES" | "$VENV/bin/python" -I -B -c '
import json, sys
from pathlib import Path
from clientsim.models.checksums import key
record = {key(Path(path)): sha for _, path, sha in (line.split("\t") for line in sys.stdin.read().splitlines())}
print(json.dumps(record, indent=1, sort_keys=True))' > "$work/checksums.json"
  RECORD="$SYSTEM_DIR/models/checksums.json"
  cmp -s "$work/checksums.json" "$RECORD" || install -m 644 "$work/checksums.json" "$RECORD"
  MODEL_LINES+="file"$'\t'"$RECORD"$'\n'
fi

# 7. Read-only for everyone: root-owned, folders 755, files 644 (755 if executable).
find "$PREFIX" \( ! -user 0 -o ! -group 0 \) -exec chown -h 0:0 {} +
find "$PREFIX" ! -type l -perm /022 -exec chmod go-w {} +
find "$PREFIX" ! -type l \( -type d -o -perm /111 \) ! -perm -555 -exec chmod a+rx {} +
find "$PREFIX" -type f ! -perm -444 -exec chmod a+r {} +
while IFS= read -r f; do
  [ -f "$f" ] && [ "$(stat -c %u:%g:%a "$f")" != 0:0:644 ] && chown 0:0 "$f" && chmod 644 "$f"
done < <(printf '%s' "$MODEL_PATHS")
while IFS= read -r d; do
  [ -n "$d" ] && [ -d "$d" ] && [ "$(stat -c %a "$d")" != 755 ] && chmod 755 "$d"
done < <(printf '%s' "$CREATED_DIRS"; [ "$NO_MODELS" = 1 ] || find "$SYSTEM_DIR/models" -mindepth 1 -type d)

# 8. The new manifest; whatever the previous one listed and this one does not is removed.
{
  printf 'dir\t%s\n' "$PREFIX"
  find "$PREFIX" -mindepth 1 -type d -printf 'dir\t%p\n'
  find "$PREFIX" -mindepth 1 -type f ! -path "$MANIFEST" -printf 'file\t%p\n'
  find "$PREFIX" -mindepth 1 -type l -printf 'link\t%p\n'
  printf 'link\t%s\n' "$BIN_DIR/clientsim"
  printf 'file\t%s\n' "$DESKTOP" "$ICON"
  printf '%s' "$MODEL_LINES"
  { printf '%s' "$CREATED_DIRS"; [ "$NO_MODELS" = 1 ] || find "$SYSTEM_DIR/models" -mindepth 1 -type d; } |
    LC_ALL=C sort -u | sed '/^$/d; s/^/dir\t/'
} | "$PY" "$HELPER" write "$MANIFEST" "$work/old" "$work/marker"
[ "$(stat -c %a "$MANIFEST")" = 644 ] || chmod 644 "$MANIFEST"
"$PY" "$HELPER" remove "$work/old" "$MANIFEST" | sed -n 's/^removed\t\([1-9].*\)/\1/p' |
  while read -r n; do say "removed $n file(s) of the earlier installation that this version does not have"; done

took=$((SECONDS - start))
if [ -z "$OLD_VERSION" ]; then
  say "installed ClientSim $VERSION in $PREFIX ($took s): command $BIN_DIR/clientsim, models in $SYSTEM_DIR/models"
elif [ "$OLD_VERSION" != "$VERSION" ]; then
  say "upgraded ClientSim from $OLD_VERSION to $VERSION in $PREFIX ($took s)"
elif [ "$repaired" = 0 ] && [ "$changed_code" = 0 ]; then
  say "ClientSim $VERSION is already installed in $PREFIX; checked every installed file: nothing to repair ($took s)"
else
  say "ClientSim $VERSION is already installed in $PREFIX; repaired $repaired missing or changed file(s), updated $changed_code code file(s) ($took s)"
fi
