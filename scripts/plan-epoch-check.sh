#!/usr/bin/env bash
# The time model against a real run: `gtrain plan --measure` predicts the quickstart's epoch time
# (configs/quickstart.yaml) on this CPU, then the quickstart trains 1 and 3 epochs and the real
# epoch is the difference of the two wall times / 2 (set-up, preparation and the final export cancel
# out; dev evaluation and checkpoints stay in). Passes when the prediction is within 25%.
# Usage: scripts/plan-epoch-check.sh [BUILD_DIR]   (docs/benchmarks.md#plan records a run)
set -euo pipefail
cd "$(dirname "$0")/.."
G=${1:-build}/gtrain
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
"$G" tokenizer train --input data/ko-medical/raw.txt --model-prefix "$W/spm" --vocab-size 2000 --vocab-size-is-max >/dev/null 2>&1
S=(--set "model.tokenizer=$W/spm.model" --set "data.prepare.tokenizer=$W/spm.model" --set "data.cache_dir=$W/cache")
"$G" plan configs/quickstart.yaml "${S[@]}" --set "output_dir=$W/plan" --measure --gpus t4 --json >"$W/plan.json" 2>"$W/plan.err"
cat "$W/plan.err" | grep "plan --measure" || true
predicted=$(python3 -c "import json,sys; j=json.load(open('$W/plan.json')); print([r for r in j['gpus'] if r['gpu']=='local'][0]['epoch_seconds'])")
run() {  # run EPOCHS: wall seconds of a quickstart training of that many epochs
  local t0 t1
  t0=$(date +%s.%N)
  "$G" train configs/quickstart.yaml "${S[@]}" --set "output_dir=$W/run$1" --set "optim.epochs=$1" \
    --set early_stopping.patience=0 --set log.progress=plain >"$W/run$1.log" 2>&1 || { cat "$W/run$1.log"; exit 1; }
  t1=$(date +%s.%N)
  python3 -c "print($t1 - $t0)"
}
t1=$(run 1)
t3=$(run 3)
python3 - "$predicted" "$t1" "$t3" <<'PY'
import sys
pred, t1, t3 = map(float, sys.argv[1:])
real = (t3 - t1) / 2
err = (pred - real) / real
print(f"quickstart epoch: predicted {pred:.2f} s (plan --measure), measured {real:.2f} s "
      f"(1 epoch {t1:.2f} s, 3 epochs {t3:.2f} s): {100 * err:+.1f}%")
sys.exit(0 if abs(err) <= 0.25 else 1)
PY
