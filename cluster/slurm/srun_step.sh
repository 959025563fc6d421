#!/usr/bin/env bash
# The sbatch scripts' one srun step: `srun ARGS...`, then the job is put back in the queue when
# gtrain stopped at the time-limit warning. #SBATCH --signal=USR1@S sends SIGUSR1 S seconds before
# the limit; gtrain checkpoints and exits 138, and `scontrol requeue` starts the job again, which
# resumes from that checkpoint (--auto-resume). #SBATCH --requeue alone covers node failure and
# preemption only, not the time limit. Any other exit status is the job's.
#   bash cluster/slurm/srun_step.sh [srun options] build/gtrain train CONFIG --auto-resume
set -uo pipefail
rc=0
srun --cpus-per-task="${SLURM_CPUS_PER_TASK:-1}" "$@" || rc=$?
if [ "$rc" = 138 ]; then
  echo "gtrain checkpointed at the time-limit warning (exit 138): requeueing job ${SLURM_JOB_ID}" >&2
  scontrol requeue "${SLURM_JOB_ID}" && exit 0
  echo "scontrol requeue failed: resubmit this script to continue (it resumes from the checkpoint)" >&2
fi
exit "$rc"
