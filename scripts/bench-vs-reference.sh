#!/usr/bin/env bash
# gtrain's training step against GLiNER2 1.2.3's own (Python, same torch 2.11) on the reference
# benchmark's 12 recorded batches, in one session with the same threads: each side runs `--rounds`
# times, alternating, and the ratio is of the medians of their per-run median steps.
#   scripts/bench-vs-reference.sh [--shape xsmall|small|base] [--threads N] [--rounds R] [--steps S]
# Needs: scripts/setup.sh (the build) and bench/reference/setup.sh (the Python reference's venv);
# the batches: ../shared/fixtures/gliner2_bench/batches.json (or GTRAIN_BENCH_BATCHES).
set -euo pipefail
cd "$(dirname "$0")/.."
shape=small threads=2 rounds=1 steps=10
while [ $# -gt 0 ]; do
  case $1 in
    --shape) shape=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    *) echo "usage: $0 [--shape S] [--threads N] [--rounds R] [--steps S]" >&2; exit 2 ;;
  esac
done
G=${GTRAIN_BUILD_DIR:-build}/gtrain
shared=${GTRAIN_SHARED:-../shared}
batches=${GTRAIN_BENCH_BATCHES:-$shared/fixtures/gliner2_bench/batches.json}
py=bench/reference/.venv/bin/python
[ -x "$G" ] || { echo "no $G: run scripts/setup.sh first" >&2; exit 1; }
[ -x "$py" ] || { echo "no Python reference: run bash bench/reference/setup.sh first" >&2; exit 1; }
[ -f "$batches" ] || { echo "no batches file $batches" >&2; exit 1; }
export OMP_NUM_THREADS=$threads MKL_NUM_THREADS=$threads

ours=() theirs=()
for r in $(seq 1 "$rounds"); do
  echo "### round $r: gtrain"
  out=$("$G" bench step --batches "$batches" --shape "$shape" --threads "$threads" --steps "$steps" --warmup 2 2>&1) \
    || { echo "$out"; exit 1; }
  echo "$out" | grep -E "^  step|forward  |backward  |optimizer  |tokens/s|peak RSS|^command"
  ours+=("$(echo "$out" | sed -n 's/.*(mean; median \([0-9.]*\) ms.*/\1/p')")
  echo "### round $r: GLiNER2 1.2.3 (Python)"
  out=$("$py" bench/reference/bench_train.py --batches "$batches" --tokenizer-dir "$shared/fixtures/gliner2_tiny" \
        --shape "$shape" --threads "$threads" --steps "$steps" --warmup 2 2>&1) || { echo "$out"; exit 1; }
  echo "$out" | grep -vE "^step [0-9]|^RESULT"
  theirs+=("$(echo "$out" | sed -n 's/^RESULT median_step_ms=\([0-9.]*\).*/\1/p')")
done
python3 - "$shape" "$threads" "${ours[*]}" "${theirs[*]}" <<'PY'
import statistics, sys
shape, threads, ours, theirs = sys.argv[1], sys.argv[2], [float(x) for x in sys.argv[3].split()], [float(x) for x in sys.argv[4].split()]
o, t = statistics.median(ours), statistics.median(theirs)
print(f"shape {shape}, {threads} threads: gtrain median step {o:.1f} ms (runs {ours}), "
      f"GLiNER2 reference {t:.1f} ms (runs {theirs})")
print(f"gtrain is {t / o:.2f}x the reference's speed")
PY
echo "command: scripts/bench-vs-reference.sh --shape $shape --threads $threads --rounds $rounds --steps $steps"
