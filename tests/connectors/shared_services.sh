#!/usr/bin/env bash
# The systems tests/run.sh starts once for the connectors section reach every script: use_service
# finds the running PostgreSQL, MariaDB and Mosquitto (the addresses the runner exported, not
# instances of its own) and their clients work with the credentials it gives; a table written
# here is visible to a second client.
# services: postgres mariadb mosquitto
source "$(dirname "$0")/lib.sh"
for s in postgres mariadb mosquitto; do
        use_service "$s"
done
if [ -z "${FERRY_CONNECTORS_OWN_SERVICES:-}" ] && [ -n "${FERRY_SERVICE_POSTGRES_URL:-}" ]; then
        [ "$POSTGRES_URL" = "$FERRY_SERVICE_POSTGRES_URL" ] || fail "postgres: $POSTGRES_URL, runner exported $FERRY_SERVICE_POSTGRES_URL"
        [ "$MARIADB_URL" = "$FERRY_SERVICE_MARIADB_URL" ] || fail "mariadb: $MARIADB_URL, runner exported $FERRY_SERVICE_MARIADB_URL"
        [ "$MOSQUITTO_URL" = "$FERRY_SERVICE_MOSQUITTO_URL" ] || fail "mosquitto: $MOSQUITTO_URL, runner exported $FERRY_SERVICE_MOSQUITTO_URL"
fi
T=t_$$_$RANDOM
psql -X -q -v ON_ERROR_STOP=1 "$POSTGRES_URL" -c "create table $T (id int primary key)" -c "insert into $T values (7)" ||
        fail "psql with $POSTGRES_URL"
[ "$(psql -X -t -A "$POSTGRES_URL" -c "select id from $T")" = 7 ] || fail "postgres read back"
my=(mariadb --no-defaults -h "$MARIADB_HOST" -P "$MARIADB_PORT" -u "$MARIADB_USER" "-p$MARIADB_PASSWORD" -N "$MARIADB_DB")
"${my[@]}" -e "create table $T (id int primary key); insert into $T values (7)" || fail "mariadb client"
[ "$("${my[@]}" -e "select id from $T")" = 7 ] || fail "mariadb read back"
auth=(-h "$MOSQUITTO_HOST" -p "$MOSQUITTO_PORT" -u "$MOSQUITTO_USER" -P "$MOSQUITTO_PASSWORD")
mosquitto_pub "${auth[@]}" -t "ferry/$T" -m seven -r -q 1 || fail "mosquitto_pub"
[ "$(timeout 20 mosquitto_sub "${auth[@]}" -t "ferry/$T" -C 1 -W 15)" = seven ] || fail "mosquitto_sub"
info "ok: shared postgres, mariadb and mosquitto answer with the credentials use_service gives"
