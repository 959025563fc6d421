#!/usr/bin/env bash
# The same exported model scored two ways on an annotated GLiNER2 JSONL file, in one run:
# `gtrain predict` and the real GLiNER2 1.2.3 (bench/reference/.venv, bash bench/reference/setup.sh).
# Both at the model's stored threshold and labels/descriptions, both scored as GLiNER2 reports
# entities (per text, the set of (label, lower-cased text)); shows what a model costs when it is
# run from Python, e.g. a morph-unit model, which GLiNER2 runs on words.
#   bash bench/reference/gliner2_f1.sh MODEL_DIR [TEST.jsonl]   (default data/ko-medical/test.jsonl)
set -euo pipefail
MODEL=$(realpath "${1:?usage: gliner2_f1.sh MODEL_DIR [TEST.jsonl]}")
TEST=$(realpath "${2:-$(dirname "$0")/../../data/ko-medical/test.jsonl}")
cd "$(dirname "$0")/../.."
G=$(realpath "${GTRAIN_BUILD_DIR:-build}/gtrain"); PY=bench/reference/.venv/bin/python  # as scripts/*.sh: from the repo root
[ -f bench/reference/.venv/.complete ] || { echo "no GLiNER2 reference: bash bench/reference/setup.sh" >&2; exit 1; }
REF=tests/reference/gliner2_predict.py
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
python3 - "$TEST" "$MODEL/gtrain.json" "$T" <<'PY'
import json, sys
with open(sys.argv[3] + "/texts.txt", "w", encoding="utf-8") as f:
    for l in open(sys.argv[1], encoding="utf-8"):
        if l.strip():
            f.write(json.loads(l)["input"] + "\n")
g = json.load(open(sys.argv[2]))
open(sys.argv[3] + "/threshold", "w").write(str(g["threshold"]))
print(f"model {sys.argv[2].rsplit('/', 1)[0]}: unit_mode {g.get('unit_mode')}, threshold {g['threshold']}")
PY
TH=$(cat "$T/threshold")
"$G" predict "$MODEL" -i "$T/texts.txt" -o "$T/gtrain.jsonl" 2>"$T/gtrain.log" || { cat "$T/gtrain.log"; exit 1; }
"$PY" "$REF" predict "$MODEL" "$T/texts.txt" "$("$PY" "$REF" labels "$MODEL")" "$TH" "$T/gliner2.jsonl" >"$T/py.log" 2>&1 ||
  { tail -20 "$T/py.log"; exit 1; }
echo "command: bash bench/reference/gliner2_f1.sh $*"
echo "gtrain predict: $("$PY" "$REF" score "$TEST" "$T/gtrain.jsonl")"
echo "GLiNER2 1.2.3:  $("$PY" "$REF" score "$TEST" "$T/gliner2.jsonl")"
