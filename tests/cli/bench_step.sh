#!/usr/bin/env bash
# `gtrain bench step` at the toy shape: the split and the median are printed, --sorted batches as
# the trainer does (under 5% padding where unsorted draws leave ~25%), every --encoder family runs,
# bad options are refused; `bench gemm` prints both libraries' rate for every shape.
G=$1; SRC=$2
source "$(dirname "$0")/common.sh"
padding() { sed -n 's/.*padding \([0-9.]*\)% of the batch tensor.*/\1/p' "$1"; }
"$G" bench step --shape toy --steps 6 --warmup 1 --threads 1 >"$T/plain.txt" 2>&1 || { cat "$T/plain.txt"; fail "bench step"; }
"$G" bench step --shape toy --steps 6 --warmup 1 --threads 1 --sorted >"$T/sorted.txt" 2>&1 \
  || { cat "$T/sorted.txt"; fail "bench step --sorted"; }
cat "$T/sorted.txt"
grep -Eq "^  step +[0-9.]+ ms  \(mean; median [0-9.]+ ms, min [0-9.]+, max [0-9.]+\)" "$T/sorted.txt" || fail "no step line with the median"
for k in forward backward optimizer; do grep -q "^    $k " "$T/sorted.txt" || fail "no $k line"; done
p=$(padding "$T/plain.txt") s=$(padding "$T/sorted.txt")
echo "padding: unsorted $p%, sorted $s%"
awk -v p="$p" -v s="$s" 'BEGIN { exit !(s < 5 && p > s) }' || fail "--sorted padding $s% (unsorted $p%): not under 5% and below unsorted"
# Each encoder family at the toy shape: the report names it and counts its own parameters.
declare -A params
for enc in deberta bert roberta electra xlm-roberta; do
  "$G" bench step --shape toy --encoder "$enc" --steps 1 --warmup 0 --threads 1 >"$T/$enc.txt" 2>&1 \
    || { cat "$T/$enc.txt"; fail "bench step --encoder $enc"; }
  grep -q "shape toy, $enc encoder (" "$T/$enc.txt" || { cat "$T/$enc.txt"; fail "$enc: report does not name the encoder"; }
  params[$enc]=$(sed -n 's/.* encoder (\([0-9]*\) parameters).*/\1/p' "$T/$enc.txt")
done
[ "${params[bert]}" != "${params[deberta]}" ] || fail "bert and deberta benches have the same parameter count"
# --cpu-matmul torch: the report says which library did the products.
"$G" bench step --shape toy --steps 1 --warmup 0 --threads 1 --cpu-matmul torch >"$T/torchmm.txt" 2>&1 \
  || { cat "$T/torchmm.txt"; fail "bench step --cpu-matmul torch"; }
grep -q "^    matmul      torch's" "$T/torchmm.txt" || { cat "$T/torchmm.txt"; fail "--cpu-matmul torch not reported"; }
expect_error "cpu-matmul" "$G" bench step --shape toy --steps 1 --cpu-matmul nosuch
"$G" bench gemm --threads 1 --reps 2 >"$T/gemm.txt" 2>&1 || { cat "$T/gemm.txt"; fail "bench gemm"; }
cat "$T/gemm.txt"
rows=$(grep -cE "^(square|xsmall|small|attention).* [0-9]+\.[0-9] +([0-9]+\.[0-9]+ +[0-9.]+x|n/a)$" "$T/gemm.txt")
[ "$rows" = 8 ] || fail "bench gemm: $rows of 8 shape rows with rates"
grep -q "^command: gtrain bench gemm --threads 1 --reps 2" "$T/gemm.txt" || fail "bench gemm: no command line"
expect_error "replay them with --encoder deberta" "$G" bench step --shape toy --encoder bert --steps 1 --batches /dev/null
expect_error "steps" "$G" bench step --shape toy --steps 0
expect_error "unknown shape" "$G" bench step --shape nosuch --steps 1
echo PASS
