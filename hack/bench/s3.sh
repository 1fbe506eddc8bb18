#!/usr/bin/env bash
# S3 sink benchmark: BENCH_S3_N JSON records (about 100 bytes each) from one Kafka partition into
# s3proxy (hack/services.sh s3) by Ferry's S3SinkConnector (JsonFormat, flush.size N/10, so ten
# objects, multipart uploads of s3.part.size 5 MiB), in MB/s of object bytes from the connector's
# creation until the last object is stored; beside it one `curl --aws-sigv4 -T` PUT of the same
# bytes to the same store (the plain client's limit) and one boto3 multipart upload of them in 5 MiB
# parts (the reference the sink is judged against, target 0.8x). Then the worker's peak RSS (VmHWM) with 200
# partitions open at once (200 partitions, 100 records each, flush.size larger than that).
# Starts its own Kafka unless FERRY_KAFKA_BOOTSTRAP is set, and its own s3proxy. Prints a
# markdown table on stdout, progress on stderr.
#
# Environment: BENCH_S3_N (1000000)  FERRY_WORKER (bin/ferry-worker)
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
N=${BENCH_S3_N:-1000000}
WORKER=${FERRY_WORKER:-$REPO/bin/ferry-worker}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-s3.XXXXXX")
declare -a CLEANUP=()
cleanup() {
        for ((i = ${#CLEANUP[@]} - 1; i >= 0; i--)); do eval "${CLEANUP[$i]}" >/dev/null 2>&1 || true; done
        rm -rf "$WORK"
}
trap cleanup EXIT
log() { echo "[bench-s3] $*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
[ -f build/plugins/s3/s3.so ] || make -s plugins
PY=$(hack/pyenv.sh | tail -1)

if [ -z "${FERRY_KAFKA_BOOTSTRAP:-}" ]; then
        export FERRY_KAFKA_STATE=$WORK/kafka
        CLEANUP+=("FERRY_KAFKA_STATE=$WORK/kafka hack/kafka.sh stop")
        FERRY_KAFKA_BOOTSTRAP=$(hack/kafka.sh start | tail -1)
fi
K=$FERRY_KAFKA_BOOTSTRAP
export FERRY_SERVICES_STATE=$WORK/services
CLEANUP+=("FERRY_SERVICES_STATE=$WORK/services hack/services.sh stop s3")
hack/services.sh start s3 >/dev/null
eval "$(hack/services.sh env s3)"
export S3_URL=$SERVICE_URL S3_USER=$SERVICE_USER S3_PASSWORD=$SERVICE_PASSWORD
s3u() { "$PY" tests/connectors/s3/s3util.py "$@"; }
s3u mkbucket bench
s3u mkbucket plain

topic=s3bench$RANDOM
s3u mktopic "$K" "$topic" 1
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
connector() { # NAME TOPIC FLUSH PART_SIZE
        curl -sf -X POST -H 'Content-Type: application/json' "http://127.0.0.1:$RP/connectors" -d "{\"name\":\"$1\",\"config\":{
\"connector.class\":\"io.confluent.connect.s3.S3SinkConnector\",\"topics\":\"$2\",\"s3.bucket.name\":\"bench\",
\"store.url\":\"$S3_URL\",\"aws.access.key.id\":\"$S3_USER\",\"aws.secret.access.key\":\"$S3_PASSWORD\",
\"format.class\":\"io.confluent.connect.s3.format.json.JsonFormat\",\"flush.size\":\"$3\",\"s3.part.size\":\"$4\",
\"topics.dir\":\"$1\"}}" >/dev/null
}
t0=$(now)
connector bench-s3 "$topic" $((N / 10)) 5242880
# Poll with curl, not s3util.py: a Python start with boto3 costs about 0.4 s of CPU, which on a
# small machine would be taken from the worker being measured.
s3keys() { # BUCKET PREFIX: how many objects the store lists
        curl -sf --aws-sigv4 "aws:amz:us-west-2:s3" --user "$S3_USER:$S3_PASSWORD" \
                -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$S3_URL/$1?list-type=2&prefix=${2//\//%2F}" | grep -o '<Key>' | wc -l
}
deadline=$((SECONDS + 600))
until [ "$(s3keys bench bench-s3/)" -ge 10 ]; do
        [ "$SECONDS" -lt "$deadline" ] || { log "no 10 objects after 600 s: $(tail -3 "$WORK/worker.log")"; exit 1; }
        sleep 0.05
done
t1=$(now)
bytes=$("$PY" -c '
import sys
sys.path.insert(0, "tests/connectors/s3")
import s3util
c = s3util.client()
print(sum(o["Size"] for o in c.list_objects_v2(Bucket="bench", Prefix="bench-s3/")["Contents"]))')
ferry=$(python3 -c "print('%.1f' % ($bytes / 1e6 / ($t1 - $t0)))")
ferry_rps=$(python3 -c "print('%d' % ($N / ($t1 - $t0)))")
log "Ferry: $bytes bytes in 10 objects in $(python3 -c "print('%.2f' % ($t1 - $t0))") s: $ferry MB/s"

head -c "$bytes" "$WORK/records.json" >"$WORK/plain.bin"
t0=$(now)
curl -sf --aws-sigv4 "aws:amz:us-west-2:s3" --user "$S3_USER:$S3_PASSWORD" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
        -T "$WORK/plain.bin" "$S3_URL/plain/all.json" >/dev/null
t1=$(now)
plain=$(python3 -c "print('%.1f' % ($bytes / 1e6 / ($t1 - $t0)))")
# The same bytes as records/s: the records a plain client would move at its byte rate.
plain_rps=$(python3 -c "print('%d' % ($N * ($bytes / ($t1 - $t0)) / $bytes))")
log "curl PUT of the same bytes: $plain MB/s"
# The reference the sink is judged against: the same bytes as one multipart upload in parts of the
# sink's s3.part.size (5 MiB), one part after the other, by boto3 (awscli's library); timed from
# CreateMultipartUpload to CompleteMultipartUpload, after the client is built.
mp=$("$PY" - "$WORK/plain.bin" <<'PYEOF'
import sys, time
sys.path.insert(0, "tests/connectors/s3")
import s3util
c = s3util.client()
data = open(sys.argv[1], "rb").read()
t0 = time.monotonic()
up = c.create_multipart_upload(Bucket="plain", Key="multipart.json")["UploadId"]
parts, size = [], 5 * 1024 * 1024
for i in range(0, len(data), size):
    n = len(parts) + 1
    r = c.upload_part(Bucket="plain", Key="multipart.json", UploadId=up, PartNumber=n, Body=data[i : i + size])
    parts.append({"PartNumber": n, "ETag": r["ETag"]})
c.complete_multipart_upload(Bucket="plain", Key="multipart.json", UploadId=up, MultipartUpload={"Parts": parts})
t1 = time.monotonic()
assert c.head_object(Bucket="plain", Key="multipart.json")["ContentLength"] == len(data)
print("%.1f %d" % (len(data) / 1e6 / (t1 - t0), len(parts)))
PYEOF
)
read -r multi multi_parts <<<"$mp"
multi_rps=$(python3 -c "print('%d' % ($N * $multi / ($bytes / 1e6)))")
ratio=$(python3 -c "print('%.2f' % ($ferry / $multi))")
log "boto3 multipart upload of the same bytes ($multi_parts parts): $multi MB/s; Ferry ${ratio}x"

# 200 partitions open at once.
t200=s3b200$RANDOM
s3u mktopic "$K" "$t200" 200
python3 -c '
import sys
for p in range(200):
    for i in range(100):
        print("%d\t{\"p\":%d,\"i\":%d,\"pad\":\"%s\"}" % (p, p, i, "y" * 60))' >"$WORK/p200.txt"
while IFS=$'\t' read -r p v; do printf '%s\n' "$v" >>"$WORK/p200-$p.json"; done <"$WORK/p200.txt"
for p in $(seq 0 199); do kcat -b "$K" -P -t "$t200" -p "$p" -l "$WORK/p200-$p.json"; done
connector bench-s3-200 "$t200" 1000000 5242880
lag_done() { curl -s "http://127.0.0.1:$RP/metrics" | grep -q 'ferry_sink_record_read_total{[^}]*connector="bench-s3-200"[^}]*} 20000'; }
deadline=$((SECONDS + 120))
until lag_done || [ "$SECONDS" -ge "$deadline" ]; do sleep 0.5; done
rss=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$wpid/status")
log "peak RSS with 200 open partitions: $rss MB"

echo "| S3 sink, $N JSON records ($((bytes / 1000000)) MB) into s3proxy | MB/s | records/s |"
echo "|---|---|---|"
echo "| curl --aws-sigv4 -T, one PUT | $plain | $plain_rps |"
echo "| boto3, one multipart upload ($multi_parts parts of 5 MiB, one at a time) | $multi | $multi_rps |"
echo "| Ferry S3SinkConnector (10 objects, 5 MiB parts), x the multipart upload | $ferry (${ratio}x) | $ferry_rps |"
echo "| Ferry worker peak RSS (VmHWM) with 200 open partitions | $rss MB | |"
