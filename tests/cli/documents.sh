#!/usr/bin/env bash
# Issue 13: the shipped long documents (data/ko-medical/documents.jsonl, GLiNER2's InputExample
# form with planted misses) go through data inspect and prepare as they are, and every count in
# the reports equals what make_documents.py computed independently (documents.expected.json) for
# both matching setups and every unmatched_mentions policy; `fail` stops at the first miss.
G=$1; SRC=$2
source "$(dirname "$0")/common.sh"
D="$SRC/data/ko-medical"
EXP="$D/documents.expected.json"
"$G" tokenizer train --input "$D/raw.txt" --model-prefix "$T/spm" --vocab-size 2000 --vocab-size-is-max > /dev/null 2>&1 \
  || fail "tokenizer training"
val() { python3 -c "import json,sys; e=json.load(open('$EXP')); print(e['$1']['$2'])"; }

# data inspect guesses the format and reports the default matching's counts.
"$G" data inspect "$D/documents.jsonl" --tokenizer "$T/spm.model" > "$T/inspect" 2>&1 || { cat "$T/inspect"; fail "inspect"; }
grep -q "^format: gliner2 (guessed)" "$T/inspect" || fail "inspect did not print the guessed format"
line="mentions listed $(val default/drop listed): exact $(val default/drop exact), case-insensitive $(val default/drop case), normalized 0, not found $(val default/drop unmatched)"
grep -qF "$line" "$T/inspect" || { cat "$T/inspect"; fail "inspect: expected '$line'"; }
grep -qF "records with classifications (ignored: gtrain trains entities): $(python3 -c "import json; print(json.load(open('$EXP'))['ignored_tasks']['classifications'])")" "$T/inspect" \
  || { cat "$T/inspect"; fail "ignored tasks not counted"; }
grep -qF "records without an entity task, skipped: 1" "$T/inspect" || fail "classification-only record not counted"
grep -q "recommended max_span_width" "$T/inspect" || fail "no span-width recommendation"

run_prepare() {  # run_prepare SETUP POLICY
  local setup=$1 policy=$2 mm="{}"
  [ "$setup" = nfc_whitespace ] && mm="{unicode: nfc, whitespace: true}"
  cat > "$T/p.yaml" <<Y
tokenizer: $T/spm.model
unit_mode: morph
max_length: 256
output: $T/out-$setup-$policy
unmatched_mentions: $policy
mention_matching: $mm
inputs: [{path: $D/documents.jsonl}]
Y
  "$G" prepare "$T/p.yaml" > "$T/rep" 2>&1 || { cat "$T/rep"; fail "prepare $setup $policy"; }
  local k="$setup/$policy"
  local want="mentions listed $(val $k listed): exact $(val $k exact), case-insensitive $(val $k case), normalized $(val $k normalized), not found $(val $k unmatched)"
  grep -qF "$want" "$T/rep" || { cat "$T/rep"; fail "$k: expected '$want'"; }
  local dropped; dropped=$(val $k dropped)
  if [ "$dropped" -gt 0 ]; then
    grep -q "^mentions dropped $dropped (" "$T/rep" || { cat "$T/rep"; fail "$k: expected $dropped dropped mentions"; }
  fi
  local listed_drops; listed_drops=$(grep -c '"kind":"mention"' "$T/out-$setup-$policy/rejects.jsonl" 2>/dev/null)
  [ "${listed_drops:-0}" = "$dropped" ] || fail "$k: rejects.jsonl lists ${listed_drops:-0} dropped mentions, expected $dropped"
  local labels; labels=$(val $k labels_dropped)
  if [ "$labels" -gt 0 ]; then grep -qF ", $labels labels dropped from their record" "$T/rep" || { cat "$T/rep"; fail "$k: labels dropped"; }; fi
  local rej; rej=$(val $k records_rejected)
  if [ "$rej" -gt 0 ]; then
    grep -qF "records rejected for an unmatched mention: $rej" "$T/rep" || { cat "$T/rep"; fail "$k: records rejected"; }
    [ "$(grep -c '"kind":"record"' "$T/out-$setup-$policy/rejects.jsonl")" = "$rej" ] || fail "$k: rejects.jsonl records"
  fi
  echo "$k: ok"
}
for setup in default nfc_whitespace; do
  for policy in drop drop_label reject; do run_prepare $setup $policy; done
done

# Overlaps kept and counted (default matching, drop).
ov() { python3 -c "import json; print(json.load(open('$EXP'))['overlaps_default_drop']['$1'])"; }
run_prepare default drop
grep -qF "train: overlapping entities kept: $(ov nested) nested, $(ov crossing) crossing, $(ov same_span) sharing a span with another label" "$T/rep" \
  || { cat "$T/rep"; fail "overlap counts"; }
grep -qF "occurrences inside a longer mention of the same label, not labelled: $(ov inner_skipped)" "$T/rep" \
  || { cat "$T/rep"; fail "inner occurrences"; }
python3 - "$T/rep" "$(ov entities)" <<'PY' || fail "entity count"
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.startswith("train ")]
assert rows and int(rows[0][4]) == int(sys.argv[2]), (rows, sys.argv[2])
PY

# fail: stops at the first planted miss (record 1, a doubled space), naming file, line and field.
expect_error "documents.jsonl:1: field 'entities\.[A-Za-z]*\[[0-9]*\]': mention .* not found in the text" \
  "$G" prepare -i "$D/documents.jsonl" -t "$T/spm.model" -o "$T/out-fail" --unmatched-mentions fail
[ ! -e "$T/out-fail/train.h5" ] || fail "fail policy wrote train.h5"
# The same file, unconverted, through train (one short epoch), eval and predict.
cat > "$T/train.yaml" <<Y
model:
  source: ""
  encoder: {hidden_size: 64, num_layers: 1, num_heads: 2, intermediate_size: 128, position_buckets: 64, max_relative_positions: -1}
  tokenizer: $T/spm.model
data:
  prepare: {tokenizer: $T/spm.model, unit_mode: morph, max_length: 256, split: {dev: 0.2, seed: 1}, inputs: [{path: $D/documents.jsonl}]}
  cache_dir: $T/cache
optim: {epochs: 1, batch_size: 8, seed: 1}
log: {tensorboard: false, progress: plain}
output_dir: $T/run
Y
"$G" train "$T/train.yaml" > "$T/train.log" 2>&1 || { tail -20 "$T/train.log"; fail "train on documents.jsonl"; }
"$G" eval "$T/run/best" "$D/documents.jsonl" -o "$T/eval" > "$T/evalout" 2>&1 || { cat "$T/evalout"; fail "eval on documents.jsonl"; }
python3 - "$T/eval/eval_report.json" "$(ov entities)" <<'PY' || fail "eval support"
import json, sys
rep = json.load(open(sys.argv[1]))
support = rep["sweep"][0]["micro"]["support"]
# Every kept entity of the file is gold once, except those wider than max_span_width units.
assert 0 < support <= int(sys.argv[2]), (support, sys.argv[2])
print("eval on documents.jsonl: support", support)
PY
"$G" predict "$T/run/best" -i "$D/documents.jsonl" -o "$T/pred.jsonl" > "$T/predout" 2>&1 || { cat "$T/predout"; fail "predict on documents.jsonl"; }
[ "$(wc -l < "$T/pred.jsonl")" = "$(python3 -c "import json; print(json.load(open('$EXP'))['records'])")" ] \
  || fail "predict should answer every record of documents.jsonl"
echo "documents: all checks passed"
