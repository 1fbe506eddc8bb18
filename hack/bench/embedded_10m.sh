#!/usr/bin/env bash
# A user's first experiment at scale on the embedded broker: an N-line file (default 10,000,000
# lines of 100 bytes, 1 GB) through FileStreamSource -> topic -> FileStreamSink under
# `ferry-worker standalone --embedded-kafka`, both connectors given on the command line. The
# embedded broker keeps only 5 MiB per partition, so this checks that the worker holds the source
# back instead of letting records go: the output must equal the input byte for byte. Prints the
# wall time from process start to the last byte written (the sink's file is flushed at each offset
# commit, every offset.flush.interval.ms = 1 s here) and the rate.
#
# Environment: EMB_LINES (10000000)  FERRY_WORKER (bin/ferry-worker, the release build)
#              EMB_TIMEOUT (1800 s)  KEEP_WORK=1 keeps the files
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
FERRY_WORKER=${FERRY_WORKER:-$REPO/bin/ferry-worker}
N=${EMB_LINES:-10000000}
TIMEOUT=${EMB_TIMEOUT:-1800}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ferry-embedded-10m.XXXXXX")
pid=
cleanup() {
        [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
        [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

# 100-byte lines: a 10-digit number, padding, newline.
awk -v n="$N" 'BEGIN { pad = sprintf("%88s", ""); gsub(/ /, "x", pad);
        for (i = 0; i < n; i++) printf "%010d %s\n", i, pad }' >"$WORK/in.txt"
size=$(stat -c %s "$WORK/in.txt")
cat >"$WORK/worker.properties" <<P
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$WORK/offsets.json
offset.flush.interval.ms=1000
listeners=http://127.0.0.1:0
P
printf 'name=src\nconnector.class=FileStreamSource\nfile=%s\ntopic=lines\n' "$WORK/in.txt" >"$WORK/src.properties"
printf 'name=sink\nconnector.class=FileStreamSink\nfile=%s\ntopics=lines\n' "$WORK/out.txt" >"$WORK/sink.properties"

start=$(date +%s.%N)
"$FERRY_WORKER" standalone --embedded-kafka "$WORK/worker.properties" "$WORK/src.properties" \
        "$WORK/sink.properties" >"$WORK/worker.out" 2>"$WORK/worker.log" &
pid=$!
deadline=$((SECONDS + TIMEOUT))
while :; do
        got=$(stat -c %s "$WORK/out.txt" 2>/dev/null || echo 0)
        [ "$got" -ge "$size" ] && break
        if ! kill -0 "$pid" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
                echo "FAIL: $got of $size bytes written (worker log: $WORK/worker.log)" >&2
                KEEP_WORK=1
                exit 1
        fi
        sleep 0.2
done
end=$(date +%s.%N)
kill -TERM "$pid"
wait "$pid" || true
pid=
if ! cmp -s "$WORK/in.txt" "$WORK/out.txt"; then
        echo "FAIL: the output differs from the input (kept in $WORK)" >&2
        KEEP_WORK=1
        exit 1
fi
held=no
grep -q 'Holding back records' "$WORK/worker.log" && held=yes
awk -v n="$N" -v s="$start" -v e="$end" -v b="$size" -v h="$held" 'BEGIN {
        t = e - s
        printf "embedded broker: %d records (%.0f MB) file -> topic -> file complete and in order in %.1f s (%.0f records/s, %.1f MB/s) from process start; source held back at the broker'"'"'s limit: %s\n", n, b / 1e6, t, n / t, b / 1e6 / t, h }'
