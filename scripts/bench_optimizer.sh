#!/usr/bin/env bash
# Fused vs reference AdamW in the training step, alternated in one session so the two can be
# compared as ratios: `gtrain bench step --shape S --optimizer reference|fused`, twice each, for
# the toy, xsmall and small shapes (docs/benchmarks.md#fused-adamw).
#   scripts/bench_optimizer.sh [SHAPES...]   (default: toy xsmall small)
set -euo pipefail
cd "$(dirname "$0")/.."
G=${GTRAIN_BUILD_DIR:-build}/gtrain
shapes=("$@")
[ ${#shapes[@]} -gt 0 ] || shapes=(toy xsmall small)
for shape in "${shapes[@]}"; do
  extra=()
  [ "$shape" = toy ] && extra=(--steps 20)
  for opt in reference fused reference fused; do
    echo "### $shape $opt"
    "$G" bench step --shape "$shape" --optimizer "$opt" "${extra[@]}" 2>&1 | grep -E "^  step|optimizer  |forward  |backward  |tokens/s|peak RSS|command"
  done
done
echo "command: scripts/bench_optimizer.sh ${shapes[*]}"
