#!/usr/bin/env bash
# AvroConverter with a schema registry that goes away mid-stream (a registry instance of this
# test's own, so the shared one stays up): records keep flowing while the schema is cached; a
# restarted task that must register its schema while the registry is down fails with a clear
# error naming the registry (no crash); pointed at a registry again it resumes from the last
# committed offset and nothing is lost. The records are decoded with confluent-kafka's
# AvroDeserializer.
# services: kafka
source "$(dirname "$0")/../lib.sh"

use_kafka
PY=$("$REPO/hack/pyenv.sh" | tail -1) || fail "no Python environment (hack/pyenv.sh)"
CLIENT="$(dirname "$0")/avro_client.py"
SERVICES=$REPO/hack/services.sh

registry() { FERRY_SERVICES_STATE=$WORK/$1 "$SERVICES" "$2" schema-registry; }
CLEANUP+=("FERRY_SERVICES_STATE=$WORK/sr1 '$SERVICES' stop schema-registry")
CLEANUP+=("FERRY_SERVICES_STATE=$WORK/sr2 '$SERVICES' stop schema-registry")
SR1=$(registry sr1 start | tail -1) ||
        fail "could not start a schema registry: $(tail -5 "$WORK/sr1/schema-registry/schema-registry.log" 2>/dev/null)"

start_connect_worker
T=avro-down-$RANDOM
config() { # $1: registry URL
        printf '%s' "{\"connector.class\":\"FileStreamSource\",\"file\":\"$WORK/in.txt\",\"topic\":\"$T\",
  \"value.converter\":\"io.confluent.connect.avro.AvroConverter\",\"value.converter.schema.registry.url\":\"$1\",
  \"transforms\":\"hoist\",\"transforms.hoist.type\":\"org.apache.kafka.connect.transforms.HoistField\$Value\",
  \"transforms.hoist.field\":\"line\"}"
}
printf '%s\n' l1 l2 l3 >"$WORK/in.txt"
create_connector down "$(config "$SR1")"
wait_connector_running down 1
"$PY" "$CLIENT" consume "$KAFKA" "$T" 3 "$SR1" >/dev/null || fail "the first records were not decoded"

info "registry stopped: the cached schema keeps records flowing"
eval "$(registry sr1 env | grep -E '^SERVICE_(PID|PORT)=')"
registry sr1 stop
st=$(awk '{print $3}' "/proc/$SERVICE_PID/stat" 2>/dev/null || true)
[ -z "$st" ] || [ "$st" = Z ] || fail "the registry process $SERVICE_PID outlived stop"
! (exec 3<>"/dev/tcp/127.0.0.1/$SERVICE_PORT") 2>/dev/null || fail "port $SERVICE_PORT still open after stop"
printf '%s\n' l4 l5 l6 >>"$WORK/in.txt"
wait_for 60 "6 records in $T" sh -c "[ \$(kcat -b '$KAFKA' -C -t '$T' -o beginning -e -q -f 'x\n' 2>/dev/null | wc -l) -ge 6 ]"

info "a restarted task cannot register its schema: it fails naming the registry"
# Restart first: lines appended before it could still go out through the old task's cached schema.
curl -sf -X POST "$REST/connectors/down/tasks/0/restart" >/dev/null || fail "task restart refused"
printf '%s\n' l7 l8 l9 >>"$WORK/in.txt"
wait_for 60 "the task to fail" sh -c "curl -sf '$REST/connectors/down/status' | grep -q FAILED"
status=$(curl -sf "$REST/connectors/down/status")
echo "$status" | grep -q "schema registry" || fail "the failure does not name the schema registry: $status"
worker_alive connect || fail "the worker died"
n=$(kcat -b "$KAFKA" -C -t "$T" -o beginning -e -q -f 'x\n' 2>/dev/null | wc -l)
[ "$n" -eq 6 ] || fail "records written while the registry was down: $n (want 6)"

info "a registry again: the task resumes and nothing is lost"
SR2=$(registry sr2 start | tail -1) || fail "could not start the second schema registry"
code=$(curl -s -o "$WORK/put.json" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
        "$REST/connectors/down/config" -d "$(config "$SR2")")
[ "$code" = 200 ] || fail "PUT config answered $code: $(cat "$WORK/put.json")"
wait_for 60 "the task to run again" sh -c "curl -sf '$REST/connectors/down/status' | grep -q '\"tasks\":\[{[^]]*RUNNING'"
# A fresh registry gives the same schema text the same content id, so all nine decode with it.
"$PY" "$CLIENT" consume "$KAFKA" "$T" 9 "$SR2" >"$WORK/all.txt" || fail "not all records decoded: $(cat "$WORK/all.txt")"
for i in 1 2 3 4 5 6 7 8 9; do
        grep -qx "{\"line\": \"l$i\"}" "$WORK/all.txt" || fail "record l$i lost: $(cat "$WORK/all.txt")"
done
info "ok"
