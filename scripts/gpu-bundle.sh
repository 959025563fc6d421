#!/usr/bin/env bash
# Fills gpu-bundle/ (git-ignored) with what scripts/gpu-check.sh needs on a GPU host that has
# PyTorch 2.11 but no Debian -dev packages, no apt and no network: gtrain and its test binaries
# built here (stripped), every Debian library they load that such a host lacks (MPI, HDF5,
# spdlog/fmt, yaml-cpp, SentencePiece, ...: found with ldd, copied from the installed packages),
# and the test fixtures from ../shared. LibTorch, CUDA, NCCL, glibc and libstdc++ are left to the
# host (its PyTorch is the same 2.11.0). Usage: scripts/gpu-bundle.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-${GTRAIN_BUILD_DIR:-build}}
GTRAIN_BUILD_DIR=$BUILD bash scripts/setup.sh >/dev/null
B=gpu-bundle
rm -rf "$B" && mkdir -p "$B/bin" "$B/lib" "$B/fixtures"
cp "$BUILD/gtrain" "$BUILD/tests/gtrain_torch_tests" "$BUILD/tests/gtrain_dist_tests" "$BUILD/libgtrain_spm.so" "$B/bin/"
strip --strip-unneeded "$B"/bin/*
# Libraries the host provides: LibTorch and CUDA (its PyTorch), the C and C++ runtimes (newer there).
skip='/(torch|nvidia|cuda)/|lib(c|m|dl|rt|pthread|gcc_s|stdc\+\+|gomp|cuda|cudart|nccl)\.so|ld-linux'
for f in "$B"/bin/*; do ldd "$f"; done | awk '/=> \// {print $3}' | sort -u | grep -Ev "$skip" | while read -r lib; do
  cp -L "$lib" "$B/lib/"
done
# The SentencePiece shim's own libraries (it is dlopen'ed, so ldd of the binaries misses them).
ldd "$BUILD/libgtrain_spm.so" | awk '/=> \// {print $3}' | grep -Ev "$skip" | xargs -r -I{} cp -L {} "$B/lib/"
missing=$(for f in "$B"/bin/*; do LD_LIBRARY_PATH=$B/lib ldd "$f"; done | grep "not found" | grep -Ev "$skip" || true)
[ -z "$missing" ] || { echo "[gpu-bundle] unresolved: $missing" >&2; exit 1; }
if [ -d ../shared/fixtures/gliner2_tiny ]; then
  cp -r ../shared/fixtures/gliner2_tiny ../shared/fixtures/gliner2_tiny_v2 "$B/fixtures/"
else
  echo "[gpu-bundle] warning: ../shared/fixtures absent; the parity steps will fail" >&2
fi
torch_version=$(sed -n 's/.*LibTorch \([0-9.]*\).*/\1/p' <("$BUILD/gtrain" --version) | head -1)
printf 'torch=%s\ncommit=%s\nbuilt=%s\n' "$torch_version" "$(git rev-parse --short HEAD)" "$(date -u +%FT%TZ)" >"$B/BUILD_INFO"
echo "[gpu-bundle] $B: $(du -sh "$B" | cut -f1) ($(ls "$B/lib" | wc -l) libraries); carry it with the repository and run scripts/gpu-check.sh"
