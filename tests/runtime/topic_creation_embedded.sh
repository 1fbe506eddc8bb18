#!/usr/bin/env bash
# Source topic creation (topic.creation.*) on the embedded broker, the checks
# tests/integration/data_plane.sh makes on a real one: the default group and a group with an
# include regex create the source topics with their partition counts before the first record
# (in the embedded cluster directly: it has no controller for the admin API; topic configs such as
# cleanup.policy do not apply there, and the log says so), and every record reaches the topic.
source "$(dirname "$0")/../lib.sh"
command -v kcat >/dev/null || fail "kcat is not installed (make deps)"
N=2000
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "line-%05d\n", i }' >"$WORK/in.txt"
cat >"$WORK/worker.properties" <<P
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$WORK/offsets.json
offset.flush.interval.ms=300
listeners=http://127.0.0.1:0
P
cat >"$WORK/created.properties" <<P
name=created
connector.class=FileStreamSource
file=$WORK/in.txt
topic=created
topic.creation.default.replication.factor=1
topic.creation.default.partitions=3
P
cat >"$WORK/compacted.properties" <<P
name=compacted
connector.class=FileStreamSource
file=$WORK/in.txt
topic=comp-x
topic.creation.groups=compacted
topic.creation.default.replication.factor=1
topic.creation.default.partitions=3
topic.creation.compacted.include=comp-.*
topic.creation.compacted.partitions=2
topic.creation.compacted.cleanup.policy=compact
P
start_worker w standalone --embedded-kafka "$WORK/worker.properties" "$WORK/created.properties" \
        "$WORK/compacted.properties"
wait_until 30 "the embedded broker address" grep -q '^Embedded Kafka broker: ' "$WORK/w.out"
B=$(sed -n 's/^Embedded Kafka broker: //p' "$WORK/w.out")
wait_until 60 "creation log for created" grep -q "Created topic 'created' (group default: 3 partition(s)" "$WORK/w.log"
wait_until 60 "creation log for comp-x" grep -q "Created topic 'comp-x' (group compacted: 2 partition(s)" "$WORK/w.log"
grep -q "Created topic 'comp-x' .*the embedded broker ignores topic configs" "$WORK/w.log" ||
        fail "the log does not say that topic configs do not apply"
partitions() { kcat -b "$B" -L -t "$1" -J | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["topics"][0]["partitions"]))'; }
[ "$(partitions created)" = 3 ] || fail "created has $(partitions created) partition(s), expected 3 (default group)"
[ "$(partitions comp-x)" = 2 ] || fail "comp-x has $(partitions comp-x) partition(s), expected 2 (group compacted)"
count_all() { kcat -b "$B" -C -t "$1" -e -q -o beginning -f '%s\n' 2>/dev/null | wc -l; }
full() { [ "$(count_all "$1")" -ge "$N" ]; }
wait_until 60 "$N records in created" full created
wait_until 60 "$N records in comp-x" full comp-x
[ "$(count_all created)" -eq "$N" ] || fail "created holds $(count_all created) records, expected $N"
grep -E "cannot create|Timed out" "$WORK/w.log" && fail "topic creation failed"
stop_worker w TERM
[ "$WORKER_RC" -eq 0 ] || fail "worker exited with $WORKER_RC"
info "ok (embedded broker): topics created with 3 and 2 partitions, $N records each"
