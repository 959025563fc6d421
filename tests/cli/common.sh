# Sourced by the CLI tests: a temp dir $T removed at exit, fail, expect_error, require_fixture.
# Usage in a test: G=$1; SRC=$2; source "$(dirname "$0")/common.sh"
set -u
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
expect_error() {  # expect_error PATTERN CMD...: non-zero exit and PATTERN in stderr
  local pat=$1; shift
  if "$@" >"$T/out" 2>"$T/err"; then fail "succeeded: $*"; fi
  grep -q -- "$pat" "$T/err" || { cat "$T/err"; fail "message lacks '$pat': $*"; }
}
require_fixture() {  # require_fixture NAME: FX=../shared/fixtures/NAME, or skip (ctest code 77)
  FX="$SRC/../shared/fixtures/$1"
  [ -f "$FX/model.safetensors" ] || { echo "SKIP: fixtures absent ($FX)"; exit 77; }
}
tiny_run() {  # tiny_run TRAIN_LINES DEV_LINES: $T/spm.model, $T/train.jsonl (and dev.jsonl), and
  # $T/tiny.yaml's model and data sections for a tiny from-scratch model; the test appends the rest.
  local train=$1 dev=$2
  "$G" tokenizer train --input "$SRC/data/ko-medical/raw.txt" --model-prefix "$T/spm" --vocab-size 400 \
    --vocab-size-is-max >"$T/spm.log" 2>&1 || { cat "$T/spm.log"; fail "tokenizer train"; }
  head -n "$train" "$SRC/data/ko-medical/train.jsonl" > "$T/train.jsonl"
  [ "$dev" = 0 ] || head -n "$dev" "$SRC/data/ko-medical/dev.jsonl" > "$T/dev.jsonl"
  cat > "$T/tiny.yaml" <<Y
model:
  encoder: {hidden_size: 32, num_layers: 1, num_heads: 2, intermediate_size: 64, position_buckets: 16}
  tokenizer: spm.model
  max_width: 4
data:
  prepare:
    tokenizer: spm.model
    max_length: 96
    inputs:
      - {path: train.jsonl, format: gliner2, split: train}
Y
  [ "$dev" = 0 ] || echo "      - {path: dev.jsonl, format: gliner2, split: dev}" >> "$T/tiny.yaml"
  echo "  cache_dir: cache" >> "$T/tiny.yaml"
}
