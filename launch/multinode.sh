#!/usr/bin/env bash
# Several nodes with a hostfile (one line per node: "node01 slots=8"), one rank per GPU.
#   HOSTFILE=hosts GPUS_PER_NODE=8 launch/multinode.sh configs/a100-multinode.yaml
# The run directory (output_dir) and the data must be on a filesystem every node sees.
# InfiniBand/RoCE and interface choice: see docs/distributed.md (NCCL_SOCKET_IFNAME, NCCL_IB_HCA).
# Every NCCL_*, UCX_* and GTRAIN_* variable set here reaches the ranks on every node (mpirun's -x):
# nodes that run with different NCCL settings can hang.
set -euo pipefail
cfg=${1:?usage: launch/multinode.sh CONFIG [gtrain train options]}; shift
: "${HOSTFILE:?set HOSTFILE to an Open MPI hostfile}"
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
nodes=$(grep -cv '^\s*\(#\|$\)' "$HOSTFILE" || true)
[ "$nodes" -gt 0 ] || { echo "launch/multinode.sh: $HOSTFILE names no node (one line per node: \"node01 slots=8\")" >&2; exit 2; }
G=${GTRAIN:-$(cd "$(dirname "$0")/.." && pwd)/build/gtrain}
args=()
[ "$(id -u)" = 0 ] && args+=(--allow-run-as-root)
args+=(-x NCCL_DEBUG="${NCCL_DEBUG:-WARN}" -x PATH)
for v in $(compgen -e); do
  case $v in NCCL_DEBUG) ;; NCCL_* | UCX_* | GTRAIN_* | OMP_NUM_THREADS | LD_LIBRARY_PATH) args+=(-x "$v") ;; esac
done
exec mpirun "${args[@]}" -np $((nodes * GPUS_PER_NODE)) --hostfile "$HOSTFILE" \
  --map-by ppr:"$GPUS_PER_NODE":node --bind-to none \
  "$G" train "$cfg" --auto-resume "$@"
