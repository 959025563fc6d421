#!/usr/bin/env bash
# A model trained from scratch predicts with `gtrain predict` what `gtrain eval` and the training
# run's own evaluation score: the same count of entities at the model's threshold (eval writes no
# entities to compare one by one), and the run's test counts are gtrain eval's. Before
# 2026-12-07 training prompted GLiNER2 JSONL rows with the labels in name order and predict in the
# model's label order; on the quickstart model predict then found 0.59 text-level F1 where eval
# reported 0.96. And the order labels are named in on the command line changes nothing.
G=$1; SRC=$2
source "$(dirname "$0")/common.sh"
"$G" tokenizer train --input "$SRC/data/ko-medical/raw.txt" --model-prefix "$T/spm" --vocab-size 2000 \
  --vocab-size-is-max >/dev/null 2>&1 || fail "tokenizer train"
# The quickstart's labels are listed Disease, Drug, Procedure, Biomarker: not in name order.
"$G" train "$SRC/configs/quickstart.yaml" --set optim.epochs=2 --set log.progress=plain \
  --set log.tensorboard=false --set model.tokenizer="$T/spm.model" --set data.prepare.tokenizer="$T/spm.model" \
  --set data.cache_dir="$T/cache" --set output_dir="$T/run" >"$T/train.log" 2>&1 ||
  { tail -20 "$T/train.log"; fail "train"; }
python3 - "$SRC/data/ko-medical/test.jsonl" "$T/texts.txt" <<'PY' || fail "texts"
import json, sys
with open(sys.argv[2], "w", encoding="utf-8") as f:
    for l in open(sys.argv[1], encoding="utf-8"):
        f.write(json.loads(l)["input"] + "\n")
PY
"$G" eval "$T/run/best" "$SRC/data/ko-medical/test.jsonl" -o "$T/eval" >"$T/eval.log" 2>&1 ||
  { tail -20 "$T/eval.log"; fail "eval"; }
"$G" predict "$T/run/best" -i "$T/texts.txt" -o "$T/pred.jsonl" 2>"$T/pred.err" || { cat "$T/pred.err"; fail "predict"; }
"$G" predict "$T/run/best" --labels Biomarker,Procedure,Drug,Disease -i "$T/texts.txt" -o "$T/reversed.jsonl" \
  2>"$T/pred.err" || { cat "$T/pred.err"; fail "predict --labels"; }
cmp -s "$T/pred.jsonl" "$T/reversed.jsonl" || fail "predict gives other entities when --labels names them in another order"
python3 - "$T" <<'PY' || exit 1
import json, sys
d = sys.argv[1]
info = json.load(open(d + "/run/best/gtrain.json"))
rep = json.load(open(d + "/eval/eval_report.json"))
own = [s for s in rep["sweep"] if abs(s["threshold"] - info["threshold"]) < 1e-6]
assert own, f"eval scored no threshold {info['threshold']}"
eval_pred = own[0]["micro"]["tp"] + own[0]["micro"]["fp"]
n_pred = sum(len(json.loads(l)["entities"]) for l in open(d + "/pred.jsonl"))
assert n_pred > 0, "predict found nothing: the comparison would prove nothing"
assert n_pred == eval_pred, f"eval predicted {eval_pred} entities at the model's threshold {info['threshold']}, predict {n_pred}"
# The run's own score of its test split is the one gtrain eval gives on the annotated file.
run = json.load(open(d + "/run/eval_report.json"))
mine = [s for s in run["sweep"] if abs(s["threshold"] - info["threshold"]) < 1e-6]
count = lambda m: (m["tp"], m["fp"], m["fn"])
assert mine and count(mine[0]["micro"]) == count(own[0]["micro"]), \
    f"the run scored its test split {mine and count(mine[0]['micro'])}, gtrain eval {count(own[0]['micro'])} (tp, fp, fn)"
print(f"{n_pred} entities from predict and eval at threshold {info['threshold']:.2f}; eval micro-F1 "
      f"{own[0]['micro']['f1']:.4f}")
PY
# Data with a label the model was not trained on: eval scores the model's labels, says which it
# left out, and gives the counts it gives without them (before 2026-12-07 an annotated file was
# refused, "unknown label 'Gene'", and a prepared .h5 file's extra label was dropped unsaid).
python3 - "$SRC/data/ko-medical/test.jsonl" "$T/gene.jsonl" <<'PY' || fail "gene data"
import json, sys
with open(sys.argv[2], "w", encoding="utf-8") as f:
    for i, l in enumerate(open(sys.argv[1], encoding="utf-8")):
        r = json.loads(l)
        r["output"]["entities"]["Gene"] = [r["input"].split()[0]] if i % 3 == 0 else []
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
PY
"$G" eval "$T/run/best" "$T/gene.jsonl" -o "$T/eval-gene" >"$T/eval-gene.log" 2>&1 ||
  { tail -20 "$T/eval-gene.log"; fail "eval of a file with a label the model lacks"; }
grep -q "gene.jsonl: not scored, the model was not trained on these labels: Gene" "$T/eval-gene.log" ||
  { tail -5 "$T/eval-gene.log"; fail "eval did not say that Gene is not scored"; }
"$G" prepare -i "$T/gene.jsonl" -t "$T/spm.model" --test 0 --dev 0 -o "$T/gene-h5" >/dev/null 2>&1 || fail "prepare gene"
"$G" eval "$T/run/best" "$T/gene-h5/train.h5" -o "$T/eval-gene-h5" >"$T/eval-gene-h5.log" 2>&1 ||
  { tail -20 "$T/eval-gene-h5.log"; fail "eval of a prepared file with a label the model lacks"; }
grep -q "train.h5: not scored, the model was not trained on these labels: Gene" "$T/eval-gene-h5.log" ||
  { tail -5 "$T/eval-gene-h5.log"; fail "eval of a .h5 file did not say that Gene is not scored"; }
python3 - "$T" <<'PY' || exit 1
import json, sys
d = sys.argv[1]
count = lambda s: [(p["label"], p["tp"], p["fp"], p["fn"]) for p in s["per_label"]]
plain = json.load(open(d + "/eval/eval_report.json"))["sweep"]
for name in ("eval-gene", "eval-gene-h5"):
    got = json.load(open(f"{d}/{name}/eval_report.json"))["sweep"]
    assert [count(s) for s in got] == [count(s) for s in plain], f"{name}: {count(got[0])} != {count(plain[0])}"
print("a file with Gene added scores as the file without it")
PY
echo OK
