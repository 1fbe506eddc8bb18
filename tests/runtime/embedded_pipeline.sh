#!/usr/bin/env bash
# The file -> topic -> file pipeline under --embedded-kafka (librdkafka's in-process cluster), with
# the quickstart's JsonConverter settings: the output is byte-identical, kcat reads the topic from
# the printed address, and the topic holds the JSON envelopes Kafka Connect writes. A torn last line
# in the sink file (as a crash leaves it) is dropped before writing.
source "$(dirname "$0")/../lib.sh"
# The embedded cluster keeps only a few MB per partition (older records are dropped), so the
# data stays well below that.
N=${FERRY_TEST_EMBEDDED_LINES:-40000}
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "embedded \"%d\"\n", i }' >"$WORK/in.txt"
cat >"$WORK/worker.properties" <<P
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
offset.storage.file.filename=$WORK/offsets.json
listeners=http://127.0.0.1:0
offset.flush.interval.ms=500
P
printf 'name=src\nconnector.class=FileStreamSource\nfile=%s\ntopic=emb\n' "$WORK/in.txt" >"$WORK/src.properties"
cat >"$WORK/sink.json" <<J
{"name": "sink", "config": {"connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector", "file": "$WORK/out.txt", "topics": "emb", "tasks.max": 1}}
J
# A partial last line left in the sink file by a crash is removed before new lines are appended.
printf 'torn-li' >"$WORK/out.txt"
start_worker w standalone --embedded-kafka "$WORK/worker.properties" "$WORK/src.properties" "$WORK/sink.json"
wait_until 30 "the embedded broker address" grep -q '^Embedded Kafka broker: ' "$WORK/w.out"
B=$(sed -n 's/^Embedded Kafka broker: //p' "$WORK/w.out")
wait_until 120 "$N lines in the sink file" has_at_least "$WORK/out.txt" "$N"
cmp "$WORK/in.txt" "$WORK/out.txt" || fail "sink output differs from the input"
first=$(kcat -b "$B" -C -t emb -c 1 -e -q -f '%s\n' -o beginning)
[ "$first" = '{"schema":{"type":"string","optional":false},"payload":"embedded \"0\""}' ] ||
        fail "unexpected record format in the topic: $first"
count=$(kcat -b "$B" -C -t emb -e -q -f '%s\n' -o beginning | wc -l)
[ "$count" -eq "$N" ] || fail "topic holds $count records, expected $N"
# GET /metrics counts exactly the records moved.
REST=$(grep -o 'REST worker id .*' "$WORK/w.log" | awk '{print $4}')
metric() { curl -sf "http://$REST/metrics" | awk -v m="$1" -v c="$2" 'index($0, m "{connector=\"" c "\"") == 1 {print $2}'; }
wait_until 30 "source writes counted" test "$(metric ferry_source_record_write_total src)" = "$N"
[ "$(metric ferry_source_record_poll_total src)" = "$N" ] || fail "poll total $(metric ferry_source_record_poll_total src), expected $N"
[ "$(metric ferry_sink_record_read_total sink)" = "$N" ] || fail "sink read total $(metric ferry_sink_record_read_total sink), expected $N"
[ "$(metric ferry_sink_record_send_total sink)" = "$N" ] || fail "sink send total $(metric ferry_sink_record_send_total sink), expected $N"
wait_until 30 "a source offset commit counted" test "$(metric ferry_offset_commit_success_total src)" -ge 1
curl -sf "http://$REST/metrics" | grep -q '^ferry_task_status{connector="sink",task="0",state="RUNNING"} 1$' ||
        fail "task status gauge missing"
curl -sfI "http://$REST/metrics" | grep -qi '^content-type: text/plain; version=0.0.4' || fail "metrics content type"
stop_worker w TERM
[ "$WORKER_RC" -eq 0 ] || fail "worker exited with $WORKER_RC"
