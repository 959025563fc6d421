#!/usr/bin/env bash
# What gtrain writes loads in the real GLiNER2 (1.2.3 from PyPI, bench/reference/.venv) and
# predicts there what `gtrain predict` predicts: the same entities, scores within 1e-4. Covers a
# from-scratch run's best/ (own SentencePiece tokenizer: the export writes the tokenizer_config.json
# AutoTokenizer needs), runs fine-tuned from the GLiNER2 fixture (fully, and with LoRA merged into
# the export), encoders swapped in by swap-encoder (BERT, RoBERTa with a WordPiece vocab, ELECTRA,
# and a fine-tuned XLM-R), and back: a checkpoint GLiNER2 itself saved. Word units throughout: GLiNER2 has
# no other (a morph-unit model predicts on words there).
# Usage: gliner2_load.sh GTRAIN SRC_DIR REFERENCE_PYTHON
G=$1; SRC=$2; PY=$3
source "$SRC/tests/cli/common.sh"
# A venv that setup.sh did not finish (no .complete) is no reference either.
[ -x "$PY" ] && [ -f "$(dirname "$PY")/../.complete" ] ||
  { echo "SKIP: no GLiNER2 reference ($PY; bash bench/reference/setup.sh makes it)"; exit 77; }
require_fixture gliner2_tiny
REF="$SRC/tests/reference/gliner2_predict.py"
TOL=1e-4
# gtrain.json for a model folder that has none (swapped encoders, a checkpoint GLiNER2 saved).
TOY_INFO='{"labels": ["Disease", "Drug"], "label_descriptions": ["", ""], "unit_mode": "word", "threshold": 0.3}'
# $1 model, $2 texts, $3 threshold, $4 name: both predict, then compare.
check() {
  local labels
  labels=$("$PY" "$REF" labels "$1") || fail "$4: gtrain.json"
  "$G" predict "$1" -i "$2" --threshold "$3" -o "$T/$4.gtrain.jsonl" 2>"$T/$4.err" || { cat "$T/$4.err"; fail "$4: gtrain predict"; }
  "$PY" "$REF" predict "$1" "$2" "$labels" "$3" "$T/$4.gliner2.jsonl" >"$T/$4.py.log" 2>&1 ||
    { tail -20 "$T/$4.py.log"; fail "$4: GLiNER2.from_pretrained / extract_entities"; }
  "$PY" "$REF" compare "$T/$4.gtrain.jsonl" "$T/$4.gliner2.jsonl" "$3" "$TOL" || fail "$4: GLiNER2 predicts differently"
  echo "  ($4)"
}
python3 - "$SRC/data/ko-medical/test.jsonl" "$T" <<'PY' || fail "texts"
import json, sys
texts = [json.loads(l)["input"] for l in open(sys.argv[1], encoding="utf-8")]
with open(sys.argv[2] + "/texts.txt", "w", encoding="utf-8") as f:
    f.write("\n".join(texts[:40]) + "\n")
# The toy encoders have 64 positions and GLiNER2 does not window: short texts only.
with open(sys.argv[2] + "/short.txt", "w", encoding="utf-8") as f:
    f.write("\n".join([t for t in texts if len(t) <= 22][:10]) + "\n")
PY

# 1. From scratch: gtrain's own SentencePiece model, trained briefly on the shipped sample.
"$G" tokenizer train --input "$SRC/data/ko-medical/raw.txt" --model-prefix "$T/spm" --vocab-size 2000 \
  --vocab-size-is-max >/dev/null 2>&1 || fail "tokenizer train"
common=(--set data.prepare.unit_mode=word --set log.progress=plain --set log.tensorboard=false)
"$G" train "$SRC/configs/quickstart.yaml" "${common[@]}" --set optim.epochs=2 \
  --set model.tokenizer="$T/spm.model" --set data.prepare.tokenizer="$T/spm.model" \
  --set data.cache_dir="$T/cache-scratch" --set output_dir="$T/scratch" >"$T/scratch.log" 2>&1 ||
  { tail -20 "$T/scratch.log"; fail "train from scratch"; }
[ -f "$T/scratch/best/tokenizer_config.json" ] || fail "the from-scratch export has no tokenizer_config.json"
check "$T/scratch/best" "$T/texts.txt" 0.1 scratch

# From scratch on a bare vocab.txt without [CLS]/[SEP]/[MASK] (BertTokenizer): the export's
# tokenizer_config.json must let transformers build BertTokenizerFast (its converter needs a cls
# and a sep piece) without adding tokens past the embedding table.
grep -v -x -e '\[CLS\]' -e '\[SEP\]' -e '\[MASK\]' "$SRC/tests/data/wordpiece/vocab.txt" > "$T/vocab.txt"
"$G" train "$SRC/configs/quickstart.yaml" "${common[@]}" --set optim.epochs=1 \
  --set model.tokenizer="$T/vocab.txt" --set data.prepare.tokenizer="$T/vocab.txt" \
  --set data.cache_dir="$T/cache-vocab" --set output_dir="$T/scratch-vocab" >"$T/scratch-vocab.log" 2>&1 ||
  { tail -20 "$T/scratch-vocab.log"; fail "train from scratch on a vocab.txt"; }
"$PY" - "$T/scratch-vocab/best" <<'PY' || fail "the vocab.txt export does not load in transformers as its embedding table"
import json, struct, sys
from transformers import AutoTokenizer
from gliner2 import GLiNER2
d = sys.argv[1]
tok = AutoTokenizer.from_pretrained(d)
b = open(d + "/model.safetensors", "rb").read()
h = json.loads(b[8:8 + struct.unpack("<Q", b[:8])[0]])
rows = h["encoder.embeddings.word_embeddings.weight"]["shape"][0]
loaded = GLiNER2.from_pretrained(d).encoder.get_input_embeddings().weight.shape[0]
print(f"{type(tok).__name__}: {len(tok)} tokens; {rows} embedding rows written, {loaded} in GLiNER2")
sys.exit(0 if len(tok) == rows == loaded else 1)
PY

# 2. Fine-tuned from the GLiNER2 checkpoint (its own tokenizer files travel with it).
"$G" train "$SRC/configs/quickstart.yaml" "${common[@]}" --set optim.epochs=1 --set model.source="$FX" \
  --set model.tokenizer="$FX" --set data.prepare.tokenizer="$FX" --set optim.encoder_lr=2e-4 \
  --set data.cache_dir="$T/cache-ft" --set output_dir="$T/finetuned" >"$T/finetuned.log" 2>&1 ||
  { tail -20 "$T/finetuned.log"; fail "fine-tune"; }
check "$T/finetuned/best" "$T/texts.txt" 0.1 finetuned
# With LoRA: the export merges the adapters into plain weights.
"$G" train "$SRC/configs/quickstart.yaml" "${common[@]}" --set optim.epochs=1 --set model.source="$FX" \
  --set model.tokenizer="$FX" --set data.prepare.tokenizer="$FX" --set model.lora.enabled=true \
  --set data.cache_dir="$T/cache-ft" --set output_dir="$T/lora" >"$T/lora.log" 2>&1 ||
  { tail -20 "$T/lora.log"; fail "LoRA fine-tune"; }
check "$T/lora/best" "$T/texts.txt" 0.1 lora

# 3. Swapped encoders (heads re-initialised to the encoders' width; parity needs no training).
for fam in bert roberta electra; do
  "$G" swap-encoder --model "$FX" --encoder "$FX/../hf_encoders/$fam" --out "$T/$fam" --reinit-heads >/dev/null 2>&1 ||
    fail "swap-encoder $fam"
  echo "$TOY_INFO" > "$T/$fam/gtrain.json"
  check "$T/$fam" "$T/short.txt" 0.3 "$fam"
done

# An encoder whose tokenizer_config.json names no tokenizer_class (older hub uploads): the swapped
# model's gets the class of the encoder's model_type, as AutoTokenizer would have picked there.
cp -r "$FX/../hf_encoders/electra" "$T/electra-noclass-enc"
python3 - "$T/electra-noclass-enc/tokenizer_config.json" <<'PY' || fail "strip tokenizer_class"
import json, sys
c = json.load(open(sys.argv[1])); del c["tokenizer_class"]; json.dump(c, open(sys.argv[1], "w"))
PY
"$G" swap-encoder --model "$FX" --encoder "$T/electra-noclass-enc" --out "$T/electra-noclass" --reinit-heads >/dev/null 2>&1 ||
  fail "swap-encoder electra without tokenizer_class"
grep -q '"tokenizer_class": "ElectraTokenizer"' "$T/electra-noclass/tokenizer_config.json" || fail "no tokenizer_class added"
echo "$TOY_INFO" > "$T/electra-noclass/gtrain.json"
check "$T/electra-noclass" "$T/short.txt" 0.3 electra-noclass

# 4. A realistic XLM-R (its own <s>/</s>/<pad> ids, sentencepiece.bpe.model + tokenizer.json, made
# by the real transformers code), swapped in and fine-tuned: untrained heads on a random encoder
# score nothing above any threshold, so one epoch makes predictions to compare.
"$PY" "$SRC/tests/reference/make_xlmr_encoder.py" "$SRC/data/ko-medical/raw.txt" "$T/xlmr-encoder" \
  >"$T/xlmr-encoder.log" 2>&1 || { tail -20 "$T/xlmr-encoder.log"; fail "make the toy XLM-R encoder"; }
"$G" swap-encoder --model "$FX" --encoder "$T/xlmr-encoder" --out "$T/xlmr-swap" >"$T/xlmr-swap.log" 2>&1 ||
  { tail -20 "$T/xlmr-swap.log"; fail "swap-encoder xlm-roberta"; }
"$G" train "$SRC/configs/quickstart.yaml" "${common[@]}" --set optim.epochs=2 --set model.source="$T/xlmr-swap" \
  --set model.tokenizer="$T/xlmr-swap" --set data.prepare.tokenizer="$T/xlmr-swap" \
  --set data.cache_dir="$T/cache-xlmr" --set output_dir="$T/xlmr" >"$T/xlmr.log" 2>&1 ||
  { tail -20 "$T/xlmr.log"; fail "fine-tune the XLM-R swap"; }
check "$T/xlmr/best" "$T/texts.txt" 0.1 xlmr

# 5. The other way: a checkpoint as GLiNER2 1.2.3 saves it today (save_pretrained adds tokenizer.json
# beside spm.model) loads in gtrain and predicts what GLiNER2 predicts.
"$PY" - "$FX" "$T/saved" <<'PY' >"$T/saved.log" 2>&1 || { tail -20 "$T/saved.log"; fail "GLiNER2 save_pretrained"; }
import sys
from gliner2 import GLiNER2
GLiNER2.from_pretrained(sys.argv[1]).save_pretrained(sys.argv[2])
PY
echo "$TOY_INFO" > "$T/saved/gtrain.json"
check "$T/saved" "$T/texts.txt" 0.1 saved
echo OK
