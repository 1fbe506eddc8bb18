#!/usr/bin/env bash
# AvroConverter interop with a real schema registry (Apicurio's Confluent API) and real Kafka,
# checked with an independent client (confluent-kafka's AvroSerializer/AvroDeserializer):
#  - a FileStreamSource with HoistField + InsertField + ValueToKey and Avro key and value converters writes
#    records that the Python AvroDeserializer decodes to the lines written; the schema text Ferry
#    registered is the text Java's AvroData writes for that Connect schema;
#  - records the Python AvroSerializer produced (every Avro type, logical types, enum, fixed,
#    union, nested record, a tombstone) are read by a FileStreamSink with the AvroConverter,
#    field for field;
#  - a payload without the magic byte fails the sink task with "Unknown magic byte!".
# services: kafka schema-registry
source "$(dirname "$0")/../lib.sh"

use_kafka
use_service schema-registry
SR=$SCHEMA_REGISTRY_URL
PY=$("$REPO/hack/pyenv.sh" | tail -1) || fail "no Python environment (hack/pyenv.sh)"
CLIENT="$(dirname "$0")/avro_client.py"
start_connect_worker
T=avro-src-$RANDOM

info "source: FileStreamSource -> HoistField -> InsertField -> AvroConverter"
printf '%s\n' "one" "two" "three" >"$WORK/in.txt"
create_connector avro-source "{\"connector.class\":\"FileStreamSource\",\"file\":\"$WORK/in.txt\",\"topic\":\"$T\",
  \"value.converter\":\"io.confluent.connect.avro.AvroConverter\",\"value.converter.schema.registry.url\":\"$SR\",
  \"key.converter\":\"AvroConverter\",\"key.converter.schema.registry.url\":\"$SR\",
  \"transforms\":\"hoist,insert,key\",
  \"transforms.key.type\":\"org.apache.kafka.connect.transforms.ValueToKey\",\"transforms.key.fields\":\"line\",
  \"transforms.hoist.type\":\"org.apache.kafka.connect.transforms.HoistField\$Value\",\"transforms.hoist.field\":\"line\",
  \"transforms.insert.type\":\"org.apache.kafka.connect.transforms.InsertField\$Value\",
  \"transforms.insert.topic.field\":\"topic\",\"transforms.insert.static.field\":\"src\",
  \"transforms.insert.static.value\":\"ferry\"}"
wait_connector_running avro-source 1
"$PY" "$CLIENT" consume "$KAFKA" "$T" 3 "$SR" >"$WORK/decoded.txt" || fail "Python could not decode 3 records: $(cat "$WORK/decoded.txt")"
expected="{\"line\": \"one\", \"topic\": \"$T\", \"src\": \"ferry\"}
{\"line\": \"two\", \"topic\": \"$T\", \"src\": \"ferry\"}
{\"line\": \"three\", \"topic\": \"$T\", \"src\": \"ferry\"}"
[ "$(cat "$WORK/decoded.txt")" = "$expected" ] || fail "decoded values differ: $(cat "$WORK/decoded.txt")"
schema=$("$PY" "$CLIENT" latest "$SR" "$T-value") || fail "no schema under $T-value"
want='{"type":"record","name":"ConnectDefault","namespace":"io.confluent.connect.avro","fields":[{"name":"line","type":"string"},{"name":"topic","type":["null","string"],"default":null},{"name":"src","type":["null","string"],"default":null}]}'
[ "$schema" = "$want" ] || fail "registered schema text differs from Java's: $schema"
# The key (ValueToKey) under <topic>-key, as a key converter registers it.
key_schema=$("$PY" "$CLIENT" latest "$SR" "$T-key") || fail "no schema under $T-key"
[ "$key_schema" = '{"type":"record","name":"ConnectDefault","namespace":"io.confluent.connect.avro","fields":[{"name":"line","type":"string"}]}' ] ||
        fail "registered key schema differs: $key_schema"
# One registry round trip per schema, not per record: three more lines, no new version.
printf '%s\n' "four" "five" >>"$WORK/in.txt"
"$PY" "$CLIENT" consume "$KAFKA" "$T" 5 "$SR" >"$WORK/decoded.txt" || fail "later records not decoded"
versions=$(curl -sf "$SR/subjects/$T-value/versions") || fail "no versions"
[ "$versions" = "[1]" ] || fail "expected one schema version, got $versions"

info "sink: Python AvroSerializer -> AvroConverter -> FileStreamSink"
S=avro-orders-$RANDOM
"$PY" "$CLIENT" produce "$KAFKA" "$S" "$SR" || fail "Python producer failed"
create_connector avro-sink "{\"connector.class\":\"FileStreamSink\",\"file\":\"$WORK/out.txt\",\"topics\":\"$S\",
  \"value.converter\":\"io.confluent.connect.avro.AvroConverter\",\"value.converter.schema.registry.url\":\"$SR\"}"
wait_connector_running avro-sink 1
wait_for 60 "3 lines in the sink file" sh -c "[ \$(wc -l <'$WORK/out.txt' 2>/dev/null || echo 0) -ge 3 ]"
cp "$WORK/out.txt" "$WORK/sink.txt"
# FileStreamSink writes BYTES values as their raw bytes: compare byte for byte.
printf 'Struct{id=1,name=first,qty=2,price=1.5,ratio=0.25,ok=true,kind=NEW,tags=[x, y],attrs={k=1},raw=\x01\x02,code=AB,amount=12.34,day=Tue Jan 02 00:00:00 UTC 2024,at=Tue Jan 02 03:04:05 UTC 2024,either=Struct{int=5},addr=Struct{city=Oslo}}\n' >"$WORK/want.txt"
printf 'Struct{id=-2,name=z\xc3\xbcrich \xe2\x9c\x93,qty=-7,price=-0.125,ratio=3.0,ok=false,note=hi,kind=OLD,tags=[],attrs={},raw=,code=\x00\xff,amount=-0.05,day=Wed Dec 31 00:00:00 UTC 1969,at=Thu Jan 01 00:00:00 UTC 1970,either=Struct{string=s},addr=Struct{city=}}\n' >>"$WORK/want.txt"
printf 'null\n' >>"$WORK/want.txt"
cmp "$WORK/want.txt" "$WORK/sink.txt" || fail "the sink file differs from the records produced: $(od -c "$WORK/sink.txt" | head -20)"

info "a value without the magic byte fails the task clearly"
"$PY" "$CLIENT" raw "$KAFKA" "$S" "not avro" || fail "raw produce failed"
wait_for 60 "the sink task to fail" sh -c "curl -sf '$REST/connectors/avro-sink/status' | grep -q FAILED"
curl -sf "$REST/connectors/avro-sink/status" | grep -q "Unknown magic byte" ||
        fail "the failure does not say 'Unknown magic byte!': $(curl -s "$REST/connectors/avro-sink/status")"
worker_alive connect || fail "the worker died"
info "ok"
