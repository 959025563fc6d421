#!/usr/bin/env bash
# The Python reference for `scripts/bench-vs-reference.sh` and the tests/reference/ checks (run by
# scripts/test.sh): GLiNER2 1.2.3 from PyPI on the same
# torch (2.11.0) that gtrain links, in a git-ignored venv here (.venv). Run once; ~1 GB download.
# The PyPI torch wheel is the CUDA build; it runs on CPU. Its CUDA libraries are loaded from the
# same place gtrain's build takes them (.deps/torch-2.11.0/nvidia, made by scripts/setup.sh), so
# the nvidia-* wheels are not downloaded again.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)
nvidia=$root/.deps/torch-2.11.0/nvidia
[ -d "$nvidia" ] || { echo "[reference] run scripts/setup.sh first (it provides $nvidia)" >&2; exit 1; }
[ -f .venv/.complete ] && { echo "[reference] .venv is ready"; exit 0; }
rm -rf .venv
python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
# Versions of GLiNER2 1.2.3's time (late 2025): transformers 4.x (5.x changed the APIs it uses).
.venv/bin/pip install -q --no-deps torch==2.11.0
# constraints.txt pins these and what they pull in to the versions the tests were checked with.
.venv/bin/pip install -q -c constraints.txt 'numpy<3' 'transformers==4.57.1' 'sentencepiece' 'safetensors' \
  'tqdm' 'onnxruntime' 'typing_extensions' 'sympy' 'networkx' 'jinja2' 'fsspec' 'filelock'
.venv/bin/pip install -q --no-deps 'gliner2==1.2.3' 'gliner==0.2.22'
site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
ln -sfn "$nvidia" "$site/nvidia"
.venv/bin/python -c 'import torch, gliner2, transformers; print("[reference] torch", torch.__version__, "transformers", transformers.__version__, "gliner2 ok")'
touch .venv/.complete
