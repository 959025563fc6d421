#!/usr/bin/env bash
# Installs gtrain's system packages (Debian 12) and LibTorch, then builds. Idempotent: re-running
# only rebuilds what changed. Usage: scripts/setup.sh [--no-build]
#
# LibTorch: by default 2.11.0 from the PyPI `torch` wheel (built for CUDA 13.0), unpacked into the
# git-ignored .deps/ of this checkout. To build against a PyTorch or LibTorch you already have, set
# GTRAIN_TORCH to its CMake prefix:
#   GTRAIN_TORCH=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)') bash scripts/setup.sh
#   GTRAIN_TORCH=/opt/libtorch bash scripts/setup.sh            # an unzipped LibTorch
# GTRAIN_NO_APT=1 skips the package step (a host without apt, e.g. scripts/gpu-check.sh's).
set -euo pipefail
cd "$(dirname "$0")/.."

TORCH_VERSION=2.11.0
CUDA_HOME=${CUDA_HOME:-/usr/local/cuda}

PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache git python3 python3-pip python3-venv
  libopenmpi-dev openmpi-bin
  libhdf5-dev
  libsentencepiece-dev sentencepiece
  libspdlog-dev libgtest-dev libyaml-cpp-dev libcli11-dev nlohmann-json3-dev
  clang libclang-rt-14-dev   # scripts/fuzz.sh: libFuzzer + ASan/UBSan runtimes (build-fuzz/)
)

if [ -z "${GTRAIN_NO_APT:-}" ]; then
  missing=()
  for p in "${PACKAGES[@]}"; do
    # python3/pip may come from elsewhere (pyenv, a venv): only a missing command counts.
    case "$p" in
      python3) command -v python3 >/dev/null && continue ;;
      python3-pip) python3 -m pip --version >/dev/null 2>&1 && continue ;;
      python3-venv) python3 -c 'import ensurepip' >/dev/null 2>&1 && continue ;;  # bench/reference's venv
    esac
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
fi

# ---- LibTorch ------------------------------------------------------------------------------------
# The wheel's libtorch_cuda.so needs CUDA 13.0's runtime libraries (cudart, cuBLAS, cuFFT, cuSPARSE,
# cuSOLVER, cuRAND, CUPTI, cuDNN 9, NCCL 2) at load time, even on a machine without a GPU. It finds
# them through its RUNPATH ($ORIGIN/../../nvidia/{cu13,cudnn,nccl,cusparselt,nvshmem}/lib), where
# pip would put the nvidia-* wheels. We take them from the CUDA toolkit instead (same versions:
# CUDA 13.0, cuDNN 9.19, NCCL 2.28.9; ~2.3 GB less to download) by linking them into those folders,
# and fetch from PyPI only the three the toolkit lacks (cuFile, cuSPARSELt, NVSHMEM), plus cuDNN and
# NCCL when the toolkit has none (NVIDIA's stock toolkit ships neither; pinned as torch pins them).
torch_local=.deps/torch-$TORCH_VERSION
install_torch_wheel() {
  [ -f "$torch_local/.complete" ] && return
  [ -e "$CUDA_HOME/lib64/libcudart.so.13" ] || {
    echo "[setup] the PyPI torch $TORCH_VERSION wheel needs the CUDA 13 runtime libraries, not found" \
         "under CUDA_HOME=$CUDA_HOME; install the CUDA 13 toolkit or set GTRAIN_TORCH to a LibTorch" >&2
    exit 1
  }
  python3 -m pip --version >/dev/null 2>&1 || { echo "[setup] python3 -m pip is needed to fetch torch" >&2; exit 1; }
  # Found in the toolkit, or where the loader looks (Debian/NVIDIA packages: libcudnn9-cuda-13,
  # libnccl2), they are not fetched.
  # (grep reads the whole listing: with -q it would stop early and SIGPIPE fail the pipeline)
  have_lib() { [ -e "$CUDA_HOME/lib64/$1" ] || /sbin/ldconfig -p 2>/dev/null | grep -F "$1 " >/dev/null; }
  local extra=()
  have_lib libcudnn.so.9 || extra+=('nvidia-cudnn-cu13==9.19.0.56')
  have_lib libnccl.so.2 || extra+=('nvidia-nccl-cu13==2.28.9')
  ((${#extra[@]})) && echo "[setup] not in $CUDA_HOME/lib64 nor the loader's path, fetching from PyPI: ${extra[*]}"
  echo "[setup] fetching LibTorch $TORCH_VERSION (PyPI wheel) into $torch_local"
  local tmp="$torch_local.tmp.$$"
  rm -rf "$torch_local".tmp.* && mkdir -p "$tmp/wheels"
  # --platform/--python-version: only the libraries are used, so any python3 may fetch the wheel.
  python3 -m pip download -q --no-deps --only-binary=:all: --implementation cp --python-version 3.11 \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_18_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    -d "$tmp/wheels" "torch==$TORCH_VERSION" 'nvidia-cufile==1.15.1.6.*' 'nvidia-cusparselt-cu13==0.8.0' \
    'nvidia-nvshmem-cu13==3.4.5' ${extra[@]+"${extra[@]}"}
  python3 - "$tmp" <<'PY'
import glob, os, sys, zipfile
dest = sys.argv[1]
keep = ("torch/lib/", "torch/include/", "torch/share/", "nvidia/")
for whl in glob.glob(os.path.join(dest, "wheels", "*.whl")):
    with zipfile.ZipFile(whl) as z:
        z.extractall(dest, [n for n in z.namelist() if n.startswith(keep) and not n.endswith("/")])
PY
  rm -rf "$tmp/wheels"
  mkdir -p "$tmp/nvidia/cu13/lib"
  for lib in "$CUDA_HOME"/lib64/lib*.so.[0-9]*; do
    [ -e "$tmp/nvidia/cu13/lib/$(basename "$lib")" ] || ln -s "$(readlink -f "$lib")" "$tmp/nvidia/cu13/lib/$(basename "$lib")"
  done
  mv "$tmp" "$torch_local"
  touch "$torch_local/.complete"
}

if [ -n "${GTRAIN_TORCH:-}" ]; then
  TORCH_PREFIX=$GTRAIN_TORCH
else
  install_torch_wheel
  TORCH_PREFIX=$PWD/$torch_local/torch/share/cmake
fi
[ -f "$TORCH_PREFIX/Torch/TorchConfig.cmake" ] || [ -f "$TORCH_PREFIX/share/cmake/Torch/TorchConfig.cmake" ] || {
  echo "[setup] no TorchConfig.cmake under GTRAIN_TORCH=$TORCH_PREFIX (expected Torch/ or share/cmake/Torch/)" >&2
  exit 1
}

[ "${1:-}" = "--no-build" ] && exit 0

BUILD_DIR=${GTRAIN_BUILD_DIR:-build}
JOBS=${GTRAIN_JOBS:-$(nproc)}
# A build folder configured against another LibTorch (or the old Debian 1.13) starts over.
if [ -f "$BUILD_DIR/CMakeCache.txt" ] && ! grep -qxF "GTRAIN_TORCH_PREFIX:STRING=$TORCH_PREFIX" "$BUILD_DIR/CMakeCache.txt"; then
  echo "[setup] $BUILD_DIR was configured against another LibTorch; reconfiguring"
  rm -rf "$BUILD_DIR/CMakeCache.txt" "$BUILD_DIR/CMakeFiles"
fi
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  # Ninja starts a library's sources as soon as their headers exist (Make waits for whole
  # targets), which keeps both cores of a small machine busy.
  GEN=()
  command -v ninja >/dev/null && GEN=(-G Ninja)
  CUDA_ARGS=()
  [ -x "$CUDA_HOME/bin/nvcc" ] && CUDA_ARGS=(-DCUDAToolkit_ROOT="$CUDA_HOME" -DCMAKE_CUDA_COMPILER="$CUDA_HOME/bin/nvcc")
  cmake -S . -B "$BUILD_DIR" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$TORCH_PREFIX" -DGTRAIN_TORCH_PREFIX="$TORCH_PREFIX" "${CUDA_ARGS[@]}" \
    ${GTRAIN_CMAKE_ARGS:-}
fi
# GTRAIN_BUILD_TARGET=gtrain builds just the binary (the quickstart), skipping the test suites.
TARGET=${GTRAIN_BUILD_TARGET:-all}
cmake --build "$BUILD_DIR" -j "$JOBS" --target "$TARGET"
echo "[setup] built $BUILD_DIR ($TARGET)"
