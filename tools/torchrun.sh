#!/usr/bin/env bash
# torchrun for the dist_*.sh scripts: NPROC processes of a tool, ending with
# the tool's own exit status (docs/annotation.md, "Exit status": e.g. 2 for a
# bad option, 3 when images failed, 130 on Ctrl-C), which torchrun alone
# turns into 1 whatever went wrong. The tool writes it to the file named by
# MMSEG_ZSL_STATUS_FILE (mmseg_zsl/utils/tool_exit.py); a rank killed before
# it could (e.g. out of memory) leaves torchrun's status.
#
# Usage: tools/torchrun.sh NPROC TOOL.py [tool arguments...]
# Environment: NNODES (1), NODE_RANK (0), MASTER_ADDR (127.0.0.1), PORT (29500),
# PYTHON (python).
set -euo pipefail

if [[ $# -lt 2 ]]; then
    echo "usage: $0 NPROC TOOL.py [tool arguments...]" >&2
    exit 2
fi
NPROC=$1
TOOL=$2
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
    "$TOOL" "${@:3}"
STATUS=$?
set -e
if [[ $STATUS -ne 0 && -s "$STATUS_FILE" ]]; then
    STATUS=$(cat "$STATUS_FILE")  # the tool's status
fi
exit "$STATUS"
