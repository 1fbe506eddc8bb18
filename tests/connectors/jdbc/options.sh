#!/usr/bin/env bash
# JDBC connector options beyond the basic modes, on real PostgreSQL and MariaDB with a real broker,
# checked with psql, the mariadb client and kcat:
#   - transaction.isolation.mode: the source's session runs at the level asked for (a query-mode
#     source reads the session's own setting back) on PostgreSQL and MariaDB;
#   - catalog.pattern: a pattern that matches the database selects its tables, one that does not
#     leaves the connector without tables (PostgreSQL: the database is the catalog; MariaDB: the
#     database);
#   - db.timezone: a PostgreSQL `timestamp` and a MariaDB DATETIME are read as wall times in
#     Europe/Paris (timestamptz stays an instant), timestamp mode binds its bounds in that zone (a
#     row is not sent again on later polls), and the sink writes Timestamps as Paris wall time;
#   - MariaDB: strings holding NUL bytes go through the sink and the source intact, and a URL
#     naming a dead host first fails over to the next host;
#   - the "Task config values" log line hides the password of connection.url.
# services: kafka postgres mariadb
source "$(dirname "$0")/../lib.sh"
use_kafka
use_service postgres
use_service mariadb
PSQL=(psql -X -q -t -A -v ON_ERROR_STOP=1 "$POSTGRES_URL")
MY=(mariadb --no-defaults -h "$MARIADB_HOST" -P "$MARIADB_PORT" -u "$MARIADB_USER" "-p$MARIADB_PASSWORD" "$MARIADB_DB" -N -B)
PGURL="jdbc:postgresql://$POSTGRES_HOST:$POSTGRES_PORT/$POSTGRES_DB"
SUF=$RANDOM$RANDOM
PFX=opt-$SUF-
JSONV='"value.converter":"org.apache.kafka.connect.json.JsonConverter","value.converter.schemas.enable":"false"'
PGC="\"connection.url\":\"$PGURL\",\"connection.user\":\"$POSTGRES_USER\",\"connection.password\":\"$POSTGRES_PASSWORD\""
# A dead port first: libmariadb fails to connect there and the connector moves to the next host.
DEAD=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
MYURL="jdbc:mysql://127.0.0.1:$DEAD,$MARIADB_HOST:$MARIADB_PORT/$MARIADB_DB"
MYC="\"connection.url\":\"$MYURL\",\"connection.user\":\"$MARIADB_USER\",\"connection.password\":\"$MARIADB_PASSWORD\""

"${PSQL[@]}" <<SQL || fail "creating the PostgreSQL tables"
CREATE TABLE tz_$SUF (id serial PRIMARY KEY, ts timestamp NOT NULL, tstz timestamptz NOT NULL);
INSERT INTO tz_$SUF (ts, tstz) VALUES ('2024-07-01 12:00:00', '2024-07-01 12:00:00+00');
CREATE SCHEMA cat_$SUF;
CREATE TABLE cat_$SUF.t (id serial PRIMARY KEY, v text);
INSERT INTO cat_$SUF.t (v) VALUES ('c');
SQL
"${MY[@]}" -e "CREATE TABLE mtz_$SUF (id INT AUTO_INCREMENT PRIMARY KEY, dt DATETIME(3) NOT NULL, s VARBINARY(20), v VARCHAR(20));
  INSERT INTO mtz_$SUF (dt, v) VALUES ('2024-07-01 12:00:00', CONCAT('a', CHAR(0), 'b'));" || fail "creating the MariaDB table"

start_connect_worker

# ---- transaction.isolation.mode
create_connector "iso-pg-$SUF" "{\"connector.class\":\"io.confluent.connect.jdbc.JdbcSourceConnector\",$PGC,
  \"mode\":\"bulk\",\"query\":\"SELECT current_setting('transaction_isolation') AS iso\",\"topic.prefix\":\"${PFX}iso-pg\",
  \"transaction.isolation.mode\":\"SERIALIZABLE\",\"poll.interval.ms\":\"60000\",$JSONV}"
create_connector "iso-my-$SUF" "{\"connector.class\":\"io.confluent.connect.jdbc.JdbcSourceConnector\",$MYC,
  \"mode\":\"bulk\",\"query\":\"SELECT @@SESSION.tx_isolation AS iso\",\"topic.prefix\":\"${PFX}iso-my\",
  \"transaction.isolation.mode\":\"READ_UNCOMMITTED\",\"poll.interval.ms\":\"60000\",$JSONV}"
wait_connector_running "iso-pg-$SUF" 1 60
wait_connector_running "iso-my-$SUF" 1 60
read_records "${PFX}iso-pg" 1 60 '%s\n' | grep -qx '{"iso":"serializable"}' || fail "PostgreSQL isolation: $(read_records "${PFX}iso-pg" 1 5)"
read_records "${PFX}iso-my" 1 60 '%s\n' | grep -qx '{"iso":"READ-UNCOMMITTED"}' || fail "MariaDB isolation: $(read_records "${PFX}iso-my" 1 5)"
info "transaction.isolation.mode: SERIALIZABLE on PostgreSQL, READ_UNCOMMITTED on MariaDB (failover URL)"

# ---- catalog.pattern
create_connector "cat-yes-$SUF" "{\"connector.class\":\"io.confluent.connect.jdbc.JdbcSourceConnector\",$PGC,
  \"mode\":\"incrementing\",\"schema.pattern\":\"cat_$SUF\",\"catalog.pattern\":\"$POSTGRES_DB\",
  \"topic.prefix\":\"${PFX}cat-\",\"poll.interval.ms\":\"300\",$JSONV}"
create_connector "cat-no-$SUF" "{\"connector.class\":\"io.confluent.connect.jdbc.JdbcSourceConnector\",$PGC,
  \"mode\":\"incrementing\",\"schema.pattern\":\"cat_$SUF\",\"catalog.pattern\":\"no_such_db%\",
  \"topic.prefix\":\"${PFX}catno-\",\"poll.interval.ms\":\"300\",$JSONV}"
create_connector "mcat-no-$SUF" "{\"connector.class\":\"io.confluent.connect.jdbc.JdbcSourceConnector\",$MYC,
  \"mode\":\"incrementing\",\"catalog.pattern\":\"no_such_db%\",\"topic.prefix\":\"${PFX}mcatno-\",$JSONV}"
wait_connector_running "cat-yes-$SUF" 1 60
read_records "${PFX}cat-t" 1 60 '%s\n' | grep -q '"v":"c"' || fail "catalog.pattern matching the database: no row"
ntasks() { curl -sf "$REST/connectors/$1/tasks" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'; }
running_no_tasks() { [ "$(connector_state "$1")" = RUNNING ] && [ "$(ntasks "$1")" = 0 ]; }
wait_for 60 "cat-no without tasks" running_no_tasks "cat-no-$SUF"
wait_for 60 "mcat-no without tasks" running_no_tasks "mcat-no-$SUF"
grep -q "No tables were found" "$WORK/connect.log" || fail "no warning about the empty table set"
info "catalog.pattern: the database's pattern selects its tables, another selects none"

# ---- db.timezone, source
create_connector "tz-pg-$SUF" "{\"connector.class\":\"io.confluent.connect.jdbc.JdbcSourceConnector\",$PGC,
  \"mode\":\"timestamp\",\"timestamp.column.name\":\"ts\",\"table.whitelist\":\"tz_$SUF\",\"db.timezone\":\"Europe/Paris\",
  \"topic.prefix\":\"${PFX}\",\"poll.interval.ms\":\"200\",$JSONV}"
create_connector "tz-my-$SUF" "{\"connector.class\":\"io.confluent.connect.jdbc.JdbcSourceConnector\",$MYC,
  \"mode\":\"incrementing\",\"table.whitelist\":\"mtz_$SUF\",\"db.timezone\":\"Europe/Paris\",
  \"topic.prefix\":\"${PFX}\",\"poll.interval.ms\":\"200\",$JSONV}"
wait_connector_running "tz-pg-$SUF" 1 60
wait_connector_running "tz-my-$SUF" 1 60
# 2024-07-01 12:00 in Paris (CEST, +02:00) is 10:00 UTC = 1719828000000; the timestamptz is 12:00 UTC.
read_records "${PFX}tz_$SUF" 1 60 '%s\n' | grep -qx '{"id":1,"ts":1719828000000,"tstz":1719835200000}' ||
        fail "PostgreSQL db.timezone: $(read_records "${PFX}tz_$SUF" 1 5)"
read_records "${PFX}mtz_$SUF" 1 60 '%s\n' >"$WORK/mtz.txt"
python3 - "$WORK/mtz.txt" <<'PY' || fail "MariaDB db.timezone / NUL: $(cat "$WORK/mtz.txt")"
import json, sys
r = json.loads(open(sys.argv[1]).readline())
assert r == {"id": 1, "dt": 1719828000000, "s": None, "v": "a\u0000b"}, r
PY
# Timestamp mode bound its bounds in Paris time: the first row is not sent again; a new row is.
"${PSQL[@]}" -c "INSERT INTO tz_$SUF (ts, tstz) VALUES ('2024-07-02 12:00:00', '2024-07-02 12:00:00+00')"
read_records "${PFX}tz_$SUF" 2 60 '%s\n' | tail -1 | grep -q '"id":2' || fail "the second row did not arrive"
wait_for 30 "the timestamp offset" grep -q '"timestamp":1719914400000' "$WORK/connect.offsets"
"${PSQL[@]}" -c "INSERT INTO tz_$SUF (ts, tstz) VALUES ('2024-07-03 12:00:00', '2024-07-03 12:00:00+00')"
read_records "${PFX}tz_$SUF" 3 60 '%s\n' >"$WORK/tz3.txt"
python3 -c '
import json, sys
ids = [json.loads(l)["id"] for l in open(sys.argv[1])]
assert ids == [1, 2, 3], ids' "$WORK/tz3.txt" || fail "timestamp mode in Europe/Paris: $(cat "$WORK/tz3.txt")"
[ "$(topic_count "${PFX}tz_$SUF")" = 3 ] || fail "rows sent again: $(topic_count "${PFX}tz_$SUF") records"
info "db.timezone (source): timestamp and DATETIME read in Europe/Paris, timestamptz unchanged, no row sent twice"

# ---- db.timezone, sink (PostgreSQL) and NUL bytes (MariaDB sink)
stop_worker connect TERM
start_connect_worker key.converter=org.apache.kafka.connect.json.JsonConverter key.converter.schemas.enable=false
S=tzsink_$SUF
create_connector "tz-sink-$SUF" "{\"connector.class\":\"io.confluent.connect.jdbc.JdbcSinkConnector\",$PGC,
  \"topics\":\"$S\",\"auto.create\":\"true\",\"db.timezone\":\"Europe/Paris\",
  \"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\"}"
M=nulsink_$SUF
create_connector "nul-sink-$SUF" "{\"connector.class\":\"io.confluent.connect.jdbc.JdbcSinkConnector\",
  \"connection.url\":\"jdbc:mysql://127.0.0.1:$DEAD,$MARIADB_HOST:$MARIADB_PORT/$MARIADB_DB?user=$MARIADB_USER&password=$MARIADB_PASSWORD\",
  \"topics\":\"$M\",\"auto.create\":\"true\",\"insert.mode\":\"upsert\",\"pk.mode\":\"record_value\",\"pk.fields\":\"id\",
  \"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\"}"
wait_connector_running "tz-sink-$SUF" 1 60
wait_connector_running "nul-sink-$SUF" 1 60
SC='{"type":"struct","optional":false,"fields":[{"field":"at","type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1}]}'
printf '{"schema":%s,"payload":{"at":1719828000000}}\n' "$SC" | produce_records "$S"
pgrow() { [ "$("${PSQL[@]}" -c "SELECT at FROM \"$S\"" 2>/dev/null)" = "2024-07-01 12:00:00" ]; }
wait_for 60 "the Timestamp as Paris wall time in $S" pgrow
MS='{"type":"struct","optional":false,"fields":[{"field":"id","type":"int32","optional":false},{"field":"v","type":"string","optional":true}]}'
printf '{"schema":%s,"payload":{"id":1,"v":"x\\u0000y"}}\n' "$MS" | produce_records "$M"
myrow() { [ "$("${MY[@]}" -e "SELECT HEX(v) FROM $M WHERE id = 1" 2>/dev/null)" = "780079" ]; }
wait_for 60 "the NUL byte kept in $M" myrow
info "db.timezone (sink): Timestamp written as Paris wall time; MariaDB: NUL bytes kept, failover to the next host"

# ---- the task config log line hides the URL's password
grep -q "Task nul-sink-$SUF-0 config values" "$WORK/connect.log" || fail "no task config line"
grep "config values" "$WORK/connect.log" | grep -qF "password=$MARIADB_PASSWORD" && fail "the URL's password is in the log"
grep "Task nul-sink-$SUF-0 config values" "$WORK/connect.log" | grep -qF 'password=[hidden]' || fail "the URL password is not shown as [hidden]"
stop_worker connect TERM
info "ok: isolation, catalog.pattern, db.timezone, NUL bytes, host failover, URL password hidden"
