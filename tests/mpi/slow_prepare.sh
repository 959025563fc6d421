#!/usr/bin/env bash
# Rank 0 preparing an inline data.prepare section for longer than comm.timeout_s does not end the
# job: the other ranks wait for the data without that limit (before 2026-12-07 they gave up after
# comm.timeout_s, "data paths broadcast did not finish", and a large corpus ended every job).
G=$1; SRC=$2; DIFF=$3
source "$(dirname "$0")/common.sh"
setup_tiny_run 47
cd "$T"
# A corpus that takes rank 0 longer than comm.timeout_s (1 s) to prepare: the training lines 96
# times over (115,200 examples; about 3 s on a 2-core Xeon).
for i in $(seq 96); do cat "$SRC/data/ko-medical/train.jsonl"; done > big.jsonl
t0=$(date +%s)
timeout 300 "${MPIRUN[@]}" -np 2 "$G" train tiny.yaml --set comm.timeout_s=1 \
  --set 'data.prepare.inputs=[{path: big.jsonl, format: gliner2, split: train}]' \
  --stop-after-steps 2 --set output_dir=run >run.log 2>&1 || { tail -n 20 run.log; fail "job failed"; }
dt=$(( $(date +%s) - t0 ))
# The test proves something only if preparing took longer than the timeout.
prep=$(grep -oE "prepared [0-9]+ examples into .* in [0-9.]+ s" run.log | grep -oE "[0-9.]+ s$" | grep -oE "[0-9.]+")
[ -n "$prep" ] || { tail -n 20 run.log; fail "no 'prepared ... in N s' line"; }
echo "job took $dt s; rank 0 prepared for $prep s with comm.timeout_s 1"
awk -v p="$prep" 'BEGIN { exit !(p > 1) }' || fail "preparing took $prep s, not longer than the 1 s timeout: nothing was tested"
grep -q "done: 2 steps" run.log || { tail -n 20 run.log; fail "the job did not train its 2 steps"; }
echo PASS
