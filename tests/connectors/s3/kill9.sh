#!/usr/bin/env bash
# S3 sink exactly-once across kill -9: 3000 JSON records stream into 2 partitions while the sink
# writes objects of flush.size=100; the worker is killed with SIGKILL mid-stream and a new one
# takes the connector over. Afterwards the bucket holds exactly the 30 objects Confluent's naming
# gives (no duplicates, no gaps), and every object is byte-identical to the one an undisturbed
# connector wrote for the same records (a second connector, another topics.dir).
# services: kafka s3
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"

s3_bucket kill9
topic=s3kill$RANDOM
s3_topic "$topic" 2
N=3000
config=$(s3_config "\"topics\":\"$topic\",\"flush.size\":\"100\",\"format.class\":\"io.confluent.connect.s3.format.json.JsonFormat\",\"topics.dir\":\"run\",\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"false\"")

start_connect_worker
create_connector s3-kill "$config"
wait_connector_running s3-kill 1

# The stream, paced (~600 records/s), in the background.
"$PY" - "$KAFKA" "$topic" "$N" <<'PY' &
import sys, time
from confluent_kafka import Producer
bootstrap, topic, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 5})
for i in range(n):
    p.produce(topic, value=('{"id":%d,"name":"record-%d"}' % (i, i)).encode(), partition=i % 2, timestamp=1796126400000 + i)
    if i % 60 == 59:
        p.flush(30)
        time.sleep(0.1)
if p.flush(30):
    sys.exit("not every record was acknowledged")
PY
prod=$!
some_objects() { [ "$(s3u keys "$BUCKET" run/ | wc -l)" -ge 6 ]; }
wait_for 60 "the first objects" some_objects
stop_worker connect KILL
before=$(s3u keys "$BUCKET" run/ | wc -l)
info "worker killed with $before object(s) stored"
wait "$prod" || fail "producing failed"
[ "$before" -lt 30 ] || fail "every object was stored before the kill: nothing was tested"

mv "$WORK/connect.log" "$WORK/connect-1.log"
start_connect_worker
create_connector s3-kill "$config"
wait_connector_running s3-kill 1
wait_for 90 "30 objects under run/" s3_count_keys run/ 30
# The reference: an undisturbed connector over the same records.
create_connector s3-ref "$(printf '%s' "$config" | sed 's/"topics.dir":"run"/"topics.dir":"ref"/')"
wait_connector_running s3-ref 1
wait_for 90 "30 objects under ref/" s3_count_keys ref/ 30

s3u dump "$BUCKET" run/ | sed 's|^run/||' >"$WORK/run.txt"
s3u dump "$BUCKET" ref/ | sed 's|^ref/||' >"$WORK/ref.txt"
expected=$(for p in 0 1; do for s in $(seq 0 100 1400); do printf '%s/partition=%d/%s+%d+%010d.json\n' "$topic" "$p" "$topic" "$p" "$s"; done; done | sort)
[ "$(cut -f1 "$WORK/run.txt")" = "$expected" ] || fail "object keys after the kill differ from Confluent's: $(diff <(cut -f1 "$WORK/run.txt") <(echo "$expected") | head -10)"
diff "$WORK/run.txt" "$WORK/ref.txt" >/dev/null || fail "objects differ from the undisturbed run: $(diff "$WORK/run.txt" "$WORK/ref.txt" | head -6)"
# Every record exactly once across the objects.
ids=$(for k in $(cut -f1 "$WORK/run.txt"); do s3u cat "$BUCKET" "run/$k"; done | "$PY" -c 'import sys, json; ids = sorted(json.loads(l)["id"] for l in sys.stdin); print(len(ids), len(set(ids)), ids[0], ids[-1])')
[ "$ids" = "3000 3000 0 2999" ] || fail "records in the objects (count, distinct, min, max): $ids"
info "after kill -9: the same 30 objects as an undisturbed run, each record once"
