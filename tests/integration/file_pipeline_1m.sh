#!/usr/bin/env bash
# A 1,000,000-line file goes FileStreamSource -> topic -> FileStreamSink on the real broker: the
# output file is byte-identical, the topic holds exactly those lines, and a clean stop exits 0.
source "$(dirname "$0")/../lib.sh"
B=$(kafka_bootstrap)
N=${FERRY_TEST_LINES:-1000000}
T=$(unique_topic pipeline)
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "%07d %s\n", i, substr("abcdefghijklmnopqrstuvwxyz0123456789", 1, i % 37) }' >"$WORK/in.txt"

cat >"$WORK/worker.properties" <<P
bootstrap.servers=$B
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$WORK/offsets.json
listeners=http://127.0.0.1:0
offset.flush.interval.ms=1000
P
printf 'name=src\nconnector.class=org.apache.kafka.connect.file.FileStreamSourceConnector\nfile=%s\ntopic=%s\n' "$WORK/in.txt" "$T" >"$WORK/src.properties"
printf 'name=sink\nconnector.class=FileStreamSink\nfile=%s\ntopics=%s\n' "$WORK/out.txt" "$T" >"$WORK/sink.properties"

start_worker w standalone "$WORK/worker.properties" "$WORK/src.properties" "$WORK/sink.properties"
wait_until 300 "$N lines in the sink file" has_at_least "$WORK/out.txt" "$N"
stop_worker w TERM
[ "$WORKER_RC" -eq 0 ] || fail "worker exited with $WORKER_RC after SIGTERM"
cmp "$WORK/in.txt" "$WORK/out.txt" || fail "sink output differs from the input"
topic_dump "$B" "$T" >"$WORK/topic.txt"
cmp "$WORK/in.txt" "$WORK/topic.txt" || fail "topic content differs from the input"
grep -q '"position":' "$WORK/offsets.json" || fail "no source offset in the offsets file"
pos=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["value"]["position"])' "$WORK/offsets.json")
[ "$pos" -eq "$(stat -c %s "$WORK/in.txt")" ] || fail "committed position $pos is not the file size"
info "ok: $N lines, output and topic identical, offset $pos"
