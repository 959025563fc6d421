#!/usr/bin/env bash
# gtrain eval on annotated data (prepared on the fly with the model's tokenizer): the report's
# supports are the file's gold counts, and its predictions at a threshold are the ones
# `gtrain predict` makes at that threshold.
G=$1; SRC=$2
source "$(dirname "$0")/common.sh"
require_fixture gliner2_tiny
LABELS=Disease,Drug,Procedure,Biomarker
# The fixture's examples as GLiNER2 JSONL (gold entities) and as plain text lines.
python3 - "$FX/fixtures.json" "$T" <<'PY' || fail "fixture conversion"
import json, sys
ex = json.load(open(sys.argv[1]))["examples"]
with open(sys.argv[2] + "/data.jsonl", "w") as f, open(sys.argv[2] + "/texts.txt", "w") as t:
    for e in ex:
        f.write(json.dumps({"input": e["text"], "output": {"entities": e["gold"]}}, ensure_ascii=False) + "\n")
        t.write(e["text"] + "\n")
PY
# Gold the model's units cannot hold still counts: "당뇨병" inside the word "당뇨병으로" (word units)
# and a Procedure wider than the model's max_width (8 words) are missed, not left out of the support.
printf '%s\n' '{"input": "당뇨병으로 입원", "output": {"entities": {"Disease": ["당뇨병"]}}}' \
  '{"input": "a b c d e f g h i j k l m n", "output": {"entities": {"Procedure": ["a b c d e f g h i j k l m n"]}}}' >> "$T/data.jsonl"
printf '%s\n' '당뇨병으로 입원' 'a b c d e f g h i j k l m n' >> "$T/texts.txt"
"$G" eval "$FX" "$T/data.jsonl" --thresholds 0.3,0.5 -o "$T/report" > "$T/stdout" || fail "eval exited $?"
[ -s "$T/report/eval_report.json" ] && [ -s "$T/report/eval_report.md" ] || fail "report files missing"
grep -q "micro" "$T/stdout" || fail "no table printed"
"$G" predict "$FX" --labels "$LABELS" --threshold 0.5 -i "$T/texts.txt" -o "$T/pred.jsonl" || fail "predict exited $?"
python3 - "$T" <<'PY' || exit 1
import json, sys
d = sys.argv[1]
rep = json.load(open(d + "/report/eval_report.json"))
gold = {}
for line in open(d + "/data.jsonl"):
    for lab, ents in json.loads(line)["output"]["entities"].items():
        gold[lab] = gold.get(lab, 0) + len(ents)
assert [round(s["threshold"], 3) for s in rep["sweep"]] == [0.3, 0.5], rep["sweep"]
for s in rep["sweep"]:
    sup = {p["label"]: p["support"] for p in s["per_label"]}
    assert sup == gold, f"supports {sup} != gold counts {gold}"
    for p in s["per_label"]:
        assert p["tp"] + p["fn"] == p["support"], p
n_pred = sum(len(json.loads(l)["entities"]) for l in open(d + "/pred.jsonl"))
at05 = rep["sweep"][1]["micro"]
assert at05["tp"] + at05["fp"] == n_pred, f"eval predicted {at05['tp'] + at05['fp']} entities at 0.5, predict {n_pred}"
print("supports", gold, "predictions at 0.5:", n_pred)
PY
# --thresholds in any order, with repeats: swept increasing, once each.
"$G" eval "$FX" "$T/data.jsonl" --thresholds 0.5,0.3,0.5 -o "$T/report2" > /dev/null || fail "eval with unsorted thresholds"
python3 -c "
import json, sys
s = [round(x['threshold'], 3) for x in json.load(open('$T/report2/eval_report.json'))['sweep']]
assert s == [0.3, 0.5], s" || fail "unsorted --thresholds not swept in order"
# A missing data file is an error that names it.
expect_error "nope.jsonl" "$G" eval "$FX" "$T/nope.jsonl"
echo OK
