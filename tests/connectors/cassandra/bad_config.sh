#!/usr/bin/env bash
# Cassandra sinks with wrong settings fail with a clear message in the task status, naming what is
# wrong: wrong credentials (DataStax and Lenses), an unknown keyspace (Lenses key.space and a
# DataStax mapping), an unknown column in a mapping, an unmapped primary key column, and a KCQL
# clause the sink does not support (refused by /config/validate).
# services: kafka cassandra
source "$(dirname "$0")/../lib.sh"
cd "$REPO"
use_service cassandra
source "$(dirname "$0")/lib.sh"
start_connect_worker

ks=bad_$RANDOM
cql "CREATE KEYSPACE $ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}" \
        "CREATE TABLE $ks.t (id text, c int, v text, PRIMARY KEY (id, c))" >/dev/null
DS="\"connector.class\":\"com.datastax.oss.kafka.sink.CassandraSinkConnector\",\"topics\":\"bad_t\",\"contactPoints\":\"$CASSANDRA_HOST\",\"port\":\"$CASSANDRA_PORT\",\"loadBalancing.localDc\":\"datacenter1\",\"auth.provider\":\"PLAIN\",\"auth.username\":\"$CASSANDRA_USER\""
LS="\"connector.class\":\"io.lenses.streamreactor.connect.cassandra.sink.CassandraSinkConnector\",\"topics\":\"bad_t\",\"connect.cassandra.contact.points\":\"$CASSANDRA_HOST\",\"connect.cassandra.port\":\"$CASSANDRA_PORT\",\"connect.cassandra.username\":\"$CASSANDRA_USER\""

# expect_failed NAME PATTERN: the task FAILED and its trace matches PATTERN.
expect_failed() {
        local name=$1 pattern=$2 st
        failed() { [ "$(connector_state "$name" 0)" = FAILED ]; }
        wait_for 60 "$name task FAILED" failed
        st=$(curl -s "$REST/connectors/$name/status")
        echo "$st" | grep -qE "$pattern" || fail "$name: trace does not match '$pattern': $st"
        info "$name: $(echo "$st" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tasks"][0]["trace"].splitlines()[0][:200])')"
}

create_connector ds-badpw "{$DS,\"auth.password\":\"wrong\",\"topic.bad_t.$ks.t.mapping\":\"id=key, c=value.c, v=value.v\"}"
expect_failed ds-badpw "authentication as 'cassandra' .*failed.*(Bad credentials|Provided username)"
create_connector ls-badpw "{$LS,\"connect.cassandra.password\":\"wrong\",\"connect.cassandra.key.space\":\"$ks\",\"connect.cassandra.kcql\":\"INSERT INTO t SELECT * FROM bad_t\"}"
expect_failed ls-badpw "authentication as 'cassandra' .*failed"
create_connector ls-noks "{$LS,\"connect.cassandra.password\":\"$CASSANDRA_PASSWORD\",\"connect.cassandra.key.space\":\"no_such_ks\",\"connect.cassandra.kcql\":\"INSERT INTO t SELECT * FROM bad_t\"}"
expect_failed ls-noks "no_such_ks"
create_connector ds-noks "{$DS,\"auth.password\":\"$CASSANDRA_PASSWORD\",\"topic.bad_t.no_such_ks.t.mapping\":\"id=key\"}"
expect_failed ds-noks "topic.bad_t.no_such_ks.t.mapping: keyspace no_such_ks does not exist"
create_connector ds-nocol "{$DS,\"auth.password\":\"$CASSANDRA_PASSWORD\",\"topic.bad_t.$ks.t.mapping\":\"id=key, c=value.c, nope=value.v\"}"
expect_failed ds-nocol "topic.bad_t.$ks.t.mapping: table $ks.t has no column 'nope'"
create_connector ds-nopk "{$DS,\"auth.password\":\"$CASSANDRA_PASSWORD\",\"topic.bad_t.$ks.t.mapping\":\"id=key, v=value.v\"}"
expect_failed ds-nopk "primary key column 'c' of $ks.t is not mapped"

# /config/validate refuses a clause the sink does not support, and a DataStax mapping without '='.
body="{\"connector.class\":\"io.lenses.streamreactor.connect.cassandra.sink.CassandraSinkConnector\",\"topics\":\"bad_t\",\"connect.cassandra.key.space\":\"$ks\",\"connect.cassandra.kcql\":\"INSERT INTO t SELECT * FROM bad_t WITHTAG (a)\"}"
out=$(curl -s -X PUT -H 'Content-Type: application/json' "$REST/connector-plugins/CassandraSinkConnector/config/validate" -d "$body")
echo "$out" | grep -q 'WITHTAG at position .* is not supported by the Cassandra sink' || fail "validate: $out"
info "validate: WITHTAG refused"
cql "DROP KEYSPACE $ks" >/dev/null
echo PASS
