#!/usr/bin/env bash
# Runs every libFuzzer target of a -DACHROME_FUZZ=ON build for a bounded time:
#   tests/fuzz/run.sh BUILD_DIR [SECONDS_PER_TARGET] [TARGET...]
# Each target starts from its seeds (tests/fuzz/corpus/<target>/) copied into a temporary working
# corpus, so the repository is never written. Targets run FUZZ_JOBS at a time (default 2). A crash,
# sanitizer report, hang (-timeout) or memory blow-up (-rss_limit_mb) fails the run; the input that
# did it is kept in BUILD_DIR/fuzz-artifacts/ (replay: BUILD_DIR/bin/fuzz_<target> FILE).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: run.sh BUILD_DIR [SECONDS_PER_TARGET] [TARGET...]}
seconds=${2:-60}
shift $(($# >= 2 ? 2 : $#))
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(npy text_signal annotation published_csv)
jobs=${FUZZ_JOBS:-2}
build=$(cd "$build" && pwd)
artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"
work=$(mktemp -d "${TMPDIR:-/tmp}/achrome-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Same reporting for every target: abort on the first UB report, with stacks.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_target() {
  local target=$1 binary="$build/bin/fuzz_$1"
  [ -x "$binary" ] || { echo "fuzz: $binary missing (build with -DACHROME_FUZZ=ON)" >"$work/$target.log"; return 1; }
  mkdir -p "$work/$target/corpus"
  cp "$here/corpus/$target/"* "$work/$target/corpus/"
  # TMPDIR: the targets' scratch files go to the temporary folder too.
  (cd "$work/$target" && TMPDIR="$work/$target" "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$target-" corpus) >"$work/$target.log" 2>&1
}

for target in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
  (run_target "$target"; echo $? >"$work/$target.rc") &
done
wait
status=0
for target in "${targets[@]}"; do
  if [ "$(cat "$work/$target.rc" 2>/dev/null)" = 0 ]; then
    runs=$(grep -m1 -o 'stat::number_of_executed_units: [0-9]*' "$work/$target.log" | grep -o '[0-9]*$')
    cov=$(grep -o 'cov: [0-9]*' "$work/$target.log" | tail -1)
    echo "fuzz_$target: ok, ${runs:-?} inputs in ${seconds}s, $cov"
  else
    status=1
    echo "fuzz_$target: FAILED; log tail:"
    tail -n 80 "$work/$target.log"
  fi
done
if [ $status -ne 0 ]; then
  echo "fuzz: inputs that failed are in $artifacts:"
  ls -la "$artifacts"
fi
exit $status
