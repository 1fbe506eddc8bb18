#!/usr/bin/env bash
# HDFS sink against a real HDFS (MiniDFSCluster): JSON and Avro files under the Default
# partitioner with flush.size=3 (rotation by record count), and Confluent's hdfs3 connector class
# with a Field partitioner. hdfs.url is given as hdfs://host:<rpc port> as users have it, the
# WebHDFS address then coming from dfs.namenode.http-address in hadoop.conf.dir; the Avro
# connector names an HA name service whose first NameNode does not answer (failover). The committed
# file names must be exactly Confluent's (<topic>+<p>+<start>+<end><ext>, zero-padded to 10), their
# contents (read back through WebHDFS with urllib and fastavro) the topic's records in offset
# order, no temp file may be left under +tmp, and the write-ahead log must be where Confluent
# keeps it (<logs.dir>/<topic>/<p>/log). The last record of each partition stays open: no file.
# Parquet under both class names (hdfs.parquet and hdfs3.parquet.ParquetFormat): a struct with an
# optional field, a nested struct, an array, a negative/positive Decimal and a Timestamp, read
# with pyarrow row for row, every column chunk SNAPPY (Confluent's HDFS ParquetFormat hard-codes
# it), names ending in ".parquet", parquet-avro's footer and two-level lists. StringFormat
# (StringConverter values): each ".txt" file exactly its values' UTF-8 text, each followed by
# "\n" (StringRecordWriter's BufferedWriter.newLine()), empty and non-ASCII values included.
# services: kafka hdfs
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"

hdfs_root formats
topic=hdfsfmt$RANDOM
hdfs_topic "$topic" 2
countries=(NL DE NL DE DE NL NL)
for p in 0 1; do
        for o in 0 1 2 3 4 5 6; do
                id=$((p * 100 + o))
                printf '%s\t%s\t\t{"schema":{"type":"struct","name":"order","fields":[{"field":"id","type":"int64"},{"field":"country","type":"string"},{"field":"amount","type":"double","optional":true}]},"payload":{"id":%s,"country":"%s","amount":%s.5}}\n' \
                        "$p" "$(date +%s000)" "$id" "${countries[$o]}" "$id"
        done
done | ku produce "$KAFKA" "$topic" || fail "producing failed"

# Parquet: a struct with an optional field, a nested struct, an array, a Decimal and a Timestamp.
ptopic=${topic}pq
hdfs_topic "$ptopic" 2
pschema='{"type":"struct","name":"com.example.Order","fields":[{"field":"id","type":"int64"},{"field":"email","type":"string","optional":true},{"field":"customer","type":"struct","name":"com.example.Customer","fields":[{"field":"name","type":"string"},{"field":"vip","type":"boolean"}]},{"field":"tags","type":"array","items":{"type":"string"}},{"field":"total","type":"bytes","name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2","connect.decimal.precision":"10"}},{"field":"at","type":"int64","name":"org.apache.kafka.connect.data.Timestamp","version":1}]}'
"$PY" - "$pschema" <<'PY' | ku produce "$KAFKA" "$ptopic" || fail "producing Parquet records failed"
import base64, json, sys, time
now = int(time.time() * 1000)
schema = json.loads(sys.argv[1])
for p in (0, 1):
    for o in range(7):
        i = p * 100 + o
        unscaled = (i - 3) * 101  # negative for the first records: two's complement bytes
        total = base64.b64encode(unscaled.to_bytes((unscaled.bit_length() + 8) // 8, "big", signed=True)).decode()
        payload = {"id": i, "email": "c%d@example.com" % i if o % 2 == 0 else None,
                   "customer": {"name": "c%d" % i, "vip": o % 3 == 0},
                   "tags": ["t%d" % k for k in range(o % 3)], "total": total, "at": 1796126400000 + i * 1000}
        print("%d\t%d\t\t%s" % (p, now, json.dumps({"schema": schema, "payload": payload})))
PY
# String: values as text, one per line (empty, non-ASCII, JSON text, spaces kept).
stopic=${topic}str
hdfs_topic "$stopic" 1
printf "0\t$(date +%s000)\t\t%s\n" 'plain' '' 'naïve café ✓' '{"json": true, "n": 1}' '  two spaces  ' 'back\slash' 'last' |
        ku produce "$KAFKA" "$stopic" || fail "producing String records failed"

confdir=$WORK/hadoop-conf
mkdir -p "$confdir"
cat >"$confdir/hdfs-site.xml" <<XML
<?xml version="1.0"?>
<configuration>
  <property><name>dfs.namenode.http-address</name><value>127.0.0.1:$HDFS_PORT</value></property>
  <property><name>dfs.nameservices</name><value>ferryha</value></property>
  <property><name>dfs.ha.namenodes.ferryha</name><value>nn1,nn2</value></property>
  <property><name>dfs.namenode.http-address.ferryha.nn1</name><value>127.0.0.1:1</value></property>
  <property><name>dfs.namenode.http-address.ferryha.nn2</name><value>127.0.0.1:$HDFS_PORT</value></property>
</configuration>
XML

start_connect_worker
conv='"value.converter":"org.apache.kafka.connect.json.JsonConverter","value.converter.schemas.enable":"true"'
common="\"connector.class\":\"io.confluent.connect.hdfs.HdfsSinkConnector\",\"hdfs.url\":\"$HDFS_RPC_URL\",\"hadoop.conf.dir\":\"$confdir\",\"hdfs.user.name\":\"ferry\",\"topics\":\"$topic\",\"flush.size\":\"3\",$conv"
create_connector hdfs-json "{$common,\"format.class\":\"io.confluent.connect.hdfs.json.JsonFormat\",\"topics.dir\":\"$ROOT/json\",\"logs.dir\":\"$ROOT/json-logs\"}"
# The Avro connector names the HA name service: its first NameNode does not answer (failover).
create_connector hdfs-avro "{${common/$HDFS_RPC_URL/hdfs://ferryha},\"format.class\":\"io.confluent.connect.hdfs.avro.AvroFormat\",\"topics.dir\":\"$ROOT/avro\",\"logs.dir\":\"$ROOT/avro-logs\"}"
common3="${common/io.confluent.connect.hdfs.HdfsSinkConnector/io.confluent.connect.hdfs3.Hdfs3SinkConnector}"
create_connector hdfs3-field "{$common3,\"format.class\":\"io.confluent.connect.hdfs3.json.JsonFormat\",\"topics.dir\":\"$ROOT/field\",\"logs.dir\":\"$ROOT/field-logs\",\"partitioner.class\":\"io.confluent.connect.storage.partitioner.FieldPartitioner\",\"partition.field.name\":\"country\"}"
pcommon="\"hdfs.url\":\"$HDFS_RPC_URL\",\"hadoop.conf.dir\":\"$confdir\",\"hdfs.user.name\":\"ferry\",\"topics\":\"$ptopic\",\"flush.size\":\"3\",$conv"
create_connector hdfs-parquet "{\"connector.class\":\"io.confluent.connect.hdfs.HdfsSinkConnector\",$pcommon,\"format.class\":\"io.confluent.connect.hdfs.parquet.ParquetFormat\",\"topics.dir\":\"$ROOT/parquet\",\"logs.dir\":\"$ROOT/parquet-logs\"}"
create_connector hdfs3-parquet "{\"connector.class\":\"io.confluent.connect.hdfs3.Hdfs3SinkConnector\",$pcommon,\"format.class\":\"io.confluent.connect.hdfs3.parquet.ParquetFormat\",\"topics.dir\":\"$ROOT/parquet3\",\"logs.dir\":\"$ROOT/parquet3-logs\"}"
create_connector hdfs-string "{\"connector.class\":\"io.confluent.connect.hdfs.HdfsSinkConnector\",\"hdfs.url\":\"$HDFS_RPC_URL\",\"hadoop.conf.dir\":\"$confdir\",\"hdfs.user.name\":\"ferry\",\"topics\":\"$stopic\",\"flush.size\":\"3\",\"value.converter\":\"org.apache.kafka.connect.storage.StringConverter\",\"format.class\":\"io.confluent.connect.hdfs.string.StringFormat\",\"topics.dir\":\"$ROOT/string\",\"logs.dir\":\"$ROOT/string-logs\"}"
for c in hdfs-json hdfs-avro hdfs3-field hdfs-parquet hdfs3-parquet hdfs-string; do wait_connector_running "$c" 1; done

"$PY" - "$ROOT" "$topic" "$HDFS_UTIL" <<'PY' || fail "files or contents differ from Confluent's"
import os, sys, time
root, topic, util = sys.argv[1:4]
sys.path.insert(0, os.path.dirname(util))
import hdfsutil

def layout(kind, ext):
    out = {}
    for p in (0, 1):
        if kind == "default":
            files = [("partition=%d" % p, [0, 1, 2]), ("partition=%d" % p, [3, 4, 5])]
        else:
            # Field: a file per country, all rotated together when the partition reaches 3 records
            files = [("country=NL", [0, 2]), ("country=DE", [1]), ("country=DE", [3, 4]), ("country=NL", [5])]
        for d, offs in files:
            name = "%s+%d+%010d+%010d%s" % (topic, p, offs[0], offs[-1], ext)
            out["%s/%s/%s" % (topic, d, name)] = [p * 100 + o for o in offs]
    return out

def want_rows(ids):
    return [{"id": i, "country": ["NL", "DE", "NL", "DE", "DE", "NL", "NL"][i % 100], "amount": i + 0.5} for i in ids]

checks = [("json", "default", ".json"), ("avro", "default", ".avro"), ("field", "field", ".json")]
deadline = time.time() + 90
pending = list(checks)
while pending and time.time() < deadline:
    d, kind, ext = pending[0]
    base = root + "/" + d
    want = {base + "/" + k: v for k, v in layout(kind, ext).items()}
    got = [f for f in hdfsutil.walk(base) if "/+tmp/" not in f]
    if sorted(got) != sorted(want):
        if len(got) < len(want):
            time.sleep(0.5)
            continue
        sys.exit("%s: files\n  got  %s\n  want %s" % (d, sorted(got), sorted(want)))
    for f, ids in want.items():
        rows = hdfsutil.rows_of(f, ext)
        if rows != want_rows(ids):
            sys.exit("%s: contents\n  got  %s\n  want %s" % (f, rows, want_rows(ids)))
    tmp = hdfsutil.walk(base + "/+tmp")
    logs = hdfsutil.walk(root + "/" + d + "-logs")
    for p in (0, 1):
        if not any(l.startswith("%s/%s-logs/%s/%d/log" % (root, d, topic, p)) for l in logs):
            sys.exit("%s: no write-ahead log for partition %d: %s" % (d, p, logs))
    print("ok %s: %d files, open temp files %d, logs %s" % (d, len(want), len(tmp), [l[len(root):] for l in logs]))
    pending.pop(0)
if pending:
    sys.exit("timed out waiting for the files of %s: have %s" % (pending[0][0], hdfsutil.walk(root + "/" + pending[0][0])))
PY
grep -q 'writing to http://127.0.0.1:1 as user ferry (2 NameNode(s))' "$WORK/connect.log" ||
        fail "the Avro connector did not resolve hdfs://ferryha to its two NameNodes: $(grep 'HDFS sink: writing' "$WORK/connect.log")"
info "JSON, Avro and hdfs3/Field: names and contents as Confluent writes them"

# Parquet (both class names) read with pyarrow, String files compared byte for byte.
"$PY" - "$ROOT" "$ptopic" "$stopic" "$HDFS_UTIL" <<'PY' || fail "Parquet or String files differ from Confluent's"
import datetime, decimal, io, json, os, sys, time
import pyarrow.parquet as pq
root, ptopic, stopic, util = sys.argv[1:5]
sys.path.insert(0, os.path.dirname(util))
import hdfsutil

def committed(base, want):
    deadline = time.time() + 60
    while True:
        got = [f for f in hdfsutil.walk(base) if "/+tmp/" not in f]
        if sorted(got) == sorted(want):
            return
        if len(got) >= len(want) or time.time() > deadline:
            sys.exit("%s: files\n  got  %s\n  want %s" % (base, sorted(got), sorted(want)))
        time.sleep(0.3)

def row(i):
    o = i % 100
    return {"id": i, "email": "c%d@example.com" % i if o % 2 == 0 else None,
            "customer": {"name": "c%d" % i, "vip": o % 3 == 0}, "tags": ["t%d" % k for k in range(o % 3)],
            "total": decimal.Decimal((i - 3) * 101).scaleb(-2),
            "at": datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
                  + datetime.timedelta(milliseconds=1796126400000 + i * 1000)}

for d in ("parquet", "parquet3"):
    base = "%s/%s" % (root, d)
    want = {}
    for p in (0, 1):
        for start in (0, 3):
            name = "%s+%d+%010d+%010d.parquet" % (ptopic, p, start, start + 2)
            want["%s/%s/partition=%d/%s" % (base, ptopic, p, name)] = [p * 100 + start + k for k in range(3)]
    committed(base, want)
    for path, ids in want.items():
        f = pq.ParquetFile(io.BytesIO(hdfsutil.cat(path)))
        rows = f.read().to_pylist()
        if rows != [row(i) for i in ids]:
            sys.exit("%s: rows\n  got  %s\n  want %s" % (path, rows, [row(i) for i in ids]))
        md = f.metadata
        codecs = {md.row_group(g).column(c).compression for g in range(md.num_row_groups) for c in range(md.num_columns)}
        if codecs != {"SNAPPY"}:
            sys.exit("%s: codecs %s, Confluent's HDFS ParquetFormat writes SNAPPY" % (path, codecs))
        avro = json.loads(md.metadata[b"parquet.avro.schema"])
        if (avro.get("name"), avro.get("namespace")) != ("Order", "com.example") or md.metadata[b"writer.model.name"] != b"avro":
            sys.exit("%s: footer metadata %s" % (path, md.metadata))
        schema = str(f.schema)
        # parquet-avro's defaults in Confluent's HDFS format: two-level lists, DECIMAL and TIMESTAMP_MILLIS.
        for part in ("repeated binary field_id=-1 array (String);", "optional binary field_id=-1 email (String);",
                     "required binary field_id=-1 total (Decimal(precision=10, scale=2));",
                     "required int64 field_id=-1 at (Timestamp(isAdjustedToUTC=true, timeUnit=milliseconds",
                     "required group field_id=-1 customer {"):
            if part not in schema:
                sys.exit("%s: no %r in the schema\n%s" % (path, part, schema))
    print("ok %s: %d files" % (d, len(want)))

values = ["plain", "", "naïve café ✓", '{"json": true, "n": 1}', "  two spaces  ", "back\\slash", "last"]
base = "%s/string" % root
want = {"%s/%s/partition=0/%s+0+%010d+%010d.txt" % (base, stopic, stopic, s, s + 2): values[s:s + 3] for s in (0, 3)}
committed(base, want)
for path, vals in want.items():
    data = hdfsutil.cat(path)
    # StringRecordWriter: each value, then BufferedWriter.newLine() ("\n" on Linux), in UTF-8.
    if data != "".join(v + "\n" for v in vals).encode():
        sys.exit("%s: bytes %r, want the values %r one per line" % (path, data, vals))
print("ok string: %d files" % len(want))
# pyarrow's thread pool can abort the interpreter's teardown ("terminate called without an active
# exception") on a busy machine, after every check passed: leave without it.
sys.stdout.flush()
os._exit(0)
PY
info "Parquet (hdfs and hdfs3 class names) and String: names and contents as Confluent writes them"
