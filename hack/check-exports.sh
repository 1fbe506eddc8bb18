#!/usr/bin/env bash
# The worker's dynamic symbol table is the plugin SDK: checks that a worker binary exports exactly
# the functions its public headers (worker/include/ferry/*.h) mark FERRY_API, and no other symbol
# of ours (the worker is built with -fvisibility=hidden). Usage: hack/check-exports.sh [BINARY]
# (default bin/ferry-worker, a release build: sanitizer builds export their runtime's symbols).
# Prints the exported SDK function count; exits non-zero listing any difference.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-bin/ferry-worker}
[ -x "$bin" ] || { echo "check-exports: $bin: no such executable (build it first)" >&2; exit 2; }

declared=$(cat worker/include/ferry/*.h | tr '\n' ' ' | sed 's/;/;\n/g' |
        grep -oP 'FERRY_API\b[^;(]*?\b\Kferry_\w+(?=\s*\()' | sort -u)
# Defined dynamic symbols, minus what the C runtime's start files and copy relocations put there.
exported=$(nm -D --defined-only "$bin" | awk '{print $3}' | grep -v '@' |
        grep -vxE '_start|_init|_fini|_IO_stdin_used|__bss_start|__data_start|data_start|_edata|_end|__dso_handle' |
        sort -u)

status=0
extra=$(comm -13 <(echo "$declared") <(echo "$exported"))
missing=$(comm -23 <(echo "$declared") <(echo "$exported"))
if [ -n "$extra" ]; then
        echo "check-exports: $bin exports symbols no public header marks FERRY_API:" >&2
        echo "$extra" | sed 's/^/  /' >&2
        status=1
fi
if [ -n "$missing" ]; then
        echo "check-exports: functions marked FERRY_API in worker/include/ferry/ that $bin does not export:" >&2
        echo "$missing" | sed 's/^/  /' >&2
        status=1
fi
[ $status -eq 0 ] && echo "check-exports: $bin exports $(echo "$exported" | wc -l) SDK functions, nothing else"
exit $status
