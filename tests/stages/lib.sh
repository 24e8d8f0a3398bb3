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

# simulate_small_study [EXTRA_MARK...]: the simulated study of the report tests, 600 genes of one
# epigenome (E001, seed 5, bigWig, 2 chromosomes) with the five input marks, plus EXTRA marks binned
# beside them (e.g. H3K27ac, never a model input). Leaves S (the study folder), $WORK/genes.tsv,
# $WORK/labels.tsv, $WORK/bins/MARK.npy for every mark, and mark_flags: --mark MARK=FILE of the five.
MARKS="H3K27me3 H3K36me3 H3K4me1 H3K4me3 H3K9me3"
simulate_small_study() {
  S="$WORK/study"
  local marks="$MARKS $*" m
  "$ACHROME_BIN/achrome-simulate" --out "$S" --genes 600 --epigenomes E001 --chromosomes 2 --seed 5 \
    --marks "$(echo $marks | tr ' ' ',')" --formats bigwig -t 2 -q && ok "study simulated ($marks)" || not_ok "simulate failed"
  "$ACHROME_BIN/achrome-genes" --annotation "$S/genes.gtf" --out "$WORK/genes.tsv" -q
  "$ACHROME_BIN/achrome-label" --genes "$WORK/genes.tsv" --expression "$S/expression.tsv" --epigenome E001 \
    --out "$WORK/labels.tsv" -q
  mark_flags=()
  for m in $marks; do
    "$ACHROME_BIN/achrome-bin" --genes "$WORK/genes.tsv" --signal "$S/signal/E001/$m.bw" --out "$WORK/bins/$m.npy" -t 2 -q
  done
  for m in $MARKS; do mark_flags+=(--mark "$m=$WORK/bins/$m.npy"); done
}
