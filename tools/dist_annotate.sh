#!/usr/bin/env bash
# Annotate with N processes (GPUs) via torchrun; each rank takes every N-th
# image and writes its own files, so the result equals a single-process run.
#
# Usage: tools/dist_annotate.sh INPUT N OUT_DIR --threshold T [annotate.py options]
# Exit status: the tool's (docs/annotation.md, "Exit status"; 3 when images
# failed). Multi-node and the interpreter: tools/torchrun.sh.
set -euo pipefail

if [[ $# -lt 3 ]]; then
    echo "usage: $0 INPUT N OUT_DIR --threshold T [tools/annotate.py options]" >&2
    exit 2
fi
TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec "$TOOLS/torchrun.sh" "$2" "$TOOLS/annotate.py" "$1" "${@:3}"
