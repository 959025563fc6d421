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
# (one array that is never empty: "${a[@]}" of an empty array is an error under set -u in bash < 4.4)
args=()
[ "$(id -u)" = 0 ] && args+=(--allow-run-as-root)
args+=(-x NCCL_DEBUG="${NCCL_DEBUG:-WARN}" -x PATH)
for v in OMP_NUM_THREADS LD_LIBRARY_PATH; do [ -z "${!v+x}" ] || args+=(-x "$v"); done
# --bind-to none: gtrain picks its GPU from the local rank and shares the node's cores itself.
exec mpirun "${args[@]}" -np "$GPUS" --bind-to none --map-by slot \
  "$G" train "$cfg" --auto-resume "$@"
