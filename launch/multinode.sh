#!/usr/bin/env bash
# Several nodes with a hostfile (one line per node: "node01 slots=8"), one rank per GPU.
#   HOSTFILE=hosts GPUS_PER_NODE=8 launch/multinode.sh configs/a100-multinode.yaml
# The run directory (output_dir) and the data must be on a filesystem every node sees.
# InfiniBand/RoCE and interface choice: see docs/distributed.md (NCCL_SOCKET_IFNAME, NCCL_IB_HCA).
set -euo pipefail
cfg=${1:?usage: launch/multinode.sh CONFIG [gtrain train options]}; shift
: "${HOSTFILE:?set HOSTFILE to an Open MPI hostfile}"
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
nodes=$(grep -cv '^\s*\(#\|$\)' "$HOSTFILE")
G=${GTRAIN:-$(cd "$(dirname "$0")/.." && pwd)/build/gtrain}
root=()
[ "$(id -u)" = 0 ] && root=(--allow-run-as-root)
exec mpirun "${root[@]}" -np $((nodes * GPUS_PER_NODE)) --hostfile "$HOSTFILE" \
  --map-by ppr:"$GPUS_PER_NODE":node --bind-to none \
  -x NCCL_DEBUG="${NCCL_DEBUG:-WARN}" -x NCCL_SOCKET_IFNAME -x NCCL_IB_HCA -x OMP_NUM_THREADS \
  -x PATH -x LD_LIBRARY_PATH \
  "$G" train "$cfg" --auto-resume "$@"
