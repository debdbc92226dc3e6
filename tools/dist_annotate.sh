#!/usr/bin/env bash
# Annotate with N processes (GPUs) via torchrun; each rank takes every N-th
# image and writes its own files, so the result equals a single-process run.
#
# Usage: tools/dist_annotate.sh INPUT N OUT_DIR --threshold T [annotate.py options]
# Exit status: the tool's (docs/annotation.md, "Exit status"; 3 when images
# failed), which torchrun alone would turn into 1.
# Environment: NNODES (1), NODE_RANK (0), MASTER_ADDR (127.0.0.1), PORT (29500),
# PYTHON (python).
set -euo pipefail

if [[ $# -lt 3 ]]; then
    echo "usage: $0 INPUT N OUT_DIR --threshold T [tools/annotate.py options]" >&2
    exit 2
fi
INPUT=$1
NPROC=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
PYTHON=${PYTHON:-python}
TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

STATUS_FILE=$(mktemp)
trap 'rm -f "$STATUS_FILE"' EXIT

set +e
MMSEG_ZSL_STATUS_FILE="$STATUS_FILE" \
PYTHONPATH="$TOOLS/..${PYTHONPATH:+:$PYTHONPATH}" \
"$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --master_port="$PORT" \
    --nproc_per_node="$NPROC" \
    "$TOOLS/annotate.py" "$INPUT" "${@:3}"
STATUS=$?
set -e
if [[ $STATUS -ne 0 && -s "$STATUS_FILE" ]]; then
    STATUS=$(cat "$STATUS_FILE")  # the tool's status, e.g. 3: images failed
fi
exit "$STATUS"
