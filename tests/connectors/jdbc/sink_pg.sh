#!/usr/bin/env bash
# JDBC sink into real PostgreSQL from a real broker, checked with psql: JSON-with-schema records
# become rows of a table auto.create made with the right types; upsert updates a row; a tombstone
# deletes one (delete.enabled, pk.mode=record_key); auto.evolve adds a column; schemaless JSON maps
# (which Confluent refuses) are written too; update mode updates keyed rows only; pk.mode=kafka
# keys the table by topic, partition and offset; kill -9 of the worker mid-stream loses no row and the
# table ends equal to the topic's last value per key (upsert makes the replay idempotent).
# services: kafka postgres
source "$(dirname "$0")/../lib.sh"
use_kafka
use_service postgres
PSQL=(psql -X -q -t -A -v ON_ERROR_STOP=1 "$POSTGRES_URL")
JURL="jdbc:postgresql://$POSTGRES_HOST:$POSTGRES_PORT/$POSTGRES_DB?user=$POSTGRES_USER&password=$POSTGRES_PASSWORD&sslmode=disable&ApplicationName=ferry-test"
SUF=$RANDOM$RANDOM
TOPIC=sink_$SUF
MAPS=maps_$SUF
KILL=kill_$SUF

start_connect_worker key.converter=org.apache.kafka.connect.json.JsonConverter key.converter.schemas.enable=false
sink_conf() { # topics insert.mode [extra json]
        echo "{\"connector.class\":\"JdbcSinkConnector\",\"connection.url\":\"$JURL\",\"topics\":\"$1\",
        \"insert.mode\":\"$2\",\"pk.mode\":\"record_key\",\"pk.fields\":\"id\",\"auto.create\":\"true\",
        \"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\"${3:-}}"
}
create_connector "sink-$SUF" "$(sink_conf "$TOPIC" upsert ',"delete.enabled":"true","auto.evolve":"true","value.converter.schemas.enable":"true"')"
wait_connector_running "sink-$SUF" 1 60

SCHEMA='{"type":"struct","name":"row","optional":false,"fields":[
{"field":"name","type":"string","optional":false},{"field":"qty","type":"int32","optional":true},
{"field":"price","type":"double","optional":true},{"field":"ok","type":"boolean","optional":true},
{"field":"amount","type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},
{"field":"day","type":"int32","optional":true,"name":"org.apache.kafka.connect.data.Date","version":1},
{"field":"at","type":"int64","optional":true,"name":"org.apache.kafka.connect.data.Timestamp","version":1},
{"field":"small","type":"int16","optional":true},{"field":"big","type":"int64","optional":true},
{"field":"f","type":"float","optional":true},{"field":"raw","type":"bytes","optional":true}]}'
SCHEMA=$(echo "$SCHEMA" | tr -d '\n')
rec() { # key name qty
        printf '%s|{"schema":%s,"payload":{"name":"%s","qty":%s,"price":2.5,"ok":true,"amount":"AeI=","day":19782,"at":1709212455678,"small":-3,"big":9000000000,"f":0.5,"raw":"AQL/"}}\n' \
                "$1" "$SCHEMA" "$2" "$3"
}
{ rec 1 one 10; rec 2 two 20; rec 3 three 30; } | produce_records "$TOPIC" '|'
wait_for 60 "3 rows in $TOPIC" sh -c "[ \"\$(psql -X -t -A '$POSTGRES_URL' -c 'SELECT count(*) FROM $TOPIC' 2>/dev/null)\" = 3 ]"
got=$("${PSQL[@]}" -c "SELECT id, name, qty, price, ok, amount, day, at, small, big, f, encode(raw, 'hex') FROM $TOPIC ORDER BY id")
want="1|one|10|2.5|t|4.82|2024-02-29|2024-02-29 13:14:15.678|-3|9000000000|0.5|0102ff
2|two|20|2.5|t|4.82|2024-02-29|2024-02-29 13:14:15.678|-3|9000000000|0.5|0102ff
3|three|30|2.5|t|4.82|2024-02-29|2024-02-29 13:14:15.678|-3|9000000000|0.5|0102ff"
[ "$got" = "$want" ] || fail "rows of $TOPIC: $got"
types=$("${PSQL[@]}" -c "SELECT column_name || ':' || data_type || ':' || is_nullable FROM information_schema.columns WHERE table_name = '$TOPIC' ORDER BY ordinal_position" | tr '\n' ' ')
[ "$types" = "id:bigint:NO name:text:NO qty:integer:YES price:double precision:YES ok:boolean:YES amount:numeric:YES day:date:YES at:timestamp without time zone:YES small:smallint:YES big:bigint:YES f:real:YES raw:bytea:YES " ] ||
        fail "auto.create types: $types"
pk=$("${PSQL[@]}" -c "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = '$TOPIC'::regclass AND i.indisprimary")
[ "$pk" = id ] || fail "primary key of $TOPIC: $pk"
info "auto.create made the table with Confluent's types; 3 rows written"

# upsert updates, a tombstone deletes.
{ rec 2 two-b 21; printf '3|\n'; } | kcat -b "$KAFKA" -P -t "$TOPIC" -K '|' -Z || fail "producing"
rows_now() { "${PSQL[@]}" -c "SELECT string_agg(id || name || qty, ',' ORDER BY id) FROM $TOPIC"; }
updated() { [ "$(rows_now)" = 1one10,2two-b21 ]; }
wait_for 60 "update of 2 and delete of 3" updated
info "upsert updated row 2, the tombstone deleted row 3"

# auto.evolve adds a new optional column.
S2=$(echo "$SCHEMA" | sed 's/"fields":\[/"fields":[{"field":"extra","type":"string","optional":true},/')
printf '4|{"schema":%s,"payload":{"extra":"new","name":"four","qty":null,"price":null,"ok":null,"amount":null,"day":null,"at":null,"small":null,"big":null,"f":null,"raw":null}}\n' "$S2" |
        produce_records "$TOPIC" '|'
wait_for 60 "row 4 with the new column" sh -c "[ \"\$(psql -X -t -A '$POSTGRES_URL' -c \"SELECT extra FROM $TOPIC WHERE id = 4\" 2>/dev/null)\" = new ]"
info "auto.evolve added column extra"

# Schemaless maps (Confluent refuses them): columns from the keys, types inferred.
create_connector "maps-$SUF" "$(sink_conf "$MAPS" insert ',"pk.mode":"none","value.converter.schemas.enable":"false"')"
wait_connector_running "maps-$SUF" 1 60
printf '%s\n' '1|{"a":1,"b":"x","c":1.5,"d":true,"e":{"n":1}}' '2|{"a":2,"b":null,"c":2.5,"d":false,"e":[1]}' | produce_records "$MAPS" '|'
wait_for 60 "2 rows in $MAPS" sh -c "[ \"\$(psql -X -t -A '$POSTGRES_URL' -c 'SELECT count(*) FROM $MAPS' 2>/dev/null)\" = 2 ]"
got=$("${PSQL[@]}" -c "SELECT a, b, c, d, e FROM $MAPS ORDER BY a" | tr '\n' ' ')
[ "$got" = '1|x|1.5|t|{"n":1} 2||2.5|f|[1] ' ] || fail "rows of $MAPS: $got"
types=$("${PSQL[@]}" -c "SELECT string_agg(column_name || ':' || data_type, ' ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = '$MAPS'")
[ "$types" = "a:bigint b:text c:double precision d:boolean e:text" ] || fail "types of $MAPS: $types"
info "schemaless maps written with inferred types"

# A record the database refuses (a CHECK constraint) goes to the dead letter queue with the
# database's message in its headers; the batch's good records are written.
CHK=checked_$SUF
"${PSQL[@]}" -c "CREATE TABLE $CHK (id bigint PRIMARY KEY, qty int CHECK (qty >= 0))"
create_connector "chk-$SUF" "$(sink_conf "$CHK" upsert ',"value.converter.schemas.enable":"false","errors.tolerance":"all","errors.deadletterqueue.topic.name":"dlq-'"$SUF"'","errors.deadletterqueue.topic.replication.factor":"1","errors.deadletterqueue.context.headers.enable":"true"')"
wait_connector_running "chk-$SUF" 1 60
printf '%s\n' '1|{"qty":1}' '2|{"qty":-5}' '3|{"qty":3}' | produce_records "$CHK" '|'
good() { [ "$("${PSQL[@]}" -c "SELECT string_agg(id || ':' || qty, ',' ORDER BY id) FROM $CHK")" = "1:1,3:3" ]; }
wait_for 60 "the good rows of $CHK" good
read_records "dlq-$SUF" 1 60 '%k|%s|%h\n' >"$WORK/dlq.txt"
grep -q '^2|{"qty":-5}|' "$WORK/dlq.txt" && grep -q 'violates check constraint' "$WORK/dlq.txt" ||
        fail "dead letter queue: $(cat "$WORK/dlq.txt")"
[ "$(connector_state "chk-$SUF" 0)" = RUNNING ] || fail "task chk-$SUF: $(connector_state "chk-$SUF" 0)"
info "a refused record went to the DLQ with the database's message; the others were written"

# insert mode (PostgreSQL COPY): tabs, newlines, backslashes and nulls arrive intact, and a refused
# record still goes to the DLQ alone, naming its topic, partition and offset.
INS=ins_$SUF
"${PSQL[@]}" -c "CREATE TABLE $INS (id bigint PRIMARY KEY, s text, qty int CHECK (qty >= 0))"
create_connector "ins-$SUF" "$(sink_conf "$INS" insert ',"value.converter.schemas.enable":"false","errors.tolerance":"all","errors.deadletterqueue.topic.name":"dlqi-'"$SUF"'","errors.deadletterqueue.topic.replication.factor":"1","errors.deadletterqueue.context.headers.enable":"true"')"
wait_connector_running "ins-$SUF" 1 60
printf '%s\n' '1|{"s":"a\tb\\c\nd\\N","qty":1}' '2|{"s":"bad","qty":-5}' '3|{"s":null,"qty":3}' | produce_records "$INS" '|'
ins_rows() { [ "$("${PSQL[@]}" -c "SELECT string_agg(id || ':' || coalesce(replace(replace(s, E'\t', '<t>'), E'\n', '<n>'), '<null>'), ',' ORDER BY id) FROM $INS")" = '1:a<t>b\c<n>d\N,3:<null>' ]; }
wait_for 60 "the good rows of $INS" ins_rows
read_records "dlqi-$SUF" 1 60 '%k|%s|%h\n' >"$WORK/dlqi.txt"
grep -q '^2|{"s":"bad","qty":-5}|' "$WORK/dlqi.txt" && grep -q 'violates check constraint' "$WORK/dlqi.txt" &&
        grep -q "__connect.errors.offset=1" "$WORK/dlqi.txt" || fail "insert mode dead letter queue: $(cat "$WORK/dlqi.txt")"
info "insert mode: escapes and nulls intact, a refused record went to the DLQ alone"

# update mode: a record updates the row of its key; a key without a row changes nothing and the
# task goes on (Confluent's UPDATE ... WHERE, whose count it does not check).
UPD=upd_$SUF
"${PSQL[@]}" -c "CREATE TABLE $UPD (id bigint PRIMARY KEY, v text); INSERT INTO $UPD VALUES (1, 'old1'), (2, 'old2')"
create_connector "upd-$SUF" "$(sink_conf "$UPD" update ',"value.converter.schemas.enable":"false"')"
wait_connector_running "upd-$SUF" 1 60
printf '%s\n' '3|{"v":"new3"}' '1|{"v":"new1"}' | produce_records "$UPD" '|'
upd_rows() { [ "$("${PSQL[@]}" -c "SELECT string_agg(id || ':' || v, ',' ORDER BY id) FROM $UPD")" = "1:new1,2:old2" ]; }
wait_for 60 "row 1 of $UPD updated" upd_rows
[ "$(connector_state "upd-$SUF" 0)" = RUNNING ] || fail "task upd-$SUF: $(connector_state "upd-$SUF" 0)"
info "update mode: the keyed row updated, a key without a row left alone"

# pk.mode=kafka: auto.create keys the table by __connect_topic/__connect_partition/__connect_offset.
KAF=kaf_$SUF
create_connector "kaf-$SUF" "$(sink_conf "$KAF" insert ',"pk.mode":"kafka","pk.fields":"","value.converter.schemas.enable":"false"')"
wait_connector_running "kaf-$SUF" 1 60
printf '%s\n' '{"v":"a"}' '{"v":"b"}' | produce_records "$KAF"
kaf_rows() {
        [ "$("${PSQL[@]}" -c "SELECT string_agg(__connect_topic || ':' || __connect_partition || ':' || __connect_offset || ':' || v, ',' ORDER BY __connect_offset) FROM $KAF" 2>/dev/null)" = "$KAF:0:0:a,$KAF:0:1:b" ]
}
wait_for 60 "2 rows in $KAF keyed by topic, partition and offset" kaf_rows
pk=$("${PSQL[@]}" -c "SELECT string_agg(a.attname || ':' || format_type(a.atttypid, a.atttypmod), ' ' ORDER BY a.attname)
        FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
        WHERE i.indrelid = '$KAF'::regclass AND i.indisprimary")
[ "$pk" = "__connect_offset:bigint __connect_partition:integer __connect_topic:text" ] || fail "primary key of $KAF: $pk"
info "pk.mode=kafka: rows keyed by topic, partition and offset"

# kill -9 mid-stream: every key's last value is in the table after a restart.
N=2000
create_connector "kill-$SUF" "$(sink_conf "$KILL" upsert ',"value.converter.schemas.enable":"false","batch.size":"100"')"
wait_connector_running "kill-$SUF" 1 60
awk -v n=$N 'BEGIN { for (i = 1; i <= n; i++) printf "%d|{\"v\":\"a%d\"}\n", i % 500, i }' | produce_records "$KILL" '|'
wait_for 60 "some rows of $KILL" sh -c "[ \"\$(psql -X -t -A '$POSTGRES_URL' -c 'SELECT count(*) FROM $KILL' 2>/dev/null || echo 0)\" -gt 0 ]"
stop_worker connect KILL
awk -v n=$N 'BEGIN { for (i = n + 1; i <= 2 * n; i++) printf "%d|{\"v\":\"b%d\"}\n", i % 500, i }' | produce_records "$KILL" '|'
start_connect_worker key.converter=org.apache.kafka.connect.json.JsonConverter key.converter.schemas.enable=false
create_connector "kill-$SUF" "$(sink_conf "$KILL" upsert ',"value.converter.schemas.enable":"false","batch.size":"100"')"
wait_connector_running "kill-$SUF" 1 60
want=$(awk -v n=$N 'BEGIN { for (i = n + 1; i <= 2 * n; i++) last[i % 500] = "b" i; for (k = 0; k < 500; k++) print k "|" last[k] }')
check_kill() { [ "$(psql -X -t -A "$POSTGRES_URL" -c "SELECT id || '|' || v FROM $KILL ORDER BY id")" = "$want" ]; }
wait_for 90 "every key's last value in $KILL" check_kill
stop_worker connect TERM
info "ok: sink insert/upsert/delete, auto.create/evolve, maps, kill -9 recovery on PostgreSQL"
