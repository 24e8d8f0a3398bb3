# Runtime options of the ASan/UBSan test run (-DACHROME_SANITIZE=address,undefined; README,
# "Sanitizers and fuzzing"). Sourced, not run:
#   (source tests/sanitizers/env.sh && ctest --test-dir build-asan -L 'unit|stages' --output-on-failure -j2)
# The options reach every process the tests start; the peers (python, bedtools, ...) are not built
# with sanitizers and ignore them.

# UBSan: the first report ends the process with its stack (the build has -fno-sanitize-recover too).
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# ASan: the defaults (leak checking on), plus abort_on_error so that a report is never mistaken for
# an ordinary error exit of a stage.
export ASAN_OPTIONS=abort_on_error=1
