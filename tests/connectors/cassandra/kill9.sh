#!/usr/bin/env bash
# DataStax sink, kill -9 mid-stream: 30000 records over 1000 keys stream into a topic while the
# sink writes them; the worker is killed with SIGKILL part-way, a new worker takes the same
# connector (the same consumer group, so it resumes from the committed offsets), and afterwards
# the table holds, for every key, the topic's last value (read with the Python cassandra-driver).
# Rows of records redelivered after the kill are written again (at-least-once, as the DataStax
# connector), which leaves the same last values.
# services: kafka cassandra
source "$(dirname "$0")/../lib.sh"
cd "$REPO"
use_service cassandra
source "$(dirname "$0")/lib.sh"

N=30000
K=1000
ks=kill_$RANDOM
topic=cass_kill_$RANDOM
cql "CREATE KEYSPACE $ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}" \
        "CREATE TABLE $ks.last (id text PRIMARY KEY, v int)" >/dev/null
config="{\"connector.class\":\"com.datastax.oss.kafka.sink.CassandraSinkConnector\",\"topics\":\"$topic\",\"contactPoints\":\"$CASSANDRA_HOST\",\"port\":\"$CASSANDRA_PORT\",\"loadBalancing.localDc\":\"datacenter1\",\"auth.provider\":\"PLAIN\",\"auth.username\":\"$CASSANDRA_USER\",\"auth.password\":\"$CASSANDRA_PASSWORD\",\"topic.$topic.$ks.last.mapping\":\"id=key, v=value.v\"}"

use_kafka
echo 'k0|{"v":0}' | kcat -b "$KAFKA" -P -t "$topic" -K '|' || fail "produce"
start_connect_worker
create_connector cass-kill "$config"
wait_connector_running cass-kill 1
# The first record written: the task has its partition, the stream can start.
first() { [ "$(cql_count $ks.last)" = 1 ]; }
wait_for 90 "the first record written" first
# The stream, paced (about 5000 records/s) so that the kill falls inside it.
python3 -c '
import sys, time
n, k = int(sys.argv[1]), int(sys.argv[2])
for i in range(n):
    print("k%d|{\"v\":%d}" % (i % k, i))
    if i % 500 == 499:
        sys.stdout.flush()
        time.sleep(0.1)
' "$N" "$K" | kcat -b "$KAFKA" -P -t "$topic" -K '|' &
prod=$!
mid() { cql "SELECT max(v) AS m FROM $ks.last" | python3 -c 'import json,sys; m=json.loads(sys.stdin.read())["m"]; sys.exit(0 if m and m >= 8000 else 1)'; }
wait_for 90 "the sink past record 8000" mid
stop_worker connect KILL
at_kill=$(cql "SELECT max(v) AS m FROM $ks.last")
info "worker killed at $at_kill"
wait "$prod" || fail "producing failed"
final() {
        cql "SELECT id, v FROM $ks.last" | python3 -c '
import json, sys
n, k = int(sys.argv[1]), int(sys.argv[2])
got = {r["id"]: r["v"] for r in map(json.loads, sys.stdin)}
want = {"k%d" % j: n - k + j for j in range(k)}
sys.exit(0 if got == want else 1)' "$N" "$K"
}
final && fail "every row was final before the kill: nothing was tested"

mv "$WORK/connect.log" "$WORK/connect-1.log"
start_connect_worker
create_connector cass-kill "$config"
wait_connector_running cass-kill 1
wait_for 120 "the table holds the last value of each of the $K keys" final
info "after the kill: $K rows, each the topic's last value for its key"
cql "DROP KEYSPACE $ks" >/dev/null
echo PASS
