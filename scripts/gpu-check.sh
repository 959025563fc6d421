#!/usr/bin/env bash
# Proves gtrain's GPU paths on one GPU, in one command (≤ 8 minutes on an H100/H200), on a host
# shaped like the lent GPU machines: x86-64, one NVIDIA GPU, PyTorch 2.11 in `python3`, no -dev
# packages, no apt, no network. It runs a build made on a Debian 12 machine by
# scripts/gpu-bundle.sh (gpu-bundle/: the binaries, the Debian libraries they need, the fixtures),
# against the host's own LibTorch (the same 2.11.0 as the bundle was built with).
#
#   bash scripts/gpu-bundle.sh                 # here: builds and fills gpu-bundle/
#   bash scripts/gpu-check.sh                  # there, from the repository root
#   bash scripts/gpu-check.sh --dry-run [--bin build]   # anywhere: every step that needs no GPU
#
# Prints PASS/FAIL/SKIP per step and writes a JSON summary (GTRAIN_GPU_CHECK_OUT, default
# runs/gpu-check/summary.json). Exit status: 0 when no step failed.
set -uo pipefail
cd "$(dirname "$0")/.."

DRY=0
BIN=gpu-bundle/bin
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY=1 ;;
    --bin) BIN=$2; shift ;;
    *) echo "usage: gpu-check.sh [--dry-run] [--bin DIR]" >&2; exit 2 ;;
  esac
  shift
done
OUT=${GTRAIN_GPU_CHECK_OUT:-runs/gpu-check}
rm -rf "$OUT" && mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
T0=$(date +%s)

# ---- where the binaries, libraries and fixtures are -----------------------------------------------
if [ -d "$BIN/../lib" ] && [ -f "$BIN/../BUILD_INFO" ]; then  # a bundle
  BUNDLE=$(cd "$BIN/.." && pwd)
  G=$BUNDLE/bin/gtrain TT=$BUNDLE/bin/gtrain_torch_tests DT=$BUNDLE/bin/gtrain_dist_tests
  export GTRAIN_SPM_SHIM=$BUNDLE/bin/libgtrain_spm.so GTRAIN_FIXTURES=$BUNDLE/fixtures
  LIBS=$BUNDLE/lib
  want_torch=$(sed -n 's/^torch=//p' "$BUNDLE/BUILD_INFO")
else  # a build folder (the dry run under ctest)
  G=$BIN/gtrain TT=$BIN/tests/gtrain_torch_tests DT=$BIN/tests/gtrain_dist_tests
  LIBS=""
  want_torch=""
fi
# The host's LibTorch and its CUDA libraries (the pip nvidia-* wheels beside it), when a bundle is
# run: the binaries' RUNPATH names the build machine's folders, which do not exist there.
if [ -n "$LIBS" ]; then
  read -r TORCH_LIB TORCH_VER NV_LIBS < <(python3 - <<'PY'
import glob, os, torch
lib = os.path.join(os.path.dirname(torch.__file__), "lib")
nv = sorted(glob.glob(os.path.join(os.path.dirname(os.path.dirname(torch.__file__)), "nvidia", "*", "lib")))
print(lib, torch.__version__, ":".join(nv) or "-")
PY
  ) || { echo "FAIL: python3 cannot import torch"; exit 1; }
  [ "${TORCH_VER%%+*}" = "$want_torch" ] || echo "warning: host torch $TORCH_VER, bundle built against $want_torch"
  export LD_LIBRARY_PATH=$LIBS:$TORCH_LIB${NV_LIBS:+:${NV_LIBS/#-/}}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
fi
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-$(( $(nproc) > 8 ? 8 : $(nproc) ))}

"$G" --version >"$OUT/version.txt" 2>&1
GPU=0
[ $DRY = 0 ] && grep -q "^GPU 0:" "$OUT/version.txt" && GPU=1

# ---- step bookkeeping ---------------------------------------------------------------------------
declare -a NAMES STATUS DETAIL
step() {  # step NAME STATUS DETAIL
  NAMES+=("$1"); STATUS+=("$2"); DETAIL+=("$3")
  printf '%-5s %-28s %s\n' "$2" "$1" "$3"
}
need_gpu() {  # need_gpu NAME: true when the step may run
  if [ $GPU = 1 ]; then return 0; fi
  step "$1" SKIP "$([ $DRY = 1 ] && echo "dry run" || echo "no GPU visible")"
  return 1
}
gtest_step() {  # gtest_step NAME BINARY FILTER
  local log="$OUT/$1.log"
  "$2" --gtest_filter="$3" >"$log" 2>&1
  local rc=$?
  if [ $rc != 0 ]; then step "$1" FAIL "exit $rc, see $log: $(grep -m1 -E 'Failure|error' "$log")"
  elif grep -q "\[  SKIPPED \]" "$log"; then step "$1" FAIL "skipped: $(grep -m1 -E 'Skipped|SKIPPED' "$log")"
  else step "$1" PASS "$(grep -hE '^\[(gliner2 parity|gpu mixed)' "$log" | tr '\n' ';' | cut -c1-300)"
  fi
}
# best dev micro-F1 recorded in a run's metrics.jsonl
best_f1() { python3 -c "import json,sys; print(max(json.loads(l).get('micro_f1',-1) for l in open(sys.argv[1])))" "$1"; }

# ---- 1. the build: LibTorch with CUDA, the GPU visible ------------------------------------------
if grep -q "CUDA compiled in" "$OUT/version.txt"; then
  step version PASS "$(grep -E '^(LibTorch|GPU 0|CUDA runtime)' "$OUT/version.txt" | tr '\n' ';')"
else
  step version FAIL "$(head -3 "$OUT/version.txt" | tr '\n' ';')"
fi

# ---- 2. fixture parity on CUDA (fp32) and mixed-precision steps ---------------------------------
need_gpu cuda_parity && gtest_step cuda_parity "$TT" 'Fixtures/Gliner2Parity.CudaForwardBackward*'
need_gpu mixed_precision && gtest_step mixed_precision "$TT" 'Fixtures/Gliner2Parity.CudaMixedPrecision*'

# ---- 3. the quickstart config: GPU fp16/bf16 against CPU fp32 dev micro-F1 ------------------------
QS=$OUT/quickstart
mkdir -p "$QS"
"$G" tokenizer train --input data/ko-medical/raw.txt --model-prefix "$QS/spm" --vocab-size 2000 \
  --vocab-size-is-max >"$QS/spm.log" 2>&1
qs_set=(--set model.tokenizer="$QS/spm.model" --set data.prepare.tokenizer="$QS/spm.model"
        --set data.cache_dir="$QS/cache" --set log.tensorboard=false --set log.progress=plain)
[ $DRY = 1 ] && qs_set+=(--set optim.epochs=1)
qs_train() {  # qs_train NAME extra --set ...
  local name=$1; shift
  "$G" train configs/quickstart.yaml "${qs_set[@]}" --set output_dir="$QS/$name" "$@" >"$QS/$name.log" 2>&1
}
qs_train cpu_fp32 --set device=cpu
rc=$?
cpu_f1=$([ $rc = 0 ] && best_f1 "$QS/cpu_fp32/metrics.jsonl" || echo "")
if [ -n "$cpu_f1" ]; then step quickstart_cpu_fp32 PASS "dev micro-F1 $cpu_f1"
else step quickstart_cpu_fp32 FAIL "exit $rc, see $QS/cpu_fp32.log"; fi
for p in fp16 bf16; do
  need_gpu "quickstart_cuda_$p" || continue
  qs_train "cuda_$p" --set device=cuda --set precision=$p
  rc=$?
  f1=$([ $rc = 0 ] && best_f1 "$QS/cuda_$p/metrics.jsonl" || echo "")
  if [ -z "$f1" ] || [ -z "$cpu_f1" ]; then step "quickstart_cuda_$p" FAIL "exit $rc, see $QS/cuda_$p.log"
  elif python3 -c "import sys; sys.exit(abs($f1 - $cpu_f1) > 0.03)"; then
    step "quickstart_cuda_$p" PASS "dev micro-F1 $f1 (CPU fp32 $cpu_f1, allowed ±0.03)"
  else step "quickstart_cuda_$p" FAIL "dev micro-F1 $f1 vs CPU fp32 $cpu_f1 (more than 0.03 apart)"; fi
done

# ---- 4. checkpoint -> crash -> --resume continues with identical losses (fp32) ------------------
resume_check() {  # resume_check DEVICE
  local dev=$1
  mkdir -p "$QS/resume_$dev"
  local rs=(--set device="$dev" --set optim.epochs=1 --set checkpoint.every_steps=20 --set log.every_steps=1
            --set eval.every_steps=0)
  export GTRAIN_DETERMINISTIC=1
  qs_train "resume_$dev/full" "${rs[@]}" || { step "resume_$dev" FAIL "uninterrupted run failed"; return; }
  GTRAIN_FAULT=0:30:exit qs_train "resume_$dev/cut" "${rs[@]}"
  [ $? = 3 ] || { step "resume_$dev" FAIL "the injected crash at step 30 did not happen"; return; }
  qs_train "resume_$dev/cut" "${rs[@]}" --resume ||
    { step "resume_$dev" FAIL "--resume failed, see $QS/resume_$dev/cut.log"; return; }
  unset GTRAIN_DETERMINISTIC
  local verdict
  verdict=$(python3 - "$QS/resume_$dev/full/metrics.jsonl" "$QS/resume_$dev/cut/metrics.jsonl" <<'PY'
import json, sys
def losses(p):
    out = {}
    for l in open(p):
        r = json.loads(l)
        if r.get("split") == "train": out[r["step"]] = r["loss"]  # a resumed run rewrites steps 21..30
    return out
a, b = losses(sys.argv[1]), losses(sys.argv[2])
steps = [s for s in sorted(a) if s > 20]
diff = [s for s in steps if a[s] != b.get(s)]
print(("identical" if not diff else "DIFFER at %d of" % len(diff)) + " %d steps after the step-20 checkpoint" % len(steps))
PY
  )
  case "$verdict" in identical*) step "resume_$dev" PASS "$verdict" ;; *) step "resume_$dev" FAIL "$verdict" ;; esac
}
if [ $DRY = 1 ]; then resume_check cpu; elif need_gpu resume_cuda; then resume_check cuda; fi

# ---- 5. NCCL: 1-rank communicator and the reducer with overlap; bench allreduce on 1 GPU ---------
need_gpu nccl_tests && gtest_step nccl_tests "$DT" 'Nccl.*'
if need_gpu nccl_bench_allreduce; then
  if "$G" bench allreduce --backend nccl --max-bytes 268435456 >"$OUT/allreduce.txt" 2>&1; then
    step nccl_bench_allreduce PASS "$(grep -iE 'busbw|bus' "$OUT/allreduce.txt" | tail -1 | tr -s ' ')"
  else step nccl_bench_allreduce FAIL "$(tail -2 "$OUT/allreduce.txt" | tr '\n' ';')"; fi
fi

# ---- 6. bench step at the base shape, batch 8 x 512 ---------------------------------------------
bench() {  # bench NAME args...
  local name=$1; shift
  if "$G" bench step "$@" >"$OUT/$name.txt" 2>&1; then
    step "$name" PASS "$(grep -E '^  (step|tokens/s|MFU|peak GPU)' "$OUT/$name.txt" | tr -s ' ' | tr '\n' ';')"
  else step "$name" FAIL "$(tail -2 "$OUT/$name.txt" | tr '\n' ';')"; fi
}
if [ $DRY = 1 ]; then
  bench bench_cpu_toy --shape toy --steps 2 --warmup 1 --seq-len 64
else
  for p in fp32 fp16 bf16; do
    for gc in "" --gradient-checkpointing; do
      need_gpu "bench_base_${p}${gc:+_gc}" || continue
      bench "bench_base_${p}${gc:+_gc}" --device cuda --shape base --batch-size 8 --seq-len 512 --precision $p $gc \
        --steps 10 --warmup 3
    done
  done
fi

# ---- summary -------------------------------------------------------------------------------------
fails=0
{
  printf '{"date": "%s", "dry_run": %s, "seconds": %d, "host": "%s",\n "steps": [\n' "$(date -u +%FT%TZ)" \
    "$([ $DRY = 1 ] && echo true || echo false)" $(( $(date +%s) - T0 )) \
    "$(grep -m1 '^GPU 0:' "$OUT/version.txt" | sed 's/"/\\"/g' || true)"
  for i in "${!NAMES[@]}"; do
    [ "${STATUS[$i]}" = FAIL ] && fails=$((fails + 1))
    d=$(printf '%s' "${DETAIL[$i]}" | sed 's/\\/\\\\/g; s/"/\\"/g')
    printf '  {"step": "%s", "status": "%s", "detail": "%s"}%s\n' "${NAMES[$i]}" "${STATUS[$i]}" "$d" \
      "$([ $i -lt $(( ${#NAMES[@]} - 1 )) ] && echo ,)"
  done
  printf ' ]}\n'
} >"$OUT/summary.json"
python3 -m json.tool "$OUT/summary.json" >/dev/null || { echo "FAIL: summary.json is not valid JSON"; exit 1; }
echo "gpu-check: ${#NAMES[@]} steps, $fails failed, $(( $(date +%s) - T0 )) s; summary $OUT/summary.json"
[ $fails = 0 ]
