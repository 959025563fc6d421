#!/usr/bin/env bash
# The main job on the shipped Korean medical sample data (data/ko-medical): installs and builds,
# trains a SentencePiece tokenizer on the raw sample text, prepares the HDF5 splits and prints
# what the data looks like in each span-unit mode.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
G=${GTRAIN_BUILD_DIR:-build}/gtrain
RUN=${GTRAIN_RUN_DIR:-runs/quickstart}
mkdir -p "$RUN"
"$G" --version
"$G" tokenizer train --input data/ko-medical/raw.txt --model-prefix "$RUN/spm" --vocab-size 2000 --vocab-size-is-max
"$G" prepare configs/quickstart-prepare.yaml --tokenizer "$RUN/spm.model" --output "$RUN/data"
"$G" data inspect data/ko-medical/test.jsonl --tokenizer "$RUN/spm.model"
echo "prepared data: $RUN/data/{train,dev,test}.h5"
