#!/usr/bin/env bash
# A dead rank ends the job: kill -9 of rank 1 mid-training makes `mpirun -np 2 gtrain train` exit
# non-zero within 60 s with a message; the last checkpoint then resumes on 3 ranks and training
# goes on (more steps, a newer checkpoint, exit 0).
G=$1; SRC=$2; DIFF=$3
source "$(dirname "$0")/common.sh"
setup_tiny_run 200
cd "$T"
SET=(--set optim.epochs=200 --set checkpoint.every_steps=5 --set checkpoint.keep_last=2)
"${MPIRUN[@]}" -np 2 "$G" --log-level info train tiny.yaml "${SET[@]}" >run.log 2>&1 &
job=$!
for _ in $(seq 1 240); do [ -d run/checkpoint-10 ] && break; kill -0 $job 2>/dev/null || break; sleep 0.5; done
[ -d run/checkpoint-10 ] || { kill -9 $job; tail -n 20 run.log; fail "no checkpoint-10 after 120 s"; }
pid=$(sed -n 's/.*\[rank 1\].*rank 1 of 2 .*pid \([0-9]*\)).*/\1/p' run.log | head -n 1)
[ -n "$pid" ] || { kill -9 $job; fail "rank 1's pid not in the log"; }
t0=$(date +%s)
kill -9 "$pid"
wait $job; rc=$?
dt=$(( $(date +%s) - t0 ))
echo "job exited with $rc, $dt s after kill -9 of rank 1 (pid $pid)"
[ "$rc" != 0 ] || fail "job exited 0 after a rank was killed"
[ "$dt" -le 60 ] || fail "job took $dt s (> 60 s) to end"
grep -Eiq "signal 9|killed|exited on signal" run.log || { tail -n 20 run.log; fail "no message about the dead rank"; }
grep -E "signal 9|Killed|exited on signal" run.log | head -n 3

ck=$(last_checkpoint run)
step=${ck##*-}
echo "resuming $ck (step $step) on 3 ranks"
target=$((step + 6))
"${MPIRUN[@]}" -np 3 "$G" --log-level info train tiny.yaml "${SET[@]}" --resume --stop-after-steps $target >resume.log 2>&1 \
  || { tail -n 30 resume.log; fail "resume on 3 ranks failed"; }
grep -q "resumed from .*checkpoint-$step" resume.log || fail "did not resume from checkpoint-$step"
grep -q "written by 2 rank(s).* on 3 rank(s)" resume.log || fail "no note about the changed world size"
[ -d "run/checkpoint-$target" ] || fail "no checkpoint-$target after resuming"
grep -q "dist: 3 ranks" resume.log || fail "resume did not run on 3 ranks"
echo "PASS"
