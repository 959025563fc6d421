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
expect_error "a label name is empty in 'Disease, ,Drug'" "$G" predict "$T/fp32" --labels "Disease, ,Drug" -i "$T/in.txt"
# Bad bytes are reported at their input line, not at a position inside the current chunk.
{ for i in $(seq 1 299); do echo "당뇨병 환자 $i"; done; printf 'bad \xff byte\n'; } > "$T/badutf8.txt"
expect_error "badutf8.txt:300: field 'text': invalid UTF-8" "$G" predict "$T/fp32" --labels Disease -i "$T/badutf8.txt" -o "$T/bad.jsonl"
[ ! -e "$T/bad.jsonl" ] || fail "a failed predict left its output file"
# Input as users have it. Text lines: one output line per input line, blank ones included, so line
# N out answers line N in; a byte-order mark and CRLF line ends are not part of the text.
printf '\xef\xbb\xbf%s\r\n\r\n   \r\n{not json} %s\r\n' "$TEXT" "$TEXT" > "$T/crlf.txt"
# What a predict killed mid-way left (crlf.jsonl.tmp.<pid of a process that has ended>) is removed
# by the next predict to that output (before 2026-12-07 it stayed, whatever ran after).
dead=$(sh -c 'echo $$')
echo partial > "$T/crlf.jsonl.tmp.$dead"
"$G" predict "$T/fp32" --labels Disease,Drug -i "$T/crlf.txt" -o "$T/crlf.jsonl" || fail "predict on a CRLF file"
[ ! -e "$T/crlf.jsonl.tmp.$dead" ] || fail "a killed predict's temp output stayed"
# JSONL (first non-blank line starts with '{', leading spaces allowed): other fields come back.
printf '\n  {"id": 7, "text": "%s", "source": "a"}\n\n{"input": "%s", "id": "x"}\n' "$TEXT" "$TEXT" > "$T/ids.jsonl"
"$G" predict "$T/fp32" --labels Disease,Drug -i "$T/ids.jsonl" -o "$T/ids.out.jsonl" || fail "predict on JSONL with ids"
printf '\xef\xbb\xbf{"id": 1, "text": "%s"}\n' "$TEXT" > "$T/bom.jsonl"
"$G" predict "$T/fp32" --labels Disease,Drug -i "$T/bom.jsonl" -o "$T/bom.out.jsonl" || fail "predict on JSONL with a BOM"
printf '{"text": "%s"}\n{"text": \n' "$TEXT" > "$T/bad.jsonl"
expect_error "bad.jsonl:2: malformed JSON: .*parse error" "$G" predict "$T/fp32" --labels Disease -i "$T/bad.jsonl"
printf '{"text": "%s"}\n{"text": "a", "x": 1e400}\n' "$TEXT" > "$T/big.jsonl"
expect_error "big.jsonl:2: malformed JSON: .*number overflow" "$G" predict "$T/fp32" --labels Disease -i "$T/big.jsonl"
python3 - "$T" "$TEXT" <<'PY' || fail "predict input handling"
import json, sys
d, text = sys.argv[1], sys.argv[2]
rows = [json.loads(l) for l in open(d + "/crlf.jsonl", encoding="utf-8")]
assert [r["text"] for r in rows] == [text, "", "   ", "{not json} " + text], [r["text"] for r in rows]
assert rows[0]["entities"] and rows[1]["entities"] == [] and rows[2]["entities"] == [], rows
for r in rows:  # offsets into the text as given (BOM and CR gone)
    assert all(r["text"][e["start"]:e["end"]].strip() == e["text"] for e in r["entities"]), r
ids = [json.loads(l) for l in open(d + "/ids.out.jsonl", encoding="utf-8")]
assert [(r.get("id"), r.get("source"), r.get("text"), r.get("input")) for r in ids] == [(7, "a", text, None), ("x", None, None, text)], ids
assert ids[0]["entities"] == ids[1]["entities"] == rows[0]["entities"], ids
bom = [json.loads(l) for l in open(d + "/bom.out.jsonl", encoding="utf-8")]
assert len(bom) == 1 and bom[0]["id"] == 1 and bom[0]["text"] == text and bom[0]["entities"] == rows[0]["entities"], bom
print("predict input handling ok:", len(rows), "text lines,", len(ids), "records")
PY
# A span on the period GLiNER2 appends to a text without one is no part of the text: not reported
# (also where trailing white space follows the last word: the period goes right after it).
printf '아스피린 투여\n고혈압 치료\n아스피린 투여 \n' > "$T/noperiod.txt"
"$G" predict "$FX" --labels Disease,Drug,Procedure,Biomarker --threshold 0.001 -i "$T/noperiod.txt" -o "$T/noperiod.jsonl" ||
  fail "predict at a low threshold"
python3 - "$T/noperiod.jsonl" <<'PY' || fail "an entity past the end of its text"
import json, sys
n = 0
for l in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(l)
    n += len(r["entities"])
    for e in r["entities"]:
        assert 0 <= e["start"] < e["end"] <= len(r["text"]), (r["text"], e)
        assert r["text"][e["start"]:e["end"]].strip() == e["text"], (r["text"], e)
assert n > 0, "nothing predicted at threshold 0.001"
print(n, "entities, all inside their texts")
PY
echo OK
