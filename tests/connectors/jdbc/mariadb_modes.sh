#!/usr/bin/env bash
# The JDBC source's other modes and the sink's other paths on real MariaDB (libmariadb), checked
# with the mariadb client and kcat: timestamp+incrementing picks up an update (offsets in
# Confluent's three-key shape), timestamp mode and bulk mode copy the table, query mode
# (incrementing on a SELECT of your own) writes to topic.prefix alone; the sink in insert mode
# with delete.enabled turns a tombstone into DELETE; kill -9 of the worker while the sink upserts
# loses nothing (every key's last value in the table after a restart).
# services: kafka mariadb
source "$(dirname "$0")/../lib.sh"
use_kafka
use_service mariadb
MY=(mariadb --no-defaults -h "$MARIADB_HOST" -P "$MARIADB_PORT" -u "$MARIADB_USER" "-p$MARIADB_PASSWORD" "$MARIADB_DB" -N -B)
SUF=$RANDOM$RANDOM
PFX=my-modes-$SUF-
URL="jdbc:mariadb://$MARIADB_HOST:$MARIADB_PORT/$MARIADB_DB?user=$MARIADB_USER&password=$MARIADB_PASSWORD"
"${MY[@]}" -e "CREATE TABLE upd_$SUF (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(20),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3));
  INSERT INTO upd_$SUF (v) VALUES ('a'), ('b');
  CREATE TABLE bulk_$SUF (k INT, v VARCHAR(20));
  INSERT INTO bulk_$SUF VALUES (1, 'x'), (2, 'y');" || fail "creating the tables"

start_connect_worker key.converter=org.apache.kafka.connect.json.JsonConverter key.converter.schemas.enable=false
conf() { # mode table [extra json]
        echo "{\"connector.class\":\"io.confluent.connect.jdbc.JdbcSourceConnector\",\"connection.url\":\"$URL\",
        \"mode\":\"$1\",\"table.whitelist\":\"$2\",\"topic.prefix\":\"$PFX\",\"poll.interval.ms\":\"300\",
        \"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"true\"${3:-}}"
}

# timestamp+incrementing: an update comes again with its new timestamp.
create_connector "tsi-$SUF" "$(conf timestamp+incrementing "upd_$SUF" ',"incrementing.column.name":"id","timestamp.column.name":"updated_at"')"
wait_connector_running "tsi-$SUF" 1 60
read_records "${PFX}upd_$SUF" 2 60 '%s\n' >/dev/null
"${MY[@]}" -e "UPDATE upd_$SUF SET v = 'a2', updated_at = NOW(3) + INTERVAL 1 SECOND WHERE id = 1" || fail "update"
read_records "${PFX}upd_$SUF" 3 60 '%s\n' | tail -1 | grep -q '"v":"a2"' || fail "the update did not arrive"
wait_for 30 "timestamp+incrementing offset" python3 -c '
import json, sys
e = [e for e in json.load(open(sys.argv[1])) if e["key"][0] == sys.argv[2]]
assert e[-1]["key"][1] == {"protocol": "1", "table": sys.argv[3]}, e[-1]["key"]
v = e[-1]["value"]
assert list(v) == ["timestamp_nanos", "incrementing", "timestamp"] and v["incrementing"] == 1, v' \
        "$WORK/connect.offsets" "tsi-$SUF" "$MARIADB_DB.upd_$SUF"
info "timestamp+incrementing: the update of row 1 arrived; offsets {timestamp_nanos, incrementing, timestamp}"

# timestamp mode: both rows, the updated one last (ordered by the timestamp column).
create_connector "ts-$SUF" "$(conf timestamp "upd_$SUF" ',"timestamp.column.name":"updated_at","topic.prefix":"'"${PFX}ts-"'"')"
wait_connector_running "ts-$SUF" 1 60
read_records "${PFX}ts-upd_$SUF" 2 60 '%s\n' >"$WORK/ts.txt"
python3 -c '
import json, sys
vs = [json.loads(l)["payload"]["v"] for l in open(sys.argv[1])]
assert vs == ["b", "a2"], vs' "$WORK/ts.txt" || fail "timestamp mode: $(cat "$WORK/ts.txt")"

# bulk mode copies the whole table on every poll.
create_connector "bulk-$SUF" "$(conf bulk "bulk_$SUF")"
wait_connector_running "bulk-$SUF" 1 60
read_records "${PFX}bulk_$SUF" 4 60 '%s\n' >"$WORK/bulk.txt"
python3 -c '
import json, sys
ks = [json.loads(l)["payload"]["k"] for l in open(sys.argv[1])]
assert ks == [1, 2, 1, 2], ks' "$WORK/bulk.txt" || fail "bulk: $(cat "$WORK/bulk.txt")"

# query mode: incrementing over a SELECT of your own, into topic.prefix itself.
create_connector "q-$SUF" "{\"connector.class\":\"io.confluent.connect.jdbc.JdbcSourceConnector\",\"connection.url\":\"$URL\",
  \"mode\":\"incrementing\",\"incrementing.column.name\":\"id\",\"query\":\"SELECT id, UPPER(v) AS big FROM upd_$SUF\",
  \"topic.prefix\":\"${PFX}query\",\"poll.interval.ms\":\"300\",\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\"}"
wait_connector_running "q-$SUF" 1 60
"${MY[@]}" -e "INSERT INTO upd_$SUF (v) VALUES ('c')" || fail "insert c"
read_records "${PFX}query" 3 60 '%s\n' >"$WORK/q.txt"
python3 -c '
import json, sys
p = [json.loads(l)["payload"] for l in open(sys.argv[1])]
assert p == [{"id": 1, "big": "A2"}, {"id": 2, "big": "B"}, {"id": 3, "big": "C"}], p' "$WORK/q.txt" ||
        fail "query mode: $(cat "$WORK/q.txt")"
wait_for 30 "query mode offset" grep -qF "[\"q-$SUF\",{\"query\":\"query\"}]" "$WORK/connect.offsets"
info "timestamp, bulk and query modes on MariaDB"

# Sink: insert mode with delete.enabled; the tombstone of key 2 deletes its row.
S=del_$SUF
create_connector "ins-$SUF" "{\"connector.class\":\"JdbcSinkConnector\",\"connection.url\":\"$URL\",\"topics\":\"$S\",
  \"insert.mode\":\"insert\",\"pk.mode\":\"record_key\",\"pk.fields\":\"id\",\"delete.enabled\":\"true\",\"auto.create\":\"true\",
  \"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"false\"}"
wait_connector_running "ins-$SUF" 1 60
printf '1|{"v":"one"}\n2|{"v":"two"}\n3|{"v":"three"}\n' | produce_records "$S" '|'
echo "2|" | kcat -b "$KAFKA" -P -t "$S" -K '|' -Z
dels() { [ "$("${MY[@]}" -e "SELECT CONCAT(id, '=', v) FROM $S ORDER BY id" 2>/dev/null | tr '\n' ' ')" = "1=one 3=three " ]; }
wait_for 60 "rows 1 and 3 in $S, 2 deleted" dels
info "sink: insert mode, the tombstone of key 2 became DELETE"

# kill -9 mid-stream: every key's last value is in the table after a restart.
K=kill_$SUF
N=2000
KCONF="{\"connector.class\":\"JdbcSinkConnector\",\"connection.url\":\"$URL\",\"topics\":\"$K\",\"insert.mode\":\"upsert\",
  \"pk.mode\":\"record_key\",\"pk.fields\":\"id\",\"auto.create\":\"true\",\"batch.size\":\"100\",
  \"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"false\"}"
create_connector "kill-$SUF" "$KCONF"
wait_connector_running "kill-$SUF" 1 60
awk -v n=$N 'BEGIN { for (i = 1; i <= n; i++) printf "%d|{\"v\":\"a%d\"}\n", i % 500, i }' | produce_records "$K" '|'
some() { [ "$("${MY[@]}" -e "SELECT count(*) FROM $K" 2>/dev/null || echo 0)" -gt 0 ]; }
wait_for 60 "some rows of $K" some
stop_worker connect KILL
awk -v n=$N 'BEGIN { for (i = n + 1; i <= 2 * n; i++) printf "%d|{\"v\":\"b%d\"}\n", i % 500, i }' | produce_records "$K" '|'
start_connect_worker key.converter=org.apache.kafka.connect.json.JsonConverter key.converter.schemas.enable=false
create_connector "kill-$SUF" "$KCONF"
wait_connector_running "kill-$SUF" 1 60
want=$(awk -v n=$N 'BEGIN { for (i = n + 1; i <= 2 * n; i++) last[i % 500] = "b" i; for (k = 0; k < 500; k++) print k "|" last[k] }')
check_kill() { [ "$("${MY[@]}" -e "SELECT CONCAT(id, '|', v) FROM $K ORDER BY id" 2>/dev/null)" = "$want" ]; }
wait_for 90 "every key's last value in $K" check_kill
info "kill -9 mid-stream: every key's last value in $K after the restart"
"${MY[@]}" -e "DROP TABLE upd_$SUF, bulk_$SUF, $S, $K" >/dev/null 2>&1
stop_worker connect TERM
echo PASS
