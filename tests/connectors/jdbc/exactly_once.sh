#!/usr/bin/env bash
# JDBC source with exactly-once (exactly.once.source.support=enabled, a distributed worker,
# exactly.once.support=required): 1000000 rows of a PostgreSQL table in incrementing mode, 500 rows
# per transaction. The worker is killed with kill -9 mid-stream and a second one takes over from
# the offsets committed in the transactions: a read_committed consumer sees every id once, in
# order. Bulk mode, which has no offsets to resume from, is refused with required.
# services: kafka postgres
source "$(dirname "$0")/../lib.sh"
use_kafka
use_service postgres
PSQL=(psql -X -q -t -A -v ON_ERROR_STOP=1 "$POSTGRES_URL")
JURL="jdbc:postgresql://$POSTGRES_HOST:$POSTGRES_PORT/$POSTGRES_DB"
SUF=$RANDOM$RANDOM
G=jdbc-eos-$SUF
T=eos_$SUF
TOPIC=jdbc-eos-$SUF-$T
N=1000000

"${PSQL[@]}" -c "CREATE TABLE $T (id bigserial PRIMARY KEY, v text NOT NULL);
        INSERT INTO $T (v) SELECT 'row-' || g FROM generate_series(1, $N) g" || fail "creating $T"

start_dw() { # name
        cat >"$WORK/$1.properties" <<P
bootstrap.servers=$KAFKA
group.id=$G
config.storage.topic=$G-configs
offset.storage.topic=$G-offsets
status.storage.topic=$G-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
listeners=http://127.0.0.1:0
plugin.path=$REPO/build/plugins
exactly.once.source.support=enabled
session.timeout.ms=6000
heartbeat.interval.ms=1000
P
        start_worker "$1" distributed "$WORK/$1.properties"
        wait_for 60 "worker $1 joined its group" grep -q "Joined group" "$WORK/$1.log"
        REST=http://$(grep -o 'REST worker id .*' "$WORK/$1.log" | tail -1 | awk '{print $4}')
}
committed() { kcat -b "$KAFKA" -C -t "$TOPIC" -o beginning -e -q -X isolation.level=read_committed -f 'x\n' 2>/dev/null | wc -l || true; }
at_least() { [ "$(committed)" -ge "$1" ]; }
cfg() { # mode
        printf '%s' "{\"connector.class\":\"io.confluent.connect.jdbc.JdbcSourceConnector\",\"connection.url\":\"$JURL\",
  \"connection.user\":\"$POSTGRES_USER\",\"connection.password\":\"$POSTGRES_PASSWORD\",\"mode\":\"$1\",
  \"incrementing.column.name\":\"id\",\"table.whitelist\":\"$T\",\"topic.prefix\":\"jdbc-eos-$SUF-\",
  \"batch.max.rows\":\"500\",\"poll.interval.ms\":\"100\",\"exactly.once.support\":\"required\"}"
}

start_dw w1
# required with bulk mode: refused, as Connect refuses a connector that does not declare support.
code=$(curl -s -o "$WORK/bulk.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' "$REST/connectors" \
        -d "{\"name\":\"bulk-$SUF\",\"config\":$(cfg bulk)}")
[ "$code" = 400 ] && grep -q "does not support exactly-once semantics" "$WORK/bulk.json" ||
        fail "bulk mode with exactly.once.support=required answered $code: $(cat "$WORK/bulk.json")"

# The topic's last offset (one cheap fetch) says when the stream is under way.
last_offset() { kcat -b "$KAFKA" -C -t "$TOPIC" -o -1 -c 1 -e -q -f '%o\n' 2>/dev/null || true; }
under_way() { o=$(last_offset); [ -n "$o" ] && [ "$o" -ge 50000 ]; }
create_connector "eos-$SUF" "$(cfg incrementing)"
wait_for 120 "50000 records in the topic" under_way
kill -9 "$(cat "$WORK/w1.pid")"
c1=$(committed)
[ "$c1" -lt "$N" ] || fail "all $N rows were committed before the kill: nothing was tested"
info "[t=${SECONDS}s] worker killed with kill -9 after $c1 committed rows"
start_dw w2
wait_for 300 "all $N rows committed after the takeover" at_least "$N"
kcat -b "$KAFKA" -C -t "$TOPIC" -o beginning -e -q -X isolation.level=read_committed -f '%s\n' |
        python3 -c '
import json, sys
ids = [json.loads(l)["id"] for l in sys.stdin]
n = int(sys.argv[1])
assert ids == list(range(1, n + 1)), "read_committed ids: %d records, first gap or repeat near %s" % (
    len(ids), next((i for i, (a, b) in enumerate(zip(ids, range(1, n + 1))) if a != b), len(ids)))
' "$N" || fail "read_committed does not see each id once, in order"
total=$(kcat -b "$KAFKA" -C -t "$TOPIC" -o beginning -e -q -f 'x\n' | wc -l)
info "after kill -9 and a takeover: $N ids once each, in order, under read_committed ($total records in the log, aborted ones included)"
