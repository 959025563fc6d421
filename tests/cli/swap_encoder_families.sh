#!/usr/bin/env bash
# Issue 15: the gliner2_tiny checkpoint swapped to each BERT-family encoder of hf_encoders (bert,
# roberta, electra, xlm-roberta) trains on the shipped Korean sample with the loss falling, exports,
# reloads bit-exact and predicts. The fixture encoders are 32 wide and gliner2_tiny's heads 64, so
# the heads start afresh (--reinit-heads). Their position tables hold 64 (bert, electra) or 66
# positions and the schema prompt takes ~50 WordPiece tokens of an 855-piece vocabulary, so rows
# carry 12 text tokens (windows). dev.jsonl trains and test.jsonl evaluates, to keep this quick.
G=$1; SRC=$2
source "$(dirname "$0")/common.sh"
require_fixture gliner2_tiny
TINY=$FX
HF="$SRC/../shared/fixtures/hf_encoders"
[ -f "$HF/bert/model.safetensors" ] || { echo "SKIP: fixtures absent ($HF)"; exit 77; }
export OMP_NUM_THREADS=1
TEXT="제2형 당뇨병 환자에게 메트포르민 1000mg 투여 후 당화혈색소 수치가 감소하였다."

# Without --reinit-heads a width mismatch is refused, naming both configs and the way out.
expect_error "reinit-heads" "$G" swap-encoder --model "$TINY" --encoder "$HF/bert" --out "$T/refused"
[ ! -e "$T/refused" ] || fail "a refused swap wrote its output"

for fam in bert roberta electra xlm-roberta; do
  "$G" swap-encoder --model "$TINY" --encoder "$HF/$fam" --out "$T/$fam" --reinit-heads > "$T/$fam.swap" ||
    fail "swap-encoder $fam"
  grep -q "re-initialised at hidden_size 32" "$T/$fam.swap" || { cat "$T/$fam.swap"; fail "$fam: report"; }
  grep -q "\"model_type\": \"$fam\"" "$T/$fam/encoder_config/config.json" || fail "$fam: encoder_config model_type"
  # Straight from the swap (no gtrain.json: 512 text tokens by default), a text longer than the
  # encoder's 64 positions is windowed to fit them with the prompt, not refused.
  for i in $(seq 1 40); do printf '당뇨병 환자 '; done | "$G" predict "$T/$fam" --labels Disease,Drug > "$T/long.jsonl" 2> "$T/long.err" \
    || { cat "$T/long.err"; fail "$fam: predict on a text longer than the encoder's positions"; }
  # eval on such a text as annotated data: windowed the same way (its labels, from the file).
  { printf '{"input": "'; for i in $(seq 1 40); do printf '당뇨병 환자 '; done; printf '", "output": {"entities": {"Disease": ["당뇨병"]}}}\n'; } > "$T/long-gold.jsonl"
  "$G" eval "$T/$fam" "$T/long-gold.jsonl" --thresholds 0.5 > "$T/long.eval" 2>&1 \
    || { cat "$T/long.eval"; fail "$fam: eval on a text longer than the encoder's positions"; }
  cat > "$T/$fam.yaml" <<YAML
model: {source: $T/$fam, max_width: 8}
data:
  prepare:
    tokenizer: $T/$fam
    unit_mode: morph
    max_length: 12
    overflow: window
    labels: [{name: Disease}, {name: Drug}, {name: Procedure}, {name: Biomarker}]
    inputs:
      - {path: $SRC/data/ko-medical/dev.jsonl, format: gliner2, split: train}
      - {path: $SRC/data/ko-medical/test.jsonl, format: gliner2, split: dev}
  cache_dir: $T/cache-$fam
optim: {encoder_lr: 5.0e-4, head_lr: 2.0e-3, epochs: 3, batch_size: 16, grad_accum: 1, seed: 1}
precision: fp32
eval: {thresholds: [0.3, 0.5]}
checkpoint: {keep_last: 1}
log: {every_steps: 10, tensorboard: false, progress: plain}
output_dir: $T/run-$fam
YAML
  "$G" train "$T/$fam.yaml" > "$T/$fam.log" 2>&1 || { tail -20 "$T/$fam.log"; fail "train $fam"; }
  grep -q "($fam encoder" "$T/$fam.log" || fail "$fam: the log does not name the encoder"
  # Loss falling: the mean of the last three logged train losses is below the first one's half.
  python3 - "$T/run-$fam/metrics.jsonl" "$fam" <<'PY' || fail "$fam: loss did not fall"
import json, sys
loss = [r["loss"] for r in map(json.loads, open(sys.argv[1])) if r.get("split") == "train" and "loss" in r]
assert len(loss) >= 6, loss
last = sum(loss[-3:]) / 3
print(f"{sys.argv[2]}: train loss {loss[0]:.1f} -> {last:.1f} over {len(loss)} logged steps")
sys.exit(0 if last < 0.5 * loss[0] else 1)
PY
  # Export, then export the export: the weights reload bit for bit.
  "$G" export "$T/run-$fam/best" --out "$T/exp-$fam" || fail "export $fam"
  "$G" export "$T/exp-$fam" --out "$T/exp2-$fam" || fail "re-export $fam"
  cmp -s "$T/run-$fam/best/model.safetensors" "$T/exp-$fam/model.safetensors" || fail "$fam: export differs from best/"
  cmp -s "$T/exp-$fam/model.safetensors" "$T/exp2-$fam/model.safetensors" || fail "$fam: reload is not bit-exact"
  # Predicts, the same from best/ and from the export.
  echo "$TEXT" | "$G" predict "$T/run-$fam/best" --labels Disease,Drug,Procedure,Biomarker > "$T/a.jsonl" ||
    fail "predict $fam"
  echo "$TEXT" | "$G" predict "$T/exp-$fam" --labels Disease,Drug,Procedure,Biomarker > "$T/b.jsonl" ||
    fail "predict export $fam"
  grep -q '"entities":' "$T/a.jsonl" || { cat "$T/a.jsonl"; fail "$fam: no prediction line"; }
  cmp -s "$T/a.jsonl" "$T/b.jsonl" || { cat "$T/a.jsonl" "$T/b.jsonl"; fail "$fam: export predicts differently"; }
done
# Same width: the heads of a (32-wide, bert) GLiNER2 checkpoint are kept bit for bit when its encoder
# is swapped for roberta, and every encoder tensor is roberta's.
"$G" swap-encoder --model "$T/bert" --encoder "$HF/roberta" --out "$T/keep" > "$T/keep.swap" || fail "same-width swap"
grep -q "kept      29 head tensors" "$T/keep.swap" || { cat "$T/keep.swap"; fail "heads not kept"; }
python3 - "$T/bert/model.safetensors" "$T/keep/model.safetensors" "$HF/roberta/model.safetensors" <<'PY' || fail "same-width swap: tensors"
import json, struct, sys
def tensors(path):
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    h = json.loads(b[8:8 + n])
    return {k: b[8 + n + v["data_offsets"][0]: 8 + n + v["data_offsets"][1]] for k, v in h.items() if k != "__metadata__"}
old, new, enc = map(tensors, sys.argv[1:4])
heads = [k for k in old if not k.startswith("encoder.")]
assert heads and all(old[k] == new[k] for k in heads), "a head tensor changed"
for k in new:
    if k.startswith("encoder.pooler."):  # RobertaForMaskedLM has no pooler: swap-encoder adds one
        assert "roberta." + k[len("encoder."):] not in enc, k
    elif k.startswith("encoder.") and k != "encoder.embeddings.word_embeddings.weight":
        assert new[k] == enc["roberta." + k[len("encoder."):]], k
print(f"{len(heads)} head tensors kept, {sum(k.startswith('encoder.') for k in new)} encoder tensors from roberta")
PY
# Rows longer than the encoder's position table are refused before training, naming the fix.
sed -e 's/max_length: 12/max_length: 28/' -e "s#run-bert#run-long#" "$T/bert.yaml" > "$T/long.yaml"
expect_error "lower data.prepare.max_length" "$G" train "$T/long.yaml"
echo OK
