#!/usr/bin/env bash
# Short libFuzzer runs of every target in tests/fuzz/fuzz_<name>.c (REST request path, KCQL parser,
# ...): builds each with clang (ASan + UBSan + leak checks) and fuzzes it from its seed corpus
# tests/fuzz/corpus/<name> for a few seconds (two at a time): 20 for REST, 5 for the others,
# or FERRY_FUZZ_SECONDS for all. Any crash, sanitizer report, leak or broken invariant fails the test.
# `make fuzz` runs the same targets longer.
source "$(dirname "$0")/../lib.sh"
cd "$REPO"
command -v clang >/dev/null || fail "clang is not installed (make deps)"
mapfile -t targets < <(cd tests/fuzz && ls fuzz_*.c | sed 's/\.c$//')
[ "${#targets[@]}" -gt 0 ] || fail "no tests/fuzz/fuzz_*.c targets"
bins=("${targets[@]/#/build/fuzz/}")
make --no-print-directory -s "${bins[@]}" >"$WORK/build.log" 2>&1 || fail "build failed: $(tail -20 "$WORK/build.log")"
# One target: its stats on stderr; exit 0 when nothing was found and it ran enough inputs.
fuzz_one() {
        local t=$1 n=${1#fuzz_} secs rc runs
        case "$n" in rest) secs=20 ;; *) secs=5 ;; esac
        secs=${FERRY_FUZZ_SECONDS:-$secs}
        local dict=()
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
                echo "$t found a problem (exit $rc); reproducer and log in $WORK" >"$WORK/$n.failed"
                return 1
        fi
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/$n.log")
        if [ "${runs:-0}" -le 1000 ]; then
                echo "$t ran only ${runs:-0} inputs" >"$WORK/$n.failed"
                return 1
        fi
        info "$t: $runs inputs in ${secs}s, no problem found"
}
# Two targets at a time (one per core); each one's verdict is collected after all ran.
lanes=${FERRY_FUZZ_JOBS:-2}
for t in "${targets[@]}"; do
        while [ "$(jobs -rp | wc -l)" -ge "$lanes" ]; do wait -n || true; done
        fuzz_one "$t" &
done
wait
failed=$(cat "$WORK"/*.failed 2>/dev/null || true)
[ -z "$failed" ] || fail "$failed"
