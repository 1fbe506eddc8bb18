#!/usr/bin/env bash
# AvroConverter with use.latest.version=true and auto.register.schemas=false: records are
# written with the subject's latest schema (registered beforehand with the registry's REST API),
# which adds a field with a default; confluent-kafka's AvroDeserializer reads them with that
# field's default. With latest.compatibility.strict (the default) a latest schema that cannot read
# the record's own schema fails the task naming both.
# services: kafka schema-registry
source "$(dirname "$0")/../lib.sh"

use_kafka
use_service schema-registry
SR=$SCHEMA_REGISTRY_URL
PY=$("$REPO/hack/pyenv.sh" | tail -1) || fail "no Python environment (hack/pyenv.sh)"
CLIENT="$(dirname "$0")/avro_client.py"
start_connect_worker
T=avro-latest-$RANDOM
U=avro-strict-$RANDOM

register() { # subject schema-json
        local body
        body=$(python3 -c 'import json,sys; print(json.dumps({"schema": sys.argv[1]}))' "$2")
        curl -sf -X POST -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
                "$SR/subjects/$1/versions" -d "$body" >/dev/null || fail "registering under $1 failed"
}
register "$T-value" '{"type":"record","name":"ConnectDefault","namespace":"io.confluent.connect.avro","fields":[{"name":"line","type":"string"},{"name":"n","type":"int","default":42}]}'
register "$U-value" '{"type":"record","name":"ConnectDefault","namespace":"io.confluent.connect.avro","fields":[{"name":"other","type":"string"}]}'

source_config() { # topic file
        printf '%s' "{\"connector.class\":\"FileStreamSource\",\"file\":\"$2\",\"topic\":\"$1\",
  \"value.converter\":\"io.confluent.connect.avro.AvroConverter\",\"value.converter.schema.registry.url\":\"$SR\",
  \"value.converter.use.latest.version\":\"true\",\"value.converter.auto.register.schemas\":\"false\",
  \"transforms\":\"hoist\",\"transforms.hoist.type\":\"org.apache.kafka.connect.transforms.HoistField\$Value\",
  \"transforms.hoist.field\":\"line\"}"
}
printf '%s\n' a b >"$WORK/in.txt"
create_connector latest "$(source_config "$T" "$WORK/in.txt")"
wait_connector_running latest 1
"$PY" "$CLIENT" consume "$KAFKA" "$T" 2 "$SR" >"$WORK/decoded.txt" || fail "not decoded: $(cat "$WORK/decoded.txt")"
[ "$(cat "$WORK/decoded.txt")" = '{"line": "a", "n": 42}
{"line": "b", "n": 42}' ] || fail "records not written with the latest schema: $(cat "$WORK/decoded.txt")"
[ "$(curl -sf "$SR/subjects/$T-value/versions")" = "[1]" ] || fail "the converter registered a schema"

printf '%s\n' c >"$WORK/in2.txt"
create_connector strict "$(source_config "$U" "$WORK/in2.txt")"
wait_for 60 "the strict task to fail" sh -c "curl -sf '$REST/connectors/strict/status' | grep -q FAILED"
curl -sf "$REST/connectors/strict/status" | grep -q "Incompatible schema" ||
        fail "the failure does not say why: $(curl -s "$REST/connectors/strict/status")"
info "ok"
