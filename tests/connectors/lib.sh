# Helpers for connector tests: a real Kafka broker plus real external systems (hack/services.sh),
# a worker driven through REST, and independent readers/writers (kcat, psql, mariadb,
# mosquitto_sub) for the assertions. Sourced by tests/connectors/<family>/*.sh after tests/lib.sh's
# conventions (fail, info, wait_until, WORK, CLEANUP).
#
# A script names what it needs in a header line, which tests/run.sh reads to start each system
# ONCE for the whole connectors section (Kafka included):
#   # services: kafka postgres
# The runner exports FERRY_KAFKA_BOOTSTRAP and FERRY_SERVICES_STATE (the state root of the systems
# it started). Run alone (bash tests/connectors/x/y.sh), a script starts what it lacks itself, in
# its own state dir, and stops it on exit.
#
#   use_kafka                   sets KAFKA (bootstrap address)
#   use_service NAME            sets <NAME>_URL, _HOST, _PORT, _USER, _PASSWORD, _DB, _ADMIN_SOCKET
#                               (e.g. POSTGRES_URL) from `hack/services.sh env NAME`
#   start_connect_worker [K=V ...]  standalone worker on KAFKA with REST on a free port; sets REST
#   create_connector NAME JSON  POST /connectors {"name":NAME,"config":JSON}; fails unless 201
#   connector_state NAME [TASK] prints RUNNING/FAILED/... of the connector (or of task TASK)
#   wait_connector_running NAME [TASKS] [SECS]  connector and its first TASKS tasks RUNNING
#   wait_for SECS DESCRIPTION CMD...            wait_until with a deadline (tests/lib.sh)
#   read_records TOPIC N [SECS] [FORMAT]        prints the first N records (kcat -f FORMAT, default
#                               '%s\n'), waiting up to SECS (default 60); fails if fewer arrive
#   produce_records TOPIC [KEY_DELIM]           stdin lines to TOPIC (key<DELIM>value with a delim)
#   topic_count TOPIC                           number of records in TOPIC now
# shellcheck source=../lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lib.sh"

SERVICES=$REPO/hack/services.sh
KAFKA=

use_kafka() {
        if [ -z "${FERRY_KAFKA_BOOTSTRAP:-}" ]; then
                export FERRY_KAFKA_STATE=$WORK/kafka
                CLEANUP+=("FERRY_KAFKA_STATE=$WORK/kafka '$REPO/hack/kafka.sh' stop")
                FERRY_KAFKA_BOOTSTRAP=$("$REPO/hack/kafka.sh" start | tail -1) || fail "could not start Kafka"
                export FERRY_KAFKA_BOOTSTRAP
        fi
        KAFKA=$FERRY_KAFKA_BOOTSTRAP
}

use_service() {
        local name=$1 prefix env
        prefix=$(echo "$name" | tr 'a-z-' 'A-Z_')
        if ! "$SERVICES" status "$name" >/dev/null 2>&1; then
                if [ -z "${FERRY_CONNECTORS_OWN_SERVICES:-}" ]; then
                        export FERRY_SERVICES_STATE=$WORK/services
                        export FERRY_CONNECTORS_OWN_SERVICES=1
                fi
                CLEANUP+=("FERRY_SERVICES_STATE='$FERRY_SERVICES_STATE' '$SERVICES' stop $name")
                "$SERVICES" start "$name" >/dev/null || fail "could not start $name"
        fi
        env=$("$SERVICES" env "$name") || fail "no environment for $name"
        eval "$env"
        local v
        for v in URL HOST PORT USER PASSWORD DB ADMIN_SOCKET; do
                eval "${prefix}_$v=\${SERVICE_$v:-}"
        done
        unset SERVICE_URL SERVICE_HOST SERVICE_PORT SERVICE_USER SERVICE_PASSWORD SERVICE_DB SERVICE_ADMIN_SOCKET
}

# start_connect_worker [KEY=VALUE ...]: a standalone worker (log $WORK/connect.log) with String
# converters, offsets in $WORK, REST on a free port; extra worker properties as arguments.
start_connect_worker() {
        [ -n "$KAFKA" ] || use_kafka
        {
                echo "bootstrap.servers=$KAFKA"
                echo "key.converter=org.apache.kafka.connect.storage.StringConverter"
                echo "value.converter=org.apache.kafka.connect.storage.StringConverter"
                echo "offset.storage.file.filename=$WORK/connect.offsets"
                echo "offset.flush.interval.ms=500"
                echo "listeners=http://127.0.0.1:0"
                # Connector families are built as plugins under build/plugins.
                [ -d "$REPO/build/plugins" ] && echo "plugin.path=$REPO/build/plugins"
                local kv
                for kv in "$@"; do echo "$kv"; done
        } >"$WORK/connect.properties"
        start_worker connect standalone "$WORK/connect.properties"
        local deadline=$((SECONDS + 60))
        until [ -n "$(_connect_port_value)" ]; do
                worker_alive connect || fail "worker exited: $(tail -5 "$WORK/connect.log")"
                [ "$SECONDS" -lt "$deadline" ] || fail "no REST listener in the worker log after 60 s"
                sleep 0.1
        done
        REST=http://127.0.0.1:$(_connect_port_value)
        wait_until 30 "GET /connectors" curl -sf "$REST/connectors"
}

_connect_port_value() {
        sed -n 's/.*REST server listening on http:\/\/[^ ]*:\([0-9][0-9]*\).*/\1/p' "$WORK/connect.log" | head -1
}


# create_connector NAME CONFIG_JSON
create_connector() {
        local name=$1 config=$2 body code out
        out=$WORK/create-$(printf '%s' "$name" | tr -c 'A-Za-z0-9._-' '_').json
        body=$(python3 -c 'import json,sys; print(json.dumps({"name": sys.argv[1], "config": json.loads(sys.argv[2])}))' \
                "$name" "$config") || fail "connector config for $name is not JSON: $config"
        code=$(curl -s -o "$out" -w '%{http_code}' -X POST \
                -H 'Content-Type: application/json' "$REST/connectors" -d "$body") || true
        [ "$code" = 201 ] || fail "POST /connectors $name answered $code: $(cat "$out" 2>/dev/null)"
}

_urlencode() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }

# connector_state NAME [TASK]: the state string from /connectors/NAME/status (empty if unknown).
connector_state() {
        curl -sf "$REST/connectors/$(_urlencode "$1")/status" 2>/dev/null | python3 -c '
import json, sys
s = json.load(sys.stdin)
if len(sys.argv) > 1:
    t = [t for t in s.get("tasks", []) if t["id"] == int(sys.argv[1])]
    print(t[0]["state"] if t else "")
else:
    print(s["connector"]["state"])' ${2:+"$2"} 2>/dev/null || true
}

_running() {
        local name=$1 tasks=$2 i st
        st=$(connector_state "$name")
        [ "$st" = FAILED ] && fail "connector $name FAILED: $(curl -s "$REST/connectors/$(_urlencode "$name")/status")"
        [ "$st" = RUNNING ] || return 1
        for ((i = 0; i < tasks; i++)); do
                st=$(connector_state "$name" "$i")
                [ "$st" = FAILED ] && fail "task $name-$i FAILED: $(curl -s "$REST/connectors/$(_urlencode "$name")/status")"
                [ "$st" = RUNNING ] || return 1
        done
}

wait_connector_running() {
        local name=$1 tasks=${2:-1} secs=${3:-60} deadline
        deadline=$((SECONDS + secs))
        until _running "$name" "$tasks"; do
                [ "$SECONDS" -lt "$deadline" ] ||
                        fail "connector $name not RUNNING after ${secs}s: $(curl -s "$REST/connectors/$(_urlencode "$name")/status")"
                sleep 0.1
        done
}

wait_for() {
        wait_until "$@"
}

read_records() {
        local topic=$1 n=$2 secs=${3:-60} fmt=${4:-'%s\n'} out rc=0
        [ -n "$KAFKA" ] || use_kafka
        out=$WORK/read-$topic-$RANDOM.txt
        # kcat -c N exits 0 once it has N records; timeout ends it (124) when fewer arrive.
        timeout "$secs" kcat -b "$KAFKA" -C -t "$topic" -o beginning -c "$n" -q -f "$fmt" >"$out" 2>"$out.err" || rc=$?
        [ "$rc" -eq 0 ] || fail "fewer than $n records in $topic within ${secs}s (kcat exit $rc): $(head -c 300 "$out") $(head -3 "$out.err")"
        cat "$out"
}

produce_records() {
        local topic=$1 delim=${2:-}
        [ -n "$KAFKA" ] || use_kafka
        if [ -n "$delim" ]; then
                kcat -b "$KAFKA" -P -t "$topic" -K "$delim" || fail "producing to $topic failed"
        else
                kcat -b "$KAFKA" -P -t "$topic" || fail "producing to $topic failed"
        fi
}

topic_count() {
        [ -n "$KAFKA" ] || use_kafka
        kcat -b "$KAFKA" -C -t "$1" -o beginning -e -q -f 'x\n' 2>/dev/null | wc -l
}
