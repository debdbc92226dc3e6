#!/usr/bin/env bash
# Usage: tools/dist_train.sh CONFIG GPUS [train.py args...]
# e.g.   tools/dist_train.sh configs/zsl/segformer_b4_pascal_183.py 4
# Without GPUs the GPUS processes run on CPU (gloo), which is meant for
# testing. Exit status: train.py's (2 for a bad option, 130 on Ctrl-C, 1 when
# training failed). Multi-node and the interpreter: tools/torchrun.sh.
set -euo pipefail

if [[ $# -lt 2 ]]; then
    echo "usage: $0 CONFIG GPUS [tools/train.py options]" >&2
    exit 2
fi
TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec "$TOOLS/torchrun.sh" "$2" "$TOOLS/train.py" "$1" --launcher pytorch \
    "${@:3}"
