#!/usr/bin/env bash
# Builds the sanitizer/fuzz configuration (clang, ASan + UBSan, torch-free code only) in
# build-fuzz/ and runs each libFuzzer target of tests/fuzz for SECONDS (default 60).
#
#   bash scripts/fuzz.sh                      # every target, 60 s each
#   bash scripts/fuzz.sh 1800 conll utf8      # two targets, 30 min each
#   bash scripts/fuzz.sh --build-only         # configure + build (fuzzers and the ASan unit tests)
#   bash scripts/fuzz.sh --no-build 60 conll  # run without building (what the ctest tests do)
#
# A target fuzzes from its committed seeds (tests/fuzz/corpus/<target>/, read only) into a scratch
# corpus that is deleted afterwards; GTRAIN_FUZZ_WORK=DIR keeps the corpus in DIR/<target>/ instead
# (a long run can resume from it). Crash, timeout (-timeout=10 s per input) and out-of-memory
# (-rss_limit_mb=2048) inputs go to build-fuzz/artifacts/; the log of each run to
# build-fuzz/fuzz-logs/<target>.log. Exits non-zero when any target found something, printing the
# input that reproduces it: `build-fuzz/tests/fuzz/fuzz_<target> <input>` reruns it.
#
# Environment: GTRAIN_FUZZ_BUILD_DIR (build-fuzz), GTRAIN_FUZZ_JOBS (build jobs, default nproc),
# GTRAIN_FUZZ_WORK (see above), GTRAIN_FUZZ_LOG_DIR (build-fuzz/fuzz-logs), GTRAIN_FUZZ_ARGS (extra
# libFuzzer flags).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

BUILD=1
RUN=1
case "${1:-}" in
  --no-build) BUILD=0; shift ;;
  --build-only) RUN=0; shift ;;
esac
SECONDS_EACH=60
if [[ "${1:-}" =~ ^[0-9]+$ ]]; then SECONDS_EACH=$1; shift; fi
BUILD_DIR=${GTRAIN_FUZZ_BUILD_DIR:-build-fuzz}
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR=$ROOT/$BUILD_DIR ;; esac

ALL_TARGETS=()
for f in tests/fuzz/fuzz_*.cpp; do
  t=$(basename "$f" .cpp)
  ALL_TARGETS+=("${t#fuzz_}")
done
TARGETS=("$@")
((${#TARGETS[@]})) || TARGETS=("${ALL_TARGETS[@]}")
for t in "${TARGETS[@]}"; do
  [ -f "tests/fuzz/fuzz_$t.cpp" ] || { echo "[fuzz] unknown target '$t' (targets: ${ALL_TARGETS[*]})" >&2; exit 2; }
done

if ((BUILD)); then
  for tool in clang clang++; do
    command -v $tool >/dev/null || { echo "[fuzz] $tool not found: run scripts/setup.sh (Debian: clang, libclang-rt-14-dev)" >&2; exit 1; }
  done
  if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
    GEN=()
    command -v ninja >/dev/null && GEN=(-G Ninja)
    # -O1 -g and no NDEBUG: asserts on, readable sanitizer stacks, still fast enough to fuzz.
    cmake -S . -B "$BUILD_DIR" "${GEN[@]}" -DGTRAIN_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
      -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g"
  fi
  nice -n 10 cmake --build "$BUILD_DIR" -j "${GTRAIN_FUZZ_JOBS:-$(nproc)}"
  echo "[fuzz] built $BUILD_DIR"
fi
((RUN)) || exit 0

LOG_DIR=${GTRAIN_FUZZ_LOG_DIR:-$BUILD_DIR/fuzz-logs}
mkdir -p "$BUILD_DIR/artifacts" "$LOG_DIR"
# UBSan reports (fatal in this build) with their stack.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
failed=()
for t in "${TARGETS[@]}"; do
  bin=$BUILD_DIR/tests/fuzz/fuzz_$t
  [ -x "$bin" ] || { echo "[fuzz] $bin is not built (run scripts/fuzz.sh --build-only)" >&2; exit 1; }
  seeds=$ROOT/tests/fuzz/corpus/$t
  if [ -n "${GTRAIN_FUZZ_WORK:-}" ]; then
    work=$GTRAIN_FUZZ_WORK/$t
    mkdir -p "$work"
  else
    work=$(mktemp -d "${TMPDIR:-/tmp}/gtrain-fuzz-$t.XXXXXX")
  fi
  log=$LOG_DIR/$t.log
  dict=()
  [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="$ROOT/tests/fuzz/$t.dict")
  # New inputs go to $work; the seed folder is only read.
  set +e
  "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$BUILD_DIR/artifacts/$t-" "${dict[@]}" ${GTRAIN_FUZZ_ARGS:-} \
    "$work" "$seeds" >"$log" 2>&1 &
  pid=$!
  wait $pid
  rc=$?
  set -e
  # The target's input files (tests/fuzz/fuzz_common.h), left behind when it crashed.
  rm -rf "/dev/shm/gtrain-fuzz-$pid" "${TMPDIR:-/tmp}/gtrain-fuzz-$pid"
  [ -n "${GTRAIN_FUZZ_WORK:-}" ] || rm -rf "$work"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
  secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
  if ((rc == 0)) && [ -z "$artifact" ]; then
    echo "[fuzz] $t: ${execs:-?} execs in ${secs:-$SECONDS_EACH} s (${rate:-?}/s), cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}, 0 crashes"
  else
    failed+=("$t")
    echo "[fuzz] $t: FAILED (exit $rc) after ${execs:-?} execs; log $log" >&2
    grep -E '^==[0-9]+==ERROR|runtime error:|fuzz_check failed|^SUMMARY|ALARM|out-of-memory|deadly signal' "$log" | head -20 >&2 || true
    tail -n 40 "$log" >&2
    [ -n "$artifact" ] && echo "[fuzz] $t: crash input: $artifact (rerun: $bin $artifact)" >&2
  fi
done
if ((${#failed[@]})); then
  echo "[fuzz] FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "[fuzz] ${#TARGETS[@]} target(s), ${SECONDS_EACH} s each: no crashes"
