#!/usr/bin/env bash
# Bad configs and inputs fail before writing anything, with a message naming file, line and field.
G=$1; SRC=$2
source "$(dirname "$0")/common.sh"
printf '{"input": "당뇨병 환자", "output": {"entities": {"Disease": ["당뇨병"]}}}\n' > "$T/ok.jsonl"
printf '[PAD]\n[UNK]\n[CLS]\n[SEP]\n당\n##뇨\n##병\n환\n##자\n' > "$T/vocab.txt"

cat > "$T/typo.yaml" <<Y
tokenizer: vocab.txt
outptu: out
inputs: [{path: ok.jsonl}]
Y
expect_error "typo.yaml:2: field 'outptu'" "$G" prepare "$T/typo.yaml"
expect_error "did you mean 'output'" "$G" prepare "$T/typo.yaml"

cat > "$T/missing.yaml" <<Y
tokenizer: vocab.txt
output: out
inputs: [{path: nope.jsonl}]
Y
expect_error "nope.jsonl" "$G" prepare "$T/missing.yaml"

cat > "$T/badtype.yaml" <<Y
tokenizer: vocab.txt
output: out
max_length: lots
inputs: [{path: ok.jsonl}]
Y
expect_error "badtype.yaml:3: field 'max_length'" "$G" prepare "$T/badtype.yaml"

cat > "$T/badmode.yaml" <<Y
tokenizer: vocab.txt
output: out
unit_mode: syllable
inputs: [{path: ok.jsonl}]
Y
expect_error "unit_mode" "$G" prepare "$T/badmode.yaml"

# Unknown label against a configured label set: names the file, line and label; no output left.
printf '{"input": "아스피린 복용", "output": {"entities": {"Drug": ["아스피린"]}}}\n' > "$T/drug.jsonl"
expect_error "drug.jsonl:1" "$G" prepare -i "$T/drug.jsonl" -t "$T/vocab.txt" --labels Disease -o "$T/out1"
[ ! -e "$T/out1/train.h5" ] || fail "half-written output after a failure"
ls "$T/out1" 2>/dev/null | grep -q tmp && fail "temp file left behind"

# --on-error skip: the bad example goes to rejects.jsonl and the count is printed.
cat "$T/ok.jsonl" "$T/drug.jsonl" > "$T/mixed.jsonl"
"$G" prepare -i "$T/mixed.jsonl" -t "$T/vocab.txt" --labels Disease -o "$T/out2" --on-error skip > "$T/out" 2>&1 \
  || { cat "$T/out"; fail "skip mode failed"; }
grep -q "rejected records: 1," "$T/out" || { cat "$T/out"; fail "reject count not printed"; }
[ "$(wc -l < "$T/out2/rejects.jsonl")" = 1 ] || fail "rejects.jsonl should hold 1 line"
[ -s "$T/out2/train.h5" ] || fail "train.h5 not written"
# Issue 12: an empty or blank-only input is an error naming the file, and nothing is written.
printf '\n  \n\n' > "$T/blank.jsonl"
cat > "$T/blank.yaml" <<Y
tokenizer: vocab.txt
output: out-blank
labels: [Disease]
inputs: [{path: blank.jsonl, format: gliner2}]
Y
expect_error "blank.jsonl.*no examples" "$G" prepare "$T/blank.yaml"
[ ! -e "$T/out-blank/train.h5" ] || fail "blank input wrote train.h5"
# A temporary left by a killed prepare (its process no longer runs) is removed by the next one.
cat > "$T/good.yaml" <<Y
tokenizer: vocab.txt
output: out-good
inputs: [{path: ok.jsonl}]
Y
mkdir -p "$T/out-good"
sh -c 'exit 0' & dead=$!; wait $dead
head -c 100000 /dev/zero > "$T/out-good/train.h5.tmp.$dead"
"$G" prepare "$T/good.yaml" > /dev/null 2>&1 || fail "prepare of ok.jsonl"
[ ! -e "$T/out-good/train.h5.tmp.$dead" ] || fail "stale train.h5.tmp.$dead left in place"
[ -f "$T/out-good/train.h5" ] || fail "no train.h5"
# Issue 13: InputExample records ({"text", "entities": {...}}) are guessed as GLiNER2; a mention
# not in its text is dropped (default policy), counted per label and listed in rejects.jsonl; the
# record and its other mentions stay. `fail` stops at it, naming file:line:field.
printf '{"text": "당뇨병 환자", "entities": {"Disease": ["당뇨병", "당뇨 병증"]}}\n' > "$T/miss.jsonl"
"$G" prepare -i "$T/miss.jsonl" -t "$T/vocab.txt" -o "$T/out-miss" > "$T/out" 2>&1 || { cat "$T/out"; fail "prepare with an unmatched mention"; }
grep -q "input 1 format: gliner2 (guessed)" "$T/out" || { cat "$T/out"; fail "guessed format not printed"; }
grep -q "mentions listed 2: exact 1, case-insensitive 0, normalized 0, not found 1" "$T/out" || { cat "$T/out"; fail "matching counts"; }
grep -q "mentions dropped 1 (Disease 1)" "$T/out" || { cat "$T/out"; fail "per-label drop count"; }
grep -q '"kind":"mention".*"field":"entities.Disease\[1\]".*"mention":"당뇨 병증"' "$T/out-miss/rejects.jsonl" \
  || { cat "$T/out-miss/rejects.jsonl"; fail "dropped mention not listed"; }
[ -s "$T/out-miss/train.h5" ] || fail "the record was not kept"
expect_error "miss.jsonl:1: field 'entities.Disease\[1\]'" "$G" prepare -i "$T/miss.jsonl" -t "$T/vocab.txt" -o "$T/out-miss2" --unmatched-mentions fail
expect_error "unmatched-mentions.*must be drop" "$G" prepare -i "$T/miss.jsonl" -t "$T/vocab.txt" -o "$T/out-miss3" --unmatched-mentions ignore
echo "prepare_errors: all checks passed"
