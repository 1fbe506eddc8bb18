#!/usr/bin/env bash
# Lenses Cassandra sink under both class names, on a real node and Kafka: connect.cassandra.kcql
# projections with aliases and IGNORE over JSON-string values, TTL=n, `SELECT *` over Struct
# values with connect.cassandra.default.value=UNSET (omitted columns keep their values), deletes of
# tombstones through connect.cassandra.delete.statement, and error.policy NOOP skipping a record
# that is not JSON while the ones after it are written; TLS with a PKCS12 trust store. Checked with
# the Python cassandra-driver.
# services: kafka cassandra
source "$(dirname "$0")/../lib.sh"
cd "$REPO"
use_service cassandra
source "$(dirname "$0")/lib.sh"
start_connect_worker

ks=ls_$RANDOM
cql "CREATE KEYSPACE $ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}" \
        "CREATE TABLE $ks.orders (id int PRIMARY KEY, product text, qty int, price double)" \
        "CREATE TABLE $ks.people (id int PRIMARY KEY, name text, age int, city text)" >/dev/null
COMMON="\"connect.cassandra.contact.points\":\"$CASSANDRA_HOST\",\"connect.cassandra.port\":\"$CASSANDRA_PORT\",\"connect.cassandra.key.space\":\"$ks\",\"connect.cassandra.username\":\"$CASSANDRA_USER\",\"connect.cassandra.password\":\"$CASSANDRA_PASSWORD\""

# 1. datamountaineer class: JSON strings, aliases, IGNORE, TTL, NOOP policy.
t1=ls_orders_$RANDOM
printf '%s\n' '{"id":1,"name":"pen","qty":3,"price":1.5,"secret":"x"}' 'not json at all' \
        '{"id":2,"name":"ink","qty":1,"price":7.25,"secret":"y"}' | produce_records "$t1"
create_connector ls-orders "{\"connector.class\":\"com.datamountaineer.streamreactor.connect.cassandra.sink.CassandraSinkConnector\",\"topics\":\"$t1\",$COMMON,\"connect.cassandra.kcql\":\"INSERT INTO orders SELECT id, name AS product, qty, price FROM $t1 TTL=3600\",\"connect.cassandra.error.policy\":\"NOOP\",\"connect.cassandra.consistency.level\":\"ONE\"}"
wait_connector_running ls-orders 1
two() { [ "$(cql_count $ks.orders)" = 2 ]; }
wait_for 60 "two rows in orders" two
got=$(cql "SELECT id, product, qty, price, ttl(product) AS t FROM $ks.orders WHERE id = 2")
python3 -c "import json,sys; r=json.loads(sys.argv[1]); assert (r['product'],r['qty'],r['price'])==('ink',1,7.25) and 3500<r['t']<=3600, r" "$got" ||
        fail "orders row 2: $got"
[ "$(connector_state ls-orders 0)" = RUNNING ] || fail "NOOP policy: the task should keep running"
info "KCQL alias + TTL=3600 over JSON strings; the non-JSON record skipped (NOOP), the next written"

# 2. io.lenses class: Struct values, SELECT *, DEFAULT UNSET, deletes.
t2=ls_people_$RANDOM
schema='{"type":"struct","fields":[{"field":"id","type":"int32"},{"field":"name","type":"string","optional":true},{"field":"age","type":"int32","optional":true}]}'
cql "INSERT INTO $ks.people (id, name, age, city) VALUES (10, 'old', 1, 'Paris')" >/dev/null
{
        echo "10|{\"schema\":$schema,\"payload\":{\"id\":10,\"name\":\"ann\",\"age\":30}}"
        echo "11|{\"schema\":$schema,\"payload\":{\"id\":11,\"name\":\"ben\",\"age\":40}}"
        echo "12|{\"schema\":$schema,\"payload\":{\"id\":12,\"name\":\"cy\",\"age\":50}}"
} | produce_records "$t2" '|'
echo "12|" | kcat -b "$KAFKA" -P -t "$t2" -K '|' -Z
# rows 100..159 written and then deleted within one put: each delete must land after its insert
for i in $(seq 100 159); do echo "$i|{\"schema\":$schema,\"payload\":{\"id\":$i,\"name\":\"n$i\",\"age\":1}}"; done |
        produce_records "$t2" '|'
seq 100 159 | sed 's/$/|/' | kcat -b "$KAFKA" -P -t "$t2" -K '|' -Z
create_connector ls-people "{\"connector.class\":\"io.lenses.streamreactor.connect.cassandra.sink.CassandraSinkConnector\",\"topics\":\"$t2\",$COMMON,\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"true\",\"connect.cassandra.kcql\":\"INSERT INTO people SELECT * FROM $t2\",\"connect.cassandra.default.value\":\"UNSET\",\"connect.cassandra.delete.enabled\":\"true\",\"connect.cassandra.delete.statement\":\"DELETE FROM $ks.people WHERE id = ?\"}"
wait_connector_running ls-people 1
people() { [ "$(cql "SELECT id FROM $ks.people WHERE id = 11")" = '{"id": 11}' ] && [ -z "$(cql "SELECT id FROM $ks.people WHERE id = 12")" ]; }
wait_for 60 "people 11 written, 12 deleted by its tombstone" people
only_two() { [ "$(cql_count $ks.people)" = 2 ]; }
wait_for 30 "rows 100..159 deleted after their inserts" only_two
got=$(cql "SELECT id, name, age, city FROM $ks.people WHERE id = 10")
[ "$got" = '{"age": 30, "city": "Paris", "id": 10, "name": "ann"}' ] || fail "DEFAULT UNSET: $got"
info "SELECT * over Structs; DEFAULT UNSET kept city; the tombstone of 12 ran the delete statement"

# 3. TLS: connect.cassandra.trust.store.* with a PKCS12 store holding the node's CA.
ca=$("$SERVICES" env cassandra | sed -n 's/^SERVICE_CA=//p' | tr -d "'\"")
[ -f "$ca" ] || fail "no SERVICE_CA from hack/services.sh env cassandra"
openssl pkcs12 -export -nokeys -in "$ca" -passout pass:trustpw -out "$WORK/ts.p12" || fail "openssl pkcs12"
t3=ls_tls_$RANDOM
printf '%s\n' '{"id":30,"name":"tls","qty":9,"price":2.0}' | produce_records "$t3"
create_connector ls-tls "{\"connector.class\":\"io.lenses.streamreactor.connect.cassandra.sink.CassandraSinkConnector\",\"topics\":\"$t3\",$COMMON,\"connect.cassandra.kcql\":\"INSERT INTO orders SELECT id, name AS product, qty, price FROM $t3\",\"connect.cassandra.ssl.enabled\":\"true\",\"connect.cassandra.trust.store.path\":\"$WORK/ts.p12\",\"connect.cassandra.trust.store.password\":\"trustpw\",\"connect.cassandra.trust.store.type\":\"PKCS12\"}"
wait_connector_running ls-tls 1
tls30() { [ "$(cql "SELECT product FROM $ks.orders WHERE id = 30")" = '{"product": "tls"}' ]; }
wait_for 60 "order 30 written over TLS" tls30
info "TLS: PKCS12 trust store (connect.cassandra.trust.store.*) verified the node"
cql "DROP KEYSPACE $ks" >/dev/null
echo PASS
