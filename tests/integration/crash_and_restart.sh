#!/usr/bin/env bash
# kill -9 the worker mid-stream and restart it: no line is lost, and lines repeat only from the
# last committed offsets (the source's offset file, the sink's consumer group). Then a clean stop
# mid-stream and restart: no line repeats at all.
source "$(dirname "$0")/../lib.sh"
B=$(kafka_bootstrap)
N=${FERRY_TEST_LINES:-1000000}
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "line-%07d\n", i }' >"$WORK/in.txt"
COMMITTED="$REPO/build/tools/kafka-committed"

setup() { # dir topic
        mkdir -p "$1"
        cat >"$1/worker.properties" <<P
bootstrap.servers=$B
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$1/offsets.json
listeners=http://127.0.0.1:0
offset.flush.interval.ms=300
consumer.session.timeout.ms=6000
consumer.heartbeat.interval.ms=1000
P
        printf 'name=src-%s\nconnector.class=FileStreamSource\nfile=%s\ntopic=%s\nbatch.size=500\n' "$2" "$WORK/in.txt" "$2" >"$1/src.properties"
        printf 'name=sink-%s\nconnector.class=FileStreamSink\nfile=%s\ntopics=%s\n' "$2" "$1/out.txt" "$2" >"$1/sink.properties"
}

last_line_is() { [ "$(tail -n1 "$1" 2>/dev/null)" = "$2" ]; }
topic_has_last() { topic_dump "$B" "$1" | tail -n1 | grep -qx "$2"; }

# --- kill -9 ---
T=$(unique_topic crash)
D=$WORK/crash
setup "$D" "$T"
start_worker w1 standalone "$D/worker.properties" "$D/src.properties" "$D/sink.properties"
wait_until 120 "a third of the lines in the sink file" has_at_least "$D/out.txt" $((N / 3))
stop_worker w1 KILL
pos=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["value"]["position"])' "$D/offsets.json")
resume_src=$(head -c "$pos" "$WORK/in.txt" | wc -l)
resume_sink=$("$COMMITTED" "$B" "connect-sink-$T" "$T" 0)
info "killed: source committed line $resume_src (byte $pos), sink committed offset $resume_sink, sink file $(file_lines "$D/out.txt") lines"
[ "$resume_src" -gt 0 ] || fail "no source offset was committed before the kill"
# Killed before the sink's first commit (-1001, none stored): its consumer starts again at the
# topic's beginning (auto.offset.reset=earliest, as Connect sets it), so the replay starts at 0.
[ "$resume_sink" -ge 0 ] || resume_sink=0

start_worker w2 standalone "$D/worker.properties" "$D/src.properties" "$D/sink.properties"
last=$(tail -n1 "$WORK/in.txt")
wait_until 300 "the last line in the topic" topic_has_last "$T" "$last"
wait_until 300 "the last line in the sink file" last_line_is "$D/out.txt" "$last"
stop_worker w2 TERM
[ "$WORKER_RC" -eq 0 ] || fail "restarted worker exited with $WORKER_RC"
topic_dump "$B" "$T" >"$D/topic.txt"
python3 "$REPO/tests/check_stream.py" "$WORK/in.txt" "$D/topic.txt" --resume "$resume_src" || fail "topic check"
python3 "$REPO/tests/check_stream.py" "$D/topic.txt" "$D/out.txt" --resume "$resume_sink" || fail "sink file check"

# --- clean stop ---
T=$(unique_topic clean)
D=$WORK/clean
setup "$D" "$T"
start_worker w3 standalone "$D/worker.properties" "$D/src.properties" "$D/sink.properties"
wait_until 120 "a third of the lines in the sink file" has_at_least "$D/out.txt" $((N / 3))
stop_worker w3 TERM
[ "$WORKER_RC" -eq 0 ] || fail "worker exited with $WORKER_RC after SIGTERM"
info "stopped cleanly with $(file_lines "$D/out.txt") lines in the sink file"
start_worker w4 standalone "$D/worker.properties" "$D/src.properties" "$D/sink.properties"
wait_until 300 "the last line in the topic" topic_has_last "$T" "$last"
wait_until 300 "the last line in the sink file" last_line_is "$D/out.txt" "$last"
stop_worker w4 TERM
topic_dump "$B" "$T" >"$D/topic.txt"
python3 "$REPO/tests/check_stream.py" --exact "$WORK/in.txt" "$D/topic.txt" || fail "topic has duplicates or gaps after a clean restart"
python3 "$REPO/tests/check_stream.py" --exact "$WORK/in.txt" "$D/out.txt" || fail "sink file has duplicates or gaps after a clean restart"
