#!/usr/bin/env bash
# Data-parallel step-time split with gradient all-reduce overlapped with backward vs after it:
# trains the same run on N ranks (CPU, MPI backend) alternating comm.overlap=true/false, several
# rounds, and prints the trainer's own step-time split (compute, communication, exposed) per run,
# then the medians and the exposed-communication ratio. Usage (after a build):
#   scripts/bench_overlap.sh [RANKS=2] [ROUNDS=3] [STEPS=30] [extra --set ...]
# Data: the shipped sample (data/ko-medical), a SentencePiece model trained into runs/bench-overlap.
set -euo pipefail
cd "$(dirname "$0")/.."
RANKS=${1:-2}; ROUNDS=${2:-3}; STEPS=${3:-30}; shift $(( $# < 3 ? $# : 3 ))
G=${GTRAIN_BUILD_DIR:-build}/gtrain
D=runs/bench-overlap
mkdir -p "$D"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
[ -f "$D/spm.model" ] || "$G" tokenizer train --input data/ko-medical/raw.txt --model-prefix "$D/spm" \
  --vocab-size 2000 --vocab-size-is-max >/dev/null
CORES=$(nproc)
THREADS=$(( CORES / RANKS > 0 ? CORES / RANKS : 1 ))
SET=(--set model.tokenizer="$PWD/$D/spm.model" --set data.prepare.tokenizer="$PWD/$D/spm.model"
     --set data.cache_dir="$PWD/$D/cache" --set log.every_steps=10 --set log.tensorboard=false
     --set log.progress=plain --set checkpoint.every_steps=100000 --set eval.every_steps=100000
     --set optim.batch_size=8 --set optim.grad_accum=1 "$@")
run() {  # run OVERLAP ROUND
  local out="$D/run-$1-$2"
  rm -rf "$out"
  mpirun -np "$RANKS" --bind-to none -x OMP_NUM_THREADS="$THREADS" "$G" train configs/quickstart.yaml "${SET[@]}" \
    --set comm.overlap="$1" --set output_dir="$PWD/$out" --stop-after-steps "$STEPS" >"$out.log" 2>&1 \
    || { tail -n 20 "$out.log"; exit 1; }
  # The first log line (steps 1-10) includes warm-up; the rest are averaged.
  grep "step time" "$out.log" | tail -n +2 | sed 's/.*step time \([0-9.]*\) ms: compute \([0-9.]*\) ms, communication \([0-9.]*\) ms of which exposed \([0-9.]*\) ms.*(\([0-9]*\) buckets.*/\1 \2 \3 \4 \5/' \
    | awk -v o="$1" -v r="$2" '{s+=$1; c+=$2; m+=$3; e+=$4; b=$5; n++} END {printf "%s %s %.1f %.1f %.1f %.1f %d\n", o, r, s/n, c/n, m/n, e/n, b}'
}
echo "# gtrain data-parallel step split: $RANKS ranks x $THREADS threads, quickstart model, batch 8 per rank, $STEPS steps per run"
echo "# overlap round step_ms compute_ms comm_ms exposed_ms buckets"
rows=()
for r in $(seq 1 "$ROUNDS"); do
  for o in true false; do rows+=("$(run "$o" "$r")"); echo "${rows[-1]}"; done
done
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
col() { printf '%s\n' "${rows[@]}" | awk -v o="$1" -v c="$2" '$1 == o { print $c }' | median; }
on_e=$(col true 6); off_e=$(col false 6); on_s=$(col true 3); off_s=$(col false 3)
awk -v a="$on_e" -v b="$off_e" -v c="$on_s" -v d="$off_s" 'BEGIN {
  printf "median exposed communication: overlap on %.1f ms, off %.1f ms (off/on %.2f)\n", a, b, b / (a > 0 ? a : 1e-9)
  printf "median step time: overlap on %.1f ms, off %.1f ms (off/on %.3f)\n", c, d, d / c }'
echo "command: scripts/bench_overlap.sh $RANKS $ROUNDS $STEPS $*"
