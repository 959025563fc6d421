#!/usr/bin/env bash
# The launch scripts and sbatch templates under stand-in srun, scontrol and mpirun (no Slurm or
# remote nodes here). sbatch: a step that gtrain ends at the time-limit warning (exit 138, SIGUSR1
# from #SBATCH --signal) requeues the job and the script exits 0; any other exit is the job's,
# with no requeue; srun gets --cpus-per-task. Before 2026-12-07 the templates relied on --requeue,
# which Slurm does not apply at a time limit. launch/multinode.sh carries every NCCL_*, UCX_* and
# GTRAIN_* variable to the other nodes (before: three NCCL variables) and refuses an empty hostfile
# with a message (before: exit 1, silent).
G=$1; SRC=$2
source "$(dirname "$0")/common.sh"
mkdir -p "$T/bin"
cat > "$T/bin/srun" <<'S'
#!/usr/bin/env bash
echo "srun $*" >> "$CALLS"
exit "$FAKE_RC"
S
cat > "$T/bin/scontrol" <<'S'
#!/usr/bin/env bash
echo "scontrol $*" >> "$CALLS"
S
cat > "$T/bin/mpirun" <<'S'
#!/usr/bin/env bash
echo "mpirun $*" >> "$CALLS"
S
chmod +x "$T/bin/srun" "$T/bin/scontrol" "$T/bin/mpirun"
for f in "$SRC"/cluster/slurm/*.sbatch; do
  name=$(basename "$f")
  cpus=$(sed -n 's/^#SBATCH --cpus-per-task=//p' "$f")
  for rc in 0 1 138 143; do
    export CALLS="$T/calls-$name-$rc" FAKE_RC=$rc
    : > "$CALLS"
    PATH="$T/bin:$PATH" SLURM_SUBMIT_DIR="$SRC" SLURM_JOB_ID=4242 SLURM_CPUS_PER_TASK=$cpus \
      bash "$f" > "$T/out" 2>&1
    got=$?
    want=$rc; [ "$rc" = 138 ] && want=0
    [ "$got" = "$want" ] || { cat "$T/out"; fail "$name with a step exiting $rc: script exit $got, want $want"; }
    grep -q "^srun .*--cpus-per-task=$cpus .*build/gtrain train configs/" "$CALLS" ||
      { cat "$CALLS"; fail "$name: srun was not given --cpus-per-task=$cpus and the train command"; }
    if [ "$rc" = 138 ]; then
      grep -qx "scontrol requeue 4242" "$CALLS" || { cat "$CALLS"; fail "$name: exit 138 did not requeue the job"; }
    else
      ! grep -q "^scontrol" "$CALLS" || { cat "$CALLS"; fail "$name: exit $rc requeued the job"; }
    fi
  done
  echo "$name: requeues on 138 only; srun --cpus-per-task=$cpus"
done
export CALLS="$T/calls-multinode"
printf '# two nodes\nnode01 slots=2\n\nnode02 slots=2\n' > "$T/hosts"
PATH="$T/bin:$PATH" HOSTFILE="$T/hosts" GPUS_PER_NODE=2 NCCL_IB_GID_INDEX=3 UCX_TLS=rc GTRAIN_FAULT= \
  bash "$SRC/launch/multinode.sh" cfg.yaml --set a=b > "$T/out" 2>&1 || { cat "$T/out"; fail "multinode.sh"; }
for want in "-np 4 " "-x NCCL_IB_GID_INDEX " "-x UCX_TLS " "-x GTRAIN_FAULT " "-x NCCL_DEBUG=WARN " \
  "train cfg.yaml --auto-resume --set a=b"; do
  grep -qF -- "$want" "$CALLS" || { cat "$CALLS"; fail "multinode.sh: mpirun not given '$want'"; }
done
: > "$T/empty-hosts"
PATH="$T/bin:$PATH" HOSTFILE="$T/empty-hosts" bash "$SRC/launch/multinode.sh" cfg.yaml > "$T/out" 2>&1
rc=$?
[ "$rc" = 2 ] && grep -q "names no node" "$T/out" || { cat "$T/out"; fail "empty hostfile: exit $rc"; }
echo "multinode.sh: -np 4 over 2 nodes, NCCL_/UCX_/GTRAIN_ variables carried; an empty hostfile refused"
echo OK
