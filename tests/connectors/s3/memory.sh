#!/usr/bin/env bash
# S3 sink memory budget with 200 partitions open at once: 200 Kafka partitions get 9 records of
# 30 kB each (54 MB, flush.size 10, so no file is complete and every partition holds an open
# file), then one more record each, which completes all 200 objects. With
# s3.memory.budget.bytes=4 MiB (the largest buffers are spilled to temporary files) the worker's
# peak RSS (VmHWM) must stay under 60 MB (about 30-50 MB measured), which it passes without the
# budget (MEMORY_BUDGET=0: about 87 MB, and the test fails, as it should), and every record must
# land exactly once, in the objects Confluent's naming gives (read back with boto3).
# services: kafka s3
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"

BUDGET=${MEMORY_BUDGET:-4194304}
LIMIT_MB=${MEMORY_LIMIT_MB:-60}
P=200
s3_bucket memory
topic=s3mem$RANDOM
s3_topic "$topic" "$P"

# A small consumer prefetch, so what the open files hold is what the peak shows.
start_connect_worker "value.converter=org.apache.kafka.connect.converters.ByteArrayConverter" \
        consumer.queued.max.messages.kbytes=8192 consumer.fetch.max.bytes=4194304
create_connector s3-mem "$(s3_config "\"topics\":\"$topic\",\"flush.size\":\"10\",\"format.class\":\"io.confluent.connect.s3.format.bytearray.ByteArrayFormat\",\"s3.part.size\":\"5242880\",\"s3.memory.budget.bytes\":\"$BUDGET\"")"
wait_connector_running s3-mem 1
pid=$(worker_pid connect)

# produce FROM TO: records FROM..TO-1 of every partition; a value is "<partition>:<i>:" and 30 kB
# of padding.
produce() {
        "$PY" - "$KAFKA" "$topic" "$P" "$1" "$2" <<'PY'
import sys
from confluent_kafka import Producer
bootstrap, topic, parts, lo, hi = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
pr = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 20,
               "message.max.bytes": 1000000})
pad = "x" * 30000
for i in range(lo, hi):
    for p in range(parts):
        pr.produce(topic, value=("%d:%d:%s" % (p, i, pad)).encode(), partition=p)
        pr.poll(0)
if pr.flush(60):
    sys.exit("not every record was acknowledged")
PY
}
read_total() {
        curl -s "$REST/metrics" | sed -n 's/^ferry_sink_record_read_total{.*connector="s3-mem".*} \([0-9]*\)$/\1/p' | head -1
}
read_all() { [ "$(read_total)" = "$1" ]; }

t0=$SECONDS
produce 0 9 || fail "producing failed"
info "produced $((P * 9)) records in $((SECONDS - t0)) s"
wait_for 90 "the worker read $((P * 9)) records" read_all $((P * 9))
[ "$(s3u keys "$BUCKET" topics/ | wc -l)" -eq 0 ] || fail "objects were stored before any file was full"
info "read by the worker after $((SECONDS - t0)) s"
produce 9 10 || fail "producing failed"
wait_for 150 "$P objects" s3_count_keys topics/ "$P"
info "$P objects stored after $((SECONDS - t0)) s"
peak=$(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$pid/status")
info "peak RSS with $P open files of 270 kB each (budget $BUDGET bytes): $peak MB"

# Every record once, in its partition's object.
"$PY" - "$BUCKET" "$topic" "$P" <<'PY' || fail "the objects do not hold every record exactly once"
import sys
sys.path.insert(0, "tests/connectors/s3")
import s3util
bucket, topic, parts = sys.argv[1], sys.argv[2], int(sys.argv[3])
keys = s3util.keys(bucket, "topics/")
want = sorted("topics/%s/partition=%d/%s+%d+%010d.bin" % (topic, p, topic, p, 0) for p in range(parts))
if keys != want:
    sys.exit("keys differ from Confluent's: %s" % sorted(set(keys) ^ set(want))[:5])
pad = "x" * 30000
for p in range(parts):
    data = s3util.get(bucket, "topics/%s/partition=%d/%s+%d+%010d.bin" % (topic, p, topic, p, 0)).decode()
    lines = data.split("\n")
    expect = ["%d:%d:%s" % (p, i, pad) for i in range(10)] + [""]
    if lines != expect:
        sys.exit("partition %d: %d lines, first ones %s" % (p, len(lines), [l[:12] for l in lines[:12]]))
PY
[ "$peak" -lt "$LIMIT_MB" ] || fail "peak RSS $peak MB is over $LIMIT_MB MB with a budget of $BUDGET bytes"
info "200 open partitions: every record once, peak RSS $peak MB < $LIMIT_MB MB"
