#!/usr/bin/env bash
# DataStax sink while the node is killed and restarted: 120000 records with distinct keys are in
# the topic; once the sink has written part of them the Cassandra process gets SIGKILL
# (hack/services.sh kill), and it is started again over the same data directory and ports
# (hack/services.sh restart: commit log replay). Meanwhile put() fails as retriable and the batch is
# delivered again; the task never fails, the session reconnects, and the Python cassandra-driver
# reads every one of the 120000 rows with its value: nothing lost (rows written twice carry the same
# values and timestamps, so re-writes are idempotent). Slowest Cassandra test: one node restart.
# services: kafka cassandra
# exclusive: it kills and restarts the shared service
source "$(dirname "$0")/../lib.sh"
cd "$REPO"
use_service cassandra
source "$(dirname "$0")/lib.sh"

N=120000
ks=restart_$RANDOM
topic=cass_restart_$RANDOM
cql "CREATE KEYSPACE $ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}" \
        "CREATE TABLE $ks.t (id text PRIMARY KEY, name text, n int)" >/dev/null
use_kafka
python3 -c '
import sys
for i in range(int(sys.argv[1])):
    print("key-%d|{\"name\":\"name-%d\",\"n\":%d}" % (i, i, i))' "$N" |
        kcat -b "$KAFKA" -P -t "$topic" -K '|' -X linger.ms=50 || fail "produce"
start_connect_worker
create_connector cass-restart "{\"connector.class\":\"com.datastax.oss.kafka.sink.CassandraSinkConnector\",\"topics\":\"$topic\",\"contactPoints\":\"$CASSANDRA_HOST\",\"port\":\"$CASSANDRA_PORT\",\"loadBalancing.localDc\":\"datacenter1\",\"auth.provider\":\"PLAIN\",\"auth.username\":\"$CASSANDRA_USER\",\"auth.password\":\"$CASSANDRA_PASSWORD\",\"queryExecutionTimeout\":\"5\",\"topic.$topic.$ks.t.mapping\":\"id=key, name=value.name, n=value.n\"}"
wait_connector_running cass-restart 1
# check_rows: a paged full scan with the Python driver; prints how many rows are there and how many
# differ from their records (count(*) over this many rows is too heavy for the small test node).
check_rows() {
        "$PY" - "$CASSANDRA_HOST" "$CASSANDRA_PORT" "$CASSANDRA_USER" "$CASSANDRA_PASSWORD" "$ks.t" "$N" <<'PY'
import sys
from cassandra.cluster import Cluster
from cassandra.auth import PlainTextAuthProvider
from cassandra.query import SimpleStatement
c = Cluster([sys.argv[1]], port=int(sys.argv[2]), auth_provider=PlainTextAuthProvider(sys.argv[3], sys.argv[4]))
s = c.connect()
s.default_timeout = 60
n = bad = 0
seen = set()
for r in s.execute(SimpleStatement("SELECT id, name, n FROM %s" % sys.argv[5], fetch_size=5000)):
    n += 1
    seen.add(r.n)
    bad += r.id != "key-%d" % r.n or r.name != "name-%d" % r.n
missing = [i for i in range(int(sys.argv[6])) if i not in seen][:5]
print(n, bad, ",".join("key-%d" % i for i in missing) or "-")
c.shutdown()
PY
}
some() { [ -n "$(cql "SELECT id FROM $ks.t WHERE id = 'key-5000'")" ]; }
wait_for 90 "the first 5000 records written" some
"$SERVICES" kill cassandra || fail "cannot kill the node"
info "node killed (SIGKILL) after record 5000 was written"
# The sink fails its puts as retriable while the node is gone; the task stays up.
wait_for 60 "a retriable put failure" grep -q "put() asked to retry" "$WORK/connect.log"
[ "$(connector_state cass-restart 0)" = RUNNING ] || fail "the task is $(connector_state cass-restart 0) with the node down"
"$SERVICES" restart cassandra >/dev/null || fail "the node did not come back"
info "node restarted over its data"
# (The last key's row can land while other rows of the same put are still in flight: scan until
# every row is there, up to a deadline.)
all_rows() {
        read -r got bad missing < <(check_rows) || return 1
        [ "$got" = "$N" ]
}
got=0 bad=0 missing=-
deadline=$((SECONDS + 180))
until all_rows; do
        [ "$SECONDS" -lt "$deadline" ] || fail "$got rows in $ks.t after 180 s of scans, want $N (missing: $missing)"
        sleep 1 # a full scan of the table per second at most
done
[ "$bad" = 0 ] || fail "$bad rows differ from their records"
[ "$(connector_state cass-restart 0)" = RUNNING ] || fail "the task is $(connector_state cass-restart 0)"
info "all $N rows after the restart, each with its record's values; the task stayed RUNNING"
cql "DROP KEYSPACE $ks" >/dev/null
echo PASS
