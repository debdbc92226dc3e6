#!/usr/bin/env bash
# Create or update the project-local environment (.venv) with everything mmseg_zsl needs.
#
# Idempotent: a stamp keyed by requirements/*.txt, setup.py, the Python version, the extras and
# the mmcv build makes a second run a no-op. By default mmcv comes as mmcv-lite, a wheel from PyPI
# without compiled ops: mmseg_zsl calls none, and mmseg's imports of mmcv.ops are served by a
# stand-in (mmseg_zsl/utils/compat.py). MMSEG_ZSL_MMCV_OPS=1 builds mmcv 2.1.0 with its compiled
# ops against torch 2.14 instead (10-15 minutes on 2 cores), once per machine: the wheel is
# cached outside the clone under $MMSEG_ZSL_CACHE (default ~/.cache/mmseg_zsl), keyed by mmcv,
# torch, Python and CPU/CUDA.
#
# Environment: PYTHON (default python3.11; 3.10 and 3.12 also work), MMSEG_ZSL_VENV (default <repo>/.venv),
# MMSEG_ZSL_CACHE, MMSEG_ZSL_EXTRAS (default annotation,tests), MMSEG_ZSL_MMCV_OPS=1 for mmcv's
# compiled CPU ops, FORCE_CUDA=1 for its CUDA ops (implies MMSEG_ZSL_MMCV_OPS=1; needs the CUDA
# toolkit), MAX_JOBS (default: number of cores).
#
# --check: only say whether the environment is up to date (status 0) or not (1); install nothing.
# Any other argument is refused (status 2).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${MMSEG_ZSL_VENV:-$ROOT/.venv}
CACHE=${MMSEG_ZSL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmseg_zsl}
PYTHON=${PYTHON:-python3.11}
EXTRAS=${MMSEG_ZSL_EXTRAS:-annotation,tests}
REQ=$ROOT/requirements

die() {
    echo "install_env.sh: error: $*" >&2
    exit 1
}
log() { echo "[install_env] $*"; }
pin() { sed -n "s/^$1==\([^ ]*\).*/\1/p" "$2"; }

case "${1:-}" in
    "" | --check) ;;
    *) echo "install_env.sh: error: unknown argument '$1': the only one is --check (say whether the environment is up to date)." >&2
       exit 2 ;;
esac

# --- Check the interpreter -------------------------------------------------------------------
command -v "$PYTHON" >/dev/null 2>&1 \
    || die "'$PYTHON' was not found. Install Python 3.11 (3.10 and 3.12 also work) or point PYTHON at one, e.g. PYTHON=/usr/bin/python3.10 make test."
PYVER=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
OPS=${MMSEG_ZSL_MMCV_OPS:-0}
[[ "${FORCE_CUDA:-0}" == 1 ]] && OPS=1
case "$PYVER" in
    3.10 | 3.11) ;;
    3.12) [[ "$OPS" != 1 ]] \
        || die "mmcv's compiled ops (MMSEG_ZSL_MMCV_OPS=1 or FORCE_CUDA=1) are built and tested with Python 3.10 and 3.11 only. Set PYTHON to a python3.11 for them; Python 3.12 works without them (the default)." ;;
    *) die "Python $PYVER is not supported (tested: 3.10, 3.11, and 3.12 without mmcv's compiled ops; see docs/installation.md). Set PYTHON to one of those, e.g. PYTHON=/usr/bin/python3.11 make test." ;;
esac

# --- Up to date already? ---------------------------------------------------------------------
KEY=$(cat "$REQ"/*.txt "$ROOT/setup.py" | sha256sum | cut -c1-16)-py$PYVER-$EXTRAS-ops$OPS-cuda${FORCE_CUDA:-0}
STAMP=$VENV/.mmseg_zsl_install_stamp
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$KEY" ]]; then
    log "environment $VENV is up to date"
    exit 0
fi
if [[ "${1:-}" == --check ]]; then
    log "environment $VENV is not up to date (make env installs it)"
    exit 1
fi

# --- Can mmcv be built here, if its wheel is not cached yet? ----------------------------------
MMCV=$(pin mmcv "$REQ/mmcv.txt")
TORCH=$(pin torch "$REQ/torch.txt")
DEVICE=$([[ "${FORCE_CUDA:-0}" == 1 ]] && echo cuda || echo cpu)
WHEELS=$CACHE/wheels/mmcv$MMCV-torch$TORCH-py$PYVER-$DEVICE
if [[ "$OPS" == 1 ]] && ! ls "$WHEELS"/mmcv-*.whl >/dev/null 2>&1; then
    CXX_BIN=${CXX:-g++}
    command -v "$CXX_BIN" >/dev/null 2>&1 \
        || die "no C++ compiler ('$CXX_BIN') to build mmcv $MMCV's ops. Install one (Debian/Ubuntu: apt-get install g++) or set CXX."
    "$PYTHON" -c 'import sysconfig, os, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
        || die "the Python headers (Python.h) are missing, needed to build mmcv. Debian/Ubuntu: apt-get install python$PYVER-dev."
fi

# --- Virtual environment and build tools -----------------------------------------------------
if [[ ! -x "$VENV/bin/python" ]]; then
    log "creating $VENV with $PYTHON ($PYVER)"
    "$PYTHON" -m venv "$VENV" || die "could not create a venv; on Debian/Ubuntu: apt-get install python3-venv"
fi
PY=$VENV/bin/python
PIP=("$PY" -m pip install --disable-pip-version-check)
"${PIP[@]}" -r "$REQ/build.txt"
"${PIP[@]}" -r "$REQ/torch.txt"

# --- mmcv: mmcv-lite from PyPI, or with compiled ops from the wheel cache ---------------------
# Both builds ship the same `mmcv` package: remove the other one first so no file is shared.
if [[ "$OPS" != 1 ]]; then
    "$PY" -m pip uninstall --disable-pip-version-check -y -q mmcv
    "${PIP[@]}" "mmcv-lite==$(pin mmcv-lite "$REQ/mmcv.txt")"
elif ! ls "$WHEELS"/mmcv-*.whl >/dev/null 2>&1; then
    log "building mmcv $MMCV ($DEVICE ops) against torch $TORCH once into $WHEELS; this takes 10-15 minutes on 2 cores"
    BUILD=$(mktemp -d)
    trap 'rm -rf "$BUILD"' EXIT
    "$PY" -m pip download --disable-pip-version-check --no-deps --no-binary :all: --no-build-isolation \
        "mmcv==$MMCV" -d "$BUILD"
    tar -xzf "$BUILD"/mmcv-"$MMCV".tar.gz -C "$BUILD"
    # torch >= 2.14's headers require C++20; mmcv hard-codes -std=c++14/17.
    sed -i 's/-std=c++14/-std=c++20/g; s/-std=c++17/-std=c++20/g' "$BUILD/mmcv-$MMCV/setup.py"
    (cd "$BUILD/mmcv-$MMCV" && MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} \
        "$PY" -m pip wheel --disable-pip-version-check --no-build-isolation --no-deps -w "$BUILD/dist" .) \
        || die "building mmcv $MMCV failed (log above). Check the compiler and that torch $TORCH is installed in $VENV."
    mkdir -p "$CACHE/wheels"
    # Publish the wheel directory atomically so an interrupted build never leaves a broken cache.
    mv "$BUILD/dist" "$WHEELS.tmp.$$" && mv -T "$WHEELS.tmp.$$" "$WHEELS"
fi
if [[ "$OPS" == 1 ]]; then
    "$PY" -m pip uninstall --disable-pip-version-check -y -q mmcv-lite
    "${PIP[@]}" "$WHEELS"/mmcv-*.whl
fi

# --- Everything else, and the package itself -------------------------------------------------
"${PIP[@]}" -r "$REQ/runtime.txt"
"${PIP[@]}" --no-build-isolation -e "$ROOT[$EXTRAS]"

"$PY" -c "import mmseg_zsl, mmseg.models, mmpretrain; from mmcv.ops import nms" \
    || die "the environment was installed but does not import; see the traceback above."
echo "$KEY" >"$STAMP"
log "environment ready: $VENV (activate with 'source $VENV/bin/activate')"
