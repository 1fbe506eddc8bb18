#!/usr/bin/env bash
# Records deleted before a sink read them, on a real broker: two sink connectors read and commit
# the first 10 records of a topic, the worker stops, 100 more records arrive, and the records before
# offset 60 are deleted (DeleteRecords, as retention would do), so the log start offset (60) passes
# the committed offset (10). When the worker starts again (same connectors, same consumer groups):
#  - "strict" (errors.tolerance=none) logs an ERROR naming topic, partition and the lost range
#    (offsets 10 to 59, 50 records) and its task FAILS with that message; it writes nothing more;
#  - "tolerant" (errors.tolerance=all) logs the same ERROR, stays RUNNING and writes offsets 60-109.
source "$(dirname "$0")/../lib.sh"
B=$(kafka_bootstrap)
T=$(unique_topic lost)
for tool in kafka-create-topic kafka-committed kafka-delete-records; do
        [ -x "$REPO/build/tools/$tool" ] || fail "build/tools/$tool is missing (make build/tools/$tool)"
done
"$REPO/build/tools/kafka-create-topic" "$B" "$T" 1
seq -f 'first-%g' 1 10 | kcat -b "$B" -P -t "$T"
cat >"$WORK/worker.properties" <<P
bootstrap.servers=$B
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$WORK/offsets.json
offset.flush.interval.ms=500
listeners=http://127.0.0.1:0
P
for c in strict:none tolerant:all; do
        printf 'name=%s\nconnector.class=FileStreamSink\nfile=%s\ntopics=%s\nerrors.tolerance=%s\n' \
                "${c%:*}" "$WORK/${c%:*}.out" "$T" "${c#*:}" >"$WORK/${c%:*}.properties"
done
committed_is() { [ "$("$REPO/build/tools/kafka-committed" "$B" "connect-$1" "$T" 0 2>/dev/null)" = "$2" ]; }

start_worker w1 standalone "$WORK/worker.properties" "$WORK/strict.properties" "$WORK/tolerant.properties"
wait_until 60 "10 lines in strict" has_at_least "$WORK/strict.out" 10
wait_until 60 "10 lines in tolerant" has_at_least "$WORK/tolerant.out" 10
wait_until 30 "strict committed 10" committed_is strict 10
wait_until 30 "tolerant committed 10" committed_is tolerant 10
stop_worker w1 TERM

seq -f 'more-%g' 11 110 | kcat -b "$B" -P -t "$T"
LO=$("$REPO/build/tools/kafka-delete-records" "$B" "$T" 0 60)
[ "$LO" = 60 ] || fail "log start offset after DeleteRecords: $LO"

start_worker w2 standalone "$WORK/worker.properties" "$WORK/strict.properties" "$WORK/tolerant.properties"
port() { sed -n 's/.*REST server listening on http:\/\/[^ ]*:\([0-9][0-9]*\).*/\1/p' "$WORK/w2.log" | head -1; }
has_port() { [ -n "$(port)" ]; }
wait_until 60 "the REST listener" has_port
P=$(port)
status() { curl -sf "http://127.0.0.1:$P/connectors/$1/status"; }
task_state() { status "$1" | python3 -c 'import json,sys; t=json.load(sys.stdin)["tasks"]; print(t[0]["state"] if t else "")'; }
state_is() { [ "$(task_state "$1")" = "$2" ]; }
msg="Records lost: topic '$T' partition 0 offsets 10 to 59 (50 records) were deleted before this task read them"
wait_until 60 "strict FAILED" state_is strict FAILED
trace=$(status strict | python3 -c 'import json,sys; print(json.load(sys.stdin)["tasks"][0]["trace"])')
grep -qF "$msg" <<<"$trace" || fail "strict trace: $trace"
grep -F "ERROR [strict|task-0] $msg" "$WORK/w2.log" >/dev/null || fail "no ERROR for strict in the log"
wait_until 60 "60 lines in tolerant" has_at_least "$WORK/tolerant.out" 60
{ seq -f 'first-%g' 1 10; seq -f 'more-%g' 61 110; } | cmp - "$WORK/tolerant.out" || fail "tolerant file content"
grep -F "ERROR [tolerant|task-0] $msg" "$WORK/w2.log" >/dev/null || fail "no ERROR for tolerant in the log"
state_is tolerant RUNNING || fail "tolerant is $(task_state tolerant)"
[ "$(file_lines "$WORK/strict.out")" -eq 10 ] || fail "strict wrote records after the gap"
stop_worker w2 TERM
[ "$WORKER_RC" -eq 0 ] || fail "worker exited with $WORKER_RC"
info "ok: offsets 10-59 reported lost; strict FAILED, tolerant RUNNING"
