#!/usr/bin/env bash
# Short libFuzzer runs of every target in tests/fuzz/fuzz_<name>.c (REST request path, KCQL parser,
# ...): builds each with clang (ASan + UBSan + leak checks) and fuzzes it from its seed corpus
# tests/fuzz/corpus/<name> for a few seconds: 30 for REST, 15 for the others, or
# FERRY_FUZZ_SECONDS for all. Any crash, sanitizer report, leak or broken invariant fails the test.
# `make fuzz` runs the same targets longer.
source "$(dirname "$0")/../lib.sh"
cd "$REPO"
command -v clang >/dev/null || fail "clang is not installed (make deps)"
mapfile -t targets < <(cd tests/fuzz && ls fuzz_*.c | sed 's/\.c$//')
[ "${#targets[@]}" -gt 0 ] || fail "no tests/fuzz/fuzz_*.c targets"
bins=("${targets[@]/#/build/fuzz/}")
make --no-print-directory -s "${bins[@]}" >"$WORK/build.log" 2>&1 || fail "build failed: $(tail -20 "$WORK/build.log")"
for t in "${targets[@]}"; do
        n=${t#fuzz_}
        case "$n" in rest) secs=30 ;; *) secs=15 ;; esac
        secs=${FERRY_FUZZ_SECONDS:-$secs}
        dict=()
        [ -f "tests/fuzz/$n.dict" ] && dict=(-dict="tests/fuzz/$n.dict")
        mkdir -p "$WORK/corpus-$n"
        set +e
        "build/fuzz/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 "${dict[@]}" \
                -artifact_prefix="$WORK/$n-" -print_final_stats=1 \
                "$WORK/corpus-$n" "tests/fuzz/corpus/$n" >"$WORK/$n.log" 2>&1
        rc=$?
        set -e
        grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' "$WORK/$n.log" |
                sed "s/^/[$t] /" >&2 || true
        if [ "$rc" -ne 0 ]; then
                grep -E "ERROR|SUMMARY|runtime error|$t:" "$WORK/$n.log" | head -20 >&2
                fail "$t found a problem (exit $rc); reproducer and log in $WORK"
        fi
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/$n.log")
        [ "${runs:-0}" -gt 1000 ] || fail "$t ran only ${runs:-0} inputs"
        info "$t: $runs inputs in ${secs}s, no problem found"
done
