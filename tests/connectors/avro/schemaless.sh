#!/usr/bin/env bash
# Schemaless values in Avro: records written by confluent-kafka's AvroSerializer with Java
# AvroData's io.confluent.connect.avro.Anything schema (a string, a map, an array holding a null)
# are read by a FileStreamSink with the AvroConverter as schemaless Connect values.
# services: kafka schema-registry
source "$(dirname "$0")/../lib.sh"

use_kafka
use_service schema-registry
SR=$SCHEMA_REGISTRY_URL
PY=$("$REPO/hack/pyenv.sh" | tail -1) || fail "no Python environment (hack/pyenv.sh)"
CLIENT="$(dirname "$0")/avro_client.py"
start_connect_worker
T=avro-any-$RANDOM
"$PY" "$CLIENT" anything "$KAFKA" "$T" "$SR" || fail "Python producer failed"
create_connector any-sink "{\"connector.class\":\"FileStreamSink\",\"file\":\"$WORK/out.txt\",\"topics\":\"$T\",
  \"value.converter\":\"io.confluent.connect.avro.AvroConverter\",\"value.converter.schema.registry.url\":\"$SR\"}"
wait_connector_running any-sink 1
wait_for 60 "3 lines in the sink file" sh -c "[ \$(wc -l <'$WORK/out.txt' 2>/dev/null || echo 0) -ge 3 ]"
printf '%s\n' hello '{k=7}' '[1, true, null]' >"$WORK/want.txt"
cmp "$WORK/want.txt" "$WORK/out.txt" || fail "sink file differs: $(cat "$WORK/out.txt")"
info "ok"
