#!/usr/bin/env bash
# S3 sink, each format x each kind of partitioner against s3proxy: JSON (and gzipped JSON),
# Avro and ByteArray files under Default, Field and Daily (record-time) partitioners. The object
# keys must be exactly those Confluent's sink writes for the same records with flush.size=3, and
# every object's contents, read back with boto3 (and fastavro), must be the topic's records in
# offset order; with store.kafka.keys, .keys.json siblings hold the keys. The last record of each partition stays in an open file: no object for it.
# services: kafka s3
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"

s3_bucket formats
topic=s3fmt$RANDOM
s3_topic "$topic" 2
# 7 records per partition: ids p*100+offset; countries NL DE NL DE DE NL NL; record time on
# 2026-12-01 for offsets 0-1, 2026-12-02 from offset 2 on.
day1=1796126400000 # 2026-12-01T12:00:00Z
day2=$((day1 + 86400000))
countries=(NL DE NL DE DE NL NL)
for p in 0 1; do
        for o in 0 1 2 3 4 5 6; do
                ts=$day1
                [ "$o" -ge 2 ] && ts=$day2
                id=$((p * 100 + o))
                printf '%s\t%s\tk%s\t{"schema":{"type":"struct","name":"order","fields":[{"field":"id","type":"int64"},{"field":"country","type":"string"},{"field":"amount","type":"double","optional":true}]},"payload":{"id":%s,"country":"%s","amount":%s.5}}\n' \
                        "$p" "$ts" "$id" "$id" "${countries[$o]}" "$id"
        done
done | s3u produce "$KAFKA" "$topic" || fail "producing failed"

start_connect_worker
json_conv='"value.converter":"org.apache.kafka.connect.json.JsonConverter","value.converter.schemas.enable":"true"'
common="\"topics\":\"$topic\",\"flush.size\":\"3\",$json_conv"
field='"partitioner.class":"io.confluent.connect.storage.partitioner.FieldPartitioner","partition.field.name":"country"'
daily='"partitioner.class":"io.confluent.connect.storage.partitioner.DailyPartitioner","locale":"en-US","timezone":"UTC","timestamp.extractor":"Record"'
JSONF=io.confluent.connect.s3.format.json.JsonFormat
AVROF=io.confluent.connect.s3.format.avro.AvroFormat
BINF=io.confluent.connect.s3.format.bytearray.ByteArrayFormat
bin_conv='"value.converter":"org.apache.kafka.connect.converters.ByteArrayConverter"'
create_connector s3-json-default "$(s3_config "$common,\"format.class\":\"$JSONF\",\"topics.dir\":\"json-default\"")"
create_connector s3-json-field "$(s3_config "$common,\"format.class\":\"$JSONF\",\"topics.dir\":\"json-field\",$field")"
create_connector s3-json-daily "$(s3_config "$common,\"format.class\":\"$JSONF\",\"topics.dir\":\"json-daily\",$daily")"
create_connector s3-jsongz-default "$(s3_config "$common,\"format.class\":\"$JSONF\",\"topics.dir\":\"jsongz-default\",\"s3.compression.type\":\"gzip\"")"
create_connector s3-avro-default "$(s3_config "$common,\"format.class\":\"$AVROF\",\"topics.dir\":\"avro-default\",\"avro.codec\":\"snappy\"")"
create_connector s3-avro-field "$(s3_config "$common,\"format.class\":\"$AVROF\",\"topics.dir\":\"avro-field\",$field")"
create_connector s3-avro-daily "$(s3_config "$common,\"format.class\":\"$AVROF\",\"topics.dir\":\"avro-daily\",\"avro.codec\":\"deflate\",$daily")"
create_connector s3-bin-default "$(s3_config "\"topics\":\"$topic\",\"flush.size\":\"3\",$bin_conv,\"format.class\":\"$BINF\",\"topics.dir\":\"bin-default\"")"
create_connector s3-bin-daily "$(s3_config "\"topics\":\"$topic\",\"flush.size\":\"3\",$bin_conv,\"format.class\":\"$BINF\",\"topics.dir\":\"bin-daily\",\"format.bytearray.extension\":\".txt\",\"format.bytearray.separator\":\"|\\\\n\",$daily")"
# Keys beside the values: <name>.keys.json next to every <name>.json.
create_connector s3-json-keys "$(s3_config "$common,\"format.class\":\"$JSONF\",\"topics.dir\":\"json-keys\",\"store.kafka.keys\":\"true\",\"keys.format.class\":\"$JSONF\"")"
for c in json-default json-field json-daily jsongz-default avro-default avro-field avro-daily bin-default bin-daily json-keys; do
        wait_connector_running "s3-$c" 1
done

# Expected keys per layout: (directory, start offset) -> ids (p*100+offset), for partition p.
"$PY" - "$BUCKET" "$topic" "$S3_UTIL" <<'PY' || fail "object keys or contents differ from Confluent's"
import gzip, io, json, subprocess, sys, time
bucket, topic, util = sys.argv[1:4]
sys.path.insert(0, __import__("os").path.dirname(util))
import s3util

def layout(kind):
    out = {}
    for p in (0, 1):
        if kind == "default":
            files = [("partition=%d" % p, 0, [0, 1, 2]), ("partition=%d" % p, 3, [3, 4, 5])]
        elif kind == "field":
            files = [("country=NL", 0, [0, 2]), ("country=DE", 1, [1]), ("country=DE", 3, [3, 4]), ("country=NL", 5, [5])]
        else:
            files = [("year=2026/month=12/day=01", 0, [0, 1]), ("year=2026/month=12/day=02", 2, [2]),
                     ("year=2026/month=12/day=02", 3, [3, 4, 5])]
        for d, start, offs in files:
            out["%s/%s/%s+%d+%010d" % ("{root}", topic + "/" + d, topic, p, start)] = [p * 100 + o for o in offs]
    return out

def want_rows(ids):
    return [{"id": i, "country": ["NL", "DE", "NL", "DE", "DE", "NL", "NL"][i % 100], "amount": i + 0.5} for i in ids]

checks = [("json-default", "default", ".json"), ("json-field", "field", ".json"), ("json-daily", "daily", ".json"),
          ("jsongz-default", "default", ".json.gz"), ("avro-default", "default", ".avro"),
          ("avro-field", "field", ".avro"), ("avro-daily", "daily", ".avro"),
          ("bin-default", "default", ".bin"), ("bin-daily", "daily", ".txt")]
deadline = time.time() + 90
pending = list(checks)
while pending and time.time() < deadline:
    root, kind, ext = pending[0]
    want = {k.replace("{root}", root) + ext: v for k, v in layout(kind).items()}
    got = s3util.keys(bucket, root + "/")
    if sorted(got) != sorted(want):
        if len(got) < len(want):
            time.sleep(0.5)
            continue
        sys.exit("%s: keys\n  got  %s\n  want %s" % (root, sorted(got), sorted(want)))
    for k, ids in want.items():
        data = s3util.get(bucket, k)
        if ext == ".json.gz":
            data = gzip.decompress(data)
        if ext.startswith(".json"):
            rows = [json.loads(l) for l in data.decode().splitlines()]
        elif ext == ".avro":
            rows = s3util.avro_records(data)
        else:
            sep = b"|\n" if ext == ".txt" else b"\n"
            parts = data.split(sep)
            if parts[-1] != b"":
                sys.exit("%s: does not end with the separator: %r" % (k, data[-20:]))
            rows = [json.loads(x)["payload"] for x in parts[:-1]]
        if rows != want_rows(ids):
            sys.exit("%s: contents\n  got  %s\n  want %s" % (k, rows, want_rows(ids)))
    print("ok %s: %d objects" % (root, len(want)))
    pending.pop(0)
# store.kafka.keys: every data file has a .keys.json sibling holding its records' keys.
want = {}
for k, ids in layout("default").items():
    k = k.replace("{root}", "json-keys")
    want[k + ".json"] = ("rows", ids)
    want[k + ".keys.json"] = ("keys", ids)
while time.time() < deadline and len(s3util.keys(bucket, "json-keys/")) < len(want):
    time.sleep(0.5)
got = s3util.keys(bucket, "json-keys/")
if sorted(got) != sorted(want):
    sys.exit("json-keys: keys\n  got  %s\n  want %s" % (sorted(got), sorted(want)))
for k, (kind, ids) in want.items():
    lines = [json.loads(l) for l in s3util.get(bucket, k).decode().splitlines()]
    exp = ["k%d" % i for i in ids] if kind == "keys" else want_rows(ids)
    if lines != exp:
        sys.exit("%s: contents\n  got  %s\n  want %s" % (k, lines, exp))
print("ok json-keys: %d objects" % len(want))
if pending:
    sys.exit("timed out waiting for the objects of %s: have %s" % (pending[0][0], s3util.keys(bucket, pending[0][0] + "/")))
PY
info "all formats x partitioners: keys and contents as Confluent writes them"
