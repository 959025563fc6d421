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
# A skipped line that is not UTF-8 is listed in rejects.jsonl as valid JSON (its bad bytes as
# U+FFFD), and the run succeeds (it used to fail writing the list, after publishing the splits).
{ cat "$T/ok.jsonl"; printf '{"input": "x \xff", "output": {"entities": {"Disease": []}}}\n'; } > "$T/badutf.jsonl"
"$G" prepare -i "$T/badutf.jsonl" -t "$T/vocab.txt" --labels Disease -o "$T/out-utf" --on-error skip > "$T/out" 2>&1 \
  || { cat "$T/out"; fail "skip mode with a line that is not UTF-8 failed"; }
python3 - "$T/out-utf/rejects.jsonl" <<'PY' || fail "rejects.jsonl does not list the line that is not UTF-8"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert len(rows) == 1 and rows[0]["kind"] == "record" and "\ufffd" in rows[0]["raw"], rows
assert rows[0]["origin"].endswith("badutf.jsonl:2"), rows
PY
[ -s "$T/out-utf/train.h5" ] || fail "train.h5 not written"
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
# Label lists: an empty or repeated name is refused, in the config (file:line) and in --labels
# (two ids for one name would file every span under the last one).
cat > "$T/duplabel.yaml" <<Y
tokenizer: vocab.txt
output: out-dup
labels: [Disease, {name: Disease, description: 질병}]
inputs: [{path: ok.jsonl}]
Y
expect_error "duplabel.yaml:3: field 'labels\[1\]': label 'Disease' is listed twice" "$G" prepare "$T/duplabel.yaml"
sed -e 's/labels: .*/labels: [Disease, ""]/' "$T/duplabel.yaml" > "$T/emptylabel.yaml"
expect_error "emptylabel.yaml:3: field 'labels\[1\]': label name is empty" "$G" prepare "$T/emptylabel.yaml"
expect_error "] field '--labels': 'Disease' is named twice" "$G" prepare -i "$T/ok.jsonl" -t "$T/vocab.txt" --labels "Disease,Disease" -o "$T/out-dup"
# An empty name between commas is an error, as an empty name in a config's labels is.
expect_error "] field '--labels': a label name is empty in 'Disease,,Drug'" "$G" prepare -i "$T/ok.jsonl" -t "$T/vocab.txt" --labels "Disease,,Drug" -o "$T/out-empty"
# The space after a comma is not part of a name: "Disease, Drug" allows Drug.
"$G" prepare -i "$T/mixed.jsonl" -t "$T/vocab.txt" --labels "Disease, Drug" -o "$T/out-trim" > "$T/out" 2>&1 \
  || { cat "$T/out"; fail "--labels 'Disease, Drug'"; }
# Blank texts and entities over white space only are errors naming the line and field.
printf '{"text": "당뇨병 환자", "entities": []}\n{"text": " \\t ", "entities": []}\n' > "$T/blanktext.jsonl"
expect_error "blanktext.jsonl:2: field 'text': text holds only white space" "$G" prepare -i "$T/blanktext.jsonl:offsets" -t "$T/vocab.txt" -o "$T/out-bt"
printf '{"text": "당뇨병  환자", "entities": [{"start": 3, "end": 5, "label": "Disease"}]}\n' > "$T/blankent.jsonl"
expect_error "blankent.jsonl:1: field 'entities\[0\]'.*covers only white space" "$G" prepare -i "$T/blankent.jsonl" -t "$T/vocab.txt" -o "$T/out-be"
# Range checks: at load, naming the line.
printf 'tokenizer: vocab.txt\noutput: out-r\nwindow_stride: -5\ninputs: [{path: ok.jsonl}]\n' > "$T/stride.yaml"
expect_error "stride.yaml:3: field 'window_stride': must be at least 0" "$G" prepare "$T/stride.yaml"
printf 'tokenizer: vocab.txt\noutput: out-r\nmax_span_width: 0\ninputs: [{path: ok.jsonl}]\n' > "$T/width.yaml"
expect_error "width.yaml:3: field 'max_span_width': must be at least 1" "$G" prepare "$T/width.yaml"
# A misspelt format is refused at load, naming its line, before any input is read.
printf 'tokenizer: vocab.txt\noutput: out-f\ninputs:\n  - {path: ok.jsonl}\n  - {path: ok.jsonl, format: offset}\n' > "$T/fmt.yaml"
expect_error "fmt.yaml:5: field 'inputs\[1\].format': unknown input format 'offset'" "$G" prepare "$T/fmt.yaml"
expect_error "ok.jsonl: field 'format': unknown input format 'offset'" "$G" prepare -i "$T/ok.jsonl" -i "$T/ok.jsonl:offset" -t "$T/vocab.txt" -o "$T/out-f"
# Split fractions set by flags are checked too; rounded together, they leave train at least one.
expect_error "field 'split': dev + test fractions must be in \[0, 1)" "$G" prepare -i "$T/ok.jsonl" -t "$T/vocab.txt" --dev 0.6 --test 0.6 -o "$T/out-s"
for i in 1 2 3 4 5 6 7 8 9 10; do cat "$T/ok.jsonl"; done > "$T/ten.jsonl"
"$G" prepare -i "$T/ten.jsonl" -t "$T/vocab.txt" --dev 0.45 --test 0.45 -o "$T/out-ten" > "$T/out" 2>&1 || { cat "$T/out"; fail "prepare ten"; }
grep -qE "^train +1 " "$T/out" || { cat "$T/out"; fail "dev 0.45 + test 0.45 of 10 should leave 1 in train"; }
# A second run into the same folder removes the first run's split files it does not write (they
# would mix two datasets), and leaves other files alone.
echo "not hdf5" > "$T/out-ten/notes.h5"
"$G" prepare -i "$T/ten.jsonl" -t "$T/vocab.txt" -o "$T/out-ten" > "$T/out" 2>&1 || { cat "$T/out"; fail "second prepare"; }
[ -f "$T/out-ten/train.h5" ] || fail "no train.h5 after the second run"
[ ! -e "$T/out-ten/dev.h5" ] && [ ! -e "$T/out-ten/test.h5" ] || fail "the first run's dev.h5/test.h5 were left beside the new train.h5"
grep -q "removed .*dev.h5" "$T/out" || { cat "$T/out"; fail "removal not reported"; }
[ -f "$T/out-ten/notes.h5" ] || fail "a file that is not a prepared split was removed"
# Nothing left: the message says why (no entity task here), not that records were rejected.
printf '{"input": "좋은 하루", "output": {"classifications": [{"task": "sentiment", "labels": ["pos", "neg"], "true_label": ["pos"]}]}}\n' > "$T/cls.jsonl"
expect_error "no examples left to prepare: no record holds an entity task" "$G" prepare -i "$T/cls.jsonl:gliner2" -t "$T/vocab.txt" -o "$T/out-cls"
# A write that fails part-way (here the file-size limit, as a full disk would) ends with an error
# naming the file, leaves the previous set of files as it was and no temporary behind.
cksum "$T/out-ten/train.h5" > "$T/before"
for i in $(seq 1 300); do cat "$T/ok.jsonl"; done > "$T/big.jsonl"
( trap '' XFSZ; ulimit -f 24; exec "$G" prepare -i "$T/ten.jsonl:gliner2" -i "$T/big.jsonl:gliner2" -t "$T/vocab.txt" --dev 0.5 -o "$T/out-ten" ) > "$T/out" 2> "$T/err"
rc=$?
[ $rc -eq 1 ] || { cat "$T/err"; fail "a failed write should exit 1, got $rc"; }
grep -q "HDF5 write failed.*File too large" "$T/err" || { cat "$T/err"; fail "the write error is not named"; }
cksum "$T/out-ten/train.h5" | cmp -s - "$T/before" || fail "train.h5 changed although the run failed"
[ ! -e "$T/out-ten/dev.h5" ] || fail "a dev.h5 of the failed run was published"
ls "$T/out-ten" | grep -q tmp && fail "temp file left behind"
# A BIO tag that continues no entity starts one, and both commands say so with the line (the
# readers collected these warnings and nothing showed them).
K="$SRC/tests/data/readers/sample.klue.tsv"
"$G" data inspect "$K" > "$T/inspect-klue" 2>&1 || { cat "$T/inspect-klue"; fail "data inspect of the KLUE sample"; }
grep -q "BIO tags repaired.*: 1" "$T/inspect-klue" && grep -q "sample.klue.tsv:21: tag 'I-OG'" "$T/inspect-klue" \
  || { cat "$T/inspect-klue"; fail "data inspect does not show the repaired BIO tag"; }
"$G" prepare -i "$K:klue" -t "$T/vocab.txt" -o "$T/out-klue" > "$T/prep-klue" 2>&1 || { cat "$T/prep-klue"; fail "prepare of the KLUE sample"; }
grep -q "\[warning\].*sample.klue.tsv:21: tag 'I-OG'" "$T/prep-klue" || { cat "$T/prep-klue"; fail "prepare does not warn of the repaired BIO tag"; }
echo "prepare_errors: all checks passed"
