#!/usr/bin/env bash
# DataStax sink while the node stops answering: the Cassandra process is frozen (SIGSTOP) for
# 10 s in the middle of a 15-second stream, writes time out (queryExecutionTimeout=3), the batches are
# delivered again and the session reconnects once the node resumes; the task never fails and the
# table ends with every key's last value (read with the Python cassandra-driver).
# services: kafka cassandra
# exclusive: it freezes the shared service
source "$(dirname "$0")/../lib.sh"
cd "$REPO"
use_service cassandra
source "$(dirname "$0")/lib.sh"

N=6000
K=300
ks=outage_$RANDOM
topic=cass_outage_$RANDOM
cql "CREATE KEYSPACE $ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}" \
        "CREATE TABLE $ks.last (id text PRIMARY KEY, v int)" >/dev/null
cpid=$("$SERVICES" env cassandra | sed -n 's/^SERVICE_PID=//p' | tr -d "'\"")
[ -n "$cpid" ] || fail "no Cassandra pid"
# The topic exists before the connector subscribes (else the first assignment waits for a metadata refresh).
use_kafka
echo 'k0|{"v":0}' | kcat -b "$KAFKA" -P -t "$topic" -K '|' || fail "produce"
start_connect_worker
create_connector cass-outage "{\"connector.class\":\"com.datastax.oss.kafka.sink.CassandraSinkConnector\",\"topics\":\"$topic\",\"contactPoints\":\"$CASSANDRA_HOST\",\"port\":\"$CASSANDRA_PORT\",\"loadBalancing.localDc\":\"datacenter1\",\"auth.provider\":\"PLAIN\",\"auth.username\":\"$CASSANDRA_USER\",\"auth.password\":\"$CASSANDRA_PASSWORD\",\"queryExecutionTimeout\":\"3\",\"topic.$topic.$ks.last.mapping\":\"id=key, v=value.v\"}"
wait_connector_running cass-outage 1
# The first record written: the task has its partition, the stream can start.
first() { [ "$(cql_count $ks.last)" = 1 ]; }
wait_for 90 "the first record written" first
python3 -c '
import sys, time
n, k = int(sys.argv[1]), int(sys.argv[2])
for i in range(n):
    print("k%d|{\"v\":%d}" % (i % k, i))
    if i % 200 == 199:
        sys.stdout.flush()
        time.sleep(0.5)
' "$N" "$K" | kcat -b "$KAFKA" -P -t "$topic" -K '|' &
prod=$!
some() { [ "$(cql_count $ks.last)" -gt 0 ]; }
wait_for 60 "first rows" some
CLEANUP+=("kill -CONT $cpid 2>/dev/null")
kill -STOP "$cpid"
info "node frozen"
sleep_until=$((SECONDS + 10))
while [ "$SECONDS" -lt "$sleep_until" ]; do
        [ "$(connector_state cass-outage 0)" != FAILED ] || { kill -CONT "$cpid"; fail "task FAILED during the outage"; }
        sleep 1
done
kill -CONT "$cpid"
info "node resumed"
wait "$prod" || fail "producing failed"
final() {
        cql "SELECT id, v FROM $ks.last" | python3 -c '
import json, sys
n, k = int(sys.argv[1]), int(sys.argv[2])
got = {r["id"]: r["v"] for r in map(json.loads, sys.stdin)}
sys.exit(0 if got == {"k%d" % j: n - k + j for j in range(k)} else 1)' "$N" "$K"
}
wait_for 120 "every key's last value after the outage" final
[ "$(connector_state cass-outage 0)" = RUNNING ] || fail "task not RUNNING after the outage"
grep -q 'will retry' "$WORK/connect.log" || fail "no retried write in the log: the outage was not noticed"
info "writes timed out, were retried, and the table holds the last values; task RUNNING"
cql "DROP KEYSPACE $ks" >/dev/null
echo PASS
