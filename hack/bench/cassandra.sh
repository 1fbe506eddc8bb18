#!/usr/bin/env bash
# Cassandra sink benchmark: rows/s into one Cassandra node, Ferry's DataStax sink
# (com.datastax.oss.kafka.sink.CassandraSinkConnector, defaults: 500 requests in flight, batches of
# 32 rows per partition) beside the same inserts issued by the Python cassandra-driver with
# execute_concurrent (a prepared INSERT, concurrency 100, the reference client of the issue).
# BENCH_CASS_N records with distinct text keys and a small JSON value are produced to a topic
# first; Ferry's time runs from its partition assignment to the last record's row (the count is checked after) (so consumer-group start-up
# is not counted); the driver's time covers its whole execute_concurrent call. Starts its own Kafka
# and Cassandra (hack/kafka.sh, hack/services.sh) unless FERRY_KAFKA_BOOTSTRAP /
# FERRY_SERVICES_STATE point at running ones. Prints a markdown table on stdout.
#
# Environment: BENCH_CASS_N (1000000)  FERRY_WORKER (bin/ferry-worker)
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
N=${BENCH_CASS_N:-1000000}
WORKER=${FERRY_WORKER:-$REPO/bin/ferry-worker}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-cass.XXXXXX")
declare -a CLEANUP=()
cleanup() {
        for ((i = ${#CLEANUP[@]} - 1; i >= 0; i--)); do eval "${CLEANUP[$i]}" >/dev/null 2>&1 || true; done
        rm -rf "$WORK"
}
trap cleanup EXIT
log() { echo "[bench-cassandra] $*" >&2; }
now() { date +%s.%N; }
[ -f build/plugins/cassandra/cassandra.so ] || make -s plugins
PY=$(hack/pyenv.sh | tail -1)
if [ -z "${FERRY_KAFKA_BOOTSTRAP:-}" ]; then
        export FERRY_KAFKA_STATE=$WORK/kafka
        CLEANUP+=("FERRY_KAFKA_STATE=$WORK/kafka hack/kafka.sh stop")
        FERRY_KAFKA_BOOTSTRAP=$(hack/kafka.sh start | tail -1)
fi
if ! hack/services.sh status cassandra >/dev/null 2>&1; then
        export FERRY_SERVICES_STATE=$WORK/services
        CLEANUP+=("FERRY_SERVICES_STATE=$WORK/services hack/services.sh stop cassandra")
        hack/services.sh start cassandra >/dev/null
fi
eval "$(hack/services.sh env cassandra)"
K=$FERRY_KAFKA_BOOTSTRAP
ks=bench_$RANDOM
topic=cass_bench_$RANDOM

"$PY" - "$SERVICE_HOST" "$SERVICE_PORT" "$ks" <<'PY'
import sys
from cassandra.cluster import Cluster
from cassandra.auth import PlainTextAuthProvider
c = Cluster([sys.argv[1]], port=int(sys.argv[2]), auth_provider=PlainTextAuthProvider("cassandra", "cassandra"))
s = c.connect()
s.default_timeout = 60
ks = sys.argv[3]
s.execute("CREATE KEYSPACE %s WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}" % ks)
s.execute("CREATE TABLE %s.ferry (id text PRIMARY KEY, name text, n int)" % ks)
s.execute("CREATE TABLE %s.driver (id text PRIMARY KEY, name text, n int)" % ks)
c.shutdown()
PY
CLEANUP+=("'$PY' -c \"from cassandra.cluster import Cluster; from cassandra.auth import PlainTextAuthProvider as P; s=Cluster(['$SERVICE_HOST'], port=$SERVICE_PORT, auth_provider=P('cassandra','cassandra')).connect(); s.default_timeout=60; s.execute('DROP KEYSPACE $ks')\"")
log "producing $N records to $topic"
python3 -c '
import sys
for i in range(int(sys.argv[1])):
    sys.stdout.write("key-%d|{\"name\":\"name-%d\",\"n\":%d}\n" % (i, i, i))
' "$N" | kcat -b "$K" -P -t "$topic" -K '|' -X linger.ms=50 -X batch.num.messages=10000

# wait_last TABLE READY: one driver session (a driver started per poll costs about half a second
# of CPU, taken from the measured worker and Cassandra) connects, creates the file READY, then asks
# every 50 ms whether the row of the last record is there, and prints the wall time it saw it;
# rows TABLE: a paged full count.
wait_last() {
        "$PY" - "$SERVICE_HOST" "$SERVICE_PORT" "$ks.$1" "key-$((N - 1))" "$2" <<'PY'
import sys, time
from cassandra.cluster import Cluster
from cassandra.auth import PlainTextAuthProvider
c = Cluster([sys.argv[1]], port=int(sys.argv[2]), auth_provider=PlainTextAuthProvider("cassandra", "cassandra"))
s = c.connect()
q = s.prepare("SELECT id FROM %s WHERE id = ?" % sys.argv[3])
open(sys.argv[5], "w").close()
deadline = time.time() + 1800
while not s.execute(q, (sys.argv[4],)).one():
    if time.time() > deadline:
        sys.exit("the last row did not arrive")
    time.sleep(0.05)
print("%.3f" % time.time())
c.shutdown()
PY
}
rows() {
        "$PY" - "$SERVICE_HOST" "$SERVICE_PORT" "$ks.$1" <<'PY'
import sys
from cassandra.cluster import Cluster
from cassandra.auth import PlainTextAuthProvider
from cassandra.query import SimpleStatement
c = Cluster([sys.argv[1]], port=int(sys.argv[2]), auth_provider=PlainTextAuthProvider("cassandra", "cassandra"))
s = c.connect()
s.default_timeout = 120
print(sum(1 for _ in s.execute(SimpleStatement("SELECT id FROM %s" % sys.argv[3], fetch_size=5000))))
PY
}

# Ferry
RP=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# The watcher connects first, so its start-up is not in the measured time.
wait_last ferry "$WORK/watch.ready" >"$WORK/last.txt" &
watcher=$!
CLEANUP+=("kill $watcher")
until [ -e "$WORK/watch.ready" ]; do kill -0 "$watcher" || { log "the watcher died"; exit 1; }; sleep 0.1; done
cat >"$WORK/w.properties" <<P
bootstrap.servers=$K
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$WORK/offsets
listeners=http://127.0.0.1:$RP
plugin.path=$REPO/build/plugins
P
"$WORKER" standalone "$WORK/w.properties" >"$WORK/worker.out" 2>"$WORK/worker.log" &
wpid=$!
CLEANUP+=("kill -9 $wpid")
until curl -sf "http://127.0.0.1:$RP/connectors" >/dev/null; do sleep 0.2; done
curl -sf -X POST -H 'Content-Type: application/json' "http://127.0.0.1:$RP/connectors" -d "{\"name\":\"bench\",\"config\":{\"connector.class\":\"com.datastax.oss.kafka.sink.CassandraSinkConnector\",\"topics\":\"$topic\",\"contactPoints\":\"$SERVICE_HOST\",\"port\":\"$SERVICE_PORT\",\"loadBalancing.localDc\":\"datacenter1\",\"auth.provider\":\"PLAIN\",\"auth.username\":\"cassandra\",\"auth.password\":\"cassandra\",\"topic.$topic.$ks.ferry.mapping\":\"id=key, name=value.name, n=value.n\",\"consumer.override.max.poll.records\":\"5000\"}}" >/dev/null
log "Ferry: waiting for the first row"
until grep -q 'Assigned 1 partition' "$WORK/worker.log"; do sleep 0.05; done
t0=$(now)
wait "$watcher" || { log "the watcher failed"; exit 1; }
t1=$(cat "$WORK/last.txt")
ferry_s=$(python3 -c "print(round($t1 - $t0, 2))")
rss=$(awk '/VmHWM/ {print $2}' "/proc/$wpid/status")
kill "$wpid"
got=$(rows ferry)
[ "$got" = "$N" ] || { log "Ferry wrote $got rows, expected $N"; exit 1; }
log "Ferry: $N rows in ${ferry_s}s"

# Python cassandra-driver, execute_concurrent
driver_s=$("$PY" - "$SERVICE_HOST" "$SERVICE_PORT" "$ks" "$N" <<'PY'
import sys, time
from cassandra.cluster import Cluster
from cassandra.auth import PlainTextAuthProvider
from cassandra.concurrent import execute_concurrent_with_args
c = Cluster([sys.argv[1]], port=int(sys.argv[2]), auth_provider=PlainTextAuthProvider("cassandra", "cassandra"))
s = c.connect()
n = int(sys.argv[4])
ps = s.prepare("INSERT INTO %s.driver (id, name, n) VALUES (?, ?, ?)" % sys.argv[3])
args = [("key-%d" % i, "name-%d" % i, i) for i in range(n)]
t0 = time.time()
for r in execute_concurrent_with_args(s, ps, args, concurrency=100, raise_on_first_error=True):
    pass
print(round(time.time() - t0, 2))
c.shutdown()
PY
)
log "driver: $N rows in ${driver_s}s"
python3 - "$N" "$ferry_s" "$driver_s" "$rss" <<'PY'
import sys
n, f, d, rss = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
print("| rows into Cassandra (%d records) | rows/s | seconds |" % n)
print("|---|---|---|")
print("| Ferry DataStax sink (Kafka -> Cassandra) | %d | %.1f |" % (n / f, f))
print("| Python cassandra-driver execute_concurrent (100) | %d | %.1f |" % (n / d, d))
print("| ratio Ferry / driver | %.2fx | |" % ((n / f) / (n / d)))
print("| Ferry worker peak RSS | %d MiB | |" % (rss // 1024))
PY
