#!/usr/bin/env bash
# ParquetFormat in the S3 sink, end to end: records with a nested schema (struct, arrays, one of
# optional items with nulls, so three-level lists as Confluent writes them; string map, optional
# fields, Timestamp and Decimal) from Kafka through the S3 sink into s3proxy, with
# parquet.codec unset (snappy) and set to gzip, zstd and none. The object keys must be Confluent's
# (<topic>+<partition>+<start offset>.<codec extension>: .snappy.parquet, .gz.parquet,
# .zstd.parquet, .parquet), and pyarrow, reading each object fetched with boto3, must find the
# topic's records in offset order, the codec on every column chunk, and parquet-avro's footer
# metadata (parquet.avro.schema naming the record, writer.model.name=avro). With store.kafka.keys
# and keys.format.class ParquetFormat each key is enveloped as Confluent does (RecordKey{key}).
# services: kafka s3
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../s3/lib.sh"
cd "$REPO"

s3_bucket parquet
topic=s3pq$RANDOM
s3_topic "$topic" 2
schema='{"type":"struct","name":"com.example.Order","fields":[{"field":"id","type":"int64"},{"field":"customer","type":"struct","name":"com.example.Customer","fields":[{"field":"name","type":"string"},{"field":"email","type":"string","optional":true}]},{"field":"items","type":"array","items":{"type":"string"}},{"field":"scores","type":"array","items":{"type":"int32","optional":true}},{"field":"attrs","type":"map","keys":{"type":"string"},"values":{"type":"int32"},"optional":true},{"field":"total","type":"bytes","name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},{"field":"at","type":"int64","name":"org.apache.kafka.connect.data.Timestamp","version":1}]}'
# 7 records per partition, id p*100+offset; total = id * 1.01 (unscaled id*101, base64 big-endian).
for p in 0 1; do
        for o in 0 1 2 3 4 5 6; do
                id=$((p * 100 + o))
                total=$(python3 -c 'import base64,sys; n=int(sys.argv[1])*101; print(base64.b64encode(n.to_bytes(max(1,(n.bit_length()+8)//8),"big",signed=True)).decode())' "$id")
                email='null'
                [ $((o % 2)) -eq 0 ] && email="\"c$id@example.com\""
                attrs='null'
                [ $((o % 3)) -ne 0 ] && attrs="{\"n\":$o,\"m\":$((o * 2))}"
                printf '%s\t%s\tk%s\t{"schema":%s,"payload":{"id":%s,"customer":{"name":"c%s","email":%s},"items":[%s],"scores":[%s,null],"attrs":%s,"total":"%s","at":%s}}\n' \
                        "$p" "$((1796126400000 + id))" "$id" "$schema" "$id" "$id" "$email" \
                        "$(seq -s, -f '"i%g"' 1 "$o" 2>/dev/null)" "$o" "$attrs" "$total" "$((1796126400000 + id))"
        done
done | s3u produce "$KAFKA" "$topic" || fail "producing failed"

start_connect_worker
common="\"topics\":\"$topic\",\"flush.size\":\"3\",\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"true\",\"format.class\":\"io.confluent.connect.s3.format.parquet.ParquetFormat\""
create_connector s3-pq-snappy "$(s3_config "$common,\"topics.dir\":\"snappy\"")"
create_connector s3-pq-gzip "$(s3_config "$common,\"topics.dir\":\"gzip\",\"parquet.codec\":\"gzip\"")"
create_connector s3-pq-zstd "$(s3_config "$common,\"topics.dir\":\"zstd\",\"parquet.codec\":\"zstd\"")"
create_connector s3-pq-none "$(s3_config "$common,\"topics.dir\":\"none\",\"parquet.codec\":\"none\"")"
# Keys beside the values (store.kafka.keys, keys.format.class ParquetFormat): Confluent envelopes
# each key as a RecordKey struct with one field, key (the record keys are StringConverter's
# optional strings "k<id>").
create_connector s3-pq-keys "$(s3_config "$common,\"topics.dir\":\"keys\",\"store.kafka.keys\":\"true\",\"keys.format.class\":\"io.confluent.connect.s3.format.parquet.ParquetFormat\"")"
for c in snappy gzip zstd none keys; do
        wait_connector_running "s3-pq-$c" 1
done

"$PY" - "$BUCKET" "$topic" "$S3_UTIL" <<'PY' || fail "Parquet objects differ from what Confluent's ParquetFormat writes"
import datetime, decimal, io, json, os, sys, time
import pyarrow.parquet as pq
bucket, topic, util = sys.argv[1:4]
sys.path.insert(0, os.path.dirname(util))
import s3util

def row(i):
    o = i % 100
    return {"id": i, "customer": {"name": "c%d" % i, "email": "c%d@example.com" % i if o % 2 == 0 else None},
            "items": ["i%d" % k for k in range(1, o + 1)], "scores": [o, None],
            "attrs": None if o % 3 == 0 else [("n", o), ("m", o * 2)],
            "total": decimal.Decimal(i * 101).scaleb(-2),
            "at": datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
                  + datetime.timedelta(milliseconds=1796126400000 + i)}

codecs = {"snappy": (".snappy.parquet", "SNAPPY"), "gzip": (".gz.parquet", "GZIP"),
          "zstd": (".zstd.parquet", "ZSTD"), "none": (".parquet", "UNCOMPRESSED")}
deadline = time.time() + 90
for root, (ext, codec) in codecs.items():
    want = {}
    for p in (0, 1):
        for start in (0, 3):
            want["%s/%s/partition=%d/%s+%d+%010d%s" % (root, topic, p, topic, p, start, ext)] = \
                [p * 100 + start + k for k in range(3)]
    while True:
        got = s3util.keys(bucket, root + "/")
        if sorted(got) == sorted(want):
            break
        if len(got) >= len(want) or time.time() > deadline:
            sys.exit("%s: keys\n  got  %s\n  want %s" % (root, sorted(got), sorted(want)))
        time.sleep(0.5)
    for key, ids in want.items():
        f = pq.ParquetFile(io.BytesIO(s3util.get(bucket, key)))
        rows = f.read().to_pylist()
        if rows != [row(i) for i in ids]:
            sys.exit("%s: rows\n  got  %s\n  want %s" % (key, rows, [row(i) for i in ids]))
        md = f.metadata
        for g in range(md.num_row_groups):
            for c in range(md.num_columns):
                if md.row_group(g).column(c).compression != codec:
                    sys.exit("%s: column %d is %s, not %s" % (key, c, md.row_group(g).column(c).compression, codec))
        kv = md.metadata
        avro = json.loads(kv[b"parquet.avro.schema"])
        if avro.get("name") != "Order" or avro.get("namespace") != "com.example" or kv[b"writer.model.name"] != b"avro":
            sys.exit("%s: footer metadata %s" % (key, kv))
        # An array of optional items: Confluent's S3 format writes three-level lists (all of them).
        if ("required group field_id=-1 com.example.Order" not in str(f.schema)
                or "repeated group field_id=-1 list {\n      optional int32 field_id=-1 element;" not in str(f.schema)
                or "required binary field_id=-1 element (String);" not in str(f.schema)):
            sys.exit("%s: schema %s" % (key, f.schema))
    print("ok %s: %d objects" % (root, len(want)))

# The keys files: <name>.keys.snappy.parquet next to every <name>.snappy.parquet.
want = {}
for p in (0, 1):
    for start in (0, 3):
        name = "keys/%s/partition=%d/%s+%d+%010d" % (topic, p, topic, p, start)
        want[name + ".snappy.parquet"] = None
        want[name + ".keys.snappy.parquet"] = [p * 100 + start + k for k in range(3)]
deadline = time.time() + 90
while True:
    got = s3util.keys(bucket, "keys/")
    if sorted(got) == sorted(want):
        break
    if len(got) >= len(want) or time.time() > deadline:
        sys.exit("keys files: keys\n  got  %s\n  want %s" % (sorted(got), sorted(want)))
    time.sleep(0.5)
for key, ids in want.items():
    if ids is None:
        continue
    f = pq.ParquetFile(io.BytesIO(s3util.get(bucket, key)))
    rows = f.read().to_pylist()
    if rows != [{"key": "k%d" % i} for i in ids]:
        sys.exit("%s: rows %s" % (key, rows))
    avro = json.loads(f.metadata.metadata[b"parquet.avro.schema"])
    if avro.get("name") != "RecordKey" or [x["name"] for x in avro["fields"]] != ["key"]:
        sys.exit("%s: parquet.avro.schema %s" % (key, avro))
    if "required group field_id=-1 RecordKey" not in str(f.schema) or "optional binary field_id=-1 key (String);" not in str(f.schema):
        sys.exit("%s: schema %s" % (key, f.schema))
print("ok keys: %d keys files" % (len(want) // 2))
# pyarrow's thread pool can abort the interpreter's teardown ("terminate called without an active
# exception") on a busy machine, after every check passed: leave without it.
sys.stdout.flush()
os._exit(0)
PY
info "ParquetFormat: keys, rows, codecs and footer as Confluent's sink writes them"
