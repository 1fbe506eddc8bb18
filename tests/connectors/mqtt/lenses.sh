#!/usr/bin/env bash
# Lenses (stream-reactor) MQTT source on real Mosquitto and Kafka. The users' Lenses POST, verbatim
# apart from host and port, runs (BytesConverter: key struct MsgKey{topic,id}, value the payload
# bytes); each converter's record shape, WITHKEY/KEYDELIMITER, target $, a $share/ subscription and
# WITHREGEX are checked on the records read back with kcat (the worker writes them with
# JsonConverter and schemas, so schema names, types and optionality are visible); statements spread
# over tasks with distinct client ids; malformed KCQL, an unsupported clause and an unknown
# converter answer 400 naming the problem. The users' Confluent validate call on the short path
# still validates the Confluent class, and the short name alone is ambiguous.
# services: kafka mosquitto
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"
[ -x build/tools/kafka-delete-records ] || fail "build/tools/kafka-delete-records missing (make build/tools/kafka-delete-records)"

use_service mosquitto
mqtt_add_issue_user
start_connect_worker key.converter=org.apache.kafka.connect.json.JsonConverter key.converter.schemas.enable=true \
        value.converter=org.apache.kafka.connect.json.JsonConverter value.converter.schemas.enable=true
HP="127.0.0.1:$MOSQUITTO_PORT"

plugins=$(curl -sf "$REST/connector-plugins") || fail "GET /connector-plugins failed"
for c in com.datamountaineer.streamreactor.connect.mqtt.source.MqttSourceConnector \
        com.datamountaineer.streamreactor.connect.mqtt.sink.MqttSinkConnector \
        io.lenses.streamreactor.connect.mqtt.source.MqttSourceConnector \
        io.lenses.streamreactor.connect.mqtt.sink.MqttSinkConnector; do
        echo "$plugins" | grep -q "\"$c\"" || fail "GET /connector-plugins lacks $c"
done

# check_record TOPIC PYTHON: the first record of TOPIC (key and value JSON) satisfies the Python
# assertions PYTHON over k and v (the parsed key and value documents).
check_record() {
        local line
        wait_records "$1" 1
        line=$(read_records "$1" 1 60 '%k\t%s\n')
        python3 -c '
import json, sys
k, v = sys.argv[1].split("\t", 1)
k = json.loads(k); v = json.loads(v)
exec(sys.argv[2])' "$line" "$2" || fail "record of $1 is not as stream-reactor writes it: $line"
}

# The users' Lenses POST, verbatim apart from host and port. Its topic goes back to empty when the
# script ends (passed or not), for the Confluent tests that share this broker and topic name.
CLEANUP+=("'$REPO/build/tools/kafka-delete-records' '$KAFKA' smap_telemetry_data 0 -1")
CLEANUP+=("'$REPO/build/tools/kafka-delete-records' '$KAFKA' smap_telemetry_v3 0 -1")
mqtt_pub -t telemetry/probe/ready -m ready -r -q 1
code=$(curl -s -o "$WORK/lenses.json" -w '%{http_code}' -X POST -H "Content-Type: application/json" --data '{"name": "smap-mqtt-source-lenses", "config": {"connector.class": "com.datamountaineer.streamreactor.connect.mqtt.source.MqttSourceConnector", "tasks.max":"1", "connect.mqtt.hosts":"tcp://'"$HP"'", "connect.mqtt.username":"abc_mqtt_client", "connect.mqtt.password":"xitanez123", "connect.mqtt.service.quality":"1", "connect.mqtt.clean":"false", "connect.mqtt.kcql":"INSERT INTO smap_telemetry_data SELECT * FROM telemetry/+/+ WITHCONVERTER=`com.datamountaineer.streamreactor.connect.converters.source.BytesConverter`"}}' "$REST/connectors")
[ "$code" = 201 ] || fail "Lenses POST answered $code: $(cat "$WORK/lenses.json")"
wait_connector_running smap-mqtt-source-lenses 1
wait_records smap_telemetry_data 1
mqtt_pub -t telemetry/probe/ready -r -n
mqtt_pub -t telemetry/dev-1/temperature -m 21.5 -q 1
wait_for 60 "dev-1 in smap_telemetry_data" sh -c "kcat -b '$KAFKA' -C -t smap_telemetry_data -o beginning -e -q -f '%k\n' | grep -q dev-1"
rec=$(kcat -b "$KAFKA" -C -t smap_telemetry_data -o beginning -e -q -f '%k\t%s\n' | grep dev-1 | head -1)
python3 -c '
import json, sys, base64
k, v = sys.argv[1].split("\t", 1)
k = json.loads(k); v = json.loads(v)
assert k["schema"] == {"type": "struct", "fields": [{"type": "string", "optional": False, "field": "topic"},
    {"type": "string", "optional": False, "field": "id"}], "optional": False,
    "name": "com.datamountaineer.streamreactor.connect.converters.MsgKey"}, k["schema"]
assert k["payload"]["topic"] == "telemetry/dev-1/temperature", k
assert int(k["payload"]["id"]) > 0, k  # the QoS 1 packet id, as a string
assert v["schema"] == {"type": "bytes", "optional": False}, v
assert base64.b64decode(v["payload"]) == b"21.5", v' "$rec" || fail "BytesConverter record: $rec"
tasks=$(curl -sf "$REST/connectors/smap-mqtt-source-lenses/tasks") || fail "GET tasks failed"
echo "$tasks" | grep -q '"connect.mqtt.client.id":"smap-mqtt-source-lenses-0"' || fail "task client id: $tasks"
info "Lenses POST: 201; MsgKey{topic,id} key and the payload bytes; client id smap-mqtt-source-lenses-0"

# PUT .../config (connect.mqtt.clean=false kept, a new target) and DELETE, as in Connect.
code=$(curl -s -o "$WORK/put.json" -w '%{http_code}' -X PUT -H "Content-Type: application/json" -d '{"connector.class": "com.datamountaineer.streamreactor.connect.mqtt.source.MqttSourceConnector", "tasks.max":"1", "connect.mqtt.hosts":"tcp://'"$HP"'", "connect.mqtt.username":"abc_mqtt_client", "connect.mqtt.password":"xitanez123", "connect.mqtt.service.quality":"1", "connect.mqtt.clean":"false", "connect.mqtt.kcql":"INSERT INTO smap_telemetry_v3 SELECT * FROM telemetry/+/+"}' "$REST/connectors/smap-mqtt-source-lenses/config")
[ "$code" = 200 ] || fail "PUT config answered $code: $(cat "$WORK/put.json")"
wait_connector_running smap-mqtt-source-lenses 1
mqtt_pub -t telemetry/probe/ready -m ready -r -q 1
wait_records smap_telemetry_v3 1
mqtt_pub -t telemetry/probe/ready -r -n
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$REST/connectors/smap-mqtt-source-lenses")
[ "$code" = 204 ] || fail "DELETE answered $code"

# The older stream-reactor spellings: connect.mqtt.user (the broker refuses anonymous clients, so
# a record proves it was used), connect.mqtt.connection.clean/.timeout/.keep.alive and
# connect.mqtt.source.kcql (without it the connector has no KCQL and is refused).
cfg=$(python3 -c 'import json,sys; print(json.dumps({"connector.class":"com.datamountaineer.streamreactor.connect.mqtt.source.MqttSourceConnector","connect.mqtt.hosts":"tcp://"+sys.argv[1],"connect.mqtt.user":sys.argv[2],"connect.mqtt.password":sys.argv[3],"connect.mqtt.service.quality":"1","connect.mqtt.connection.clean":"true","connect.mqtt.connection.timeout":"3000","connect.mqtt.connection.keep.alive":"5000","connect.mqtt.source.kcql":"INSERT INTO lz_legacy SELECT * FROM legacy/probe"}))' "$HP" "$MOSQUITTO_USER" "$MOSQUITTO_PASSWORD")
create_connector lenses-legacy "$cfg"
wait_connector_running lenses-legacy 1
mqtt_pub -t legacy/probe -m old-keys -r -q 1
wait_records lz_legacy 1
mqtt_pub -t legacy/probe -r -n
rec=$(read_records lz_legacy 1 60 '%s\n')
python3 -c 'import base64,json,sys; v=json.loads(sys.argv[1]); assert base64.b64decode(v["payload"]) == b"old-keys", v' "$rec" ||
        fail "legacy-spelled connector wrote: $rec"
curl -s -o /dev/null -X DELETE "$REST/connectors/lenses-legacy"
info "legacy spellings: connect.mqtt.user, connect.mqtt.connection.*, connect.mqtt.source.kcql"

# Every converter, WITHKEY/KEYDELIMITER, target $, $share/ and WITHREGEX in one connector (the
# io.lenses class, the io.lenses converter package), spread over two tasks.
P=io.lenses.streamreactor.connect.converters.source
kcql="INSERT INTO lz_simple SELECT * FROM conv/simple WITHCONVERTER=\`$P.JsonSimpleConverter\`;"
kcql+="INSERT INTO lz_optnull SELECT * FROM conv/optnull WITHCONVERTER=\`$P.JsonOptNullConverter\`;"
kcql+="INSERT INTO lz_pass SELECT * FROM conv/pass WITHCONVERTER=\`$P.JsonPassThroughConverter\` WITHKEY(dev);"
kcql+="INSERT INTO lz_pass2 SELECT * FROM conv/pass2 WITHCONVERTER=\`$P.JsonPassThroughConverter\`;"
kcql+="INSERT INTO lz_evo SELECT * FROM conv/evo WITHCONVERTER=\`$P.JsonConverterWithSchemaEvolution\`;"
kcql+="INSERT INTO lz_key SELECT * FROM conv/key WITHCONVERTER=\`$P.JsonSimpleConverter\` WITHKEY(dev, loc.room) KEYDELIMITER='|';"
kcql+="INSERT INTO \$ SELECT * FROM \`dl/#\`;"
kcql+="INSERT INTO lz_shared SELECT * FROM \`\$share/ferry/conv/shared\`;"
kcql+="INSERT INTO lz_regex SELECT * FROM conv/rx/+ WITHREGEX=\`conv/rx/a[0-9]+\`"
cfg=$(python3 -c 'import json,sys; print(json.dumps({"connector.class":"io.lenses.streamreactor.connect.mqtt.source.MqttSourceConnector","tasks.max":"2","connect.mqtt.hosts":"tcp://"+sys.argv[1],"connect.mqtt.username":sys.argv[2],"connect.mqtt.password":sys.argv[3],"connect.mqtt.service.quality":"1","connect.mqtt.kcql":sys.argv[4]}))' "$HP" "$MOSQUITTO_USER" "$MOSQUITTO_PASSWORD" "$kcql")
create_connector lenses-conv "$cfg"
wait_connector_running lenses-conv 2
tasks=$(curl -sf "$REST/connectors/lenses-conv/tasks") || fail "GET tasks failed"
echo "$tasks" | grep -q '"connect.mqtt.client.id":"lenses-conv-0"' && echo "$tasks" | grep -q '"connect.mqtt.client.id":"lenses-conv-1"' ||
        fail "two tasks with client ids lenses-conv-0 and lenses-conv-1 expected: $tasks"
# Each task subscribes once connected: retained probes on every statement's topic tell when.
J='{"dev":"d1","n":5,"t":21.5,"ok":true,"loc":{"room":"r1"},"tags":["a","b"],"none":null}'
for t in conv/simple conv/optnull conv/pass conv/pass2 conv/evo conv/key; do mqtt_pub -t "$t" -m "$J" -r -q 1; done
mqtt_pub -t dl/b//c -m '"x"' -r -q 1
mqtt_pub -t conv/rx/a1 -m rx -r -q 1
wait_records lz_simple 1
wait_records lz_key 1
for t in conv/simple conv/optnull conv/pass conv/pass2 conv/evo conv/key dl/b//c conv/rx/a1; do mqtt_pub -t "$t" -r -n; done

check_record lz_simple '
s = v["schema"]
assert s["type"] == "struct" and s["name"] == "conv_simple" and s["optional"] is False, s
f = {x["field"]: x for x in s["fields"]}
assert [x["field"] for x in s["fields"]] == ["dev", "n", "t", "ok", "loc", "tags", "none"], s
assert f["dev"] == {"type": "string", "optional": True, "field": "dev"}, f
assert f["n"] == {"type": "int64", "optional": True, "field": "n"}, f
assert f["t"] == {"type": "double", "optional": True, "field": "t"}, f
assert f["ok"] == {"type": "boolean", "optional": True, "field": "ok"}, f
assert f["loc"]["type"] == "struct" and f["loc"]["name"] == "loc" and f["loc"]["optional"] is False, f
assert f["tags"] == {"type": "array", "items": {"type": "string", "optional": True}, "optional": True, "field": "tags"}, f
assert f["none"] == {"type": "string", "optional": True, "field": "none"}, f
assert v["payload"] == {"dev": "d1", "n": 5, "t": 21.5, "ok": True, "loc": {"room": "r1"}, "tags": ["a", "b"], "none": None}, v
assert k["schema"]["name"] == "io.lenses.streamreactor.common.converters.MsgKey", k
assert k["payload"]["topic"] == "conv/simple", k'
check_record lz_optnull '
s = v["schema"]
assert s["name"] == "conv_optnull", s
f = {x["field"]: x for x in s["fields"]}
assert f["dev"]["optional"] is False and f["n"] == {"type": "int64", "optional": False, "field": "n"}, f
assert f["t"]["optional"] is False and f["ok"]["optional"] is False, f
assert f["tags"]["items"] == {"type": "string", "optional": False} and f["tags"]["optional"] is True, f
assert f["none"] == {"type": "string", "optional": True, "field": "none"}, f
assert v["payload"]["loc"] == {"room": "r1"}, v'
line=$(read_records lz_pass 1 60 '%k\t%s\n')
python3 -c '
import json, sys
k, v = sys.argv[1].split("\t", 1)
k = json.loads(k); v = json.loads(v)
assert k == {"schema": None, "payload": "d1"}, k
assert v == {"schema": None, "payload": sys.argv[2]}, v' "$line" "$J" || fail "JsonPassThroughConverter record: $line"
# No WITHKEY: "<MQTT topic><KEYDELIMITER><message id>" (the retained message came at QoS 1).
line=$(read_records lz_pass2 1 60 '%k')
echo "$line" | grep -qE '^\{"schema":null,"payload":"conv/pass2\.[1-9][0-9]*"\}$' || fail "pass-through default key: $line"
check_record lz_evo '
assert v["schema"]["name"] == "conv/evo", v["schema"]
assert v["schema"]["fields"][1] == {"type": "int64", "optional": True, "field": "n"}, v
assert v["payload"]["dev"] == "d1", v'
check_record lz_key '
assert k == {"schema": {"type": "string", "optional": False}, "payload": "d1|r1"}, k'
check_record dlb_c '
import base64
assert v["schema"] == {"type": "bytes", "optional": False} and base64.b64decode(v["payload"]) == b"\"x\"", v
assert k["payload"]["topic"] == "dl/b//c", k'
check_record lz_regex '
assert k["payload"]["topic"] == "conv/rx/a1", k'
# $share/ferry/conv/shared: a shared subscription receives live messages only. conv/rx/b1 matches
# the filter but not WITHREGEX: dropped; conv/rx/a2, published after it, arrives.
mqtt_pub -t conv/shared -m shared -q 1
check_record lz_shared '
import base64
assert base64.b64decode(v["payload"]) == b"shared", v'
mqtt_pub -t conv/rx/b1 -m not-matched -q 1
mqtt_pub -t conv/rx/a2 -m matched -q 1
wait_for 60 "conv/rx/a2 in lz_regex" sh -c "kcat -b '$KAFKA' -C -t lz_regex -o beginning -e -q -f '%k\n' | grep -q conv/rx/a2"
kcat -b "$KAFKA" -C -t lz_regex -o beginning -e -q -f '%k\n' | grep -q conv/rx/b1 && fail "a message outside WITHREGEX reached lz_regex"
info "converters: JsonSimple, JsonOptNull, JsonPassThrough, SchemaEvolution, WITHKEY, \$, \$share/, WITHREGEX as stream-reactor shapes them"

# Bad KCQL and converters: 400 at create, naming the problem; validate reports it on connect.mqtt.kcql.
bad() { # NAME KCQL EXPECTED_TEXT
        local body code
        body=$(python3 -c 'import json,sys; print(json.dumps({"name":sys.argv[1],"config":{"connector.class":"io.lenses.streamreactor.connect.mqtt.source.MqttSourceConnector","connect.mqtt.hosts":"tcp://"+sys.argv[2],"connect.mqtt.service.quality":"1","connect.mqtt.kcql":sys.argv[3]}}))' "$1" "$HP" "$2")
        code=$(curl -s -o "$WORK/$1.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d "$body" "$REST/connectors")
        [ "$code" = 400 ] || fail "$1: POST answered $code: $(cat "$WORK/$1.json")"
        grep -qF "$3" "$WORK/$1.json" || fail "$1: the 400 does not say '$3': $(cat "$WORK/$1.json")"
        grep -q 'connect.mqtt.kcql' "$WORK/$1.json" || fail "$1: the 400 does not name connect.mqtt.kcql"
        info "$1: 400 $(head -c 240 "$WORK/$1.json")"
}
bad malformed 'INSERT INTO t SELECT * FORM a/b' 'expected FROM'
bad clause 'INSERT INTO t SELECT * FROM a/b PK x' 'PK at position'
bad projection 'INSERT INTO t SELECT a, b FROM a/b' 'SELECT *'
bad converter 'INSERT INTO t SELECT * FROM a/b WITHCONVERTER=`com.example.NoSuchConverter`' 'unknown converter class'
bad avro 'INSERT INTO t SELECT * FROM a/b WITHCONVERTER=`io.lenses.streamreactor.connect.converters.source.AvroConverter`' 'not supported by Ferry'
bad filter 'INSERT INTO t SELECT * FROM `a/#/b`' 'not a valid MQTT topic filter'
curl -s -X PUT -H 'Content-Type: application/json' -d '{"connector.class":"io.lenses.streamreactor.connect.mqtt.source.MqttSourceConnector","connect.mqtt.hosts":"tcp://'"$HP"'","connect.mqtt.service.quality":"1","connect.mqtt.kcql":"INSERT INTO t SELECT * FROM a WITHCONVERTER=`x.Y`"}' \
        "$REST/connector-plugins/io.lenses.streamreactor.connect.mqtt.source.MqttSourceConnector/config/validate" >"$WORK/vk.json"
errs=$(json_get "$WORK/vk.json" '[c["value"]["errors"] for c in j["configs"] if c["value"]["name"]=="connect.mqtt.kcql"][0]')
echo "$errs" | grep -q 'unknown converter class' || fail "validate: connect.mqtt.kcql errors: $errs"

# Validate of a Lenses config: connect.mqtt.service.quality is required, the password hidden.
curl -s -X PUT -H 'Content-Type: application/json' -d '{"connector.class":"io.lenses.streamreactor.connect.mqtt.source.MqttSourceConnector","connect.mqtt.hosts":"tcp://'"$HP"'","connect.mqtt.password":"pw"}' \
        "$REST/connector-plugins/MqttSourceConnector/config/validate" >"$WORK/v.json"
errs=$(json_get "$WORK/v.json" '[c["value"]["errors"] for c in j["configs"] if c["value"]["name"]=="connect.mqtt.service.quality"][0]')
echo "$errs" | grep -q 'Missing required configuration' || fail "service.quality errors: $errs"
[ "$(json_get "$WORK/v.json" '[c["value"]["value"] for c in j["configs"] if c["value"]["name"]=="connect.mqtt.password"][0]')" = "[hidden]" ] ||
        fail "connect.mqtt.password not hidden"

# The Confluent validate call still works by the short path; the short name alone is ambiguous.
code=$(curl -s -o "$WORK/validate.json" -w '%{http_code}' -X PUT -H "Content-Type: application/json" -d '{"name":"smap-mqtt-source","config": {"connector.class": "io.confluent.connect.mqtt.MqttSourceConnector", "tasks.max":"1", "mqtt.server.uri":"tcp://'"$HP"'", "mqtt.username":"abc_mqtt_client", "mqtt.password":"xitanez123", "mqtt.topic":"smap_telemetry_data", "kafka.topic": "smap_telemetry_data"}}' "$REST/connector-plugins/MqttSourceConnector/config/validate")
[ "$code" = 200 ] || fail "Confluent validate answered $code with Lenses installed"
[ "$(json_get "$WORK/validate.json" 'j["name"]')" = io.confluent.connect.mqtt.MqttSourceConnector ] ||
        fail "validate checked $(json_get "$WORK/validate.json" 'j["name"]')"
code=$(curl -s -o "$WORK/amb.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        -d '{"name":"amb","config":{"connector.class":"MqttSourceConnector","mqtt.server.uri":"tcp://'"$HP"'","mqtt.topics":"a"}}' "$REST/connectors")
[ "$code" = 400 ] || [ "$code" = 500 ] || fail "ambiguous short name answered $code"
grep -q 'More than one connector matches alias MqttSourceConnector' "$WORK/amb.json" || fail "ambiguity message: $(cat "$WORK/amb.json")"
echo PASS
