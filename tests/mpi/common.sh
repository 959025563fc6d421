# Sourced by the mpirun tests: a tiny tokenizer, data and config in $T, and an mpirun command line.
# Usage in a test: G=$1 SRC=$2 DIFF=$3; source common.sh; setup_tiny_run [TRAIN_LINES]
set -u
fail() { echo "FAIL: $*"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# One intra-op thread per rank: ranks share the 2 cores; --bind-to none lets 3 ranks oversubscribe.
MPIRUN=(mpirun --oversubscribe --bind-to none -x OMP_NUM_THREADS=1 -x GTRAIN_FAULT)
export OMP_NUM_THREADS=1
export GTRAIN_FAULT=${GTRAIN_FAULT:-}

setup_tiny_run() {
  local lines=${1:-47}
  "$G" tokenizer train --input "$SRC/data/ko-medical/raw.txt" --model-prefix "$T/spm" --vocab-size 400 \
    --vocab-size-is-max >"$T/spm.log" 2>&1 || { cat "$T/spm.log"; fail "tokenizer train"; }
  head -n "$lines" "$SRC/data/ko-medical/train.jsonl" > "$T/train.jsonl"
  head -n 16 "$SRC/data/ko-medical/dev.jsonl" > "$T/dev.jsonl"
  # Deterministic: no dropout, no negative-span masking, so runs on different rank counts see the
  # same computation; one prepare cache shared by all runs.
  cat > "$T/tiny.yaml" <<Y
model:
  encoder: {hidden_size: 32, num_layers: 1, num_heads: 2, intermediate_size: 64, position_buckets: 16}
  tokenizer: spm.model
  max_width: 4
  dropout: 0
data:
  prepare:
    tokenizer: spm.model
    unit_mode: morph
    max_length: 96
    inputs:
      - {path: train.jsonl, format: gliner2, split: train}
  cache_dir: cache
optim: {encoder_lr: 1.0e-3, head_lr: 2.0e-3, epochs: 2, batch_size: 8, grad_accum: 2, warmup_ratio: 0.2,
        negative_masking_rate: 0, seed: 7}
early_stopping: {patience: 0}
checkpoint: {every_steps: 0, keep_last: 3}
log: {every_steps: 1, tensorboard: false, progress: plain}
comm: {timeout_s: 60}
output_dir: run
Y
}

# The newest checkpoint-* directory of a run directory.
last_checkpoint() { ls -d "$1"/checkpoint-* 2>/dev/null | sort -t- -k2 -n | tail -n 1; }
