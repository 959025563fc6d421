#!/usr/bin/env bash
# gtrain export (fp32 and fp16) of the GLiNER2 fixture checkpoint loads back and predicts.
G=$1; SRC=$2
source "$(dirname "$0")/common.sh"
require_fixture gliner2_tiny
"$G" export "$FX" --out "$T/fp32" || fail "export fp32"
"$G" export "$FX" --out "$T/fp16" --dtype fp16 || fail "export fp16"
for f in config.json encoder_config/config.json model.safetensors spm.model added_tokens.json; do
  [ -f "$T/fp32/$f" ] || fail "missing $f"
done
# fp16 halves the file
a=$(stat -c %s "$T/fp32/model.safetensors"); b=$(stat -c %s "$T/fp16/model.safetensors")
[ "$b" -lt $((a * 6 / 10)) ] || fail "fp16 file not smaller: $a vs $b"
# The fixture's first text with the fixture's four labels: same entities from the original and the export.
TEXT=$(python3 -c "import json;print(json.load(open('$FX/fixtures.json'))['examples'][0]['text'])")
echo "$TEXT" | "$G" predict "$FX" --labels Disease,Drug,Procedure,Biomarker --threshold 0.5 > "$T/a.jsonl" || fail "predict original"
echo "$TEXT" | "$G" predict "$T/fp32" --labels Disease,Drug,Procedure,Biomarker --threshold 0.5 > "$T/b.jsonl" || fail "predict export"
cmp -s "$T/a.jsonl" "$T/b.jsonl" || { cat "$T/a.jsonl" "$T/b.jsonl"; fail "export predicts differently"; }
grep -q '"entities":\[{' "$T/a.jsonl" || { cat "$T/a.jsonl"; fail "no entities predicted"; }
"$G" export "$FX" --out "$T/bad" --dtype fp8 2>"$T/err" && fail "fp8 accepted"
grep -q "fp32, fp16 or bf16" "$T/err" || fail "unclear dtype error"

# Issue 12: export never deletes what it did not write, never writes onto its own source.
mkdir -p "$T/mine" && echo "my notes" > "$T/mine/notes.txt"
expect_error "not a model directory" "$G" export "$FX" --out "$T/mine"
[ "$(cat "$T/mine/notes.txt")" = "my notes" ] || fail "export touched a folder that is not a model"
expect_error "model directory being read" "$G" export "$T/fp32" --out "$T/fp32"
"$G" export "$FX" --out "$T/fp32" || fail "re-export over its own earlier export"
mkdir -p "$T/empty" && "$G" export "$FX" --out "$T/empty" || fail "export into an empty folder"
# gtrain.json (units, threshold, labels, max_length) travels with an export.
cp -r "$T/fp32" "$T/with-info"
echo '{"threshold": 0.37, "unit_mode": "morph", "labels": ["Disease"], "label_descriptions": [""], "max_length": 64}' > "$T/with-info/gtrain.json"
"$G" export "$T/with-info" --out "$T/carried" || fail "export of a model with gtrain.json"
cmp -s "$T/with-info/gtrain.json" "$T/carried/gtrain.json" || fail "export dropped gtrain.json"
# Option checks: thresholds in (0, 1), batch sizes >= 1, no empty input.
for bad in 2 nan -1 0 1; do
  echo "$TEXT" > "$T/in.txt"
  expect_error "threshold" "$G" predict "$T/fp32" --labels Disease -i "$T/in.txt" --threshold "$bad"
done
for bad in 0 -4 x; do
  expect_error "batch-size" "$G" predict "$T/fp32" --labels Disease -i "$T/in.txt" --batch-size "$bad"
done
: > "$T/empty.txt"
expect_error "empty.txt.*no texts" "$G" predict "$T/fp32" --labels Disease -i "$T/empty.txt"
expect_error "named twice" "$G" predict "$T/fp32" --labels Disease,Disease -i "$T/in.txt"
expect_error "no label names" "$G" predict "$T/fp32" --labels , -i "$T/in.txt"
# Bad bytes are reported at their input line, not at a position inside the current chunk.
{ for i in $(seq 1 299); do echo "당뇨병 환자 $i"; done; printf 'bad \xff byte\n'; } > "$T/badutf8.txt"
expect_error "badutf8.txt:300: field 'text': invalid UTF-8" "$G" predict "$T/fp32" --labels Disease -i "$T/badutf8.txt" -o "$T/bad.jsonl"
[ ! -e "$T/bad.jsonl" ] || fail "a failed predict left its output file"
echo OK
