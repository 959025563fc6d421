#!/usr/bin/env bash
# Every rank failure ends the whole job with a message naming the rank, never a hang:
#   an exception on rank 1          -> "rank 1 failed: ..." and a non-zero exit, quickly;
#   rank 1 stuck (hangs forever)    -> rank 0's collective times out after comm.timeout_s;
#   rank 1 exits without a word     -> the launcher ends the job.
G=$1; SRC=$2; DIFF=$3
source "$(dirname "$0")/common.sh"
setup_tiny_run 47
cd "$T"
drill() {  # drill NAME FAULT MAX_SECONDS PATTERN
  local name=$1 fault=$2 max=$3 pat=$4
  local t0 rc dt
  t0=$(date +%s)
  GTRAIN_FAULT=$fault timeout 120 "${MPIRUN[@]}" -np 2 "$G" train tiny.yaml --set optim.epochs=50 \
    --set comm.timeout_s=10 --set output_dir="$name" >"$name.log" 2>&1
  rc=$?
  dt=$(( $(date +%s) - t0 ))
  echo "$name: exit $rc after $dt s"
  [ "$rc" != 0 ] || fail "$name: job exited 0"
  [ "$rc" != 124 ] || { tail -n 20 "$name.log"; fail "$name: job hung (killed by timeout 120)"; }
  [ "$dt" -le "$max" ] || fail "$name: took $dt s (> $max s)"
  grep -Eq "$pat" "$name.log" || { tail -n 20 "$name.log"; fail "$name: no message matching '$pat'"; }
  grep -E "$pat" "$name.log" | head -n 2
}
drill throw 1:3:throw 60 "rank 1 failed: injected fault"
drill hang 1:3:hang 60 "rank 0: .* did not finish within 10 s"
drill crash 1:3:exit 60 "exited|non-zero|returned"
# A launcher whose ranks MPI does not join (srun's PMI not the one this MPI speaks) leaves each
# process a world of one: gtrain ends instead of training alone N times into one output_dir.
SLURM_PROCID=1 SLURM_STEP_ID=0 SLURM_STEP_NUM_TASKS=2 SLURM_NTASKS=2 timeout 60 "$G" train tiny.yaml \
  --set output_dir=mismatch >mismatch.log 2>&1
rc=$?
[ "$rc" != 0 ] && [ "$rc" != 124 ] || { tail -n 5 mismatch.log; fail "a 2-task srun step that MPI joined as 1: exit $rc"; }
grep -q "started 2 ranks but MPI joined 1" mismatch.log || { tail -n 5 mismatch.log; fail "mismatch: no message"; }
[ ! -e mismatch ] || fail "mismatch: the run wrote its output_dir"
echo "mismatch: exit $rc, $(grep -o 'started 2 ranks but MPI joined 1' mismatch.log)"
echo "PASS"
