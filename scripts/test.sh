#!/usr/bin/env bash
# Installs, builds and runs the whole test suite (what CI runs): the main build's ctest, then the
# sanitizer build (scripts/fuzz.sh: clang, ASan + UBSan, in build-fuzz/) with its own ctest: the
# torch-free unit tests under the sanitizers and every fuzz target for GTRAIN_FUZZ_SECONDS (60) s.
# Arguments go to the main ctest. GTRAIN_TEST_FUZZ=0 skips the sanitizer stage (a quick local run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The real GLiNER2 (PyPI) that tests/reference/ checks exports against (~1 GB download, once).
# Without it (no PyPI, or a LibTorch of your own: it takes the wheel's CUDA libraries from
# .deps) those tests skip: say so, as for the fixtures below.
bash bench/reference/setup.sh ||
  echo "[test] WARNING: no GLiNER2 reference (bench/reference/.venv): the reference.* tests will be SKIPPED" >&2
# The parity, swap-encoder and other fixture tests read ../shared/fixtures and skip themselves
# without it: say so up front, so that a green run without them is not taken for a full one.
if [ ! -d ../shared/fixtures ]; then
  echo "[test] WARNING: no ../shared/fixtures beside this checkout ($(pwd)): every fixture test will be SKIPPED" >&2
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
(cd "${GTRAIN_BUILD_DIR:-build}" && ctest --output-on-failure -j "${GTRAIN_TEST_JOBS:-2}" "$@")

if [ "${GTRAIN_TEST_FUZZ:-1}" = 0 ]; then
  echo "[test] GTRAIN_TEST_FUZZ=0: sanitizer unit tests and fuzzers skipped"
  exit 0
fi
bash scripts/fuzz.sh --build-only
FUZZ_DIR=${GTRAIN_FUZZ_BUILD_DIR:-build-fuzz}
# The fuzz.<target> tests read GTRAIN_FUZZ_SECONDS from the build's cache; keep it in step.
cmake -S . -B "$FUZZ_DIR" -DGTRAIN_FUZZ_SECONDS="${GTRAIN_FUZZ_SECONDS:-60}" >/dev/null
(cd "$FUZZ_DIR" && UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} ctest --output-on-failure -j "${GTRAIN_TEST_JOBS:-2}")
