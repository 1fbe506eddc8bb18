#!/usr/bin/env bash
# ParquetFormat through the S3 sink survives kill -9 with exactly-once output: the worker is killed
# with SIGKILL after the first Parquet objects land, with records of both partitions in open files
# (5 each, past the last full file of 25: open files and uncommitted offsets are lost), the
# rest of the topic arrives while it is down, and a new worker resumes the connector. Its objects
# must be byte for byte the objects a second connector writes reading the whole topic undisturbed
# (same keys, same SHA-256: the Parquet bytes depend on the records alone), and pyarrow must find
# every record exactly once across them.
# services: kafka s3
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../s3/lib.sh"
cd "$REPO"

s3_bucket pqkill
topic=s3pqkill$RANDOM
s3_topic "$topic" 2
schema='{"type":"struct","name":"com.example.Event","fields":[{"field":"id","type":"int64"},{"field":"tags","type":"array","items":{"type":"string"}},{"field":"note","type":"string","optional":true},{"field":"at","type":"int64","name":"org.apache.kafka.connect.data.Timestamp","version":1}]}'
# produce FROM TO: records id FROM..TO-1, partition id % 2.
produce() {
        python3 - "$1" "$2" "$schema" <<'PY' | s3u produce "$KAFKA" "$topic" || fail "producing failed"
import json, sys
lo, hi, schema = int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
for i in range(lo, hi):
    payload = {"id": i, "tags": ["t%d" % k for k in range(i % 4)], "note": None if i % 5 == 0 else "n%d" % i,
               "at": 1796126400000 + i}
    print("%d\t%d\tk%d\t%s" % (i % 2, 1796126400000 + i, i, json.dumps({"schema": schema, "payload": payload})))
PY
}
produce 0 210
common="\"topics\":\"$topic\",\"flush.size\":\"25\",\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"true\",\"format.class\":\"io.confluent.connect.s3.format.parquet.ParquetFormat\",\"parquet.codec\":\"zstd\""
start_connect_worker
create_connector pq-run "$(s3_config "$common,\"topics.dir\":\"run\"")"
wait_connector_running pq-run 1
some_objects() { [ "$(s3u keys "$BUCKET" run/ | wc -l)" -ge 2 ]; }
wait_for 90 "the first Parquet objects" some_objects
stop_worker connect KILL
before=$(s3u keys "$BUCKET" run/ | wc -l)
info "worker killed with $before object(s) written"
produce 210 400

mv "$WORK/connect.log" "$WORK/connect-1.log"
start_connect_worker
create_connector pq-run "$(s3_config "$common,\"topics.dir\":\"run\"")"
create_connector pq-ref "$(s3_config "$common,\"topics.dir\":\"ref\"")"
wait_connector_running pq-run 1
wait_connector_running pq-ref 1
# 200 records per partition in files of 25: 16 objects under each root.
all_objects() { s3_count_keys run/ 16 && s3_count_keys ref/ 16; }
wait_for 120 "16 objects under run/ and ref/" all_objects
[ "$before" -lt 16 ] || fail "everything was written before the kill: nothing was tested"
s3u dump "$BUCKET" run/ | sed 's|^run/||' >"$WORK/run.txt"
s3u dump "$BUCKET" ref/ | sed 's|^ref/||' >"$WORK/ref.txt"
diff "$WORK/ref.txt" "$WORK/run.txt" || fail "the objects after kill -9 differ from an undisturbed run"
"$PY" - "$BUCKET" "$S3_UTIL" <<'PY' || fail "pyarrow did not find every record exactly once"
import io, os, sys
import pyarrow.parquet as pq
bucket, util = sys.argv[1:3]
sys.path.insert(0, os.path.dirname(util))
import s3util
ids = []
for key in s3util.keys(bucket, "run/"):
    assert key.endswith(".zstd.parquet"), key
    ids += [r["id"] for r in pq.read_table(io.BytesIO(s3util.get(bucket, key))).to_pylist()]
assert sorted(ids) == list(range(400)), (len(ids), len(set(ids)))
# pyarrow's thread pool can abort the interpreter's teardown ("terminate called without an active
# exception") on a busy machine, after every check passed: leave without it.
sys.stdout.flush()
os._exit(0)
PY
info "kill -9: the same 16 Parquet objects as an undisturbed run, every record once"
