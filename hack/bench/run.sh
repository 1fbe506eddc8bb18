#!/usr/bin/env bash
# `make bench`: starts one real Kafka broker (hack/kafka.sh) and measures, side by side on that
# broker and the same data, Ferry, Apache Kafka Connect itself (Java, ConnectStandalone from Maven
# Central jars, default settings) and kcat (librdkafka's raw limit):
#   - source: an N-line file into a topic (FileStreamSource vs FileStreamSource vs kcat -P -l):
#     records/s, MB/s, CPU-seconds per million records; and Ferry with a chain of three SMTs
#     (HoistField$Value, ExtractField$Value, RegexRouter), and with one that adds a header
#     (InsertHeader, SetSchemaMetadata$Value, RegexRouter), against no chain;
#   - sink: one topic, filled once, into a file (FileStreamSink vs FileStreamSink vs kcat -C -e),
#     each system with its own consumer group: the same figures, over the 10%-90% window of the
#     output file; and for both, process start to the last record;
#   - worker RSS idle (no connectors; after a small source+sink pipeline went quiet) and at peak
#     under load (VmHWM over the source and sink runs);
#   - start-up: process start to the first 200 from `GET /`;
#   - failover after kill -9 in distributed mode (hack/bench/failover.sh, on the same broker);
#   - AvroConverter against JsonConverter (schemas enabled) behind FileStreamSource -> HoistField$Value
#     (hack/bench/avro.sh, on the same broker, with the schema registry of hack/services.sh);
#   - MQTT source: messages/s from Mosquitto into Kafka at QoS 0 and 1 and the worker's peak RSS,
#     beside `mosquitto_sub | kcat -P` (hack/bench/mqtt.sh, on the same broker, its own Mosquitto).
#   - JDBC on PostgreSQL: JdbcSinkConnector beside psql \copy and JdbcSourceConnector beside
#     COPY TO STDOUT | kcat -P (hack/bench/jdbc.sh, on the same broker; its table follows the
#     report's, and $BENCH_OUT/jdbc.json holds its figures).
# Both workers get the same worker.properties (Kafka's config/connect-standalone.properties with
# StringConverter for keys and values) and the same connector configs. Each figure is the median of
# BENCH_RUNS runs with the ratio Ferry/other. Prints a markdown table on stdout (progress on
# stderr), writes $BENCH_OUT/latest.json and $BENCH_OUT/latest.png (gnuplot). docs/benchmarks.md
# explains every figure.
#
# Environment:
#   BENCH_LINES (1000000)  BENCH_RUNS (3)  BENCH_OUT (bench/results)
#   BENCH_SHORT=1          2000 lines, 1 run, no Java, no failover, no Avro (tests/runtime/bench_short.sh)
#   BENCH_SKIP_JAVA=1      no Apache Kafka Connect at all (no Maven needed)
#   BENCH_SKIP_FAILOVER=1  no failover figure
#   BENCH_SKIP_AVRO=1      no AvroConverter figure (it needs the schema registry of hack/services.sh)
#   BENCH_SKIP_S3=1        no S3 sink figure (hack/bench/s3.sh: s3proxy of hack/services.sh; its
#                          markdown table is printed after the report)
#   BENCH_SKIP_ES=1        no Elasticsearch sink figure (hack/bench/elasticsearch.sh: BENCH_ES_N documents,
#                          default BENCH_LINES, into an OpenSearch of hack/services.sh; table in
#                          $BENCH_OUT/elasticsearch.md)
#   BENCH_AVRO_LINES (200000)  lines per AvroConverter/JsonConverter run
#   BENCH_SKIP_MQTT=1      no MQTT figure   BENCH_MQTT_N (1000000)  messages per MQTT case
#   BENCH_SKIP_JDBC=1      no JDBC figures (they need PostgreSQL of hack/services.sh)
#   BENCH_SKIP_HDFS=1      no HDFS sink figure (hack/bench/hdfs.sh: MiniDFSCluster of hack/services.sh)
#   BENCH_SKIP_EOS=1       no exactly-once source figure (hack/bench/exactly_once.sh: FileStreamSource with
#                          exactly.once.source.support enabled, transaction.boundary poll and interval,
#                          beside the same run without it; its table is printed after the report)
#   BENCH_SKIP_CASSANDRA=1 no Cassandra sink figure (hack/bench/cassandra.sh: a Cassandra node of
#                          hack/services.sh; BENCH_CASS_N records, default 1000000)
#   BENCH_JDBC_ROWS (1000000)  rows of the JDBC benchmark
#   BENCH_FAILOVER_KILLS (5)  BENCH_FAILOVER_KILLS_JAVA (3)  kills per case in failover.sh
#   BENCH_SKIP_JAVA_DEFAULT=1  skip the failover case with Java at defaults (about 5 min per kill)
#   BENCH_JAVA_OPTS        extra JVM options for Java Connect (default: none, the JVM's defaults)
#   FERRY_WORKER           worker binary (default bin/ferry-worker)
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
SHORT=${BENCH_SHORT:-}
if [ -n "$SHORT" ]; then
        N=${BENCH_LINES:-2000}
        RUNS=${BENCH_RUNS:-1}
        BENCH_SKIP_JAVA=1
        BENCH_SKIP_FAILOVER=1
        BENCH_SKIP_AVRO=1
        BENCH_SKIP_MQTT=1
        BENCH_SKIP_S3=1
        BENCH_SKIP_JDBC=1
        BENCH_SKIP_HDFS=1
        BENCH_SKIP_CASSANDRA=1
else
        N=${BENCH_LINES:-1000000}
        RUNS=${BENCH_RUNS:-3}
fi
JAVA_ON=on
[ -z "${BENCH_SKIP_JAVA:-}" ] || JAVA_ON=
OUT=${BENCH_OUT:-$REPO/bench/results}
case $OUT in /*) ;; *) OUT=$REPO/$OUT ;; esac
WORKER=${FERRY_WORKER:-$REPO/bin/ferry-worker}
[ -x "$WORKER" ] || { echo "bench: $WORKER is not built (make)" >&2; exit 1; }
command -v kcat >/dev/null || { echo "bench: kcat is missing (make deps)" >&2; exit 1; }
command -v gnuplot >/dev/null || { echo "bench: gnuplot is missing (make deps)" >&2; exit 1; }
read -r -a JAVA_OPTS <<<"${BENCH_JAVA_OPTS:-}"

W=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench.XXXXXX")
export FERRY_KAFKA_STATE=$W/kafka
wpid=
cleanup() {
        local rc=$?
        [ -n "${wpid:-}" ] && kill -9 "$wpid" 2>/dev/null || true
        hack/kafka.sh stop >/dev/null 2>&1 || true
        if [ "$rc" -eq 0 ] && [ -z "${BENCH_KEEP:-}" ]; then rm -rf "$W"; else echo "bench: work dir kept: $W" >&2; fi
}
trap cleanup EXIT
say() { echo "bench: $*" >&2; }
die() {
        say "error: $*"
        exit 1
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
JARS=
if [ -n "$JAVA_ON" ]; then
        JARS=$(hack/connect-java-jars.sh) || die "could not resolve the Kafka Connect jars (BENCH_SKIP_JAVA=1 to skip Java)"
fi
make -s build/tools/kafka-create-topic >/dev/null || die "could not build build/tools/kafka-create-topic"
B=$(hack/kafka.sh start 2>"$W/kafka-start.log" | tail -1)
[ -n "$B" ] || die "no broker: $(tail -20 "$W/kafka-start.log")"
say "broker $B, $N lines, $RUNS run(s), Java ${JAVA_ON:-off}, work dir $W"
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "%07d %s\n", i, substr("abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789", 1, 20 + i % 50) }' >"$W/in.txt"
BYTES=$(stat -c %s "$W/in.txt")

# ---- helpers
RAW=$W/raw.tsv
: >"$RAW"
rec() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$RAW"; } # metric system run value
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
now() { printf '%s' "$EPOCHREALTIME"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
hw() { kcat -b "$B" -Q -t "$1:0:-1" 2>/dev/null | awk '{print $NF}'; } # high watermark of partition 0
hw_ge() { # TOPIC N
        local h
        h=$(hw "$1") || return 1
        [ -n "$h" ] && [ "$h" -ge "$2" ] 2>/dev/null
}
first_ts_ms() { kcat -b "$B" -C -t "$1" -o beginning -c 1 -e -q -f '%T\n' 2>/dev/null; } # CreateTime of the first record
# create_topic TOPIC: one partition, created before a source starts so that every system writes
# into an existing topic (auto-creation would add a second of metadata waits to the first records).
create_topic() {
        build/tools/kafka-create-topic "$B" "$1" 1 >/dev/null 2>&1 || die "could not create topic $1"
        poll 30 0.05 hw_ge "$1" 0 || die "topic $1 did not appear"
}
size_ge() { [ -f "$1" ] && [ "$(stat -c %s "$1")" -ge "$2" ]; }
http_200() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$1/" 2>/dev/null)" = 200 ]; }

# poll SECONDS INTERVAL CMD...: runs CMD until it succeeds; fails on timeout or when the worker
# under test ($wpid) has died.
poll() {
        local deadline=$((SECONDS + $1)) iv=$2
        shift 2
        until "$@"; do
                if [ -n "$wpid" ] && ! kill -0 "$wpid" 2>/dev/null; then
                        say "the worker died; log tail:"
                        tail -20 "$wlog" >&2
                        return 1
                fi
                [ "$SECONDS" -lt "$deadline" ] || return 1
                sleep "$iv"
        done
}

# worker_props SYSTEM PORT FILE: Kafka's config/connect-standalone.properties, StringConverter.
worker_props() {
        cat >"$3" <<P
bootstrap.servers=$B
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$W/offsets-$1-$RANDOM.dat
offset.flush.interval.ms=10000
listeners=http://127.0.0.1:$2
P
}

# start_worker SYSTEM LOG WORKER.properties [CONNECTOR.properties...]: sets wpid, wlog, t_start.
start_worker() {
        local sys=$1
        wlog=$2
        shift 2
        t_start=$(now)
        if [ "$sys" = ferry ]; then
                "$WORKER" standalone "$@" >"$wlog" 2>&1 &
        else
                java "${JAVA_OPTS[@]}" -Dlog4j.configuration="file:$REPO/hack/conformance/connect-log4j.properties" \
                        -cp "$JARS/*" org.apache.kafka.connect.cli.ConnectStandalone "$@" >"$wlog" 2>&1 &
        fi
        wpid=$!
}
stop_worker() {
        local p=$wpid
        wpid=
        kill -TERM "$p" 2>/dev/null || true
        local deadline=$((SECONDS + 60))
        while kill -0 "$p" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.05; done
        kill -9 "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
}

systems=(ferry)
[ -z "$JAVA_ON" ] || systems+=(java)
TIMEFORMAT='%U %S'

# source_worker SYSTEM RUN LABEL [SMT]: FileStreamSource of in.txt into a fresh topic.
source_worker() {
        local sys=$1 r=$2 label=$3 smt=${4:-} port t src
        port=$(free_port)
        t=bench-src-$label-$r-$RANDOM
        worker_props "$sys" "$port" "$W/w.properties"
        src=$t
        [ -z "$smt" ] || src=$t-raw
        create_topic "$t"
        cat >"$W/src.properties" <<C
name=bench-source
connector.class=org.apache.kafka.connect.file.FileStreamSourceConnector
tasks.max=1
file=$W/in.txt
topic=$src
C
        if [ "$smt" = chain ]; then
                # Three SMTs that leave the line as it was: wrap it in a struct, unwrap it, route.
                cat >>"$W/src.properties" <<'C'
transforms=hoist,extract,route
transforms.hoist.type=org.apache.kafka.connect.transforms.HoistField$Value
transforms.hoist.field=line
transforms.extract.type=org.apache.kafka.connect.transforms.ExtractField$Value
transforms.extract.field=line
transforms.route.type=org.apache.kafka.connect.transforms.RegexRouter
transforms.route.regex=(.*)-raw
transforms.route.replacement=$1
C
        elif [ -n "$smt" ]; then
                cat >>"$W/src.properties" <<'C'
transforms=hdr,meta,route
transforms.hdr.type=org.apache.kafka.connect.transforms.InsertHeader
transforms.hdr.header=origin
transforms.hdr.value.literal=bench
transforms.meta.type=org.apache.kafka.connect.transforms.SetSchemaMetadata$Value
transforms.meta.schema.name=bench.Line
transforms.route.type=org.apache.kafka.connect.transforms.RegexRouter
transforms.route.regex=(.*)-raw
transforms.route.replacement=$1
C
        fi
        start_worker "$sys" "$W/$label-source-$r.log" "$W/w.properties" "$W/src.properties"
        poll 300 0.05 hw_ge "$t" 1 || die "$label source: no record reached $t"
        local c0 c1 t1 ts peak
        c0=$(cpu_s "$wpid")
        # One long-lived client watches the high watermark (a client started per poll would take
        # CPU from the worker being measured); the loop only checks that the worker lives.
        build/tools/kafka-wait-hw "$B" "$t" "$N" 1200 >"$W/done.txt" 2>"$W/wait.err" &
        local waiter=$!
        while kill -0 "$waiter" 2>/dev/null; do
                kill -0 "$wpid" 2>/dev/null || { kill "$waiter"; die "$label source: the worker died: $(tail -5 "$wlog")"; }
                sleep 0.2
        done
        wait "$waiter" || die "$label source: $t did not reach $N records: $(cat "$W/wait.err")"
        t1=$(cat "$W/done.txt")
        c1=$(cpu_s "$wpid")
        peak=$(hwm_kb "$wpid")
        stop_worker
        [ "$(hw "$t")" = "$N" ] || die "$label source: $t holds $(hw "$t") records, not $N"
        ts=$(first_ts_ms "$t")
        rec source_rps "$label" "$r" "$(calc "$N / ($t1 - $ts / 1000)")"
        rec source_from_process_start_s "$label" "$r" "$(calc "$t1 - $t_start")"
        rec source_cpu_per_m "$label" "$r" "$(calc "($c1 - $c0) * 1000000 / $N")"
        rec source_cpu_total_per_m "$label" "$r" "$(calc "$c1 * 1000000 / $N")"
        rec peak_rss_kb "$label" "$r" "$peak"
}

# sink_window FILE PID: the steady-state window of a sink, from the output file reaching 10% of
# the input's size to 90%: sets win_s (seconds), win_cpu (CPU-seconds of PID in it) and c_end (all
# CPU of PID at 90%, i.e. for 0.9 N records). Start-up, group join and the last buffered bytes (written at the next flush,
# or at exit for kcat) stay outside; "process start to the last record" shows them.
sink_window() {
        local t10 c10 t90 c90
        poll 1200 0.01 size_ge "$1" $((BYTES / 10)) || die "sink: $1 did not reach 10%"
        t10=$(now)
        c10=$(cpu_s "$2")
        poll 1200 0.01 size_ge "$1" $((BYTES * 9 / 10)) || die "sink: $1 did not reach 90%"
        t90=$(now)
        c90=$(cpu_s "$2")
        c_end=$c90
        win_s=$(calc "($t90 - $t10) < 0.001 ? 0.001 : ($t90 - $t10)")
        win_cpu=$(calc "$c90 - $c10")
}

# sink_worker SYSTEM RUN: FileStreamSink of the prepared topic into a file, own group.
sink_worker() {
        local sys=$1 r=$2 port out
        port=$(free_port)
        out=$W/sink-$sys-$r.txt
        rm -f "$out"
        worker_props "$sys" "$port" "$W/w.properties"
        printf 'name=bench-sink-%s-%s-%s\nconnector.class=org.apache.kafka.connect.file.FileStreamSinkConnector\ntasks.max=1\nfile=%s\ntopics=%s\n' \
                "$sys" "$r" "$RANDOM" "$out" "$SINK_TOPIC" >"$W/sink.properties"
        start_worker "$sys" "$W/$sys-sink-$r.log" "$W/w.properties" "$W/sink.properties"
        poll 300 0.01 test -s "$out" || die "$sys sink: nothing written to $out"
        sink_window "$out" "$wpid"
        local t1 peak
        poll 1200 0.02 size_ge "$out" "$BYTES" || die "$sys sink: $out did not reach $BYTES bytes"
        t1=$(now)
        peak=$(hwm_kb "$wpid")
        stop_worker
        cmp -s "$W/in.txt" "$out" || die "$sys sink: $out differs from the input"
        rec sink_rps "$sys" "$r" "$(calc "0.8 * $N / $win_s")"
        rec sink_cpu_per_m "$sys" "$r" "$(calc "$win_cpu * 1000000 / (0.8 * $N)")"
        rec sink_cpu_total_per_m "$sys" "$r" "$(calc "$c_end * 1000000 / (0.9 * $N)")"
        rec peak_rss_kb "$sys" "$r" "$peak"
        rec sink_from_process_start_s "$sys" "$r" "$(calc "$t1 - $t_start")"
        rm -f "$out"
}

# quiet: the worker's CPU time grew by less than 20 ms over the last half second.
quiet() {
        local c
        c=$(cpu_s "$wpid")
        if [ -n "${last_cpu:-}" ] && awk -v a="$c" -v b="$last_cpu" 'BEGIN { exit !(a - b < 0.02) }'; then return 0; fi
        last_cpu=$c
        return 1
}

# startup SYSTEM RUN: no connectors; process start -> first 200 from GET /, then idle RSS.
startup() {
        local sys=$1 r=$2 port t1
        port=$(free_port)
        worker_props "$sys" "$port" "$W/w.properties"
        start_worker "$sys" "$W/$sys-idle-$r.log" "$W/w.properties"
        poll 300 0.01 http_200 "$port" || die "$sys: GET / never answered 200"
        t1=$(now)
        rec startup_s "$sys" "$r" "$(calc "$t1 - $t_start")"
        last_cpu=
        poll 30 0.5 quiet || say "$sys: still busy 30 s after start-up; idle RSS taken anyway"
        rec idle_rss_kb "$sys" "$r" "$(rss_kb "$wpid")"
        stop_worker
}

# pipeline_idle SYSTEM: a 1000-line source + sink pipeline; RSS once the output is complete and
# the worker has gone quiet.
pipeline_idle() {
        local sys=$1 port t=bench-idle-$1-$RANDOM
        port=$(free_port)
        worker_props "$sys" "$port" "$W/w.properties"
        rm -f "$W/idle-out.txt"
        printf 'name=idle-src\nconnector.class=org.apache.kafka.connect.file.FileStreamSourceConnector\nfile=%s\ntopic=%s\n' "$W/small.txt" "$t" >"$W/isrc.properties"
        printf 'name=idle-sink-%s\nconnector.class=org.apache.kafka.connect.file.FileStreamSinkConnector\nfile=%s\ntopics=%s\n' "$RANDOM" "$W/idle-out.txt" "$t" >"$W/isink.properties"
        start_worker "$sys" "$W/$sys-pipeline.log" "$W/w.properties" "$W/isrc.properties" "$W/isink.properties"
        poll 300 0.05 size_ge "$W/idle-out.txt" "$(stat -c %s "$W/small.txt")" || die "$sys: the idle pipeline did not complete"
        last_cpu=
        poll 30 0.5 quiet || say "$sys: still busy 30 s after the pipeline completed; RSS taken anyway"
        rec pipeline_rss_kb "$sys" 1 "$(rss_kb "$wpid")"
        stop_worker
}

# ---- the topic every sink consumes, filled once
SINK_TOPIC=bench-sink-input-$RANDOM
kcat -b "$B" -P -t "$SINK_TOPIC" -l "$W/in.txt"
[ "$(hw "$SINK_TOPIC")" = "$N" ] || die "could not fill $SINK_TOPIC"
head -n 1000 "$W/in.txt" >"$W/small.txt"

for r in $(seq 1 "$RUNS"); do
        # source: kcat -P -l exits once every record is acknowledged.
        t=bench-src-kcat-$r-$RANDOM
        create_topic "$t"
        { time kcat -b "$B" -P -t "$t" -l "$W/in.txt" 2>"$W/kcat.err"; } 2>"$W/time.out"
        t1=$(now)
        [ "$(hw "$t")" = "$N" ] || die "kcat source: $t holds $(hw "$t") records"
        ts=$(first_ts_ms "$t")
        rec source_rps kcat "$r" "$(calc "$N / ($t1 - $ts / 1000)")"
        read -r u s <"$W/time.out"
        rec source_cpu_per_m kcat "$r" "$(calc "($u + $s) * 1000000 / $N")"
        rec source_cpu_total_per_m kcat "$r" "$(calc "($u + $s) * 1000000 / $N")"

        for sys in "${systems[@]}"; do source_worker "$sys" "$r" "$sys"; done
        source_worker ferry "$r" ferry_3_smts chain
        source_worker ferry "$r" ferry_3_smts_hdr smt

        # sink: kcat -C -e (it stops at the end of the partition), timed like the workers over the
        # 10%-90% window of the output file; its CPU is its whole CPU time (bash's time).
        rm -f "$W/kcat-out.txt"
        { time kcat -b "$B" -C -t "$SINK_TOPIC" -o beginning -e -q -f '%s\n' >"$W/kcat-out.txt" 2>"$W/kcat.err"; } 2>"$W/time.out" &
        wpid=$!
        wlog=$W/kcat.err
        poll 300 0.01 test -s "$W/kcat-out.txt" || die "kcat sink: nothing written"
        sink_window "$W/kcat-out.txt" "$wpid"
        wait "$wpid" || die "kcat sink failed: $(cat "$W/kcat.err")"
        wpid=
        cmp -s "$W/in.txt" "$W/kcat-out.txt" || die "kcat sink: the output differs from the input"
        rm -f "$W/kcat-out.txt"
        rec sink_rps kcat "$r" "$(calc "0.8 * $N / $win_s")"
        read -r u s <"$W/time.out"
        rec sink_cpu_per_m kcat "$r" "$(calc "($u + $s) * 1000000 / $N")"
        rec sink_cpu_total_per_m kcat "$r" "$(calc "($u + $s) * 1000000 / $N")"
        for sys in "${systems[@]}"; do sink_worker "$sys" "$r"; done

        for sys in "${systems[@]}"; do startup "$sys" "$r"; done
        say "run $r/$RUNS: $(awk -F'\t' -v r="$r" '$3 == r && ($1 ~ /_rps$/ || $1 == "startup_s") { printf "%s %s %.4g; ", $1, $2, $4 }' "$RAW")"
done
for sys in "${systems[@]}"; do pipeline_idle "$sys"; done

# ---- failover, on the same broker
if [ -z "${BENCH_SKIP_FAILOVER:-}" ]; then
        say "failover (hack/bench/failover.sh)"
        fo_env=(BENCH_BOOTSTRAP="$B" BENCH_FAILOVER_JSON="$W/failover.json" FERRY_WORKER="$WORKER"
                BENCH_FAILOVER_KILLS="${BENCH_FAILOVER_KILLS:-5}")
        [ -n "$JAVA_ON" ] || fo_env+=(BENCH_SKIP_JAVA=1)
        env "${fo_env[@]}" hack/bench/failover.sh >"$W/failover.md" || say "failover.sh failed; the figure is left out"
fi

# ---- AvroConverter against JsonConverter, on the same broker
if [ -z "${BENCH_SKIP_AVRO:-}" ]; then
        say "AvroConverter vs JsonConverter (hack/bench/avro.sh)"
        BENCH_BOOTSTRAP="$B" BENCH_AVRO_JSON="$W/avro.json" BENCH_RUNS="$RUNS" \
                BENCH_LINES="${BENCH_AVRO_LINES:-200000}" FERRY_WORKER="$WORKER" \
                hack/bench/avro.sh >"$W/avro.md" 2>"$W/avro.log" ||
                say "avro.sh failed; the figure is left out: $(tail -3 "$W/avro.log")"
fi

# ---- MQTT source against mosquitto_sub | kcat -P, on the same broker
if [ -z "${BENCH_SKIP_MQTT:-}" ]; then
        say "MQTT source vs mosquitto_sub | kcat -P (hack/bench/mqtt.sh)"
        FERRY_KAFKA_BOOTSTRAP="$B" BENCH_MQTT_N="${BENCH_MQTT_N:-1000000}" FERRY_WORKER="$WORKER" \
                hack/bench/mqtt.sh >"$W/mqtt.md" 2>"$W/mqtt.log" ||
                say "mqtt.sh failed; the figure is left out: $(tail -3 "$W/mqtt.log")"
fi

# ---- S3 sink against one curl PUT, on the same broker
if [ -z "${BENCH_SKIP_S3:-}" ]; then
        say "S3 sink vs one multipart upload (hack/bench/s3.sh)"
        FERRY_KAFKA_BOOTSTRAP="$B" BENCH_S3_N="$N" FERRY_WORKER="$WORKER" hack/bench/s3.sh >"$W/s3.md" 2>"$W/s3.log" ||
                say "s3.sh failed; the figure is left out: $(tail -3 "$W/s3.log")"
fi

# ---- JDBC source and sink on PostgreSQL, on the same broker
if [ -z "${BENCH_SKIP_JDBC:-}" ]; then
        say "JDBC on PostgreSQL (hack/bench/jdbc.sh)"
        BENCH_BOOTSTRAP="$B" BENCH_JDBC_JSON="$W/jdbc.json" FERRY_WORKER="$WORKER" \
                hack/bench/jdbc.sh >"$W/jdbc.md" 2>"$W/jdbc.log" ||
                say "jdbc.sh failed; the figures are left out: $(tail -3 "$W/jdbc.log")"
fi

# ---- Elasticsearch sink against curl _bulk into OpenSearch (its own OpenSearch, this broker)
if [ -z "${BENCH_SKIP_ES:-}" ] && [ -z "$SHORT" ]; then
        say "Elasticsearch sink vs curl _bulk (hack/bench/elasticsearch.sh)"
        mkdir -p "$OUT"
        if FERRY_KAFKA_BOOTSTRAP="$B" BENCH_ES_N="${BENCH_ES_N:-$N}" FERRY_WORKER="$WORKER" \
                hack/bench/elasticsearch.sh >"$OUT/elasticsearch.md" 2>"$W/es.log"; then
                say "wrote $OUT/elasticsearch.md: $(tr '\n' ' ' <"$OUT/elasticsearch.md")"
        else
                say "elasticsearch.sh failed; the figure is left out: $(tail -3 "$W/es.log")"
        fi
fi

# ---- HDFS sink against curl through WebHDFS, on the same broker
if [ -z "${BENCH_SKIP_HDFS:-}" ]; then
        say "HDFS sink vs curl through WebHDFS (hack/bench/hdfs.sh)"
        FERRY_KAFKA_BOOTSTRAP="$B" BENCH_HDFS_N="${BENCH_HDFS_N:-$N}" FERRY_WORKER="$WORKER" \
                hack/bench/hdfs.sh >"$W/hdfs.md" 2>"$W/hdfs.log" ||
                say "hdfs.sh failed; the figure is left out: $(tail -3 "$W/hdfs.log")"
fi

# ---- Cassandra sink against the Python driver's execute_concurrent, on the same broker
if [ -z "${BENCH_SKIP_CASSANDRA:-}" ]; then
        say "Cassandra sink vs cassandra-driver execute_concurrent (hack/bench/cassandra.sh)"
        FERRY_KAFKA_BOOTSTRAP="$B" BENCH_CASS_N="${BENCH_CASS_N:-$N}" FERRY_WORKER="$WORKER" \
                hack/bench/cassandra.sh >"$W/cassandra.md" 2>"$W/cassandra.log" ||
                say "cassandra.sh failed; the figure is left out: $(tail -3 "$W/cassandra.log")"
fi

# ---- exactly-once FileStreamSource beside the same run without it, on the same broker
if [ -z "${BENCH_SKIP_EOS:-}" ] && [ -z "$SHORT" ]; then
        say "exactly-once source vs without (hack/bench/exactly_once.sh)"
        BENCH_BOOTSTRAP="$B" BENCH_EOS_LINES="$N" BENCH_EOS_RUNS="$RUNS" FERRY_WORKER="$WORKER" \
                hack/bench/exactly_once.sh >"$W/eos.md" 2>"$W/eos.log" ||
                say "exactly_once.sh failed; the figure is left out: $(tail -3 "$W/eos.log")"
fi

# ---- report
mkdir -p "$OUT"
python3 hack/bench/report.py --raw "$RAW" --failover "$W/failover.json" --avro "$W/avro.json" --lines "$N" --bytes "$BYTES" \
        --runs "$RUNS" --short "${SHORT:-0}" --load-before "$LOAD_BEFORE" --load-after "$(cut -d' ' -f1-3 /proc/loadavg)" \
        --json "$OUT/latest.json" --png "$OUT/latest.png" --gnuplot-script "$W/chart.gp"
if [ -s "$W/jdbc.md" ]; then
        echo
        cat "$W/jdbc.md"
        cp "$W/jdbc.json" "$OUT/jdbc.json" 2>/dev/null || true
fi
say "wrote $OUT/latest.json and $OUT/latest.png"
if [ -s "$W/mqtt.md" ]; then
        echo
        echo "MQTT source (hack/bench/mqtt.sh), each figure beside the mosquitto_sub | kcat -P reference:"
        echo
        cat "$W/mqtt.md"
        cp "$W/mqtt.md" "$OUT/mqtt-latest.md"
fi
[ ! -s "$W/s3.md" ] || cat "$W/s3.md"
if [ -s "$W/eos.md" ]; then
        echo
        echo "Exactly-once FileStreamSource (hack/bench/exactly_once.sh), beside the same run without it:"
        echo
        cat "$W/eos.md"
        cp "$W/eos.md" "$OUT/exactly-once-latest.md"
fi
for f in hdfs cassandra; do
        if [ -s "$W/$f.md" ]; then
                echo
                cat "$W/$f.md"
                cp "$W/$f.md" "$OUT/$f-latest.md"
        fi
done
