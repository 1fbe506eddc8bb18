#!/usr/bin/env bash
# A sink task whose next offset is below its partition's log start offset (the records were
# deleted before it read them) says so and, unless errors.tolerance=all, fails. Forced on the
# embedded broker: two sink connectors read and commit the first 10 records of a topic and are
# deleted; kcat then writes 200,000 more records (about 10 MB stored, more than the 5 MiB the broker keeps
# per partition; kcat is not held back, only source connectors are), so the log start offset
# passes their committed offset 10. Re-created under the same names (same consumer groups):
#  - "strict" (errors.tolerance=none): ERROR naming topic, partition and the lost offset range, and
#    the task FAILED with that message; nothing after the gap reaches its file;
#  - "tolerant" (errors.tolerance=all): the same ERROR, the task stays RUNNING and writes every
#    record from the log start offset on.
# A new connector (no committed offset) starting at the log start offset is not a loss: "fresh".
source "$(dirname "$0")/../lib.sh"
command -v kcat >/dev/null || fail "kcat is not installed (make deps)"
COMMITTED=$REPO/build/tools/kafka-committed
[ -x "$COMMITTED" ] || fail "$COMMITTED is missing (make build/tools/kafka-committed)"
cat >"$WORK/worker.properties" <<P
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$WORK/offsets.json
offset.flush.interval.ms=500
listeners=http://127.0.0.1:0
P
start_worker w standalone --embedded-kafka "$WORK/worker.properties"
wait_until 30 "the embedded broker address" grep -q '^Embedded Kafka broker: ' "$WORK/w.out"
B=$(sed -n 's/^Embedded Kafka broker: //p' "$WORK/w.out")
port() { sed -n 's/.*REST server listening on http:\/\/[^ ]*:\([0-9][0-9]*\).*/\1/p' "$WORK/w.log" | head -1; }
has_port() { [ -n "$(port)" ]; }
wait_until 60 "the REST listener" has_port
P=$(port)
create() { # name file tolerance
        local code
        code=$(curl -s -o "$WORK/create.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
                "http://127.0.0.1:$P/connectors" -d "{\"name\": \"$1\", \"config\": {\"connector.class\": \"FileStreamSink\", \"file\": \"$2\", \"topics\": \"lost\", \"errors.tolerance\": \"$3\"}}")
        [ "$code" = 201 ] || fail "creating $1 answered $code: $(cat "$WORK/create.json")"
}
delete() {
        curl -sf -X DELETE "http://127.0.0.1:$P/connectors/$1" >/dev/null || fail "DELETE $1"
}
status() { curl -sf "http://127.0.0.1:$P/connectors/$1/status"; }
task_state() { status "$1" | python3 -c 'import json,sys; t=json.load(sys.stdin)["tasks"]; print(t[0]["state"] if t else "")'; }
state_is() { [ "$(task_state "$1")" = "$2" ]; }
committed_is() { [ "$("$COMMITTED" "$B" "connect-$1" lost 0 2>/dev/null)" = "$2" ]; }

create strict "$WORK/strict.out" none
create tolerant "$WORK/tolerant.out" all
wait_until 30 "strict RUNNING" state_is strict RUNNING
wait_until 30 "tolerant RUNNING" state_is tolerant RUNNING
seq -f 'first-%g' 1 10 | kcat -b "$B" -P -t lost -p 0
wait_until 60 "10 lines in strict" has_at_least "$WORK/strict.out" 10
wait_until 60 "10 lines in tolerant" has_at_least "$WORK/tolerant.out" 10
wait_until 30 "strict committed 10" committed_is strict 10
wait_until 30 "tolerant committed 10" committed_is tolerant 10
delete strict
delete tolerant

awk 'BEGIN { for (i = 0; i < 200000; i++) printf "flood-%06d padded to forty bytes.....\n", i }' >"$WORK/flood.txt"
kcat -b "$B" -P -t lost -p 0 -l "$WORK/flood.txt"
first_offset() { kcat -b "$B" -C -t lost -p 0 -o beginning -c 1 -e -q -f '%o\n'; }
LO=$(first_offset)
[ -n "$LO" ] && [ "$LO" -gt 10 ] || fail "the broker kept everything (log start offset $LO): nothing to lose"
info "log start offset now $LO"

create strict "$WORK/strict.out" none
create tolerant "$WORK/tolerant.out" all
create fresh "$WORK/fresh.out" none
wait_until 60 "strict FAILED" state_is strict FAILED
msg="Records lost: topic 'lost' partition 0 offsets 10 to $((LO - 1)) ($((LO - 10)) records) were deleted before this task read them"
trace=$(status strict | python3 -c 'import json,sys; print(json.load(sys.stdin)["tasks"][0]["trace"])')
grep -qF "$msg" <<<"$trace" || fail "strict trace: $trace"
grep -F "ERROR [strict|task-0] $msg" "$WORK/w.log" >/dev/null || fail "no ERROR for strict in the log"
[ "$(file_lines "$WORK/strict.out")" -eq 10 ] || fail "strict wrote records after the gap"

TOTAL=$((10 + 200000))
wait_until 120 "tolerant writes from the log start offset on" has_at_least "$WORK/tolerant.out" $((10 + TOTAL - LO))
grep -F "ERROR [tolerant|task-0] $msg" "$WORK/w.log" >/dev/null || fail "no ERROR for tolerant in the log"
state_is tolerant RUNNING || fail "tolerant is $(task_state tolerant)"
{ seq -f 'first-%g' 1 10; tail -n $((TOTAL - LO)) "$WORK/flood.txt"; } | cmp - "$WORK/tolerant.out" ||
        fail "tolerant file: not the first 10 then everything from the log start offset"

wait_until 120 "fresh reads all that is kept" has_at_least "$WORK/fresh.out" $((TOTAL - LO))
state_is fresh RUNNING || fail "fresh is $(task_state fresh)"
grep -q "ERROR \[fresh" "$WORK/w.log" && fail "a new group starting at the log start offset was reported"
stop_worker w TERM
[ "$WORKER_RC" -eq 0 ] || fail "worker exited with $WORKER_RC"
info "ok: loss of offsets 10..$((LO - 1)) reported; strict FAILED, tolerant RUNNING"
