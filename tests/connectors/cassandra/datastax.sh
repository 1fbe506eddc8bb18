#!/usr/bin/env bash
# DataStax sink (com.datastax.oss.kafka.sink.CassandraSinkConnector) on a real node and Kafka, with
# the three value shapes it accepts: Struct (JsonConverter with schemas), JSON strings
# (StringConverter) and schemaless maps (JsonConverter without schemas). Checks with the Python
# cassandra-driver: mapped columns (key, value.f, header.h, now()), the record timestamp as the
# write timestamp in µs, ttl, __ttl and __timestamp (timestampTimeUnit), a record whose mapped
# non-key fields are all null deleting the row, a tombstone deleting, counters, and a composite
# primary key; TLS with a PKCS12 trust store (a wrong store password refused at validate); the
# node's Unavailable answer (consistencyLevel TWO on one node) retried until the level is changed,
# nothing lost; a record that cannot be mapped fails the task with a message naming the field.
# services: kafka cassandra
source "$(dirname "$0")/../lib.sh"
cd "$REPO"
use_service cassandra
source "$(dirname "$0")/lib.sh"
start_connect_worker

ks=ds_$RANDOM
cql "CREATE KEYSPACE $ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}" \
        "CREATE TABLE $ks.t_struct (id text PRIMARY KEY, name text, n int, hdr text, tu timeuuid, born date)" \
        "CREATE TABLE $ks.t_json (id text PRIMARY KEY, name text, n int)" \
        "CREATE TABLE $ks.t_cnt (id text PRIMARY KEY, hits counter)" \
        "CREATE TABLE $ks.t_map (id text, c int, name text, PRIMARY KEY (id, c))" >/dev/null
CP=$CASSANDRA_HOST
AUTH="\"auth.provider\":\"PLAIN\",\"auth.username\":\"$CASSANDRA_USER\",\"auth.password\":\"$CASSANDRA_PASSWORD\""
ts_of() { kcat -b "$KAFKA" -C -t "$1" -o "$2" -c 1 -q -f '%T\n'; }

# 1. Struct values (JsonConverter with schemas), key as a string, a header, now(), ttl.
t1=ds_struct_$RANDOM
schema='{"type":"struct","fields":[{"field":"name","type":"string","optional":true},{"field":"n","type":"int32","optional":true},{"field":"born","type":"int32","optional":true,"name":"org.apache.kafka.connect.data.Date"}]}'
{
        echo "k1|{\"schema\":$schema,\"payload\":{\"name\":\"alice\",\"n\":1,\"born\":19782}}"
        echo "k2|{\"schema\":$schema,\"payload\":{\"name\":\"bob\",\"n\":2,\"born\":null}}"
        echo "k3|{\"schema\":$schema,\"payload\":{\"name\":\"carol\",\"n\":3,\"born\":null}}"
} | kcat -b "$KAFKA" -P -t "$t1" -K '|' -H h=from-header || fail "produce"
create_connector ds-struct "{\"connector.class\":\"com.datastax.oss.kafka.sink.CassandraSinkConnector\",\"topics\":\"$t1\",\"contactPoints\":\"$CP\",\"port\":\"$CASSANDRA_PORT\",\"loadBalancing.localDc\":\"datacenter1\",$AUTH,\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"true\",\"topic.$t1.$ks.t_struct.mapping\":\"id=key, name=value.name, n=value.n, hdr=header.h, tu=now(), born=value.born\",\"topic.$t1.$ks.t_struct.ttl\":\"3600\",\"topic.$t1.$ks.t_struct.consistencyLevel\":\"ONE\"}"
wait_connector_running ds-struct 1
rows3() { [ "$(cql_count $ks.t_struct)" = 3 ]; }
wait_for 60 "three rows in t_struct" rows3
got=$(cql "SELECT id, name, n, hdr, born FROM $ks.t_struct WHERE id = 'k1'")
[ "$got" = '{"born": "2024-02-29", "hdr": "from-header", "id": "k1", "n": 1, "name": "alice"}' ] || fail "t_struct k1: $got"
wt=$(cql "SELECT writetime(name) AS w, ttl(name) AS t, tu FROM $ks.t_struct WHERE id = 'k2'")
want_ts=$(($(ts_of "$t1" 1) * 1000))
python3 -c "import json,sys; r=json.loads(sys.argv[1]); assert r['w']==int(sys.argv[2]), r; assert 3500 < r['t'] <= 3600, r; assert r['tu'], r" "$wt" "$want_ts" ||
        fail "k2 write timestamp/ttl/now(): $wt (want writetime $want_ts)"
info "Struct: columns, header, now(), Date, ttl 3600 and the record timestamp ($want_ts µs) as write time"
# Per-table settings are keys of the connector's own (patterns of its config table), not unknown ones.
grep -q "unknown configuration key 'topic\.$t1\." "$WORK/connect.log" &&
        fail "per-table settings reported unknown: $(grep "unknown configuration key 'topic" "$WORK/connect.log" | head -1)"
# all mapped non-key fields null -> DELETE; a tombstone -> DELETE
echo "k1|{\"schema\":$schema,\"payload\":{\"name\":null,\"n\":null,\"born\":null}}" | kcat -b "$KAFKA" -P -t "$t1" -K '|' -H h=x
echo "k3|{\"schema\":$schema,\"payload\":{\"name\":null,\"n\":null,\"born\":null}}" | kcat -b "$KAFKA" -P -t "$t1" -K '|'
echo "k2|" | kcat -b "$KAFKA" -P -t "$t1" -K '|' -Z
gone() { [ -z "$(cql "SELECT id FROM $ks.t_struct WHERE id = '$1'")" ]; }
wait_for 60 "k2 deleted by a tombstone" gone k2
wait_for 60 "k3 deleted: every mapped non-key field null" gone k3
info "tombstone deleted k2; all-null fields (no header) deleted k3"

# 2. JSON strings (StringConverter), __timestamp in ms; counters from the same connector.
t2=ds_json_$RANDOM
t3=ds_cnt_$RANDOM
printf '%s\n' 'j1|{"name":"x","n":10,"ts":1700000000123}' 'j2|{"name":"y","n":20,"ts":1700000000456}' | produce_records "$t2" '|'
printf '%s\n' 'c1|{"hits":1}' 'c1|{"hits":2}' 'c2|{"hits":5}' 'c1|{"hits":3}' | produce_records "$t3" '|'
create_connector ds-json "{\"connector.class\":\"com.datastax.oss.kafka.sink.CassandraSinkConnector\",\"topics\":\"$t2,$t3\",\"contactPoints\":\"$CP:$CASSANDRA_PORT\",\"loadBalancing.localDc\":\"datacenter1\",$AUTH,\"topic.$t2.$ks.t_json.mapping\":\"id=key, name=value.name, n=value.n, __timestamp=value.ts\",\"topic.$t2.$ks.t_json.timestampTimeUnit\":\"MILLISECONDS\",\"topic.$t3.$ks.t_cnt.mapping\":\"id=key, hits=value.hits\",\"maxNumberOfRecordsInBatch\":\"2\"}"
wait_connector_running ds-json 1
json2() { [ "$(cql_count $ks.t_json)" = 2 ]; }
wait_for 60 "two rows in t_json" json2
got=$(cql "SELECT id, name, n, writetime(name) AS w FROM $ks.t_json WHERE id = 'j2'")
[ "$got" = '{"id": "j2", "n": 20, "name": "y", "w": 1700000000456000}' ] || fail "t_json j2: $got"
cnt() { [ "$(cql "SELECT hits FROM $ks.t_cnt WHERE id = 'c1'")" = '{"hits": 6}' ]; }
wait_for 60 "counter c1 = 6" cnt
[ "$(cql "SELECT hits FROM $ks.t_cnt WHERE id = 'c2'")" = '{"hits": 5}' ] || fail "counter c2"
info "JSON strings with __timestamp (ms -> µs); counters 1+2+3 = 6"

# 3. Schemaless maps (JsonConverter without schemas), composite key, __ttl in minutes.
t4=ds_map_$RANDOM
printf '%s\n' '{"id":"m","c":1,"name":"one","ttl":2}' '{"id":"m","c":2,"name":"two","ttl":null}' | produce_records "$t4"
create_connector ds-map "{\"connector.class\":\"com.datastax.oss.kafka.sink.CassandraSinkConnector\",\"topics\":\"$t4\",\"contactPoints\":\"$CP\",\"port\":\"$CASSANDRA_PORT\",\"loadBalancing.localDc\":\"datacenter1\",$AUTH,\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"false\",\"topic.$t4.$ks.t_map.mapping\":\"id=value.id, c=value.c, name=value.name, __ttl=value.ttl\",\"topic.$t4.$ks.t_map.ttlTimeUnit\":\"MINUTES\"}"
wait_connector_running ds-map 1
map2() { [ "$(cql_count $ks.t_map)" = 2 ]; }
wait_for 60 "two rows in t_map" map2
got=$(cql "SELECT c, name, ttl(name) AS t FROM $ks.t_map WHERE id = 'm'")
python3 -c "
import json,sys
rows=[json.loads(l) for l in sys.argv[1].splitlines()]
assert rows[0]['c']==1 and rows[0]['name']=='one' and 100 < rows[0]['t'] <= 120, rows
assert rows[1]['c']==2 and rows[1]['name']=='two' and rows[1]['t'] is None, rows" "$got" || fail "t_map: $got"
info "schemaless maps: composite key, __ttl 2 MINUTES = 120 s, null __ttl = no TTL"

# k1's null fields but a header: hdr is a mapped non-key column, so an update, not a delete.
got=$(cql "SELECT id, name, n, hdr FROM $ks.t_struct WHERE id = 'k1'")
[ "$got" = '{"hdr": "x", "id": "k1", "n": 1, "name": "alice"}' ] || fail "k1 after the null-fields record: $got"
info "nullToUnset: null fields left the old values, the header was written"

# 4. TLS as a Java config sets it: a PKCS12 trust store holding the node's CA (ssl.provider JDK,
# host name checked); a wrong store password is refused by /config/validate naming the key.
ca=$("$SERVICES" env cassandra | sed -n 's/^SERVICE_CA=//p' | tr -d "'\"")
[ -f "$ca" ] || fail "no SERVICE_CA from hack/services.sh env cassandra"
openssl pkcs12 -export -nokeys -in "$ca" -passout pass:trustpw -out "$WORK/ts.p12" || fail "openssl pkcs12"
cql "CREATE TABLE $ks.t_tls (id text PRIMARY KEY, name text)" >/dev/null
t5=ds_tls_$RANDOM
printf '%s\n' 's1|{"name":"secure"}' | produce_records "$t5" '|'
TLS="\"ssl.provider\":\"JDK\",\"ssl.truststore.path\":\"$WORK/ts.p12\",\"ssl.hostnameValidation\":\"true\""
body="{\"connector.class\":\"com.datastax.oss.kafka.sink.CassandraSinkConnector\",\"topics\":\"$t5\",\"contactPoints\":\"$CP\",\"port\":\"$CASSANDRA_PORT\",\"loadBalancing.localDc\":\"datacenter1\",$AUTH,$TLS,\"topic.$t5.$ks.t_tls.mapping\":\"id=key, name=value.name\""
out=$(curl -s -X PUT -H 'Content-Type: application/json' "$REST/connector-plugins/CassandraSinkConnector/config/validate" -d "$body,\"ssl.truststore.password\":\"wrong\"}")
echo "$out" | python3 -c '
import json, sys
v = json.load(sys.stdin)
errs = [e for c in v["configs"] if c["value"]["name"] == "ssl.truststore.password" for e in c["value"]["errors"]]
assert errs and "wrong" not in errs[0], v' || fail "validate did not refuse the wrong trust store password: $out"
create_connector ds-tls "$body,\"ssl.truststore.password\":\"trustpw\"}"
wait_connector_running ds-tls 1
tls1() { [ "$(cql "SELECT name FROM $ks.t_tls WHERE id = 's1'")" = '{"name": "secure"}' ]; }
wait_for 60 "row s1 written over TLS" tls1
info "TLS: PKCS12 trust store (ssl.truststore.path/password) verified the node; a wrong password refused at validate"

# Unavailable from the real node: consistencyLevel TWO on a one-node cluster. The write is retried
# (the task stays RUNNING, the node's error decoded with its consistency and replica counts) and
# nothing is written; once the config asks for ONE the same record is written: nothing lost.
cql "CREATE TABLE $ks.t_cl (id text PRIMARY KEY, name text)" >/dev/null
t6=ds_cl_$RANDOM
printf '%s\n' 'u1|{"name":"waited"}' | produce_records "$t6" '|'
CL="\"connector.class\":\"com.datastax.oss.kafka.sink.CassandraSinkConnector\",\"topics\":\"$t6\",\"contactPoints\":\"$CP\",\"port\":\"$CASSANDRA_PORT\",\"loadBalancing.localDc\":\"datacenter1\",$AUTH,\"value.converter\":\"org.apache.kafka.connect.storage.StringConverter\",\"topic.$t6.$ks.t_cl.mapping\":\"id=key, name=value.name\""
create_connector ds-cl "{$CL,\"topic.$t6.$ks.t_cl.consistencyLevel\":\"TWO\"}"
unavailable() { grep -q "put() asked to retry (writing to Cassandra failed (will retry): Unavailable (0x1000): .*\[consistency TWO, 2 required, 1 alive\]" "$WORK/connect.log"; }
wait_for 60 "the node's Unavailable answer to a write at TWO, retried" unavailable
[ "$(connector_state ds-cl 0)" = RUNNING ] || fail "task ds-cl not RUNNING while retrying: $(connector_state ds-cl 0)"
[ -z "$(cql "SELECT name FROM $ks.t_cl WHERE id = 'u1'")" ] || fail "row u1 written at TWO on a one-node cluster"
code=$(curl -s -o "$WORK/cl.json" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' "$REST/connectors/ds-cl/config" \
        -d "{$CL,\"topic.$t6.$ks.t_cl.consistencyLevel\":\"ONE\"}")
[ "$code" = 200 ] || fail "PUT ds-cl config answered $code: $(cat "$WORK/cl.json")"
cl1() { [ "$(cql "SELECT name FROM $ks.t_cl WHERE id = 'u1'")" = '{"name": "waited"}' ]; }
wait_for 60 "row u1 written at ONE after the config change" cl1
info "Unavailable (TWO on one node): retried with the decoded error, task RUNNING; written once the level is ONE"

# A record that cannot be mapped: the task fails naming the field.
echo 'bad|{"name":"x","n":"not a number"}' | produce_records "$t2" '|'
failed() { [ "$(connector_state ds-json 0)" = FAILED ]; }
wait_for 60 "ds-json task FAILED" failed
trace=$(curl -s "$REST/connectors/ds-json/status")
echo "$trace" | grep -q 'column n (from value.n)' || fail "no clear error: $trace"
info "bad record: task FAILED naming column n (from value.n)"
cql "DROP KEYSPACE $ks" >/dev/null
echo PASS
