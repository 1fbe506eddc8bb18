#!/usr/bin/env bash
# PostgreSQL -> Kafka -> MariaDB: the JDBC source copies a PostgreSQL table (integers, text,
# numeric, double, boolean, date, timestamp) into a topic with JsonConverter schemas and the JDBC
# sink writes that topic into MariaDB with auto.create and upsert on the value's id; every row and
# value arrives, checked by reading both databases with their own clients, and an update on the
# source side (timestamp+incrementing) replaces the row on the other.
# services: kafka postgres mariadb
source "$(dirname "$0")/../lib.sh"
use_kafka
use_service postgres
use_service mariadb
PSQL=(psql -X -q -t -A -v ON_ERROR_STOP=1 "$POSTGRES_URL")
MY=(mariadb --no-defaults -h "$MARIADB_HOST" -P "$MARIADB_PORT" -u "$MARIADB_USER" "-p$MARIADB_PASSWORD" "$MARIADB_DB" -N -B)
SUF=$RANDOM$RANDOM
T=pipe_$SUF
"${PSQL[@]}" <<SQL || fail "creating $T"
CREATE TABLE $T (id serial PRIMARY KEY, name text NOT NULL, qty integer, big bigint, price numeric(10,2),
  ratio double precision, ok boolean, day date, at timestamp(3) NOT NULL DEFAULT '2024-01-01 00:00:00');
INSERT INTO $T (name, qty, big, price, ratio, ok, day, at)
SELECT 'row ' || g, g, g * 1000000000::bigint, g * 1.25, g / 8.0, g % 2 = 0, DATE '2024-01-01' + g,
       TIMESTAMP '2024-01-01 00:00:00' + g * interval '1.5 seconds'
FROM generate_series(1, 50) g;
SQL

start_connect_worker
create_connector "pipe-src-$SUF" "{\"connector.class\":\"JdbcSourceConnector\",
  \"connection.url\":\"jdbc:postgresql://$POSTGRES_HOST:$POSTGRES_PORT/$POSTGRES_DB\",\"connection.user\":\"$POSTGRES_USER\",
  \"connection.password\":\"$POSTGRES_PASSWORD\",\"mode\":\"timestamp+incrementing\",\"incrementing.column.name\":\"id\",
  \"timestamp.column.name\":\"at\",\"table.whitelist\":\"$T\",\"topic.prefix\":\"\",\"poll.interval.ms\":\"300\",
  \"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\"}"
create_connector "pipe-sink-$SUF" "{\"connector.class\":\"JdbcSinkConnector\",
  \"connection.url\":\"jdbc:mariadb://$MARIADB_HOST:$MARIADB_PORT/$MARIADB_DB\",\"connection.user\":\"$MARIADB_USER\",
  \"connection.password\":\"$MARIADB_PASSWORD\",\"topics\":\"$T\",\"insert.mode\":\"upsert\",\"pk.mode\":\"record_value\",
  \"pk.fields\":\"id\",\"auto.create\":\"true\",\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\"}"
wait_connector_running "pipe-src-$SUF" 1 60
wait_connector_running "pipe-sink-$SUF" 1 60

pg_rows() { "${PSQL[@]}" -c "SELECT concat_ws('|', id, name, qty, big, price, ratio, CASE WHEN ok THEN 1 ELSE 0 END, day, to_char(at, 'YYYY-MM-DD HH24:MI:SS.MS')) FROM $T ORDER BY id"; }
my_rows() { "${MY[@]}" -e "SELECT CONCAT_WS('|', id, name, qty, big, price, ratio, ok, day, at) FROM $T ORDER BY id" 2>/dev/null; }
same() { [ "$(pg_rows)" = "$(my_rows)" ]; }
wait_for 90 "the 50 rows of $T in MariaDB equal to PostgreSQL's" same
"${PSQL[@]}" -c "UPDATE $T SET name = 'changed', at = at + interval '1 day' WHERE id = 7"
wait_for 60 "the update of row 7 in MariaDB" same
cols=$("${MY[@]}" -e "SELECT GROUP_CONCAT(CONCAT(column_name, ':', column_type) ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = '$T'")
[ "$cols" = "id:int(11),name:text,qty:int(11),big:bigint(20),price:decimal(65,2),ratio:double,ok:tinyint(4),day:date,at:datetime(3)" ] ||
        fail "MariaDB columns: $cols"
stop_worker connect TERM
info "ok: PostgreSQL -> Kafka -> MariaDB keeps every row and value"
