#!/usr/bin/env bash
# `gtrain train` refuses bad configs before training starts, naming the key / file.
G=$1; SRC=$2
source "$(dirname "$0")/common.sh"
expect_train_error() {  # expect_error, and no run started
  expect_error "$@"
  [ ! -e "$T/run/metrics.jsonl" ] || fail "training started: ${*:2}"
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
expect_train_error "typo.yaml:3" "$G" train "$T/typo.yaml"
expect_train_error "did you mean 'encoder_lr'" "$G" train "$T/typo.yaml"
expect_train_error "optim.head_lr" "$G" train "$T/base.yaml" --set optim.head_rl=1
cat > "$T/missing.yaml" <<Y
model: {tokenizer: spm.model}
data: {train: nowhere.h5}
output_dir: run
Y
expect_train_error "nowhere.h5" "$G" train "$T/missing.yaml"
cat > "$T/nolabels.yaml" <<Y
model: {tokenizer: spm.model}
data: {train: train.h5, labels: []}
output_dir: run
Y
expect_train_error "labels" "$G" train "$T/nolabels.yaml"
expect_train_error "optim.batch_size" "$G" train "$T/base.yaml" --set optim.batch_size=many
# A mistyped --log-level is refused: spdlog reads an unknown level as "off", which hid every error.
expect_error "log-level: verbose not in" "$G" --log-level verbose train "$T/nope.yaml"
echo OK
