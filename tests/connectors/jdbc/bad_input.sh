#!/usr/bin/env bash
# JDBC connectors refuse bad input with errors that name the key: /config/validate (and POST
# /connectors, 400) for a missing mode, a malformed JDBC URL, a wrong password, an unreachable
# database and delete.enabled without pk.mode=record_key; a table.whitelist naming a table that
# does not exist fails the connector with a message naming the table; a nullable or missing
# incrementing column fails the task naming it; an upsert into a table without a primary key fails
# the task with the database's reason; the password never shows.
# services: kafka postgres
source "$(dirname "$0")/../lib.sh"
use_kafka
use_service postgres
JURL="jdbc:postgresql://$POSTGRES_HOST:$POSTGRES_PORT/$POSTGRES_DB"
SUF=$RANDOM$RANDOM
start_connect_worker

# validate CLASS JSON-CONFIG KEY PATTERN: the key has an error matching PATTERN.
validate() {
        local cls=$1 config=$2 key=$3 pat=$4 out
        out=$(curl -s -X PUT -H 'Content-Type: application/json' "$REST/connector-plugins/$cls/config/validate" -d "$config")
        python3 - "$out" "$key" "$pat" "$POSTGRES_PASSWORD" <<'PY' || fail "validate $cls ($key ~ $pat): $out"
import json, re, sys
body, key, pat, pw = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
assert body["error_count"] >= 1, body["error_count"]
errs = [e for c in body["configs"] if c["value"]["name"] == key for e in c["value"]["errors"]]
assert any(re.search(pat, e) for e in errs), errs
assert pw not in sys.argv[1], "password in the answer"
for c in body["configs"]:
    if c["value"]["name"] == "connection.password" and c["value"]["value"] is not None:
        assert c["value"]["value"] == "[hidden]", c["value"]
PY
}
SRC='"connector.class":"io.confluent.connect.jdbc.JdbcSourceConnector","topic.prefix":"p-"'
SINK='"connector.class":"io.confluent.connect.jdbc.JdbcSinkConnector","topics":"t"'
GOOD="\"connection.url\":\"$JURL\",\"connection.user\":\"$POSTGRES_USER\",\"connection.password\":\"$POSTGRES_PASSWORD\""

validate JdbcSourceConnector "{$SRC,$GOOD}" mode 'mode'
validate JdbcSourceConnector "{$SRC,$GOOD,\"mode\":\"timestamp\"}" timestamp.column.name 'Timestamp column'
validate JdbcSourceConnector "{$SRC,\"mode\":\"bulk\",\"connection.url\":\"postgresql://h/db\"}" connection.url "starts with 'jdbc:'"
validate JdbcSourceConnector "{$SRC,\"mode\":\"bulk\",\"connection.url\":\"jdbc:postgresql://h:99999/db\"}" connection.url 'port'
validate JdbcSourceConnector "{$SRC,\"mode\":\"bulk\",\"connection.url\":\"jdbc:postgresql://$POSTGRES_HOST:$POSTGRES_PORT/$POSTGRES_DB\",\"connection.user\":\"$POSTGRES_USER\",\"connection.password\":\"wrong-$SUF\"}" \
        connection.password 'password authentication failed'
# A port nobody listens on (the worker's own REST port would answer HTTP, so take a fresh one).
DEAD=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
validate JdbcSinkConnector "{$SINK,\"connection.url\":\"jdbc:postgresql://127.0.0.1:$DEAD/db\"}" connection.url 'Could not connect.*(refused|connect)'
validate JdbcSinkConnector "{$SINK,$GOOD,\"delete.enabled\":\"true\"}" pk.mode 'record_key'
validate JdbcSinkConnector "{$SINK,$GOOD,\"insert.mode\":\"upsert\"}" pk.mode 'primary key'

# POST /connectors answers 400 naming the key.
code=$(curl -s -o "$WORK/post.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' "$REST/connectors" \
        -d "{\"name\":\"nomode-$SUF\",\"config\":{$SRC,$GOOD}}")
[ "$code" = 400 ] && grep -q mode "$WORK/post.json" || fail "POST without mode answered $code: $(cat "$WORK/post.json")"

# A whitelisted table that does not exist fails the connector, naming the table.
create_connector "unknown-$SUF" "{$SRC,$GOOD,\"mode\":\"bulk\",\"table.whitelist\":\"nope_$SUF\"}"
failed() { curl -s "$REST/connectors/unknown-$SUF/status" | grep -q "nope_$SUF"; }
wait_for 60 "connector unknown-$SUF failing with the table's name" failed
curl -s "$REST/connectors/unknown-$SUF/status" | grep -q FAILED || fail "status: $(curl -s "$REST/connectors/unknown-$SUF/status")"
# validate.non.null: a nullable incrementing column fails the task with Confluent's message.
psql -X -q "$POSTGRES_URL" -c "CREATE TABLE nullable_$SUF (id int, v text); INSERT INTO nullable_$SUF VALUES (1, 'a')"
create_connector "nullable-$SUF" "{$SRC,$GOOD,\"mode\":\"incrementing\",\"incrementing.column.name\":\"id\",\"table.whitelist\":\"nullable_$SUF\"}"
nullable_failed() { curl -s "$REST/connectors/nullable-$SUF/status" | grep -q "incrementing column id on nullable_$SUF because this column is nullable"; }
wait_for 60 "task nullable-$SUF failing on the nullable column" nullable_failed
# An incrementing column the table does not have fails the task, naming the column and the table.
psql -X -q "$POSTGRES_URL" -c "CREATE TABLE noinc_$SUF (id serial primary key, v text); INSERT INTO noinc_$SUF (v) VALUES ('a')"
create_connector "noinc-$SUF" "{$SRC,$GOOD,\"mode\":\"incrementing\",\"incrementing.column.name\":\"nosuch\",\"table.whitelist\":\"noinc_$SUF\"}"
noinc_failed() {
        curl -s "$REST/connectors/noinc-$SUF/status" | grep -q "FAILED" &&
                curl -s "$REST/connectors/noinc-$SUF/status" | grep -q "column noinc_$SUF.nosuch does not exist"
}
wait_for 60 "task noinc-$SUF failing on the missing incrementing column" noinc_failed
# Upsert into an existing table without a primary key: the task fails with the database's reason,
# and the row is not half-written.
psql -X -q "$POSTGRES_URL" -c "CREATE TABLE nopk_$SUF (id int, v text)"
printf '%s\n' '{"schema":{"type":"struct","fields":[{"field":"id","type":"int32"},{"field":"v","type":"string","optional":true}]},"payload":{"id":1,"v":"a"}}' |
        produce_records "nopk_$SUF"
create_connector "nopk-$SUF" "{\"connector.class\":\"io.confluent.connect.jdbc.JdbcSinkConnector\",\"topics\":\"nopk_$SUF\",$GOOD,\"insert.mode\":\"upsert\",\"pk.mode\":\"record_value\",\"pk.fields\":\"id\",\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\"}"
nopk_failed() {
        curl -s "$REST/connectors/nopk-$SUF/status" | grep -q "FAILED" &&
                curl -s "$REST/connectors/nopk-$SUF/status" | grep -q "no unique or exclusion constraint"
}
wait_for 60 "task nopk-$SUF failing on the table without a primary key" nopk_failed
[ "$(psql -X -t -A "$POSTGRES_URL" -c "SELECT count(*) FROM nopk_$SUF")" = 0 ] || fail "rows written to nopk_$SUF"
! grep -q "$POSTGRES_PASSWORD" "$WORK/connect.log" || fail "the password shows in the worker log"
stop_worker connect TERM
info "ok: bad input refused with errors naming the key"
