#!/usr/bin/env bash
# Usage: tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py args...]
# Without GPUs the GPUS processes run on CPU (gloo), which is meant for
# testing. Exit status: test.py's (2 for a bad option, 130 on Ctrl-C, 1 when
# testing failed). Multi-node and the interpreter: tools/torchrun.sh.
set -euo pipefail

if [[ $# -lt 3 ]]; then
    echo "usage: $0 CONFIG CHECKPOINT GPUS [tools/test.py options]" >&2
    exit 2
fi
TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec "$TOOLS/torchrun.sh" "$3" "$TOOLS/test.py" "$1" "$2" --launcher pytorch \
    "${@:4}"
