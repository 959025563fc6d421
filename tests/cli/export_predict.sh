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
echo OK
