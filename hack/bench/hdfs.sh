#!/usr/bin/env bash
# HDFS sink benchmark: BENCH_HDFS_N JSON records (about 100 bytes each) from one Kafka partition into
# a MiniDFSCluster (hack/services.sh hdfs) by Ferry's HdfsSinkConnector (JsonFormat, flush.size
# N/10, so ten files, each written as a temp file, logged to the WAL and renamed), in MB/s of file
# bytes from the connector's creation until the last file is committed; beside it `curl` uploading
# the same bytes through WebHDFS as ten files (CREATE to the NameNode, then the data to the
# DataNode it redirects to). Starts its own Kafka unless FERRY_KAFKA_BOOTSTRAP is set, and its own
# HDFS unless BENCH_HDFS_URL (http://host:port of a NameNode) is set. Prints a markdown table on
# stdout, progress on stderr.
#
# Environment: BENCH_HDFS_N (1000000)  BENCH_HDFS_URL  FERRY_WORKER (bin/ferry-worker)  BENCH_KEEP (keep the work dir)
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
N=${BENCH_HDFS_N:-1000000}
WORKER=${FERRY_WORKER:-$REPO/bin/ferry-worker}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-hdfs.XXXXXX")
declare -a CLEANUP=()
cleanup() {
        for ((i = ${#CLEANUP[@]} - 1; i >= 0; i--)); do eval "${CLEANUP[$i]}" >/dev/null 2>&1 || true; done
        [ -n "${BENCH_KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
log() { echo "[bench-hdfs] $*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
[ -f build/plugins/hdfs/hdfs.so ] || make -s plugins
PY=$(hack/pyenv.sh | tail -1)

if [ -z "${FERRY_KAFKA_BOOTSTRAP:-}" ]; then
        export FERRY_KAFKA_STATE=$WORK/kafka
        CLEANUP+=("FERRY_KAFKA_STATE=$WORK/kafka hack/kafka.sh stop")
        FERRY_KAFKA_BOOTSTRAP=$(hack/kafka.sh start | tail -1)
fi
K=$FERRY_KAFKA_BOOTSTRAP
if [ -z "${BENCH_HDFS_URL:-}" ]; then
        export FERRY_SERVICES_STATE=$WORK/services
        CLEANUP+=("FERRY_SERVICES_STATE=$WORK/services hack/services.sh stop hdfs")
        BENCH_HDFS_URL=$(hack/services.sh start hdfs | tail -1)
fi
export HDFS_URL=$BENCH_HDFS_URL
hu() { "$PY" tests/connectors/hdfs/hdfsutil.py "$@"; }
root=/ferry-bench-$RANDOM

topic=hdfsbench$RANDOM
"$PY" tests/connectors/s3/s3util.py mktopic "$K" "$topic" 1
python3 -c '
import sys
n = int(sys.argv[1])
with open(sys.argv[2], "w") as f:
    for i in range(n):
        f.write("{\"id\":%d,\"name\":\"customer-%08d\",\"city\":\"Amsterdam\",\"amount\":%d.25,\"note\":\"%s\"}\n" % (i, i, i % 1000, "x" * 20))
' "$N" "$WORK/records.json"
kcat -b "$K" -P -t "$topic" -p 0 -l "$WORK/records.json"
log "$N records in $topic"

RP=$(free_port)
cat >"$WORK/worker.properties" <<PROPS
bootstrap.servers=$K
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
offset.storage.file.filename=$WORK/offsets
offset.flush.interval.ms=1000
listeners=http://127.0.0.1:$RP
plugin.path=$REPO/build/plugins
PROPS
"$WORKER" standalone "$WORK/worker.properties" >"$WORK/worker.out" 2>"$WORK/worker.log" &
wpid=$!
CLEANUP+=("kill $wpid")
until curl -sf "http://127.0.0.1:$RP/connectors" >/dev/null; do sleep 0.1; done
t0=$(now)
curl -sf -X POST -H 'Content-Type: application/json' "http://127.0.0.1:$RP/connectors" -d "{\"name\":\"bench-hdfs\",\"config\":{
\"connector.class\":\"io.confluent.connect.hdfs.HdfsSinkConnector\",\"topics\":\"$topic\",\"hdfs.url\":\"$HDFS_URL\",
\"hdfs.user.name\":\"ferry\",\"format.class\":\"io.confluent.connect.hdfs.json.JsonFormat\",\"flush.size\":\"$((N / 10))\",
\"topics.dir\":\"$root/topics\",\"logs.dir\":\"$root/logs\"}}" >/dev/null
# Poll with curl (one LISTSTATUS of the partition's directory, which holds only committed files),
# not hdfsutil.py: a Python start costs CPU that on a small machine would be taken from the worker.
committed() {
        curl -s "$HDFS_URL/webhdfs/v1$root/topics/$topic/partition=0?op=LISTSTATUS&user.name=ferry" |
                grep -o '"type":"FILE"' | wc -l
}
deadline=$((SECONDS + 600))
until [ "$(committed)" -ge 10 ]; do
        [ "$SECONDS" -lt "$deadline" ] || { log "no 10 committed files after 600 s: $(tail -3 "$WORK/worker.log")"; exit 1; }
        sleep 0.05
done
t1=$(now)
bytes=$(hu ls "$root/topics/$topic" | while read -r f; do hu cat "$f" | wc -c; done | awk '{s+=$1} END {print s}')
ferry=$(python3 -c "print('%.1f' % ($bytes / 1e6 / ($t1 - $t0)))")
log "worker log: $WORK/worker.log"
log "Ferry: $bytes bytes in 10 files in $(python3 -c "print('%.2f' % ($t1 - $t0))") s: $ferry MB/s"

head -c "$bytes" "$WORK/records.json" >"$WORK/plain.bin"
split -n 10 -d "$WORK/plain.bin" "$WORK/part."
t0=$(now)
for f in "$WORK"/part.*; do
        loc=$(curl -sf -o /dev/null -w '%{redirect_url}' -X PUT \
                "$HDFS_URL/webhdfs/v1$root/plain/${f##*/}?op=CREATE&user.name=ferry&overwrite=true")
        curl -sf -X PUT -H 'Content-Type: application/octet-stream' -H 'Expect:' --data-binary "@$f" "$loc" >/dev/null
done
t1=$(now)
plain=$(python3 -c "print('%.1f' % ($bytes / 1e6 / ($t1 - $t0)))")
log "curl through WebHDFS, the same bytes as 10 files: $plain MB/s"
hu rm "$root" || true

echo "| HDFS sink, $N JSON records ($((bytes / 1000000)) MB) into MiniDFSCluster via WebHDFS | MB/s |"
echo "|---|---|"
echo "| curl, 10 files (CREATE + DataNode PUT each) | $plain |"
echo "| Ferry HdfsSinkConnector (10 files: temp, WAL, rename) | $ferry |"
