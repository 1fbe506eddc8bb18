#!/usr/bin/env bash
# CQL frame compression and protocol v5 through both sink configs on a real node and Kafka: the
# DataStax sink with compression=LZ4 (LZ4-compressed protocol v5 frames) and the Lenses sink with
# connect.cassandra.compression=SNAPPY (protocol v4, snappy bodies) each write 3000 records. The
# node's own view of its clients (system_views.clients, read with the Python cassandra-driver)
# shows the STARTUP options and protocol version Ferry negotiated, and the driver reads every row.
# services: kafka cassandra
source "$(dirname "$0")/../lib.sh"
cd "$REPO"
use_service cassandra
source "$(dirname "$0")/lib.sh"
use_kafka

N=3000
ks=comp_$RANDOM
t1=cass_lz4_$RANDOM
t2=cass_snappy_$RANDOM
cql "CREATE KEYSPACE $ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}" \
        "CREATE TABLE $ks.a (id text PRIMARY KEY, name text, n int)" \
        "CREATE TABLE $ks.b (id int PRIMARY KEY, name text, n int)" >/dev/null
python3 -c '
import sys
for i in range(int(sys.argv[1])):
    print("key-%d|{\"name\":\"%s\",\"n\":%d}" % (i, "compressible name %d " % i * 8, i))' "$N" | produce_records "$t1" '|'
python3 -c '
import sys
for i in range(int(sys.argv[1])):
    print("{\"id\":%d,\"name\":\"%s\",\"n\":%d}" % (i, "snappy name %d " % i * 8, i))' "$N" | produce_records "$t2"

start_connect_worker
create_connector cass-lz4 "{\"connector.class\":\"com.datastax.oss.kafka.sink.CassandraSinkConnector\",\"topics\":\"$t1\",\"contactPoints\":\"$CASSANDRA_HOST\",\"port\":\"$CASSANDRA_PORT\",\"loadBalancing.localDc\":\"datacenter1\",\"auth.provider\":\"PLAIN\",\"auth.username\":\"$CASSANDRA_USER\",\"auth.password\":\"$CASSANDRA_PASSWORD\",\"compression\":\"LZ4\",\"topic.$t1.$ks.a.mapping\":\"id=key, name=value.name, n=value.n\"}"
create_connector cass-snappy "{\"connector.class\":\"io.lenses.streamreactor.connect.cassandra.sink.CassandraSinkConnector\",\"topics\":\"$t2\",\"connect.cassandra.contact.points\":\"$CASSANDRA_HOST\",\"connect.cassandra.port\":\"$CASSANDRA_PORT\",\"connect.cassandra.key.space\":\"$ks\",\"connect.cassandra.username\":\"$CASSANDRA_USER\",\"connect.cassandra.password\":\"$CASSANDRA_PASSWORD\",\"connect.cassandra.compression\":\"SNAPPY\",\"connect.cassandra.kcql\":\"INSERT INTO b SELECT id, name, n FROM $t2\"}"
wait_connector_running cass-lz4 1
wait_connector_running cass-snappy 1
all_rows() { [ "$(cql_count $ks.a)" = "$N" ] && [ "$(cql_count $ks.b)" = "$N" ]; }
wait_for 90 "$N rows in each table" all_rows

# The node's record of the sinks' connections: protocol version and STARTUP COMPRESSION.
clients=$(cql "SELECT protocol_version, client_options FROM system_views.clients" | python3 -c '
import json, sys
seen = set()
for r in map(json.loads, sys.stdin):
    c = (r["client_options"] or {}).get("COMPRESSION")
    if c:
        seen.add("v%d %s" % (r["protocol_version"], c))
print(" ".join(sorted(seen)))')
[ "$clients" = "v4 snappy v5 lz4" ] || fail "the node lists compressed clients as '$clients', want 'v4 snappy v5 lz4'"
grep -q "Cassandra sink connected to .* (protocol v5, compression lz4)" "$WORK/connect.log" || fail "no v5/lz4 session logged"
grep -q "Lenses Cassandra sink connected to .* (protocol v4, compression snappy)" "$WORK/connect.log" ||
        fail "no v4/snappy session logged"
info "the node sees the DataStax sink on protocol v5 with LZ4 and the Lenses sink on v4 with snappy"

got=$(cql "SELECT id, name, n FROM $ks.a" | python3 -c '
import json, sys
n = int(sys.argv[1])
rows = {r["id"]: (r["name"], r["n"]) for r in map(json.loads, sys.stdin)}
want = {"key-%d" % i: ("compressible name %d " % i * 8, i) for i in range(n)}
print("ok" if rows == want else "differs: %d rows" % len(rows))' "$N")
[ "$got" = ok ] || fail "LZ4 table: $got"
got=$(cql "SELECT id, name, n FROM $ks.b" | python3 -c '
import json, sys
n = int(sys.argv[1])
rows = {r["id"]: (r["name"], r["n"]) for r in map(json.loads, sys.stdin)}
want = {i: ("snappy name %d " % i * 8, i) for i in range(n)}
print("ok" if rows == want else "differs: %d rows" % len(rows))' "$N")
[ "$got" = ok ] || fail "snappy table: $got"
info "cassandra-driver reads all $N rows of each table as produced"
cql "DROP KEYSPACE $ks" >/dev/null
echo PASS
