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
for c in hdfs-json hdfs-avro hdfs3-field; do wait_connector_running "$c" 1; done

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
