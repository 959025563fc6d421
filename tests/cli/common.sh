# Sourced by the CLI tests: a temp dir $T removed at exit, fail, expect_error, require_fixture.
# Usage in a test: G=$1; SRC=$2; source "$(dirname "$0")/common.sh"
set -u
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
expect_error() {  # expect_error PATTERN CMD...: non-zero exit and PATTERN in stderr
  local pat=$1; shift
  if "$@" >"$T/out" 2>"$T/err"; then fail "succeeded: $*"; fi
  grep -q -- "$pat" "$T/err" || { cat "$T/err"; fail "message lacks '$pat': $*"; }
}
require_fixture() {  # require_fixture NAME: FX=../shared/fixtures/NAME, or skip (ctest code 77)
  FX="$SRC/../shared/fixtures/$1"
  [ -f "$FX/model.safetensors" ] || { echo "SKIP: fixtures absent ($FX)"; exit 77; }
}
