#!/usr/bin/env bash
# Resume is exact on several ranks with dropout on: 2 ranks stopped after 5 steps and resumed log
# the same losses, step for step, as 2 ranks trained straight through (each rank's dropout draws
# are a function of the step, not of the generator's history since the run started).
G=$1; SRC=$2; DIFF=$3
source "$(dirname "$0")/common.sh"
setup_tiny_run 120
cd "$T"
SET=(--set model.dropout=0.1 --set optim.epochs=2)
"${MPIRUN[@]}" -np 2 "$G" train tiny.yaml "${SET[@]}" --set output_dir=straight >straight.log 2>&1 \
  || { tail -n 20 straight.log; fail "straight run"; }
"${MPIRUN[@]}" -np 2 "$G" train tiny.yaml "${SET[@]}" --set output_dir=resumed --stop-after-steps 5 >first.log 2>&1 \
  || { tail -n 20 first.log; fail "first half"; }
"${MPIRUN[@]}" -np 2 "$G" train tiny.yaml "${SET[@]}" --set output_dir=resumed --resume >second.log 2>&1 \
  || { tail -n 20 second.log; fail "resumed half"; }
grep -q "resumed from .*checkpoint-5 (step 5" second.log || { tail -n 20 second.log; fail "did not resume from step 5"; }
losses() { grep '"split":"train"' "$1/metrics.jsonl" | sed 's/.*"step":\([0-9]*\),.*"loss":\([^,}]*\).*/\1 \2/'; }
losses straight > a.txt
losses resumed > b.txt
[ "$(wc -l < a.txt)" -gt 4 ] || { cat a.txt; fail "too few steps logged"; }
diff a.txt b.txt || fail "the resumed run's losses differ from the straight run's"
# Resumed on another number of ranks (1 -> 2: a larger global batch), the schedule ends with the
# run: the rate is above 0 at every logged step between the first and the last (it stayed 0
# past a stale total), and the run ends on the schedule's last step.
"$G" train tiny.yaml "${SET[@]}" --set output_dir=grow --stop-after-steps 5 >grow1.log 2>&1 || { tail -n 20 grow1.log; fail "1-rank half"; }
"${MPIRUN[@]}" -np 2 "$G" train tiny.yaml "${SET[@]}" --set output_dir=grow --resume >grow2.log 2>&1 \
  || { tail -n 20 grow2.log; fail "resumed on 2 ranks"; }
grep -q "schedule now ends at step" grow2.log || { tail -n 20 grow2.log; fail "no schedule line"; }
grep '"split":"train"' grow/metrics.jsonl | sed 's/.*"lr_head":\([^,}]*\).*/\1/' > lr.txt
[ "$(wc -l < lr.txt)" -gt 6 ] || { cat lr.txt; fail "too few steps after the resume"; }
end=$(sed -n 's/.*schedule now ends at step \([0-9]*\).*/\1/p' grow2.log | head -n 1)
last=$(grep '"split":"train"' grow/metrics.jsonl | tail -n 1 | sed 's/.*"step":\([0-9]*\),.*/\1/')
[ "$end" = "$last" ] || fail "the schedule ends at step $end but the run at step $last"
# (step 1 is the warm-up's start, at 0)
sed '1d' lr.txt | head -n -1 | awk '$1 <= 0 { bad = 1 } END { exit bad }' || { cat lr.txt; fail "learning rate 0 before the last step"; }
echo "PASS: $(wc -l < a.txt) steps, identical losses; 1 -> 2 ranks: $(wc -l < lr.txt) steps, rate > 0 until the last"
