#!/usr/bin/env bash
# max.poll.records on a real broker: the consumer key Connect users set to size what each put()
# gets. A FileStreamSink with consumer.override.max.poll.records=7 writes all 100 records of a
# topic in at least 15 put() calls (the worker's ferry_sink_put_batches_total), one with the
# worker's consumer.max.poll.records (25) in at least 4 ("inherit"); a value of 0 or "lots" fails the task
# with the Java consumer's ConfigException naming the key.
source "$(dirname "$0")/../lib.sh"
B=$(kafka_bootstrap)
T=$(unique_topic maxpoll)
"$REPO/build/tools/kafka-create-topic" "$B" "$T" 1
seq -f 'rec-%g' 1 100 | kcat -b "$B" -P -t "$T"
cat >"$WORK/worker.properties" <<P
bootstrap.servers=$B
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$WORK/offsets.json
offset.flush.interval.ms=500
listeners=http://127.0.0.1:0
consumer.max.poll.records=25
P
sink() { # NAME [EXTRA LINE]
        printf 'name=%s\nconnector.class=FileStreamSink\nfile=%s\ntopics=%s\n%s\n' "$1" "$WORK/$1.out" "$T" \
                "${2:-}" >"$WORK/$1.properties"
}
sink seven "consumer.override.max.poll.records=7"
sink inherit
sink zero "consumer.override.max.poll.records=0"
sink lots "consumer.override.max.poll.records=lots"
start_worker w1 standalone "$WORK/worker.properties" "$WORK/seven.properties" "$WORK/inherit.properties" \
        "$WORK/zero.properties" "$WORK/lots.properties"
port() { sed -n 's/.*REST server listening on http:\/\/[^ ]*:\([0-9][0-9]*\).*/\1/p' "$WORK/w1.log" | head -1; }
has_port() { [ -n "$(port)" ]; }
wait_until 60 "the REST listener" has_port
P=$(port)
wait_until 60 "100 lines from seven" has_at_least "$WORK/seven.out" 100
wait_until 60 "100 lines from inherit" has_at_least "$WORK/inherit.out" 100
seq -f 'rec-%g' 1 100 | cmp - "$WORK/seven.out" || fail "seven's file content"
seq -f 'rec-%g' 1 100 | cmp - "$WORK/inherit.out" || fail "inherit's file content"
batches() { # CONNECTOR: its put() calls so far
        curl -sf "http://127.0.0.1:$P/metrics" |
                sed -n "s/^ferry_sink_put_batches_total{[^}]*connector=\"$1\"[^}]*} \\([0-9.e+]*\\)$/\\1/p" | head -1
}
n=$(batches seven)
python3 -c "import sys; sys.exit(0 if float('$n') >= 15 else 1)" || fail "seven: $n put() calls for 100 records at 7 each"
n=$(batches inherit)
python3 -c "import sys; sys.exit(0 if float('$n') >= 4 else 1)" || fail "inherit: $n put() calls for 100 records at 25 each"
trace() { curl -sf "http://127.0.0.1:$P/connectors/$1/status" | python3 -c 'import json,sys; t=json.load(sys.stdin)["tasks"]; print(t[0]["state"] + " " + (t[0].get("trace") or "") if t else "")'; }
failed() { [[ "$(trace "$1")" == FAILED* ]]; }
wait_until 30 "zero FAILED" failed zero
trace zero | grep -qF "Invalid value 0 for configuration consumer.override.max.poll.records: Value must be at least 1" ||
        fail "zero's trace: $(trace zero)"
wait_until 30 "lots FAILED" failed lots
trace lots | grep -qF "Invalid value lots for configuration consumer.override.max.poll.records: Not a number of type INT" ||
        fail "lots' trace: $(trace lots)"
! grep -q "Ignoring.*max.poll.records" "$WORK/w1.log" || fail "the Kafka client was handed max.poll.records"
stop_worker w1 TERM
