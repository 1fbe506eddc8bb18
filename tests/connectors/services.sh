#!/usr/bin/env bash
# hack/services.sh itself, for each system it runs (PostgreSQL, MariaDB, Mosquitto), in a state dir
# of its own (not the systems the runner shares with the connector tests):
#  - `start` prints the address last, and `env` is sourceable and gives the same SERVICE_URL;
#  - a real client logs in with SERVICE_USER/SERVICE_PASSWORD (psql with the URL, mariadb, a
#    mosquitto_pub/mosquitto_sub round trip) and a wrong password is refused;
#  - `start` again reuses the running system (same address, same pid); `status` answers;
#  - `stop` leaves nothing running: the pid and every process of its session are gone, the port is
#    closed, and `status` fails.
source "$(dirname "$0")/lib.sh"
export FERRY_SERVICES_STATE=$WORK/services
for s in postgres mariadb mosquitto; do
        CLEANUP+=("'$SERVICES' stop $s")
done

alive() { # pid: running and not a zombie
        local st
        st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
        [ -n "$st" ] && [ "$st" != Z ]
}
session_alive() { # sid: some live process in the session
        local p
        for p in $(ps -o pid= -s "$1" 2>/dev/null); do alive "$p" && return 0; done
        return 1
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

check_postgres() {
        [[ $SERVICE_URL == postgresql://"$SERVICE_USER":"$SERVICE_PASSWORD"@127.0.0.1:"$SERVICE_PORT"/"$SERVICE_DB" ]] ||
                fail "postgres URL shape: $SERVICE_URL"
        [ "$(psql -X -t -A "$SERVICE_URL" -c 'select 1')" = 1 ] || fail "psql select 1"
        psql -X -q -v ON_ERROR_STOP=1 "$SERVICE_URL" -c 'create table t (id int primary key, v text)' \
                -c "insert into t values (1, 'one')" || fail "psql create/insert"
        [ "$(psql -X -t -A "$SERVICE_URL" -c 'select v from t where id = 1')" = one ] || fail "psql read back"
        if PGCONNECT_TIMEOUT=5 psql -X "postgresql://$SERVICE_USER:wrong@127.0.0.1:$SERVICE_PORT/$SERVICE_DB" \
                -c 'select 1' >"$WORK/pg-wrong.out" 2>&1; then
                fail "postgres accepted a wrong password"
        fi
        grep -q 'password authentication failed' "$WORK/pg-wrong.out" || fail "postgres wrong password: $(cat "$WORK/pg-wrong.out")"
}

check_mariadb() {
        [[ $SERVICE_URL == mysql://"$SERVICE_USER":"$SERVICE_PASSWORD"@127.0.0.1:"$SERVICE_PORT"/"$SERVICE_DB" ]] ||
                fail "mariadb URL shape: $SERVICE_URL"
        local my=(mariadb --no-defaults -h "$SERVICE_HOST" -P "$SERVICE_PORT" -u "$SERVICE_USER" "-p$SERVICE_PASSWORD" -N "$SERVICE_DB")
        "${my[@]}" -e 'create table t (id int primary key, v varchar(10)); insert into t values (1, "one")' ||
                fail "mariadb create/insert"
        [ "$("${my[@]}" -e 'select v from t where id = 1')" = one ] || fail "mariadb read back"
        if mariadb --no-defaults -h "$SERVICE_HOST" -P "$SERVICE_PORT" -u "$SERVICE_USER" -pwrong \
                -e 'select 1' >"$WORK/my-wrong.out" 2>&1; then
                fail "mariadb accepted a wrong password"
        fi
        grep -q 'Access denied' "$WORK/my-wrong.out" || fail "mariadb wrong password: $(cat "$WORK/my-wrong.out")"
}

check_mosquitto() {
        [ "$SERVICE_URL" = "tcp://127.0.0.1:$SERVICE_PORT" ] || fail "mosquitto URL shape: $SERVICE_URL"
        local auth=(-h "$SERVICE_HOST" -p "$SERVICE_PORT" -u "$SERVICE_USER" -P "$SERVICE_PASSWORD")
        # A retained message: the subscriber gets it whenever it subscribes.
        mosquitto_pub "${auth[@]}" -t ferry/test -m "hello $$" -r -q 1 || fail "mosquitto_pub"
        [ "$(timeout 20 mosquitto_sub "${auth[@]}" -t ferry/test -C 1 -W 15)" = "hello $$" ] || fail "mosquitto_sub round trip"
        if timeout 20 mosquitto_pub -h "$SERVICE_HOST" -p "$SERVICE_PORT" -u "$SERVICE_USER" -P wrong \
                -t ferry/test -m x >"$WORK/mq-wrong.out" 2>&1; then
                fail "mosquitto accepted a wrong password"
        fi
        if timeout 20 mosquitto_pub -h "$SERVICE_HOST" -p "$SERVICE_PORT" -t ferry/test -m x >"$WORK/mq-anon.out" 2>&1; then
                fail "mosquitto accepted an anonymous client"
        fi
}

for s in postgres mariadb mosquitto; do
        info "---- $s"
        addr=$("$SERVICES" start "$s" 2>"$WORK/$s-start.log" | tail -1) || fail "start $s: $(tail -20 "$WORK/$s-start.log")"
        "$SERVICES" env "$s" >"$WORK/$s.env"
        (
                set -euo pipefail
                # shellcheck disable=SC1090
                source "$WORK/$s.env"
                [ "$SERVICE_URL" = "$addr" ] || fail "$s: env SERVICE_URL $SERVICE_URL, start printed $addr"
                for v in SERVICE_HOST SERVICE_PORT SERVICE_USER SERVICE_PASSWORD SERVICE_PID; do
                        [ -n "${!v:-}" ] || fail "$s: env lacks $v"
                done
                "check_$s"
        ) || exit 1
        # shellcheck disable=SC1090
        source "$WORK/$s.env"
        pid=$SERVICE_PID
        port=$SERVICE_PORT

        again=$("$SERVICES" start "$s" 2>/dev/null | tail -1) || fail "second start of $s"
        [ "$again" = "$addr" ] || fail "$s: second start printed $again, first $addr"
        [ "$(. <("$SERVICES" env "$s") && echo "$SERVICE_PID")" = "$pid" ] || fail "$s: second start replaced the process"
        [ "$("$SERVICES" status "$s" 2>/dev/null)" = "$addr" ] || fail "$s: status"

        "$SERVICES" stop "$s" 2>/dev/null || fail "stop $s"
        ! alive "$pid" || fail "$s: pid $pid still running after stop"
        ! session_alive "$pid" || fail "$s: processes of session $pid still running: $(ps -o pid=,cmd= -s "$pid")"
        ! port_open "$port" || fail "$s: port $port still open after stop"
        ! "$SERVICES" status "$s" >/dev/null 2>&1 || fail "$s: status succeeds after stop"
        "$SERVICES" stop "$s" 2>/dev/null || fail "a second stop of $s failed"
        unset SERVICE_URL SERVICE_HOST SERVICE_PORT SERVICE_USER SERVICE_PASSWORD SERVICE_DB SERVICE_PID
done
info "ok: postgres, mariadb, mosquitto start, answer real clients, refuse wrong passwords, reuse, stop cleanly"
