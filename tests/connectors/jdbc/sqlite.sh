#!/usr/bin/env bash
# JDBC source and sink on SQLite (jdbc:sqlite:<file>, no server) with a real broker, checked with
# the sqlite3 shell and kcat: a table in incrementing mode gives its rows as records (struct named
# after the table) with {"protocol":"1","table":"<table>"} offsets; a new row arrives while the
# connector polls; the sink writes JSON-with-schema records with auto.create and upserts them with
# INSERT OR REPLACE; timestamps are stored and read as sqlite-jdbc does by default (INTEGER epoch
# milliseconds) and timestamp mode binds its bounds as epoch milliseconds; timestamp+incrementing
# picks up an update, bulk and query modes copy rows; insert mode with delete.enabled turns a
# tombstone into DELETE.
# services: kafka
source "$(dirname "$0")/../lib.sh"
use_kafka
DB=$WORK/test.db
SUF=$RANDOM$RANDOM
sqlite3 "$DB" "CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, price REAL, qty BIGINT);
INSERT INTO items (name, price, qty) VALUES ('a', 1.5, 10), ('b', NULL, 20);" || fail "creating the table"

start_connect_worker key.converter=org.apache.kafka.connect.json.JsonConverter key.converter.schemas.enable=false
create_connector "lite-src-$SUF" "{\"connector.class\":\"JdbcSourceConnector\",\"connection.url\":\"jdbc:sqlite:$DB\",
  \"mode\":\"incrementing\",\"topic.prefix\":\"lite-$SUF-\",\"poll.interval.ms\":\"300\",
  \"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\"}"
wait_connector_running "lite-src-$SUF" 1 60
read_records "lite-$SUF-items" 2 60 '%s\n' >"$WORK/got.txt"
python3 - "$WORK/got.txt" <<'PY' || fail "records: $(cat "$WORK/got.txt")"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
s = recs[0]["schema"]
assert s["name"] == "items" and [f["field"] for f in s["fields"]] == ["id", "name", "price", "qty"], s
assert [f["type"] for f in s["fields"]] == ["int64", "string", "double", "int64"], s
assert [r["payload"] for r in recs] == [{"id": 1, "name": "a", "price": 1.5, "qty": 10},
                                        {"id": 2, "name": "b", "price": None, "qty": 20}], recs
PY
sqlite3 "$DB" "INSERT INTO items (name) VALUES ('c')"
read_records "lite-$SUF-items" 3 30 '%s\n' | tail -1 | grep -q '"name":"c"' || fail "row c did not arrive"
wait_for 30 "offset of items" grep -qF "[\"lite-src-$SUF\",{\"protocol\":\"1\",\"table\":\"items\"}]" "$WORK/connect.offsets"
info "SQLite source: records and offsets"

T=lite_sink_$SUF
create_connector "lite-sink-$SUF" "{\"connector.class\":\"JdbcSinkConnector\",\"connection.url\":\"jdbc:sqlite:$DB\",
  \"topics\":\"$T\",\"insert.mode\":\"upsert\",\"pk.mode\":\"record_key\",\"pk.fields\":\"id\",\"auto.create\":\"true\",
  \"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\"}"
wait_connector_running "lite-sink-$SUF" 1 60
S='{"type":"struct","optional":false,"fields":[{"field":"v","type":"string","optional":true},{"field":"n","type":"int32","optional":true}]}'
printf '1|{"schema":%s,"payload":{"v":"x","n":1}}\n2|{"schema":%s,"payload":{"v":"y","n":2}}\n1|{"schema":%s,"payload":{"v":"z","n":3}}\n' "$S" "$S" "$S" |
        produce_records "$T" '|'
rows() { [ "$(sqlite3 "$DB" "SELECT group_concat(id || v || n, ',') FROM (SELECT * FROM $T ORDER BY id)" 2>/dev/null)" = "1z3,2y2" ]; }
wait_for 60 "upserted rows in $T" rows
ddl=$(sqlite3 "$DB" "SELECT sql FROM sqlite_master WHERE name = '$T'" | tr -d '\n')
[ "$ddl" = "CREATE TABLE \"$T\" (\"id\" INTEGER NOT NULL,\"v\" TEXT NULL,\"n\" INTEGER NULL,PRIMARY KEY(\"id\"))" ] || fail "DDL: $ddl"
info "SQLite sink: upserts and Confluent's DDL"

# Timestamps: the sink stores a Connect Timestamp (and Date) as INTEGER epoch milliseconds.
TS=lite_ts_$SUF
create_connector "lite-ts-$SUF" "{\"connector.class\":\"JdbcSinkConnector\",\"connection.url\":\"jdbc:sqlite:$DB\",
  \"topics\":\"$TS\",\"auto.create\":\"true\",\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\"}"
wait_connector_running "lite-ts-$SUF" 1 60
ST='{"type":"struct","optional":false,"fields":[{"field":"at","type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1},{"field":"d","type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1}]}'
printf '1|{"schema":%s,"payload":{"at":1719835200123,"d":19905}}\n' "$ST" | produce_records "$TS" '|'
tsrow() { [ "$(sqlite3 "$DB" "SELECT typeof(at) || ' ' || at || ' ' || typeof(d) || ' ' || d FROM $TS" 2>/dev/null)" = "integer 1719835200123 integer 1719792000000" ]; }
wait_for 60 "epoch milliseconds in $TS" tsrow
# The source reads INTEGER timestamps; timestamp mode compares with epoch milliseconds.
sqlite3 "$DB" "CREATE TABLE ev (id INTEGER PRIMARY KEY, at TIMESTAMP NOT NULL);
INSERT INTO ev VALUES (1, 1719835200123);" || fail "creating ev"
create_connector "lite-tsrc-$SUF" "{\"connector.class\":\"JdbcSourceConnector\",\"connection.url\":\"jdbc:sqlite:$DB\",
  \"mode\":\"timestamp\",\"timestamp.column.name\":\"at\",\"table.whitelist\":\"ev\",\"topic.prefix\":\"lite-ts-$SUF-\",
  \"poll.interval.ms\":\"200\",\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"false\"}"
wait_connector_running "lite-tsrc-$SUF" 1 60
read_records "lite-ts-$SUF-ev" 1 60 '%s\n' | grep -qx '{"id":1,"at":1719835200123}' || fail "INTEGER timestamp: $(read_records "lite-ts-$SUF-ev" 1 5)"
wait_for 30 "the timestamp offset of ev" grep -q '"timestamp":1719835200123' "$WORK/connect.offsets"
sqlite3 "$DB" "INSERT INTO ev VALUES (3, 1719835300000)"
read_records "lite-ts-$SUF-ev" 2 60 '%s\n' | tail -1 | grep -qx '{"id":3,"at":1719835300000}' || fail "new row: $(read_records "lite-ts-$SUF-ev" 2 5)"
[ "$(topic_count "lite-ts-$SUF-ev")" = 2 ] || fail "row 1 sent twice: $(topic_count "lite-ts-$SUF-ev") records"
info "SQLite timestamps as sqlite-jdbc stores them"

# The other source modes: timestamp+incrementing picks up an update, bulk copies the table on
# every poll, query mode reads a SELECT of your own into topic.prefix itself.
sqlite3 "$DB" "CREATE TABLE upd (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT, at TIMESTAMP NOT NULL);
INSERT INTO upd (v, at) VALUES ('a', 1719835200000), ('b', 1719835200001);
CREATE TABLE bk (k INTEGER, v TEXT); INSERT INTO bk VALUES (1, 'x'), (2, 'y');" || fail "creating upd and bk"
lite_src() { # name mode [extra json]
        create_connector "$1" "{\"connector.class\":\"JdbcSourceConnector\",\"connection.url\":\"jdbc:sqlite:$DB\",
  \"mode\":\"$2\",\"poll.interval.ms\":\"200\",\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",
  \"value.converter.schemas.enable\":\"false\"${3:-}}"
        wait_connector_running "$1" 1 60
}
lite_src "lite-tsi-$SUF" timestamp+incrementing ',"incrementing.column.name":"id","timestamp.column.name":"at","table.whitelist":"upd","topic.prefix":"lite-tsi-'"$SUF"'-"'
read_records "lite-tsi-$SUF-upd" 2 60 '%s\n' >/dev/null
sqlite3 "$DB" "UPDATE upd SET v = 'a2', at = 1719835400000 WHERE id = 1" || fail "update"
read_records "lite-tsi-$SUF-upd" 3 60 '%s\n' | tail -1 | grep -qx '{"id":1,"v":"a2","at":1719835400000}' ||
        fail "the update did not arrive: $(read_records "lite-tsi-$SUF-upd" 3 5)"
# As java.sql.Timestamp.getNanos() gives it: the nanoseconds within the second.
wait_for 30 "timestamp+incrementing offset" grep -qF '{"timestamp_nanos":0,"incrementing":1,"timestamp":1719835400000}' "$WORK/connect.offsets"
lite_src "lite-bulk-$SUF" bulk ',"table.whitelist":"bk","topic.prefix":"lite-bulk-'"$SUF"'-"'
[ "$(read_records "lite-bulk-$SUF-bk" 4 60 '%s\n' | tr -d '\n')" = '{"k":1,"v":"x"}{"k":2,"v":"y"}{"k":1,"v":"x"}{"k":2,"v":"y"}' ] ||
        fail "bulk: $(read_records "lite-bulk-$SUF-bk" 4 5)"
lite_src "lite-q-$SUF" incrementing ',"incrementing.column.name":"id","query":"SELECT id, upper(v) AS big FROM upd","topic.prefix":"lite-q-'"$SUF"'"'
[ "$(read_records "lite-q-$SUF" 2 60 '%s\n' | tr -d '\n')" = '{"id":1,"big":"A2"}{"id":2,"big":"B"}' ] ||
        fail "query mode: $(read_records "lite-q-$SUF" 2 5)"
wait_for 30 "query mode offset" grep -qF "[\"lite-q-$SUF\",{\"query\":\"query\"}]" "$WORK/connect.offsets"
info "SQLite source: timestamp+incrementing (an update), bulk and query modes"

# Sink: insert mode with delete.enabled; the tombstone of key 2 deletes its row.
D=lite_del_$SUF
create_connector "lite-del-$SUF" "{\"connector.class\":\"JdbcSinkConnector\",\"connection.url\":\"jdbc:sqlite:$DB\",
  \"topics\":\"$D\",\"insert.mode\":\"insert\",\"pk.mode\":\"record_key\",\"pk.fields\":\"id\",\"delete.enabled\":\"true\",
  \"auto.create\":\"true\",\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"false\"}"
wait_connector_running "lite-del-$SUF" 1 60
printf '1|{"v":"one"}\n2|{"v":"two"}\n3|{"v":"three"}\n' | produce_records "$D" '|'
echo "2|" | kcat -b "$KAFKA" -P -t "$D" -K '|' -Z
dels() { [ "$(sqlite3 "$DB" "SELECT group_concat(id || '=' || v, ' ') FROM (SELECT * FROM $D ORDER BY id)" 2>/dev/null)" = "1=one 3=three" ]; }
wait_for 60 "rows 1 and 3 in $D, 2 deleted" dels
stop_worker connect TERM
info "ok: SQLite source and sink: every mode, upsert, insert with deletes"
