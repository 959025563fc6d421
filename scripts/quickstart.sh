#!/usr/bin/env bash
# The main job on the shipped Korean medical sample data (data/ko-medical): installs and builds,
# trains a SentencePiece tokenizer on the raw sample text, shows what the data looks like in each
# span-unit mode, then trains a small GLiNER2-style model from scratch on the CPU
# (configs/quickstart.yaml: prepares and caches the HDF5 splits, evaluates on dev every epoch,
# keeps the best model) and prints the per-label F1 table of the test split.
set -euo pipefail
cd "$(dirname "$0")/.."
GTRAIN_BUILD_TARGET=gtrain bash scripts/setup.sh   # the binary only; scripts/test.sh builds the tests
G=${GTRAIN_BUILD_DIR:-build}/gtrain
RUN=runs/quickstart   # configs/quickstart.yaml names this folder (tokenizer, output, cache)
mkdir -p "$RUN"
"$G" --version
"$G" tokenizer train --input data/ko-medical/raw.txt --model-prefix "$RUN/spm" --vocab-size 2000 --vocab-size-is-max
"$G" data inspect data/ko-medical/test.jsonl --tokenizer "$RUN/spm.model"
# Each quickstart trains afresh: train refuses to start over an earlier run's checkpoints.
case " $* " in *" --resume "* | *" --auto-resume "*) ;; *) rm -rf "$RUN/train" ;; esac
"$G" train configs/quickstart.yaml "$@"
