#!/usr/bin/env bash
# `gtrain train` refuses bad configs before training starts, naming the key / file.
set -u
G=$1; SRC=$2
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
expect_error() {  # expect_error PATTERN CMD...: non-zero exit, PATTERN in stderr, no run started
  local pat=$1; shift
  if "$@" >"$T/out" 2>"$T/err"; then fail "succeeded: $*"; fi
  grep -q -- "$pat" "$T/err" || { cat "$T/err"; fail "message lacks '$pat': $*"; }
  [ ! -e "$T/run/metrics.jsonl" ] || fail "training started: $*"
}
printf 'x\n' > "$T/spm.model"
printf 'x\n' > "$T/train.h5"
cat > "$T/base.yaml" <<Y
model: {tokenizer: spm.model}
data: {train: train.h5}
output_dir: run
Y
cat > "$T/typo.yaml" <<Y
model: {tokenizer: spm.model}
data: {train: train.h5}
optim: {encoder_rl: 1.0e-5}
output_dir: run
Y
expect_error "typo.yaml:3" "$G" train "$T/typo.yaml"
expect_error "did you mean 'encoder_lr'" "$G" train "$T/typo.yaml"
expect_error "optim.head_lr" "$G" train "$T/base.yaml" --set optim.head_rl=1
cat > "$T/missing.yaml" <<Y
model: {tokenizer: spm.model}
data: {train: nowhere.h5}
output_dir: run
Y
expect_error "nowhere.h5" "$G" train "$T/missing.yaml"
cat > "$T/nolabels.yaml" <<Y
model: {tokenizer: spm.model}
data: {train: train.h5, labels: []}
output_dir: run
Y
expect_error "labels" "$G" train "$T/nolabels.yaml"
expect_error "optim.batch_size" "$G" train "$T/base.yaml" --set optim.batch_size=many
echo OK
