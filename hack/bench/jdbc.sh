#!/usr/bin/env bash
# JDBC benchmark on a real PostgreSQL (hack/services.sh) and a real broker: BENCH_JDBC_ROWS rows of
# a 6-column table (bigint key, text, numeric(12,2), int, timestamp, boolean).
#   - source: Ferry's JdbcSourceConnector (incrementing mode; AvroConverter with the schema
#     registry of hack/services.sh, as JDBC pipelines usually run, or JsonConverter with schemas)
#     into a topic, beside the database's own export piped into Kafka: `psql -c "COPY ... TO STDOUT" |
#     kcat -P`. Rows/s from the first record in the topic to the last (build/tools/kafka-wait-hw),
#     and the worker's peak RSS (the result is read through a cursor in chunks, so it stays flat
#     however many rows match);
#   - sink: Ferry's JdbcSinkConnector (insert mode, auto.create) reading that topic into a new
#     table, beside `psql \copy` of the same rows from a file (the database's own load limit).
#     Both load into a table like the source's (with its primary key). Rows/s from the first row in
#     the table to the last (max(id), an index lookup, asked every 50 ms by one psql session with
#     \watch; rows arrive in id order).
# Targets (issue 13): sink >= 0.5x \copy, source >= 0.8x COPY | kcat. Prints a markdown table on
# stdout (progress on stderr).
#
# Environment:
#   BENCH_JDBC_ROWS (1000000)  BENCH_JDBC_BATCH (10000: batch.max.rows of the source)
#   BENCH_JDBC_CONVERTER (avro | json: JsonConverter with schemas, no schema registry needed)
#   BENCH_JDBC_MAX_POLL  the sink's consumer.override.max.poll.records (records per put(), so per
#                        transaction; unset: the worker's 1000)
#   BENCH_BOOTSTRAP  use this broker instead of starting one (hack/bench/run.sh passes its own)
#   BENCH_JDBC_JSON  also write the figures there as JSON
#   FERRY_WORKER     worker binary (default bin/ferry-worker)
#   BENCH_KEEP=1     keep the work directory (worker logs)
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
N=${BENCH_JDBC_ROWS:-1000000}
BATCH=${BENCH_JDBC_BATCH:-10000}
CONV=${BENCH_JDBC_CONVERTER:-avro}
WORKER=${FERRY_WORKER:-$REPO/bin/ferry-worker}
W=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-jdbc.XXXXXX")
export FERRY_SERVICES_STATE=$W/services
PIDS=()
cleanup() {
        for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
        hack/services.sh stop postgres >/dev/null 2>&1 || true
        hack/services.sh stop schema-registry >/dev/null 2>&1 || true
        [ -n "${BENCH_BOOTSTRAP:-}" ] || FERRY_KAFKA_STATE=$W/kafka hack/kafka.sh stop >/dev/null 2>&1 || true
        if [ -n "${BENCH_KEEP:-}" ]; then say "work dir kept: $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
say() { echo "[bench-jdbc] $*" >&2; }
die() {
        say "error: $*"
        exit 1
}
now() { date +%s.%N; }
calc() { python3 -c "print(round($1, 3))"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_s() { awk -v t="$(getconf CLK_TCK)" '{print ($14 + $15) / t}' "/proc/$1/stat"; }
# CPU-s of the PostgreSQL server so far: the postmaster (found by its port) with its ended
# children, and the live ones. With the worker's CPU-s this is what a phase costs, whatever else
# the machine runs meanwhile.
pg_cpu() {
        python3 - "$SERVICE_PORT" <<'PY'
import os, sys
port = "port=" + sys.argv[1]
def stat(p):
    return open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
procs = {}
for p in filter(str.isdigit, os.listdir("/proc")):
    try:
        comm = open(f"/proc/{p}/comm").read().strip()
        cmd = open(f"/proc/{p}/cmdline").read().split("\0")
        procs[p] = (comm, cmd, stat(p))
    except OSError:
        continue
pm = [p for p, (comm, cmd, st) in procs.items()
      if comm == "postgres" and port in cmd and procs.get(st[1], ("",))[0] != "postgres"][0]
ticks = sum(int(x) for x in procs[pm][2][11:15])
ticks += sum(int(st[11]) + int(st[12]) for comm, cmd, st in procs.values() if st[1] == pm)
print(ticks / os.sysconf("SC_CLK_TCK"))
PY
}
[ -x "$WORKER" ] || die "$WORKER is not built (make)"
[ -f build/plugins/jdbc/jdbc.so ] || make -s plugins
[ -x build/tools/kafka-wait-hw ] || make -s build/tools/kafka-wait-hw

if [ -n "${BENCH_BOOTSTRAP:-}" ]; then
        B=$BENCH_BOOTSTRAP
else
        B=$(FERRY_KAFKA_STATE=$W/kafka hack/kafka.sh start | tail -1)
fi
hack/services.sh start postgres >/dev/null || die "could not start PostgreSQL"
VALUE_CONV=("value.converter=org.apache.kafka.connect.json.JsonConverter" "value.converter.schemas.enable=true")
if [ "$CONV" = avro ]; then
        if SR=$(hack/services.sh start schema-registry 2>"$W/sr.log" | tail -1) && [ -n "$SR" ]; then
                VALUE_CONV=("value.converter=io.confluent.connect.avro.AvroConverter" "value.converter.schema.registry.url=$SR")
        else
                say "the schema registry did not start ($(tail -1 "$W/sr.log")); JsonConverter with schemas instead"
                CONV=json
        fi
fi
eval "$(hack/services.sh env postgres)"
PG=$SERVICE_URL
PSQL=(psql -X -q -t -A -v ON_ERROR_STOP=1 "$PG")
JURL="jdbc:postgresql://$SERVICE_HOST:$SERVICE_PORT/$SERVICE_DB"

say "filling bench_src with $N rows"
"${PSQL[@]}" <<SQL
CREATE TABLE bench_src (id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,2), qty int,
  created timestamp NOT NULL, flag boolean);
INSERT INTO bench_src SELECT g, 'name-' || g, (g % 100000) / 100.0, g % 1000,
  timestamp '2024-01-01' + g * interval '1 second', g % 2 = 0 FROM generate_series(1, $N) g;
CREATE TABLE bench_copy (LIKE bench_src INCLUDING ALL);
CREATE TABLE bench_sink (LIKE bench_src INCLUDING ALL);
ANALYZE bench_src;
SQL
"${PSQL[@]}" -c "COPY bench_src TO STDOUT" >"$W/rows.tsv"

# ---- baselines
say "baseline sink: psql \\copy"
p0=$(pg_cpu)
t0=$(now)
"${PSQL[@]}" -c "\\copy bench_copy FROM '$W/rows.tsv'"
t1=$(now)
say "\\copy: $(calc "$t1 - $t0") s wall, $(calc "$(pg_cpu) - $p0") CPU-s in PostgreSQL"
[ "$("${PSQL[@]}" -c 'SELECT count(*) FROM bench_copy')" = "$N" ] || die "\\copy did not load $N rows"
COPY_IN=$(calc "$N / ($t1 - $t0)")

say "baseline source: psql COPY TO STDOUT | kcat -P"
T=bench-jdbc-kcat-$RANDOM
t0=$(now)
"${PSQL[@]}" -c "COPY bench_src TO STDOUT" | kcat -b "$B" -P -t "$T"
build/tools/kafka-wait-hw "$B" "$T" "$N" 600 >/dev/null || die "kcat: $T did not reach $N records"
t1=$(now)
COPY_OUT=$(calc "$N / ($t1 - $t0)")

worker_props() { # FILE
        cat >"$1" <<P
bootstrap.servers=$B
key.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$W/offsets-$RANDOM
offset.flush.interval.ms=10000
listeners=http://127.0.0.1:$(free_port)
plugin.path=$REPO/build/plugins
P
        printf '%s\n' "${VALUE_CONV[@]}" >>"$1"
}
hwm_mb() { awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$1/status"; }

# ---- Ferry source
say "Ferry JdbcSourceConnector (batch.max.rows=$BATCH)"
ST=bench-jdbc-src-$RANDOM
worker_props "$W/w-src.properties"
cat >"$W/src.properties" <<C
name=bench-jdbc-src
connector.class=io.confluent.connect.jdbc.JdbcSourceConnector
connection.url=$JURL
connection.user=$SERVICE_USER
connection.password=$SERVICE_PASSWORD
mode=incrementing
incrementing.column.name=id
table.whitelist=bench_src
topic.prefix=$ST-
batch.max.rows=$BATCH
poll.interval.ms=1000
C
"$WORKER" standalone "$W/w-src.properties" "$W/src.properties" >"$W/src.out" 2>"$W/src.log" &
wpid=$!
PIDS+=("$wpid")
ts=$(build/tools/kafka-wait-hw "$B" "$ST-bench_src" 1 300) || die "source: no record ($(tail -3 "$W/src.log"))"
c0=$(cpu_s "$wpid")
p0=$(pg_cpu)
te=$(build/tools/kafka-wait-hw "$B" "$ST-bench_src" "$N" 1200) || die "source: fewer than $N records"
c1=$(cpu_s "$wpid")
p1=$(pg_cpu)
SRC=$(calc "$N / ($te - $ts)")
SRC_CPU=$(calc "$c1 - $c0")
SRC_PGCPU=$(calc "$p1 - $p0")
say "source: $(calc "$te - $ts") s wall, $SRC_CPU CPU-s in the worker, $SRC_PGCPU CPU-s in PostgreSQL"
SRC_RSS=$(hwm_mb "$wpid")
kill "$wpid"
wait "$wpid" 2>/dev/null || true

# ---- Ferry sink (reads the topic the source wrote)
say "Ferry JdbcSinkConnector (insert mode)"
worker_props "$W/w-sink.properties"
cat >"$W/sink.properties" <<C
name=bench-jdbc-sink-$RANDOM
connector.class=io.confluent.connect.jdbc.JdbcSinkConnector
connection.url=$JURL
connection.user=$SERVICE_USER
connection.password=$SERVICE_PASSWORD
topics=$ST-bench_src
table.name.format=bench_sink
auto.create=true
insert.mode=insert
C
[ -z "${BENCH_JDBC_MAX_POLL:-}" ] || echo "consumer.override.max.poll.records=$BENCH_JDBC_MAX_POLL" >>"$W/sink.properties"
"$WORKER" standalone "$W/w-sink.properties" "$W/sink.properties" >"$W/sink.out" 2>"$W/sink.log" &
wpid=$!
PIDS+=("$wpid")
count() { "${PSQL[@]}" -c "SELECT coalesce(max(id), 0) FROM bench_sink" 2>/dev/null || echo 0; }
deadline=$((SECONDS + 300))
until [ "$(count)" -gt 0 ]; do
        [ "$SECONDS" -lt "$deadline" ] || die "sink: no row ($(tail -3 "$W/sink.log"))"
        kill -0 "$wpid" || die "sink: the worker died ($(tail -3 "$W/sink.log"))"
        sleep 0.05
done
# From here one psql session asks every 50 ms (\watch): a psql started per poll costs a
# connection, an authentication and a server process each time, CPU taken from the two measured.
printf 'SELECT coalesce(max(id), 0) FROM bench_sink \\watch 0.05\n' | "${PSQL[@]}" >"$W/watch.txt" 2>&1 &
watcher=$!
PIDS+=("$watcher")
count() {
        local v
        v=$(tail -n 3 "$W/watch.txt" | grep -E '^[0-9]+$' | tail -n 1)
        echo "${v:-0}"
}
ts=$(now)
c0=$(cpu_s "$wpid")
p0=$(pg_cpu)
deadline=$((SECONDS + 1200))
until [ "$(count)" -ge "$N" ]; do
        kill -0 "$watcher" || die "sink: the psql watching the table stopped ($(tail -3 "$W/watch.txt"))"
        [ "$SECONDS" -lt "$deadline" ] || die "sink: fewer than $N rows"
        kill -0 "$wpid" || die "sink: the worker died ($(tail -3 "$W/sink.log"))"
        sleep 0.05
done
te=$(now)
c1=$(cpu_s "$wpid")
p1=$(pg_cpu)
kill "$watcher" 2>/dev/null || true
SINK=$(calc "$N / ($te - $ts)")
SINK_CPU=$(calc "$c1 - $c0")
SINK_PGCPU=$(calc "$p1 - $p0")
say "sink: $(calc "$te - $ts") s wall, $SINK_CPU CPU-s in the worker, $SINK_PGCPU CPU-s in PostgreSQL"
SINK_RSS=$(hwm_mb "$wpid")
kill "$wpid"
wait "$wpid" 2>/dev/null || true
same=$("${PSQL[@]}" -c "SELECT count(*) FROM (SELECT * FROM bench_src EXCEPT SELECT * FROM bench_sink) d")
[ "$same" = 0 ] || die "sink: $same rows differ from bench_src"
[ "$("${PSQL[@]}" -c "SELECT count(*) FROM bench_sink")" = "$N" ] || die "sink: bench_sink does not hold $N rows"

r_src=$(calc "$SRC / $COPY_OUT")
r_sink=$(calc "$SINK / $COPY_IN")
say "source $SRC rows/s (COPY | kcat $COPY_OUT, ratio $r_src); sink $SINK rows/s (\\copy $COPY_IN, ratio $r_sink)"
echo "| PostgreSQL, $N rows x 6 columns, $CONV | Ferry rows/s | baseline rows/s | Ferry/baseline | target | Ferry peak RSS | CPU-s worker / PostgreSQL |"
echo "|---|---|---|---|---|---|---|"
echo "| source (JdbcSourceConnector vs COPY TO STDOUT \\| kcat -P) | $SRC | $COPY_OUT | $r_src | >= 0.8 | $SRC_RSS MB | $SRC_CPU / $SRC_PGCPU |"
echo "| sink (JdbcSinkConnector insert vs psql \\copy) | $SINK | $COPY_IN | $r_sink | >= 0.5 | $SINK_RSS MB | $SINK_CPU / $SINK_PGCPU |"
if [ -n "${BENCH_JDBC_JSON:-}" ]; then
        printf '{"rows": %s, "source_rows_per_s": %s, "copy_to_kcat_rows_per_s": %s, "sink_rows_per_s": %s, "psql_copy_rows_per_s": %s, "source_peak_rss_mb": %s, "sink_peak_rss_mb": %s, "source_cpu_s": %s, "source_pg_cpu_s": %s, "sink_cpu_s": %s, "sink_pg_cpu_s": %s}\n' \
                "$N" "$SRC" "$COPY_OUT" "$SINK" "$COPY_IN" "$SRC_RSS" "$SINK_RSS" "$SRC_CPU" "$SRC_PGCPU" "$SINK_CPU" "$SINK_PGCPU" >"$BENCH_JDBC_JSON"
fi
