#!/usr/bin/env bash
# Error handling on the embedded broker (--embedded-kafka), the same checks as
# tests/integration/errors_dlq.sh on a real one: a FileStreamSink with JsonConverter values and
# errors.tolerance=all is fed valid and malformed JSON: the valid records reach the file, the
# malformed ones land in the dead letter queue (created in the embedded cluster, which has no
# controller for the admin API) with their original value, headers and the __connect.errors.*
# context headers, and the task stays RUNNING. The same data with errors.tolerance=none fails the
# task, and its status trace starts with Connect's "Tolerance exceeded in error handler".
source "$(dirname "$0")/../lib.sh"
command -v kcat >/dev/null || fail "kcat is not installed (make deps)"
T=errs
DLQ=errs-dlq

cat >"$WORK/worker.properties" <<P
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$WORK/offsets.json
offset.flush.interval.ms=500
listeners=http://127.0.0.1:0
P
cat >"$WORK/tolerant.properties" <<P
name=tolerant
connector.class=FileStreamSink
file=$WORK/out.txt
topics=$T
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
errors.tolerance=all
errors.log.enable=true
errors.log.include.messages=true
errors.deadletterqueue.topic.name=$DLQ
errors.deadletterqueue.topic.replication.factor=1
errors.deadletterqueue.context.headers.enable=true
P
cat >"$WORK/strict.properties" <<P
name=strict
connector.class=FileStreamSink
file=$WORK/strict.txt
topics=$T
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
P

start_worker w standalone --embedded-kafka "$WORK/worker.properties" "$WORK/tolerant.properties" \
        "$WORK/strict.properties"
wait_until 30 "the embedded broker address" grep -q '^Embedded Kafka broker: ' "$WORK/w.out"
B=$(sed -n 's/^Embedded Kafka broker: //p' "$WORK/w.out")
# 6 valid and 3 malformed JSON values; one malformed record carries a header of its own.
{
        echo '{"n":1}'
        echo '{"n":2}'
        echo '{bad json'
        echo '{"n":3}'
        echo 'not json at all'
        echo '{"n":4}'
        echo '{"n":5}'
} | kcat -b "$B" -P -t "$T" -p 0
printf '%s\n' '[1, 2' | kcat -b "$B" -P -t "$T" -p 0 -H "origin=test-header"
printf '%s\n' '{"n":6}' | kcat -b "$B" -P -t "$T" -p 0

port() { sed -n 's/.*REST server listening on http:\/\/[^ ]*:\([0-9][0-9]*\).*/\1/p' "$WORK/w.log" | head -1; }
has_port() { [ -n "$(port)" ]; }
wait_until 60 "the REST listener" has_port
P=$(port)
wait_until 30 "GET /connectors answers" curl -sf "http://127.0.0.1:$P/connectors"

wait_until 120 "6 valid records in the sink file" has_at_least "$WORK/out.txt" 6
dlq_count() { kcat -b "$B" -C -t "$DLQ" -e -q -f '%s\n' -o beginning 2>/dev/null | grep -c . || true; }
dlq_has() { [ "$(dlq_count)" -ge "$1" ]; }
wait_until 120 "3 records in the dead letter queue" dlq_has 3

# The sink file holds exactly the valid records, in order.
printf '{n=%d}\n' 1 2 3 4 5 6 >"$WORK/expected.txt"
cmp "$WORK/expected.txt" "$WORK/out.txt" || fail "sink file: $(cat "$WORK/out.txt")"

# The DLQ keeps the original bytes, and the context headers say what failed where.
kcat -b "$B" -C -t "$DLQ" -e -q -o beginning -f '%s\n' >"$WORK/dlq.txt"
printf '%s\n' '{bad json' 'not json at all' '[1, 2' >"$WORK/dlq-expected.txt"
cmp "$WORK/dlq-expected.txt" "$WORK/dlq.txt" || fail "DLQ values: $(cat "$WORK/dlq.txt")"
kcat -b "$B" -C -t "$DLQ" -e -q -o beginning -f '%h\n' >"$WORK/dlq-headers.txt"
grep -q "__connect.errors.stage=VALUE_CONVERTER" "$WORK/dlq-headers.txt" || fail "kcat -f %h shows no context headers"
# kcat -J gives the headers of each record as a [name, value, ...] list.
kcat -b "$B" -C -t "$DLQ" -e -q -o beginning -J >"$WORK/dlq.json"
python3 - "$WORK/dlq.json" "$T" <<'PY' || fail "DLQ headers: $(cat "$WORK/dlq.json")"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
topic = sys.argv[2]
assert len(recs) == 3, len(recs)
for rec, off in zip(recs, (2, 4, 7)):
    h = rec["headers"]
    names, vals = h[0::2], h[1::2]
    d = dict(zip(names, vals))
    want = {
        "__connect.errors.topic": topic, "__connect.errors.partition": "0",
        "__connect.errors.offset": str(off), "__connect.errors.connector.name": "tolerant",
        "__connect.errors.task.id": "0", "__connect.errors.stage": "VALUE_CONVERTER",
        "__connect.errors.class.name": "org.apache.kafka.connect.json.JsonConverter",
        "__connect.errors.exception.class.name": "org.apache.kafka.connect.errors.DataException",
    }
    for k, v in want.items():
        assert d.get(k) == v, (off, k, d.get(k))
    assert d["__connect.errors.exception.message"], d
    assert d["__connect.errors.exception.stacktrace"].startswith(
        "org.apache.kafka.connect.errors.DataException: "), d
    if off == 7:
        # the record's own header comes first, unchanged
        assert names[0] == "origin" and vals[0] == "test-header", h
    assert rec["key"] is None, rec
PY
# Timestamps are the originals.
orig_ts=$(kcat -b "$B" -C -t "$T" -e -q -o 7 -c 1 -f '%T\n')
dlq_ts=$(kcat -b "$B" -C -t "$DLQ" -e -q -o 2 -c 1 -f '%T\n')
[ "$orig_ts" = "$dlq_ts" ] || fail "DLQ timestamp $dlq_ts differs from the original $orig_ts"
grep -q "Error encountered in task tolerant-0. Executing stage 'VALUE_CONVERTER'" "$WORK/w.log" ||
        fail "errors.log.enable wrote no error log line"

status() { curl -sf "http://127.0.0.1:$P/connectors/$1/status"; }
task_state() { status "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tasks"][0]["state"])'; }
state_is() { [ "$(task_state "$1")" = "$2" ]; }
wait_until 60 "strict task FAILED" state_is strict FAILED
state_is tolerant RUNNING || fail "tolerant task is $(task_state tolerant)"
trace=$(status strict | python3 -c 'import json,sys; print(json.load(sys.stdin)["tasks"][0]["trace"])')
first=$(head -n1 <<<"$trace")
[ "$first" = "org.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in error handler" ] ||
        fail "trace first line: $first"
grep -q "Caused by: org.apache.kafka.connect.errors.DataException" <<<"$trace" || fail "trace has no cause: $trace"
# The failing batch was never put: the strict sink wrote nothing.
[ "$(file_lines "$WORK/strict.txt")" -eq 0 ] || fail "strict sink wrote: $(cat "$WORK/strict.txt")"

stop_worker w TERM
[ "$WORKER_RC" -eq 0 ] || fail "worker exited with $WORKER_RC"
grep -q "Dead letter queue topic '$DLQ' is ready" "$WORK/w.log" || fail "no DLQ topic log line"
info "ok (embedded broker): 6 delivered, 3 in the DLQ with context headers, none-tolerance task FAILED with trace"
