#!/usr/bin/env bash
# hack/bench/rest.sh - REST API latency with 100 connectors: p50/p99 of
# `GET /connectors?expand=status` and of `PUT /connectors/{c}/config` (cycling over the 100
# connectors, each PUT replacing a running connector: stop its task, start it again) under 4
# concurrent connections, measured with wrk (Debian package, in hack/deps.sh).
#
# Usage: hack/bench/rest.sh [SECONDS per test, default 15]
# Env: FERRY_WORKER (default bin/ferry-worker), BENCH_CONNECTORS (100), BENCH_CONNECTIONS (4).
# Prints the wrk reports and one summary line per endpoint.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORKER=${FERRY_WORKER:-$REPO/bin/ferry-worker}
SECS=${1:-15}
N=${BENCH_CONNECTORS:-100}
C=${BENCH_CONNECTIONS:-4}
command -v wrk >/dev/null || { echo "rest.sh: wrk is missing (make deps)" >&2; exit 1; }
[ -x "$WORKER" ] || { echo "rest.sh: $WORKER not built (make)" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-rest.XXXXXX")
PID=
cleanup() {
        if [ -n "$PID" ]; then
                kill "$PID" 2>/dev/null || true
                wait "$PID" 2>/dev/null || true
        fi
        rm -rf "$WORK"
}
trap cleanup EXIT
: >"$WORK/empty.txt"
cat >"$WORK/worker.properties" <<P
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$WORK/offsets.json
listeners=http://127.0.0.1:0
P
"$WORKER" standalone --embedded-kafka "$WORK/worker.properties" >"$WORK/out" 2>"$WORK/log" &
PID=$!
deadline=$((SECONDS + 60))
port=
until [ -n "$port" ]; do
        kill -0 "$PID" 2>/dev/null || { cat "$WORK/log" >&2; exit 1; }
        [ "$SECONDS" -lt "$deadline" ] || { echo "rest.sh: worker did not start" >&2; exit 1; }
        port=$(sed -n 's/.*REST server listening on http:\/\/[^ ]*:\([0-9][0-9]*\).*/\1/p' "$WORK/log" | head -1)
        [ -n "$port" ] || sleep 0.1
done
B=http://127.0.0.1:$port
echo "worker pid $PID on $B; creating $N connectors" >&2
for i in $(seq 0 $((N - 1))); do
        code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/json' "$B/connectors/bench-$i/config" \
                -d "{\"connector.class\":\"FileStreamSource\",\"file\":\"$WORK/empty.txt\",\"topic\":\"bench-$i\"}")
        [ "$code" = 201 ] || { echo "rest.sh: creating bench-$i answered $code" >&2; exit 1; }
done
running() {
        curl -s "$B/connectors?expand=status" | python3 -c '
import json, sys
d = json.load(sys.stdin)
ok = len(d) == int(sys.argv[1]) and all(v["status"]["connector"]["state"] == "RUNNING" and
     all(t["state"] == "RUNNING" for t in v["status"]["tasks"]) for v in d.values())
sys.exit(0 if ok else 1)' "$N"
}
deadline=$((SECONDS + 120))
until running; do
        [ "$SECONDS" -lt "$deadline" ] || { echo "rest.sh: connectors not RUNNING" >&2; exit 1; }
        sleep 0.2
done
bytes=$(curl -s "$B/connectors?expand=status" | wc -c)
echo "all $N connectors RUNNING; GET /connectors?expand=status is $bytes bytes" >&2

cat >"$WORK/put.lua" <<LUA
-- Each request replaces the config of the next connector (bench-0 .. bench-$((N - 1))).
local i = 0
request = function()
        local name = "bench-" .. (i % $N)
        i = i + 1
        local body = '{"connector.class":"FileStreamSource","file":"$WORK/empty.txt","topic":"' .. name .. '"}'
        return wrk.format("PUT", "/connectors/" .. name .. "/config", {["Content-Type"] = "application/json"}, body)
end
done = function(summary, latency, requests)
        io.write(string.format("SUMMARY requests=%d errors=%d p50_us=%d p99_us=%d\n", summary.requests,
                summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write +
                summary.errors.timeout, latency:percentile(50), latency:percentile(99)))
end
LUA
cat >"$WORK/get.lua" <<'LUA'
done = function(summary, latency, requests)
        io.write(string.format("SUMMARY requests=%d errors=%d p50_us=%d p99_us=%d\n", summary.requests,
                summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write +
                summary.errors.timeout, latency:percentile(50), latency:percentile(99)))
end
LUA

report() { # label wrk-output
        sed -n 's/^SUMMARY //p' "$2" | awk -v l="$1" -v s="$SECS" '{
                split($0, f, " "); for (i in f) { split(f[i], kv, "="); v[kv[1]] = kv[2] }
                printf "%-40s %6d requests (%.0f/s), %d errors, p50 %.2f ms, p99 %.2f ms\n", l, v["requests"],
                        v["requests"] / s, v["errors"], v["p50_us"] / 1000, v["p99_us"] / 1000 }'
}
wrk -t2 -c"$C" -d"${SECS}s" --latency -s "$WORK/get.lua" "$B/connectors?expand=status" >"$WORK/get.out"
cat "$WORK/get.out" >&2
wrk -t2 -c"$C" -d"${SECS}s" --latency --timeout 30s -s "$WORK/put.lua" "$B" >"$WORK/put.out"
cat "$WORK/put.out" >&2
echo
echo "REST latency, $N connectors, $C connections, ${SECS}s each ($(nproc) CPUs):"
report "GET /connectors?expand=status" "$WORK/get.out"
report "PUT /connectors/{c}/config" "$WORK/put.out"
