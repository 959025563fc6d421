#!/usr/bin/env bash
# `gtrain sweep` in one process on a tiny model (a few seconds per trial): a searched optim.epochs
# is what each trial trains when ASHA is off; --resume with an edited sweep file is refused; a
# sweep without a dev split is refused, and a trial that never evaluated on dev fails instead of
# reporting a score; ASHA in steps needs max_budget and stops a trial there.
G=$1; SRC=$2
source "$(dirname "$0")/common.sh"
export OMP_NUM_THREADS=1
# 24 rows, batch 8 x accumulation 1: 3 steps per epoch.
tiny_run 24 8
cat >> "$T/tiny.yaml" <<Y
optim: {encoder_lr: 1.0e-3, head_lr: 2.0e-3, epochs: 2, batch_size: 8, grad_accum: 1, seed: 7}
early_stopping: {patience: 0}
checkpoint: {keep_last: 1}
log: {tensorboard: false, progress: plain}
output_dir: run
Y
cd "$T"
show() { tail -n 30 "$1"; }
# ended DIR TRIAL KEY: KEY of the trial's trial_end record in DIR/journal.jsonl
ended() {
  python3 - "$@" <<'PY'
import json, sys
d, trial, key = sys.argv[1], int(sys.argv[2]), sys.argv[3]
v = None
for line in open(f"{d}/journal.jsonl"):
    r = json.loads(line)
    if r.get("event") == "trial_end" and r["trial"] == trial:
        v = r.get(key)
print(v if not isinstance(v, float) or v != int(v) else int(v))
PY
}
# field FILE KEY: the value of a "key: value" line of a resolved config
field() { sed -n "s/^ *$2: *//p" "$1" | head -n 1; }

# A searched optim.epochs with ASHA off: every trial trains its own epochs, as best_config.yaml says.
cat > epochs.yaml <<Y
base: tiny.yaml
space: {optim.epochs: {type: choice, values: [1, 3]}}
method: grid
asha: {enabled: false}
output_dir: epochs
Y
"$G" sweep epochs.yaml >epochs.log 2>&1 || { show epochs.log; fail "sweep over optim.epochs"; }
[ "$(field epochs/trials/trial-0000/config.yaml epochs)" = 1 ] || fail "trial 0 did not train its 1 epoch"
[ "$(field epochs/trials/trial-0001/config.yaml epochs)" = 3 ] || fail "trial 1 did not train its 3 epochs"
[ "$(ended epochs 0 steps)" = 3 ] || fail "trial 0 did not take 1 epoch x 3 steps"
[ "$(ended epochs 1 steps)" = 9 ] || fail "trial 1 did not take 3 epochs x 3 steps"
# --resume of that sweep: unchanged, nothing runs again; edited, the journal's trials no longer
# match the file's: refused naming the journal and the first trial that differs.
"$G" sweep epochs.yaml --resume >resume.log 2>&1 || { show resume.log; fail "resume of an ended sweep"; }
grep -q "2 trial(s) already ended, 0 to run" resume.log || fail "the resume ran trials again"
sed 's/values: \[1, 3\]/values: [2, 3]/' epochs.yaml > edited.yaml
expect_error "epochs/journal.jsonl.*trial 0.*optim.epochs=1" "$G" sweep edited.yaml --resume
sed 's/values: \[1, 3\]/values: [1]/' epochs.yaml > dropped.yaml
expect_error "epochs/journal.jsonl.*trial 1" "$G" sweep dropped.yaml --resume
# An edited base config: its trials would be ranked with the old ones (before 2026-12-07 the
# resume ran, mixing batch 8 and batch 4 trials in one leaderboard).
cp tiny.yaml tiny.orig
sed -i 's/batch_size: 8/batch_size: 4/' tiny.yaml
expect_error "epochs/journal.jsonl.*another base config.*batch_size: 8', now 'batch_size: 4'" "$G" sweep epochs.yaml --resume
mv tiny.orig tiny.yaml
"$G" sweep epochs.yaml --resume >resume2.log 2>&1 || { show resume2.log; fail "resume with the base as it was"; }
echo "set: {optim.batch_size: 4}" >> edited.yaml
sed 's/values: \[2, 3\]/values: [1, 3]/' edited.yaml > reset.yaml
expect_error "epochs/journal.jsonl.*optim.batch_size=4" "$G" sweep reset.yaml --resume

# No dev split to rank trials by: refused before any trial runs, naming the config and data.dev.
grep -v "dev.jsonl" tiny.yaml > nodev.yaml
sed 's/base: tiny.yaml/base: nodev.yaml/; s/output_dir: epochs/output_dir: nodev/' epochs.yaml > nodev-sweep.yaml
expect_error "nodev.yaml.*data.dev" "$G" sweep nodev-sweep.yaml
[ ! -e nodev/trials ] && [ ! -e nodev/best_config.yaml ] || fail "a sweep without a dev split ran trials"
# A trial whose eval.every_steps is past its last step is evaluated after that step (it used to
# end with no dev score and fail): it completes with a score, as the one evaluated every step does.
sed 's/output_dir: epochs/output_dir: noeval/; s/^space:.*/space: {eval.every_steps: {type: choice, values: [1000, 1]}}/' \
  epochs.yaml > noeval.yaml
"$G" sweep noeval.yaml >noeval.log 2>&1 || { show noeval.log; fail "sweep with a trial evaluated only at its end"; }
for t in 0 1; do
  [ "$(ended noeval $t status)" = completed ] || fail "trial $t did not complete: $(ended noeval $t error)"
done
dev_steps=$(python3 -c 'import json,sys; print(*[r["step"] for r in map(json.loads, open(sys.argv[1])) if r.get("split") == "dev"])' \
  noeval/trials/trial-0000/metrics.jsonl)
[ "$dev_steps" = 6 ] || fail "trial 0 was evaluated at steps '$dev_steps', not once after its last step 6"

# ASHA in steps: max_budget is required, and a trial stops there (2 epochs x 3 steps would be 6).
sed 's/output_dir: epochs/output_dir: steps/; s/^space:.*/space: {optim.head_lr: {type: choice, values: [2.0e-3]}}/' \
  epochs.yaml > steps.yaml
sed -i 's/^asha:.*/asha: {enabled: true, grace_period: 1, reduction_factor: 2, unit: steps}/' steps.yaml
echo "set: {eval.every_steps: 1}" >> steps.yaml
expect_error "steps.yaml.*asha.max_budget" "$G" sweep steps.yaml
sed -i 's/unit: steps}/unit: steps, max_budget: 4}/' steps.yaml
"$G" sweep steps.yaml >steps.log 2>&1 || { show steps.log; fail "sweep in steps"; }
[ "$(ended steps 0 status)" = completed ] || fail "the trial in steps did not complete"
[ "$(ended steps 0 steps)" = 4 ] || fail "the trial trained $(ended steps 0 steps) steps, not max_budget 4"
grep -q '"event":"rung".*"rung":1' steps/journal.jsonl || fail "no report at rung 1 (2 steps)"

# --set and --output-dir on the command line: every trial trains with the --set (after the file's
# set:), the sweep writes where --output-dir says, and a searched key is refused.
"$G" sweep steps.yaml --set optim.batch_size=4 --output-dir moved >moved.log 2>&1 || { show moved.log; fail "sweep with --set"; }
[ -f moved/leaderboard.md ] || fail "no leaderboard in --output-dir"
[ "$(field moved/trials/trial-0000/config.yaml batch_size)" = 4 ] || fail "the trial did not train with --set optim.batch_size=4"
expect_error "searched by the sweep's space" "$G" sweep steps.yaml --set optim.head_lr=0.1 --output-dir refused
[ ! -e refused ] || fail "a refused --set left a sweep folder"

# A sweep in which no trial completed exits non-zero and names no best configuration (before
# 2026-12-07 it exited 0 and printed the path of a best_config.yaml it had not written).
"$G" sweep steps.yaml --set optim.encoder_lr=1.0e30 --output-dir diverged \
  >diverged.log 2>&1 && { show diverged.log; fail "a sweep whose every trial failed exited 0"; }
[ "$(ended diverged 0 status)" = failed ] || { show diverged.log; fail "the diverging trial did not fail"; }
grep -q "no trial completed" diverged.log || { show diverged.log; fail "no message that no trial completed"; }
! grep -q "best config: " diverged.log || fail "a best config named although none was written"
[ ! -e diverged/best_config.yaml ] || fail "best_config.yaml written without a completed trial"
[ -f diverged/leaderboard.md ] || fail "no leaderboard for the failed sweep"
# A trial that failed for a cause since fixed (here an injected fault, GTRAIN_FAULT): plain --resume
# counts it as ended, --resume --retry-failed runs it again (before 2026-12-07 it could not).
GTRAIN_FAULT=0:0:throw "$G" sweep steps.yaml --output-dir retry >retry-fault.log 2>&1 && fail "the faulted sweep exited 0"
[ "$(ended retry 0 status)" = failed ] || { show retry-fault.log; fail "the injected fault did not fail the trial"; }
"$G" sweep steps.yaml --output-dir retry --resume >retry0.log 2>&1
grep -q "1 trial(s) already ended, 0 to run" retry0.log || { show retry0.log; fail "--resume ran a failed trial again"; }
"$G" sweep steps.yaml --output-dir retry --resume --retry-failed >retry.log 2>&1 || { show retry.log; fail "--retry-failed"; }
[ "$(ended retry 0 status)" = completed ] || { show retry.log; fail "the retried trial did not complete"; }
[ -f retry/best_config.yaml ] || fail "no best_config.yaml after the retried trial completed"
expect_error "requires --resume" "$G" sweep steps.yaml --output-dir retry --retry-failed

echo PASS
