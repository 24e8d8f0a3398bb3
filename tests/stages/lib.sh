# Shared helpers for stage tests: sourced, not run. Each test gets a scratch folder removed on exit.
set -euo pipefail
: "${ACHROME_BIN:?set by CTest}"
PY="${ACHROME_PYTHON:-/usr/bin/python3}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/achrome-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
PASS=0
FAIL=0

ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }

# expect_fail "description" "pattern in stderr" cmd...: the command must exit non-zero with a
# one-line error matching the pattern.
expect_fail() {
  local what="$1" pattern="$2"
  shift 2
  local err="$WORK/stderr.$$"
  if "$@" >/dev/null 2>"$err"; then
    not_ok "$what: exited 0"
    return
  fi
  if grep -qE -- "$pattern" "$err" && [ "$(grep -c . "$err")" -eq 1 ]; then
    ok "$what"
  else
    not_ok "$what: stderr was: $(head -c 400 "$err")"
  fi
}

# need TOOL... / need_python MODULE...: a peer the test compares against must be installed; if not, the
# test fails at once with one line naming it (bash containers/install-packages.sh --tests installs them all).
need() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || { echo "not ok - missing peer tool '$tool' (bash containers/install-packages.sh --tests)"; exit 1; }
  done
}
need_python() {
  local module
  for module in "$@"; do
    "$PY" -c "import $module" 2>/dev/null || { echo "not ok - missing Python module '$module' for $PY (bash containers/install-packages.sh --tests)"; exit 1; }
  done
}

# as_repository_root: make $WORK look like the repository root for the shipped configs, which name
# config/... and build/bin relative to it (where users run them), and cd there.
as_repository_root() {
  cd "$WORK"
  ln -s "$ACHROME_SOURCE/config" config
  mkdir -p build && ln -s "$ACHROME_BIN" build/bin
}

finish() {
  echo "$PASS passed, $FAIL failed"
  [ "$FAIL" -eq 0 ]
}
