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

finish() {
  echo "$PASS passed, $FAIL failed"
  [ "$FAIL" -eq 0 ]
}
