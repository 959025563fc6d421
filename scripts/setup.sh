#!/usr/bin/env bash
# Installs gtrain's system packages (Debian 12) and builds it. Idempotent: re-running only rebuilds
# what changed. Usage: scripts/setup.sh [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache git
  libtorch-dev libopenblas0-openmp          # OpenBLAS: reference BLAS makes a step ~13x slower
  libopenmpi-dev openmpi-bin
  libhdf5-dev
  libsentencepiece-dev sentencepiece
  libspdlog-dev libgtest-dev libyaml-cpp-dev libcli11-dev nlohmann-json3-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "[setup] installing: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "[setup] need root or sudo to install packages" >&2; exit 1; }
    SUDO="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Make sure the BLAS that LibTorch calls is OpenBLAS, not the slow reference implementation.
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)
case "$blas" in
  *openblas*) ;;
  *) echo "[setup] warning: libblas.so.3 resolves to '$blas', not OpenBLAS (training will be slow)" >&2 ;;
esac

[ "${1:-}" = "--no-build" ] && exit 0

BUILD_DIR=${GTRAIN_BUILD_DIR:-build}
JOBS=${GTRAIN_JOBS:-$(nproc)}
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  # Ninja starts a library's sources as soon as their headers exist (Make waits for whole
  # targets), which keeps both cores of a small machine busy.
  GEN=()
  command -v ninja >/dev/null && GEN=(-G Ninja)
  cmake -S . -B "$BUILD_DIR" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release
fi
# GTRAIN_BUILD_TARGET=gtrain builds just the binary (the quickstart), skipping the test suites.
TARGET=${GTRAIN_BUILD_TARGET:-all}
cmake --build "$BUILD_DIR" -j "$JOBS" --target "$TARGET"
echo "[setup] built $BUILD_DIR ($TARGET)"
