#!/usr/bin/env bash
# Elasticsearch sink benchmark: documents/s from Kafka into OpenSearch (hack/services.sh start
# opensearch), Ferry's ElasticsearchSinkConnector beside curl bulk-loading the same documents with
# `_bulk` requests of the same batch size (one curl process, keep-alive; once one request at a
# time, once max.in.flight.requests at a time with --parallel). BENCH_ES_N JSON documents of about
# 100 bytes (schemaless, JsonConverter with schemas.enable=false, key.ignore=true so the ids are
# topic+partition+offset); each system writes to its own index, created beforehand with 0
# replicas. curl's time runs from its start to its exit (every request answered); Ferry's from the
# connector's creation until `_count` of its index reaches N (polled every 0.2 s; the index
# refreshes every second, so Ferry's figure includes up to a second of refresh lag). Starts its own
# Kafka unless FERRY_KAFKA_BOOTSTRAP is set, and its own OpenSearch unless BENCH_ES_URL is set.
# Prints a markdown table on stdout, progress on stderr.
#
# Environment: BENCH_ES_N (1000000)  BENCH_ES_BATCH (2000)  BENCH_ES_INFLIGHT (5)
#              BENCH_ES_URL  FERRY_WORKER (bin/ferry-worker)
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
N=${BENCH_ES_N:-1000000}
BATCH=${BENCH_ES_BATCH:-2000}
INFLIGHT=${BENCH_ES_INFLIGHT:-5}
WORKER=${FERRY_WORKER:-$REPO/bin/ferry-worker}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-es.XXXXXX")
declare -a CLEANUP=()
cleanup() {
        for ((i = ${#CLEANUP[@]} - 1; i >= 0; i--)); do eval "${CLEANUP[$i]}" >/dev/null 2>&1 || true; done
        [ -n "${BENCH_ES_KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
log() { echo "[bench-es] $*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
[ -f build/plugins/elasticsearch/elasticsearch.so ] || make -s plugins

if [ -z "${FERRY_KAFKA_BOOTSTRAP:-}" ]; then
        export FERRY_KAFKA_STATE=$WORK/kafka
        CLEANUP+=("FERRY_KAFKA_STATE=$WORK/kafka hack/kafka.sh stop")
        FERRY_KAFKA_BOOTSTRAP=$(hack/kafka.sh start | tail -1)
fi
K=$FERRY_KAFKA_BOOTSTRAP
ES=${BENCH_ES_URL:-}
if [ -z "$ES" ]; then
        export FERRY_SERVICES_STATE=$WORK/services
        CLEANUP+=("FERRY_SERVICES_STATE=$WORK/services hack/services.sh stop opensearch")
        ES=$(hack/services.sh start opensearch | tail -1)
fi
log "Kafka $K, OpenSearch $ES, $N documents, batches of $BATCH"

topic=bench_es_$RANDOM
log "writing $N records and the curl bulk files"
python3 - "$N" "$BATCH" "$WORK" "$topic" <<'PY'
import os, sys
n, batch, work, topic = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
os.makedirs(work + "/bulk")
cfg_seq = open(work + "/curl.cfg", "w")
cfg_seq.write("silent\n")
first = True
with open(work + "/records.txt", "w") as rec:
    f = None
    for i in range(n):
        doc = '{"i":%d,"name":"user-%08d","score":%d.5,"tag":"%s"}' % (i, i, i % 1000, "abcdefghij"[i % 10] * 20)
        rec.write(doc + "\n")
        if i % batch == 0:
            if f:
                f.close()
            path = "%s/bulk/%08d.ndjson" % (work, i // batch)
            f = open(path, "w")
            # "next" separates requests; a trailing one would start a request without a URL.
            cfg_seq.write('%surl = "@ES@/_bulk"\ndata-binary = "@%s"\noutput = "/dev/null"\n'
                          'header = "Content-Type: application/x-ndjson"\n' % ("" if first else "next\n", path))
            first = False
        f.write('{"index":{"_index":"@INDEX@","_id":"%s+0+%d"}}\n%s\n' % (topic, i, doc))
    f.close()
PY
kcat -b "$K" -P -t "$topic" -l "$WORK/records.txt"

mk_index() {
        curl -s -X DELETE "$ES/$1" >/dev/null
        curl -sf -X PUT -H 'Content-Type: application/json' "$ES/$1" \
                -d '{"settings":{"number_of_shards":1,"number_of_replicas":0}}' >/dev/null
}
# The count read with sed, not Python: a Python start per poll costs CPU the measured worker and
# search engine would miss on a small machine.
count() {
        local v
        v=$(curl -s "$ES/$1/_count" | sed -n 's/.*"count":\([0-9][0-9]*\).*/\1/p')
        echo "${v:-0}"
}

# curl_case NAME INDEX [PARALLEL]
curl_case() {
        local index=$2 t0 t1
        mk_index "$index"
        sed -i "s/@INDEX@/$index/" "$WORK"/bulk/*.ndjson
        sed "s#@ES@#$ES#" "$WORK/curl.cfg" >"$WORK/curl-$index.cfg"
        t0=$(now)
        if [ -n "${3:-}" ]; then
                curl -s --no-progress-meter --parallel --parallel-max "$3" -K "$WORK/curl-$index.cfg"
        else
                curl -s -K "$WORK/curl-$index.cfg"
        fi
        t1=$(now)
        curl -s -X POST "$ES/$index/_refresh" >/dev/null
        [ "$(count "$index")" = "$N" ] || { log "$1: $(count "$index") documents, not $N"; return 1; }
        sed -i "s/\"_index\":\"$index\"/\"_index\":\"@INDEX@\"/" "$WORK"/bulk/*.ndjson
        python3 -c "print(int($N / ($t1 - $t0)))"
}

declare -A R
R[seq]=$(curl_case "curl, 1 in flight" bench-curl-seq)
log "curl _bulk, one request at a time: ${R[seq]} docs/s"
R[par]=$(curl_case "curl, $INFLIGHT in flight" bench-curl-par "$INFLIGHT")
log "curl _bulk, $INFLIGHT in flight: ${R[par]} docs/s"

# Ferry: the connector's index is the topic's name; create it first with 0 replicas.
mk_index "$topic"
RP=$(free_port)
cat >"$WORK/worker.properties" <<PROPS
bootstrap.servers=$K
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
offset.storage.file.filename=$WORK/offsets
listeners=http://127.0.0.1:$RP
plugin.path=$REPO/build/plugins
PROPS
cat >"$WORK/es.properties" <<PROPS
name=bench-es
connector.class=io.confluent.connect.elasticsearch.ElasticsearchSinkConnector
topics=$topic
connection.url=$ES
key.ignore=true
schema.ignore=true
batch.size=$BATCH
max.in.flight.requests=$INFLIGHT
PROPS
t0=$(now)
"$WORKER" standalone "$WORK/worker.properties" "$WORK/es.properties" >"$WORK/worker.out" 2>"$WORK/worker.log" &
wpid=$!
CLEANUP+=("kill $wpid")
deadline=$((SECONDS + 1800))
while [ "$(count "$topic")" -lt "$N" ]; do
        kill -0 "$wpid" 2>/dev/null || { log "the worker exited: $(tail -5 "$WORK/worker.log")"; exit 1; }
        [ "$SECONDS" -lt "$deadline" ] || { log "Ferry did not index $N documents in 30 min"; exit 1; }
        sleep 0.2
done
t1=$(now)
R[ferry]=$(python3 -c "print(int($N / ($t1 - $t0)))")
R[rss]=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$wpid/status")
# The worker's CPU time (user + system), which it takes from the server on a shared machine.
R[cpu]=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / hz }' "/proc/$wpid/stat")
kill "$wpid"
wait "$wpid" 2>/dev/null || true
log "Ferry ElasticsearchSinkConnector: ${R[ferry]} docs/s, peak RSS ${R[rss]} MB, ${R[cpu]} CPU-s"

echo "| $N JSON documents, _bulk of $BATCH | docs/s | Ferry / this |"
echo "|---|---|---|"
echo "| curl _bulk, 1 request in flight | ${R[seq]} | $(python3 -c "print('%.2fx' % (${R[ferry]} / ${R[seq]}))") |"
echo "| curl _bulk --parallel-max $INFLIGHT | ${R[par]} | $(python3 -c "print('%.2fx' % (${R[ferry]} / ${R[par]}))") |"
echo "| Ferry ElasticsearchSinkConnector (Kafka -> OpenSearch, max.in.flight.requests $INFLIGHT) | ${R[ferry]} | |"
echo "| Ferry worker peak RSS | ${R[rss]} MB | |"
echo "| Ferry worker CPU time (user + system) | ${R[cpu]} s | |"
