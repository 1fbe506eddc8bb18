#!/usr/bin/env bash
# AvroConverter on the sink side with an SMT chain and a dead letter queue: records from
# confluent-kafka's AvroSerializer pass ExtractField$Value into a FileStreamSink; a payload
# without the magic byte and one naming a schema id the registry does not know are tolerated
# (errors.tolerance=all) and land in the DLQ with their original bytes and the converter's error
# in the context headers; the worker keeps running.
# services: kafka schema-registry
source "$(dirname "$0")/../lib.sh"

use_kafka
use_service schema-registry
SR=$SCHEMA_REGISTRY_URL
PY=$("$REPO/hack/pyenv.sh" | tail -1) || fail "no Python environment (hack/pyenv.sh)"
CLIENT="$(dirname "$0")/avro_client.py"
start_connect_worker
S=avro-dlq-$RANDOM
D=$S-dlq

"$PY" "$CLIENT" raw "$KAFKA" "$S" "not avro" || fail "raw produce failed"
# Magic byte 0, schema id 2147483512 (never assigned), then an Avro string "A".
"$PY" "$CLIENT" rawhex "$KAFKA" "$S" "007fffff780241" || fail "raw produce failed"
"$PY" "$CLIENT" produce "$KAFKA" "$S" "$SR" || fail "Python producer failed"
create_connector avro-dlq "{\"connector.class\":\"FileStreamSink\",\"file\":\"$WORK/out.txt\",\"topics\":\"$S\",
  \"value.converter\":\"io.confluent.connect.avro.AvroConverter\",\"value.converter.schema.registry.url\":\"$SR\",
  \"transforms\":\"name\",\"transforms.name.type\":\"org.apache.kafka.connect.transforms.ExtractField\$Value\",
  \"transforms.name.field\":\"name\",
  \"errors.tolerance\":\"all\",\"errors.deadletterqueue.topic.name\":\"$D\",
  \"errors.deadletterqueue.topic.replication.factor\":\"1\",\"errors.deadletterqueue.context.headers.enable\":\"true\"}"
wait_connector_running avro-dlq 1
wait_for 60 "3 lines in the sink file" sh -c "[ \$(wc -l <'$WORK/out.txt' 2>/dev/null || echo 0) -ge 3 ]"
printf '%s\n' first 'zürich ✓' null >"$WORK/want.txt"
cmp "$WORK/want.txt" "$WORK/out.txt" || fail "sink file differs: $(cat "$WORK/out.txt")"
read_records "$D" 2 60 '%o|%s|%h\n' >"$WORK/dlq.txt"
LC_ALL=C grep -aq "^0|not avro|.*__connect.errors.exception.message=.*Unknown magic byte!" "$WORK/dlq.txt" ||
        fail "the DLQ record lacks the original value or the error: $(head -c 600 "$WORK/dlq.txt")"
LC_ALL=C grep -aq "^1|.*__connect.errors.exception.message=.*Error retrieving Avro schema for id 2147483512" "$WORK/dlq.txt" ||
        fail "the record with an unknown schema id is not in the DLQ with an error naming the id: $(tail -c 600 "$WORK/dlq.txt")"
timeout 30 kcat -b "$KAFKA" -C -t "$D" -o 1 -c 1 -q -f '%s' >"$WORK/dlq1.bin" || fail "cannot read the DLQ"
[ "$(od -An -tx1 "$WORK/dlq1.bin" | tr -d ' \n')" = 007fffff780241 ] ||
        fail "the DLQ does not hold the original bytes of the unknown-id record: $(od -An -tx1 "$WORK/dlq1.bin")"
[ "$(connector_state avro-dlq 0)" = RUNNING ] || fail "the task did not keep running"
info "ok"
