#!/usr/bin/env bash
# Data-parallel training computes what one process computes on the same global batches:
#   2 ranks x batch 4 (overlapped buckets, and the reduce-after-backward reference) and
#   3 ranks x batch 3 (tiny buckets, uneven shares, one rank with an empty share at each epoch's
#   tail) end with the same parameters as 1 process x batch 8 / x batch 9, to a relative L2
#   difference <= 1e-5 per tensor, with gradient accumulation 2 over 2 epochs.
G=$1; SRC=$2; DIFF=$3
source "$(dirname "$0")/common.sh"
setup_tiny_run 47
cd "$T"
run() {  # run NAME NP BATCH [--set ...]: trains to the end, keeps the final checkpoint
  local name=$1 np=$2 batch=$3; shift 3
  local cmd=("$G" train tiny.yaml --set optim.batch_size="$batch" --set output_dir="$name" "$@")
  if [ "$np" = 1 ]; then "${cmd[@]}" >"$name.log" 2>&1; else "${MPIRUN[@]}" -np "$np" "${cmd[@]}" >"$name.log" 2>&1; fi \
    || { tail -n 30 "$name.log"; fail "$name did not finish"; }
}
run one8 1 8
run two4_overlap 2 4 --set comm.overlap=true --set comm.bucket_mb=0.05
run two4_reference 2 4 --set comm.overlap=false --set comm.bucket_mb=0.05
run one9 1 9
run three3 3 3 --set comm.bucket_mb=0.01
for name in two4_overlap two4_reference three3; do
  grep -q "dist: [23] ranks, backend mpi" "$name.log" || { tail "$name.log"; fail "$name: did not run on MPI ranks"; }
  grep -q "step time .* exposed" "$name.log" || fail "$name: no step-time split in the log"
done
grep -q "gradient buckets" three3.log || fail "no bucket log line"
ck1=$(last_checkpoint one8); ck2=$(last_checkpoint two4_overlap); ck3=$(last_checkpoint two4_reference)
ck9=$(last_checkpoint one9); ck33=$(last_checkpoint three3)
[ "$(basename "$ck1")" = "$(basename "$ck2")" ] || fail "step counts differ: $ck1 vs $ck2"
[ "$(basename "$ck9")" = "$(basename "$ck33")" ] || fail "step counts differ: $ck9 vs $ck33"
echo "1x8 vs 2x4 overlap:";   "$DIFF" "$ck2/model.safetensors" "$ck1/model.safetensors" --rtol 1e-5 --quiet || fail "2 ranks (overlap) differ from 1"
echo "1x8 vs 2x4 reference:"; "$DIFF" "$ck3/model.safetensors" "$ck1/model.safetensors" --rtol 1e-5 --quiet || fail "2 ranks (reference) differ from 1"
echo "overlap vs reference:"; "$DIFF" "$ck2/model.safetensors" "$ck3/model.safetensors" --rtol 1e-6 --quiet || fail "overlap and reference modes differ"
echo "1x9 vs 3x3:";           "$DIFF" "$ck33/model.safetensors" "$ck9/model.safetensors" --rtol 1e-5 --quiet || fail "3 ranks differ from 1"
# Logged losses are all-reduced: rank 0's log equals the single process's, step by step.
losses() { grep '"split":"train"' "$1/metrics.jsonl" | sed 's/.*"loss":\([^,}]*\).*/\1/'; }
paste <(losses one8) <(losses two4_overlap) | awk '
  { n++; d = $1 - $2; if (d < 0) d = -d; r = d / ($1 < 0 ? -$1 : $1); if (r > w) w = r }
  END { printf "%d logged losses, worst relative difference %.2e\n", n, w; exit (n > 0 && w < 1e-5) ? 0 : 1 }' \
  || fail "logged losses differ between 1 and 2 ranks"
echo "PASS"
