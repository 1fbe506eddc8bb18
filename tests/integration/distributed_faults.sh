#!/usr/bin/env bash
# Distributed mode under faults, on the real broker: two groups on one broker do not see each
# other's connectors; with the broker taken away for 20 s mid-stream, the workers wait, recover and
# lose nothing, and accept new connectors afterwards.
source "$(dirname "$0")/../lib.sh"
B=$(kafka_bootstrap)
N=${FERRY_TEST_DIST_FAULT_LINES:-300000}
OUTAGE=${FERRY_TEST_DIST_OUTAGE_SECONDS:-20}

props() { # name group
        cat >"$WORK/$1.properties" <<P
bootstrap.servers=$B
group.id=$2
config.storage.topic=$2-configs
offset.storage.topic=$2-offsets
status.storage.topic=$2-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
listeners=http://127.0.0.1:0
offset.flush.interval.ms=500
P
}
start_dw() { # name group
        props "$1" "$2"
        start_worker "$1" distributed "$WORK/$1.properties"
        wait_until 60 "$1 joined" grep -q "Joined group" "$WORK/$1.log"
}
url() { echo "http://$(grep -o 'REST worker id .*' "$WORK/$1.log" | tail -1 | awk '{print $4}')"; }
list() { curl -sf "$(url "$1")/connectors" | python3 -c 'import json,sys; print(" ".join(sorted(json.load(sys.stdin))))'; }
post() { curl -sf -XPOST -H 'Content-Type: application/json' "$(url "$1")/connectors" -d "$2" >/dev/null; }

GA=faults-a-$$-$RANDOM
GB=faults-b-$$-$RANDOM
start_dw a1 "$GA"
start_dw a2 "$GA"
start_dw b1 "$GB"

awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "fault-%07d\n", i }' >"$WORK/all.txt"
head -n $((N / 5)) "$WORK/all.txt" >"$WORK/in.txt"
post a1 "{\"name\":\"src\",\"config\":{\"connector.class\":\"FileStreamSource\",\"topic\":\"$GA-data\",\"file\":\"$WORK/in.txt\",\"batch.size\":\"100\"}}" || fail "create src"
post a2 "{\"name\":\"snk\",\"config\":{\"connector.class\":\"FileStreamSink\",\"topics\":\"$GA-data\",\"file\":\"$WORK/out.txt\"}}" || fail "create snk"
post b1 "{\"name\":\"b-only\",\"config\":{\"connector.class\":\"FileStreamSink\",\"topics\":\"$GB-x\",\"file\":\"$WORK/b.txt\"}}" || fail "create b-only"
[ "$(list a1)" = "snk src" ] || fail "group A lists: $(list a1)"
[ "$(list b1)" = "b-only" ] || fail "group B lists: $(list b1)"

wait_until 60 "the first part in the sink file" has_at_least "$WORK/out.txt" $((N / 5))
info "taking the broker away for ${OUTAGE}s"
"$REPO/hack/kafka.sh" kill
tail -n +$((N / 5 + 1)) "$WORK/all.txt" >>"$WORK/in.txt"
outage_end=$((SECONDS + OUTAGE))
while [ "$SECONDS" -lt "$outage_end" ]; do
        for w in a1 a2 b1; do worker_alive "$w" || fail "worker $w died while the broker was down"; done
        sleep 1
done
"$REPO/hack/kafka.sh" restart >/dev/null
info "broker back"
wait_until 240 "all lines in the sink file" has_at_least "$WORK/out.txt" "$N"
topic_dump "$B" "$GA-data" >"$WORK/topic.txt"
python3 "$REPO/tests/check_stream.py" "$WORK/all.txt" "$WORK/topic.txt" || fail "topic lost lines"
python3 "$REPO/tests/check_stream.py" "$WORK/all.txt" "$WORK/out.txt" || fail "sink file lost lines"
# Still a working cluster: a new connector through either worker.
wait_until 60 "a connector created after the outage" post a2 "{\"name\":\"after\",\"config\":{\"connector.class\":\"FileStreamSink\",\"topics\":\"$GA-data\",\"file\":\"$WORK/after.txt\"}}"
wait_until 60 "the new connector's sink file complete" has_at_least "$WORK/after.txt" "$N"
[ "$(list b1)" = "b-only" ] || fail "group B lists after the outage: $(list b1)"
# Every worker came through: alive, answering, and seeing the same connectors.
for w in a1 a2 b1; do
        worker_alive "$w" || fail "worker $w died after the outage: $(grep -v '^%' "$WORK/$w.log" | tail -3)"
done
[ "$(list a1)" = "after snk src" ] || fail "a1 lists after the outage: $(list a1)"
