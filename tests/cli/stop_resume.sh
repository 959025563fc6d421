#!/usr/bin/env bash
# Stopping and continuing one run, as a user does it (before 2026-12-07 each of these failed):
#   Ctrl-C stops after the current step with a checkpoint (exit 130), and the run continues
#   from it (SIGINT was not caught: no checkpoint, up to an epoch lost);
#   a second `gtrain train` on the folder of a live run is refused, naming it (both ran, into
#   one metrics.jsonl and over each other's checkpoints);
#   --stop-after-steps counts the run's steps: repeated unchanged after a resume it is an error
#   naming the flag (it took one more step and stopped again);
#   after a kill -9 and a resume, metrics.jsonl holds each step once (the rows logged after the
#   last checkpoint were there twice), and a fresh run's file starts empty (it was appended to).
G=$1; SRC=$2
source "$(dirname "$0")/common.sh"
export OMP_NUM_THREADS=1
tiny_run 200 0
cat >> "$T/tiny.yaml" <<Y
optim: {epochs: 400, batch_size: 8, grad_accum: 1, seed: 7}
early_stopping: {patience: 0}
checkpoint: {every_steps: 100000, keep_last: 2}
log: {every_steps: 1, tensorboard: false, progress: plain}
output_dir: run
Y
cd "$T"
# A long run in the background; Ctrl-C (SIGINT) once it has taken a few steps.
"$G" train tiny.yaml >run.log 2>&1 &
job=$!
trap 'kill -9 $job 2>/dev/null; rm -rf "$T"' EXIT  # a failed check leaves no run behind
for _ in $(seq 1 240); do grep -q '"step":5,' run/metrics.jsonl 2>/dev/null && break; kill -0 $job 2>/dev/null || break; sleep 0.25; done
kill -0 $job 2>/dev/null || { tail -n 20 run.log; fail "the run ended before it could be stopped"; }
# While it runs, a second run on its folder is refused, and leaves its files alone.
expect_error "output_dir .*run is in use by pid $job on " "$G" train tiny.yaml --auto-resume
kill -INT $job
wait $job; rc=$?
[ "$rc" = 130 ] || { tail -n 20 run.log; fail "Ctrl-C: exit $rc, not 130"; }
step=$(sed -n 's/.*stopped after step \([0-9]*\).*/\1/p' run.log | head -n 1)
[ -n "$step" ] && [ -d "run/checkpoint-$step" ] || { tail -n 20 run.log; fail "Ctrl-C left no checkpoint (step '$step')"; }
echo "Ctrl-C: exit 130, checkpoint-$step"
# The run continues from it, to a later step.
"$G" train tiny.yaml --resume --stop-after-steps $((step + 3)) >resume.log 2>&1 || { tail -n 20 resume.log; fail "resume"; }
grep -q "resumed from .*checkpoint-$step (step $step" resume.log || { tail -n 5 resume.log; fail "did not resume from step $step"; }
[ -d "run/checkpoint-$((step + 3))" ] || fail "no checkpoint-$((step + 3)) after --stop-after-steps $((step + 3))"
! grep -q "differs from the run's" resume.log || fail "a resume with the same config warned of a change"
# A resume with another config says which keys changed and keeps the earlier config.yaml (before
# 2026-12-07 it was replaced unsaid).
"$G" train tiny.yaml --resume --stop-after-steps $((step + 4)) --set optim.head_lr=0.01 >changed.log 2>&1 ||
  { tail -n 20 changed.log; fail "resume with a changed config"; }
grep -q "resuming with a config that differs from the run's: optim.head_lr: 0.0005 -> 0.01" changed.log ||
  { grep -i "differs\|warn" changed.log; fail "the changed key was not named"; }
grep -q "head_lr: 0.0005" run/config.yaml.previous && grep -q "head_lr: 0.01" run/config.yaml ||
  fail "config.yaml.previous / config.yaml do not hold the old / new head_lr"
# The same --stop-after-steps again: the run is already there.
expect_error "field '--stop-after-steps': $((step + 3)) is not past step $((step + 4))" \
  "$G" train tiny.yaml --resume --stop-after-steps $((step + 3)) --set optim.head_lr=0.01
[ ! -d "run/checkpoint-$((step + 5))" ] || fail "a refused --stop-after-steps trained a step"
# kill -9 between checkpoints: the resumed run trains those steps again, and metrics.jsonl has
# each step's row once, as an uninterrupted run's.
"$G" train tiny.yaml --set output_dir=killed --set checkpoint.every_steps=4 >killed.log 2>&1 &
job=$!
for _ in $(seq 1 240); do grep -q '"step":10,' killed/metrics.jsonl 2>/dev/null && break; kill -0 $job 2>/dev/null || break; sleep 0.1; done
kill -9 $job; wait $job 2>/dev/null
last=$(ls -d killed/checkpoint-* | sed 's/.*-//' | sort -n | tail -n 1)
logged=$(grep -c '"split":"train"' killed/metrics.jsonl)
[ "$logged" -gt "$last" ] || fail "the killed run logged $logged steps, not past its checkpoint $last: nothing to test"
"$G" train tiny.yaml --set output_dir=killed --set checkpoint.every_steps=4 --auto-resume --stop-after-steps 16 \
  >killed-resume.log 2>&1 || { tail -n 20 killed-resume.log; fail "resume after kill -9"; }
steps=$(python3 -c 'import json,sys; print(" ".join(str(r["step"]) for r in map(json.loads, open(sys.argv[1])) if r["split"] == "train"))' killed/metrics.jsonl)
[ "$steps" = "$(seq -s ' ' 1 16)" ] || fail "metrics.jsonl train steps after kill -9 at $logged (checkpoint $last) and resume: $steps"
echo "kill -9 after step $logged (checkpoint-$last), resumed to 16: each step logged once"
# A fresh run in a folder whose earlier run left no checkpoint starts its own metrics.jsonl.
rm -rf killed/checkpoint-* killed/best
"$G" train tiny.yaml --set output_dir=killed --stop-after-steps 2 >fresh.log 2>&1 || { tail -n 20 fresh.log; fail "fresh run"; }
[ "$(grep -c '"split":"train"' killed/metrics.jsonl)" = 2 ] || fail "a fresh run appended to an earlier run's metrics.jsonl"
[ "$(grep -c '"split":"train"' killed/metrics.jsonl.previous)" = 16 ] || fail "the earlier rows were not kept aside"
echo OK
