#!/usr/bin/env bash
# db.timezone on Date and Time values, as Confluent's connector applies it, on real PostgreSQL and
# MariaDB and on SQLite, with a real broker; checked with kcat, psql, the mariadb client and the
# sqlite3 shell:
#   - source (db.timezone=Europe/Paris): a time column is a wall time on 1970-01-01 in the zone
#     (10:00 Paris, +01:00 then, is 09:00 UTC = 32400000), a timetz keeps its own offset, a date
#     is never shifted (Confluent reads dates in UTC);
#   - sink (db.timezone=America/New_York): a Time is written as the zone's time of day (01:00 UTC
#     is 20:00 EST); a Date as the local date of its midnight UTC, the day before west of UTC
#     (date.timezone=DB_TIMEZONE, Confluent's default) or as it is (date.timezone=UTC); SQLite
#     gets epoch milliseconds whatever the zone (sqlite-jdbc's INTEGER dates ignore the Calendar).
# services: kafka postgres mariadb
source "$(dirname "$0")/../lib.sh"
use_kafka
use_service postgres
use_service mariadb
PSQL=(psql -X -q -t -A -v ON_ERROR_STOP=1 "$POSTGRES_URL")
MY=(mariadb --no-defaults -h "$MARIADB_HOST" -P "$MARIADB_PORT" -u "$MARIADB_USER" "-p$MARIADB_PASSWORD" "$MARIADB_DB" -N -B)
SUF=$RANDOM$RANDOM
PFX=tz-$SUF-
DB=$WORK/tz.db
JSONV='"value.converter":"org.apache.kafka.connect.json.JsonConverter","value.converter.schemas.enable":"false"'
PGC="\"connection.url\":\"jdbc:postgresql://$POSTGRES_HOST:$POSTGRES_PORT/$POSTGRES_DB\",\"connection.user\":\"$POSTGRES_USER\",\"connection.password\":\"$POSTGRES_PASSWORD\""
MYC="\"connection.url\":\"jdbc:mariadb://$MARIADB_HOST:$MARIADB_PORT/$MARIADB_DB\",\"connection.user\":\"$MARIADB_USER\",\"connection.password\":\"$MARIADB_PASSWORD\""
LTC="\"connection.url\":\"jdbc:sqlite:$DB\""

"${PSQL[@]}" -c "CREATE TABLE dt_$SUF (id serial PRIMARY KEY, d date NOT NULL, t time NOT NULL, tt timetz NOT NULL);
  INSERT INTO dt_$SUF (d, t, tt) VALUES ('2024-07-01', '10:00:00', '10:00:00+05')" || fail "PostgreSQL table"
"${MY[@]}" -e "CREATE TABLE mdt_$SUF (id INT AUTO_INCREMENT PRIMARY KEY, d DATE NOT NULL, t TIME(3) NOT NULL);
  INSERT INTO mdt_$SUF (d, t) VALUES ('2024-07-01', '10:00:00')" || fail "MariaDB table"
sqlite3 "$DB" "CREATE TABLE ldt_$SUF (id INTEGER PRIMARY KEY, d DATE NOT NULL, t TIME NOT NULL);
  INSERT INTO ldt_$SUF (d, t) VALUES ('2024-07-01', '10:00:00')" || fail "SQLite table"

start_connect_worker
# ---- source: Europe/Paris
src() { # NAME CONNECTION TABLE
        create_connector "src-$1-$SUF" "{\"connector.class\":\"io.confluent.connect.jdbc.JdbcSourceConnector\",$2,
  \"mode\":\"incrementing\",\"table.whitelist\":\"$3\",\"db.timezone\":\"Europe/Paris\",
  \"topic.prefix\":\"$PFX\",\"poll.interval.ms\":\"500\",$JSONV}"
}
src pg "$PGC" "dt_$SUF"
src my "$MYC" "mdt_$SUF"
src lite "$LTC" "ldt_$SUF"
for n in pg my lite; do wait_connector_running "src-$n-$SUF" 1 60; done
# 2024-07-01 is day 19905; 10:00 in Paris on 1970-01-01 (+01:00) is 09:00 UTC; 10:00+05 is 05:00 UTC.
read_records "${PFX}dt_$SUF" 1 60 '%s\n' | grep -qx '{"id":1,"d":19905,"t":32400000,"tt":18000000}' ||
        fail "PostgreSQL source: $(read_records "${PFX}dt_$SUF" 1 5)"
read_records "${PFX}mdt_$SUF" 1 60 '%s\n' | grep -qx '{"id":1,"d":19905,"t":32400000}' ||
        fail "MariaDB source: $(read_records "${PFX}mdt_$SUF" 1 5)"
read_records "${PFX}ldt_$SUF" 1 60 '%s\n' | grep -qx '{"id":1,"d":19905,"t":32400000}' ||
        fail "SQLite source: $(read_records "${PFX}ldt_$SUF" 1 5)"
info "source: time read as Paris wall time, timetz with its offset, date unshifted (PostgreSQL, MariaDB, SQLite)"

# ---- sink: America/New_York
T=tzsink_$SUF
sink() { # NAME CONNECTION DATE_TIMEZONE
        create_connector "sink-$1-$SUF" "{\"connector.class\":\"io.confluent.connect.jdbc.JdbcSinkConnector\",$2,
  \"topics\":\"$T\",\"table.name.format\":\"${T}_$1\",\"auto.create\":\"true\",
  \"db.timezone\":\"America/New_York\",\"date.timezone\":\"$3\",
  \"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\"}"
}
sink pg_db "$PGC" DB_TIMEZONE
sink pg_utc "$PGC" UTC
sink my_db "$MYC" DB_TIMEZONE
sink my_utc "$MYC" UTC
sink lite "$LTC" DB_TIMEZONE
SC='{"type":"struct","optional":false,"fields":[
 {"field":"d","type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1},
 {"field":"t","type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Time","version":1}]}'
printf '{"schema":%s,"payload":{"d":19905,"t":3600000}}\n' "$(tr -d '\n' <<<"$SC")" | produce_records "$T"
pgrow() { [ "$("${PSQL[@]}" -F ' ' -c "SELECT d, t FROM ${T}_$1" 2>/dev/null)" = "$2" ]; }
myrow() { [ "$("${MY[@]}" -e "SELECT d, t FROM ${T}_$1" 2>/dev/null | tr '\t' ' ')" = "$2" ]; }
wait_for 60 "PostgreSQL, date.timezone=DB_TIMEZONE" pgrow pg_db "2024-06-30 20:00:00"
wait_for 60 "PostgreSQL, date.timezone=UTC" pgrow pg_utc "2024-07-01 20:00:00"
wait_for 60 "MariaDB, date.timezone=DB_TIMEZONE" myrow my_db "2024-06-30 20:00:00.000"
wait_for 60 "MariaDB, date.timezone=UTC" myrow my_utc "2024-07-01 20:00:00.000"
literow() { [ "$(sqlite3 "$DB" "SELECT d || ' ' || t FROM ${T}_lite" 2>/dev/null)" = "1719792000000 3600000" ]; }
wait_for 60 "SQLite: epoch milliseconds" literow
stop_worker connect TERM
info "ok: sink writes Time in New York time, Date the day before (DB_TIMEZONE) or as is (UTC); SQLite epoch ms"
