#!/usr/bin/env bash
# Preemption: SIGTERM to one rank (as Slurm sends it) makes every rank stop after the same step;
# rank 0 writes a checkpoint of that step, the job exits 143, and --auto-resume continues from it.
G=$1; SRC=$2; DIFF=$3
source "$(dirname "$0")/common.sh"
setup_tiny_run 200
cd "$T"
SET=(--set optim.epochs=200 --set checkpoint.every_steps=1000)
"${MPIRUN[@]}" -np 2 "$G" --log-level info train tiny.yaml "${SET[@]}" >run.log 2>&1 &
job=$!
for _ in $(seq 1 240); do grep -q '"step":8,' run/metrics.jsonl 2>/dev/null && break; kill -0 $job 2>/dev/null || break; sleep 0.5; done
pid=$(sed -n 's/.*\[rank 1\].*rank 1 of 2 .*pid \([0-9]*\)).*/\1/p' run.log | head -n 1)
[ -n "$pid" ] || { kill -9 $job; fail "rank 1's pid not in the log"; }
kill -TERM "$pid"
wait $job; rc=$?
echo "job exited with $rc after SIGTERM to rank 1"
[ "$rc" = 143 ] || { tail -n 20 run.log; fail "exit code $rc, expected 143"; }
s0=$(sed -n 's/.*\[rank 0\].*stopped after step \([0-9]*\).*/\1/p' run.log)
s1=$(sed -n 's/.*\[rank 1\].*stopped after step \([0-9]*\).*/\1/p' run.log)
echo "rank 0 stopped after step $s0, rank 1 after step $s1"
[ -n "$s0" ] && [ "$s0" = "$s1" ] || fail "ranks stopped at different steps ('$s0' vs '$s1')"
[ -d "run/checkpoint-$s0" ] || fail "no checkpoint-$s0"
"${MPIRUN[@]}" -np 2 "$G" --log-level info train tiny.yaml "${SET[@]}" --auto-resume --stop-after-steps $((s0 + 2)) >resume.log 2>&1 \
  || { tail -n 20 resume.log; fail "resume failed"; }
grep -q "resumed from .*checkpoint-$s0 (step $s0" resume.log || fail "did not resume from step $s0"
[ -d "run/checkpoint-$((s0 + 2))" ] || fail "no checkpoint after resuming"
echo "PASS"
