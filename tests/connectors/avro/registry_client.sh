#!/usr/bin/env bash
# The AvroConverter's registry client against the real registry behind a Basic-auth guard
# (registry_proxy.py, which logs every request with the user it carried):
#  - several URLs in schema.registry.url: the first refuses connections, the second answers;
#  - basic.auth.credentials.source=USER_INFO with basic.auth.user.info, and =URL with the
#    credentials in the URL; a wrong password fails the task with the registry's 401;
#  - RecordNameStrategy registers under the record's full name, TopicRecordNameStrategy under
#    <topic>-<record name>; normalize.schemas=true asks the registry to normalize (?normalize=true);
#  - confluent-kafka's AvroDeserializer decodes what was written; one registration per schema.
# services: kafka schema-registry
source "$(dirname "$0")/../lib.sh"

use_kafka
use_service schema-registry
SR=$SCHEMA_REGISTRY_URL
PY=$("$REPO/hack/pyenv.sh" | tail -1) || fail "no Python environment (hack/pyenv.sh)"
CLIENT="$(dirname "$0")/avro_client.py"

python3 "$(dirname "$0")/registry_proxy.py" "$WORK/proxy.port" "$SR" ferry:s3cret >"$WORK/proxy.log" 2>&1 &
CLEANUP+=("kill $!")
wait_for 20 "the registry guard listening" test -s "$WORK/proxy.port"
SR_PATH=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.urlparse(sys.argv[1]).path)' "$SR")
GUARD=127.0.0.1:$(cat "$WORK/proxy.port")$SR_PATH
DEAD=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start_connect_worker
N=$RANDOM

source_config() { # topic file extra-json
        printf '%s' "{\"connector.class\":\"FileStreamSource\",\"file\":\"$2\",\"topic\":\"$1\",
  \"value.converter\":\"io.confluent.connect.avro.AvroConverter\",
  \"transforms\":\"hoist,name\",\"transforms.hoist.type\":\"org.apache.kafka.connect.transforms.HoistField\$Value\",
  \"transforms.hoist.field\":\"line\",
  \"transforms.name.type\":\"org.apache.kafka.connect.transforms.SetSchemaMetadata\$Value\",
  \"transforms.name.schema.name\":\"com.example.Line$N\",$3}"
}
subjects() { curl -sf "$SR/subjects"; }
has_subject() { subjects | python3 -c 'import json,sys; sys.exit(0 if sys.argv[1] in json.load(sys.stdin) else 1)' "$1"; }
decoded_ok() { # topic: the three lines, decoded by the independent client
        "$PY" "$CLIENT" consume "$KAFKA" "$1" 3 "$SR" >"$WORK/decoded-$1.txt" || fail "$1 not decoded: $(cat "$WORK/decoded-$1.txt")"
        [ "$(cat "$WORK/decoded-$1.txt")" = '{"line": "a"}
{"line": "b"}
{"line": "c"}' ] || fail "$1 decoded as: $(cat "$WORK/decoded-$1.txt")"
}
printf '%s\n' a b c >"$WORK/in.txt"

# USER_INFO, a dead first URL, RecordNameStrategy, normalize.schemas
T1=avro-rec-$N
create_connector rec "$(source_config "$T1" "$WORK/in.txt" "\"value.converter.schema.registry.url\":\"http://127.0.0.1:$DEAD$SR_PATH,http://$GUARD\",
  \"value.converter.basic.auth.credentials.source\":\"USER_INFO\",\"value.converter.basic.auth.user.info\":\"ferry:s3cret\",
  \"value.converter.value.subject.name.strategy\":\"io.confluent.kafka.serializers.subject.RecordNameStrategy\",
  \"value.converter.normalize.schemas\":\"true\"")"
wait_connector_running rec 1
decoded_ok "$T1"
has_subject "com.example.Line$N" || fail "RecordNameStrategy: no subject com.example.Line$N in $(subjects)"
has_subject "$T1-value" && fail "RecordNameStrategy registered under the topic's subject too"
grep -q "^POST $SR_PATH/subjects/com.example.Line$N/versions?normalize=true ferry$" "$WORK/proxy.log" ||
        fail "no normalized registration with the user's credentials: $(cat "$WORK/proxy.log")"
regs=$(grep -c "^POST $SR_PATH/subjects/com.example.Line$N/versions" "$WORK/proxy.log")
[ "$regs" = 1 ] || fail "$regs registrations for one schema (want 1): $(cat "$WORK/proxy.log")"
info "USER_INFO credentials, failover past a dead URL, RecordNameStrategy, normalize.schemas: 3 records decoded"

# URL credentials, TopicRecordNameStrategy
T2=avro-toprec-$N
create_connector toprec "$(source_config "$T2" "$WORK/in.txt" "\"value.converter.schema.registry.url\":\"http://ferry:s3cret@$GUARD\",
  \"value.converter.basic.auth.credentials.source\":\"URL\",
  \"value.converter.value.subject.name.strategy\":\"io.confluent.kafka.serializers.subject.TopicRecordNameStrategy\"")"
wait_connector_running toprec 1
decoded_ok "$T2"
has_subject "$T2-com.example.Line$N" || fail "TopicRecordNameStrategy: no subject $T2-com.example.Line$N in $(subjects)"
grep -q "^POST $SR_PATH/subjects/$T2-com.example.Line$N/versions ferry$" "$WORK/proxy.log" ||
        fail "no registration with the URL's credentials: $(cat "$WORK/proxy.log")"
info "URL credentials, TopicRecordNameStrategy: 3 records decoded"

# A wrong password: the registry's 401, named in the task's failure; nothing written.
T3=avro-denied-$N
create_connector denied "$(source_config "$T3" "$WORK/in.txt" "\"value.converter.schema.registry.url\":\"http://$GUARD\",
  \"value.converter.basic.auth.credentials.source\":\"USER_INFO\",\"value.converter.basic.auth.user.info\":\"ferry:wrong\"")"
denied_failed() { [ "$(connector_state denied 0)" = FAILED ]; }
wait_for 60 "the task with a wrong registry password to fail" denied_failed
curl -sf "$REST/connectors/denied/status" | grep -q "error code: 401" ||
        fail "the failure does not name the 401: $(curl -s "$REST/connectors/denied/status")"
has_subject "$T3-value" && fail "a schema was registered with a wrong password"
info "a wrong password: task FAILED with the registry's 401"
