#!/usr/bin/env bash
# Create or update the project-local environment (.venv) with everything mmseg_zsl needs.
#
# Idempotent: a stamp keyed by requirements/*.txt, setup.py, the Python version and the extras
# makes a second run a no-op. The one slow step, compiling mmcv 2.1.0's ops against torch 2.14
# (about 20 minutes on 2 cores), happens once per machine: the wheel is cached outside the clone
# under $MMSEG_ZSL_CACHE (default ~/.cache/mmseg_zsl), keyed by mmcv, torch, Python and CPU/CUDA.
#
# Environment: PYTHON (default python3.11), MMSEG_ZSL_VENV (default <repo>/.venv),
# MMSEG_ZSL_CACHE, MMSEG_ZSL_EXTRAS (default annotation,tests), FORCE_CUDA=1 to build mmcv's
# CUDA ops on a machine with the CUDA toolkit, MAX_JOBS (default: number of cores).
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

# --- Check the interpreter -------------------------------------------------------------------
command -v "$PYTHON" >/dev/null 2>&1 \
    || die "'$PYTHON' was not found. Install Python 3.11 (3.10 also works) or point PYTHON at one, e.g. PYTHON=/usr/bin/python3.10 make test."
PYVER=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
case "$PYVER" in
    3.10 | 3.11) ;;
    *) die "Python $PYVER is not supported (mmcv 2.1.0 does not build on 3.12+, torch 2.14.1 is pinned for 3.10/3.11). Set PYTHON to a python3.11 or python3.10." ;;
esac

# --- Up to date already? ---------------------------------------------------------------------
KEY=$(cat "$REQ"/*.txt "$ROOT/setup.py" | sha256sum | cut -c1-16)-py$PYVER-$EXTRAS-cuda${FORCE_CUDA:-0}
STAMP=$VENV/.mmseg_zsl_install_stamp
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$KEY" ]]; then
    log "environment $VENV is up to date"
    exit 0
fi

# --- Can mmcv be built here, if its wheel is not cached yet? ----------------------------------
MMCV=$(pin mmcv "$REQ/mmcv.txt")
TORCH=$(pin torch "$REQ/torch.txt")
DEVICE=$([[ "${FORCE_CUDA:-0}" == 1 ]] && echo cuda || echo cpu)
WHEELS=$CACHE/wheels/mmcv$MMCV-torch$TORCH-py$PYVER-$DEVICE
if ! ls "$WHEELS"/mmcv-*.whl >/dev/null 2>&1; then
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

# --- mmcv with compiled ops, from the wheel cache --------------------------------------------
if ! ls "$WHEELS"/mmcv-*.whl >/dev/null 2>&1; then
    log "building mmcv $MMCV ($DEVICE ops) against torch $TORCH once into $WHEELS; this takes about 20 minutes on 2 cores"
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
"${PIP[@]}" "$WHEELS"/mmcv-*.whl

# --- Everything else, and the package itself -------------------------------------------------
"${PIP[@]}" -r "$REQ/runtime.txt" -r "$REQ/mmcv.txt"
"${PIP[@]}" --no-build-isolation -e "$ROOT[$EXTRAS]"

"$PY" -c "import mmcv, mmseg, mmpretrain, mmseg_zsl; from mmcv.ops import nms" \
    || die "the environment was installed but does not import; see the traceback above."
echo "$KEY" >"$STAMP"
log "environment ready: $VENV (activate with 'source $VENV/bin/activate')"
