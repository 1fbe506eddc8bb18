#!/usr/bin/env bash
# Short libFuzzer run of the REST request path (tests/fuzz/fuzz_rest.c): builds the target with
# clang (ASan + UBSan + leak checks) and fuzzes for FERRY_FUZZ_SECONDS (30) from the seed corpus.
# Any crash, sanitizer report, leak or malformed answer fails the test. `make fuzz` runs longer.
source "$(dirname "$0")/../lib.sh"
cd "$REPO"
command -v clang >/dev/null || fail "clang is not installed (make deps)"
make --no-print-directory -s build/fuzz/fuzz_rest >"$WORK/build.log" 2>&1 || fail "build failed: $(tail -20 "$WORK/build.log")"
mkdir -p "$WORK/corpus"
set +e
build/fuzz/fuzz_rest -max_total_time="${FERRY_FUZZ_SECONDS:-30}" -timeout=10 -rss_limit_mb=2048 \
        -dict=tests/fuzz/rest.dict -artifact_prefix="$WORK/" -print_final_stats=1 \
        "$WORK/corpus" tests/fuzz/corpus/rest >"$WORK/fuzz.log" 2>&1
rc=$?
set -e
grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' "$WORK/fuzz.log" >&2 || true
if [ "$rc" -ne 0 ]; then
        grep -E 'ERROR|SUMMARY|runtime error|fuzz_rest:' "$WORK/fuzz.log" | head -20 >&2
        fail "fuzzer found a problem (exit $rc); reproducer and log in $WORK"
fi
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/fuzz.log")
[ "${runs:-0}" -gt 1000 ] || fail "the fuzzer ran only ${runs:-0} inputs"
info "$runs inputs, no problem found"
