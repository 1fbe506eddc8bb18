#!/usr/bin/env bash
# S3 sink across a rebalance between two distributed workers: 4000 JSON records stream into 4
# partitions while one worker runs the 2 tasks; a second worker joins mid-stream and takes
# partitions over (their open files are dropped and the new owner reads from the committed
# offsets). Afterwards the bucket holds exactly the 40 objects Confluent's naming gives, each
# byte-identical to the one an undisturbed connector wrote for the same records.
# services: kafka s3
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"

s3_bucket rebalance
topic=s3reb$RANDOM
s3_topic "$topic" 4
G=s3reb-$$-$RANDOM
props() { # i
        cat >"$WORK/w$1.properties" <<P
bootstrap.servers=$KAFKA
group.id=$G
config.storage.topic=$G-configs
offset.storage.topic=$G-offsets
status.storage.topic=$G-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
listeners=http://127.0.0.1:0
offset.flush.interval.ms=500
plugin.path=$REPO/build/plugins
P
}
start_dw() { # i
        props "$1"
        start_worker "w$1" distributed "$WORK/w$1.properties"
        wait_for 60 "worker $1 joined" grep -q "Joined group" "$WORK/w$1.log"
}
url() { echo "http://$(grep -o 'REST worker id .*' "$WORK/w$1.log" | tail -1 | awk '{print $4}')"; }
start_dw 1
REST=$(url 1)
config=$(s3_config "\"topics\":\"$topic\",\"flush.size\":\"100\",\"format.class\":\"io.confluent.connect.s3.format.json.JsonFormat\",\"topics.dir\":\"run\",\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"false\"" | sed 's/"tasks.max":"1"/"tasks.max":"2"/')
create_connector s3-reb "$config"
wait_connector_running s3-reb 2

"$PY" - "$KAFKA" "$topic" <<'PY' &
import sys, time
from confluent_kafka import Producer
p = Producer({"bootstrap.servers": sys.argv[1], "enable.idempotence": True, "linger.ms": 5})
for i in range(4000):
    p.produce(sys.argv[2], value=('{"id":%d}' % i).encode(), partition=i % 4, timestamp=1796126400000 + i)
    if i % 80 == 79:
        p.flush(30)
        time.sleep(0.6)
if p.flush(30):
    sys.exit("not every record was acknowledged")
PY
prod=$!
some_objects() { [ "$(s3u keys "$BUCKET" run/ | wc -l)" -ge 4 ]; }
wait_for 60 "the first objects" some_objects
start_dw 2
two_workers() {
        curl -sf "$REST/connectors/s3-reb/status" | python3 -c 'import json,sys; t=json.load(sys.stdin)["tasks"]; sys.exit(0 if len(t)==2 and all(x["state"]=="RUNNING" for x in t) and len({x["worker_id"] for x in t})==2 else 1)'
}
wait_for 90 "the tasks spread over both workers" two_workers
at=$(s3u keys "$BUCKET" run/ | wc -l)
info "rebalanced with $at object(s) stored"
[ "$at" -lt 40 ] || fail "every object was stored before the rebalance: nothing was tested"
wait "$prod" || fail "producing failed"
wait_for 120 "40 objects under run/" s3_count_keys run/ 40
create_connector s3-reb-ref "$(printf '%s' "$config" | sed 's/"topics.dir":"run"/"topics.dir":"ref"/')"
wait_for 120 "40 objects under ref/" s3_count_keys ref/ 40
s3u dump "$BUCKET" run/ | sed 's|^run/||' >"$WORK/run.txt"
s3u dump "$BUCKET" ref/ | sed 's|^ref/||' >"$WORK/ref.txt"
expected=$(for p in 0 1 2 3; do for s in $(seq 0 100 900); do printf '%s/partition=%d/%s+%d+%010d.json\n' "$topic" "$p" "$topic" "$p" "$s"; done; done | sort)
[ "$(cut -f1 "$WORK/run.txt")" = "$expected" ] || fail "object keys after the rebalance differ from Confluent's: $(diff <(cut -f1 "$WORK/run.txt") <(echo "$expected") | head -10)"
diff "$WORK/run.txt" "$WORK/ref.txt" >/dev/null || fail "objects differ from the undisturbed run: $(diff "$WORK/run.txt" "$WORK/ref.txt" | head -6)"
info "after a rebalance: the same 40 objects as an undisturbed run"
