#!/usr/bin/env bash
# One process: one GPU (fp16 on a T4, bf16 on A10G/A100) or the CPU. No MPI, no NCCL.
#   launch/single.sh configs/t4-single.yaml [--set key=value ...]
# Resumes by itself when the run directory already holds a checkpoint (--auto-resume).
set -euo pipefail
cfg=${1:?usage: launch/single.sh CONFIG [gtrain train options]}; shift
G=${GTRAIN:-$(dirname "$0")/../build/gtrain}
exec "$G" train "$cfg" --auto-resume "$@"
