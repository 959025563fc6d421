#!/usr/bin/env bash
# One node, one rank per GPU (NCCL all-reduce), started by mpirun.
#   launch/node.sh configs/a100-node.yaml [--set key=value ...]
#   GPUS=4 launch/node.sh ...        # fewer ranks than GPUs
# CPU ranks for a test: GPUS=2 OMP_NUM_THREADS=1 launch/node.sh configs/quickstart.yaml
set -euo pipefail
cfg=${1:?usage: launch/node.sh CONFIG [gtrain train options]}; shift
G=${GTRAIN:-$(dirname "$0")/../build/gtrain}
if [ -z "${GPUS:-}" ]; then
  GPUS=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU' || true)
  [ "$GPUS" -gt 0 ] || { echo "launch/node.sh: no GPU found; set GPUS=N to start N CPU ranks" >&2; exit 2; }
fi
root=()
[ "$(id -u)" = 0 ] && root=(--allow-run-as-root)
# --bind-to none: gtrain picks its GPU from the local rank and shares the node's cores itself.
exec mpirun "${root[@]}" -np "$GPUS" --bind-to none --map-by slot \
  -x NCCL_DEBUG="${NCCL_DEBUG:-WARN}" -x OMP_NUM_THREADS -x PATH -x LD_LIBRARY_PATH \
  "$G" train "$cfg" --auto-resume "$@"
