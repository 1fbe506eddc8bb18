#!/usr/bin/env bash
# MQTT source (io.confluent.connect.mqtt.MqttSourceConnector) on real Mosquitto and Kafka: the
# users' validate call with a misspelt key (200, missing mqtt.topics, password [hidden]) and their
# POST, run with only host and port changed; messages published with mosquitto_pub to
# telemetry/<device>/<metric> arrive in smap_telemetry_data byte-exact with key = MQTT topic and
# the mqtt.* headers (read back with kcat); status, PUT .../config and DELETE as in Connect.
# services: kafka mosquitto
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"

use_service mosquitto
mqtt_add_issue_user
HP="127.0.0.1:$MOSQUITTO_PORT"
# Payloads are bytes: the worker writes them as they are.
start_connect_worker value.converter=org.apache.kafka.connect.converters.ByteArrayConverter

# The validate call, verbatim apart from host and port.
code=$(curl -s -o "$WORK/validate.json" -w '%{http_code}' -X PUT -H "Content-Type: application/json" -d '{"name":"smap-mqtt-source","config": {"connector.class": "io.confluent.connect.mqtt.MqttSourceConnector", "tasks.max":"1", "mqtt.server.uri":"tcp://'"$HP"'", "mqtt.username":"abc_mqtt_client", "mqtt.password":"xitanez123", "mqtt.topic":"smap_telemetry_data", "kafka.topic": "smap_telemetry_data"}}' "$REST/connector-plugins/MqttSourceConnector/config/validate")
[ "$code" = 200 ] || fail "validate answered $code: $(cat "$WORK/validate.json")"
[ "$(json_get "$WORK/validate.json" 'j["error_count"]')" -ge 1 ] || fail "validate reports no error"
errs=$(json_get "$WORK/validate.json" '[c["value"]["errors"] for c in j["configs"] if c["value"]["name"]=="mqtt.topics"][0]')
echo "$errs" | grep -q 'Missing required configuration \\\?"mqtt.topics\\\?" which has no default value' ||
        fail "validate does not report the missing mqtt.topics: $errs"
pw=$(json_get "$WORK/validate.json" '[c["value"]["value"] for c in j["configs"] if c["value"]["name"]=="mqtt.password"][0]')
[ "$pw" = "[hidden]" ] || fail "mqtt.password shown as '$pw', not [hidden]"
grep -q xitanez123 "$WORK/validate.json" && fail "the password appears in the validate answer"
info "validate: 200, missing mqtt.topics reported, password [hidden]"

# A retained message published before the connector starts tells when its subscription is live.
mqtt_pub -t telemetry/probe/ready -m ready -r -q 1

# The POST, verbatim apart from host and port.
code=$(curl -s -o "$WORK/post.json" -w '%{http_code}' -X POST -H "Content-Type: application/json" --data '{"name": "smap-mqtt-source", "config": {"connector.class": "io.confluent.connect.mqtt.MqttSourceConnector", "tasks.max":"1", "mqtt.server.uri":"tcp://'"$HP"'", "mqtt.topics":"telemetry/#", "kafka.topic": "smap_telemetry_data", "mqtt.username":"abc_mqtt_client", "mqtt.password":"xitanez123"}}' "$REST/connectors")
[ "$code" = 201 ] || fail "POST /connectors answered $code: $(cat "$WORK/post.json")"
wait_connector_running smap-mqtt-source 1
wait_records smap_telemetry_data 1
read_records smap_telemetry_data 1 60 '%k\n' | grep -qx telemetry/probe/ready || fail "the retained probe did not arrive"
mqtt_pub -t telemetry/probe/ready -r -n # clears the retained message

# Telemetry: text, binary (every byte value) and empty payloads, QoS 0 and 1.
head -c 256 /dev/zero | python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)))' >"$WORK/binary.bin"
mqtt_pub -t telemetry/dev-1/temperature -m '21.5'
mqtt_pub -t telemetry/dev-2/humidity -m '{"h":40}' -q 1
mqtt_pub -t telemetry/dev-3/blob -f "$WORK/binary.bin" -q 1
mqtt_pub -t telemetry/dev-4/empty -n
# The probe, its clearing (an empty message, delivered live) and the four: the connector
# subscribed at the default QoS 0, so every delivery is at QoS 0 with packet id 0.
wait_records smap_telemetry_data 6
recs=$(read_records smap_telemetry_data 6 60 '%k|%h\n')
echo "$recs" | grep -qx 'telemetry/dev-1/temperature|mqtt.message.id=0,mqtt.qos=0,mqtt.retained=false,mqtt.duplicate=false' ||
        fail "dev-1 record wrong: $recs"
echo "$recs" | grep -qx 'telemetry/dev-2/humidity|mqtt.message.id=0,mqtt.qos=0,mqtt.retained=false,mqtt.duplicate=false' ||
        fail "dev-2 record wrong: $recs"
echo "$recs" | grep -qx 'telemetry/probe/ready|mqtt.message.id=0,mqtt.qos=0,mqtt.retained=true,mqtt.duplicate=false' ||
        fail "the retained probe lacks mqtt.retained=true: $recs"
# Byte-exact values, one record at a time by offset.
value_of() { # KEY -> file with the value of the first record with that key
        local off
        off=$(kcat -b "$KAFKA" -C -t smap_telemetry_data -o beginning -e -q -f '%o %k\n' | awk -v k="$1" '$2==k {print $1; exit}')
        [ -n "$off" ] || fail "no record with key $1"
        kcat -b "$KAFKA" -C -t smap_telemetry_data -p 0 -o "$off" -c 1 -q -f '%s' >"$WORK/v-${1//\//_}"
        echo "$WORK/v-${1//\//_}"
}
[ "$(cat "$(value_of telemetry/dev-1/temperature)")" = 21.5 ] || fail "dev-1 value differs"
[ "$(cat "$(value_of telemetry/dev-2/humidity)")" = '{"h":40}' ] || fail "dev-2 value differs"
cmp "$(value_of telemetry/dev-3/blob)" "$WORK/binary.bin" || fail "binary payload not byte-exact"
[ ! -s "$(value_of telemetry/dev-4/empty)" ] || fail "empty payload not empty"
info "records: keys, headers and values as published"

# Status as in Connect.
curl -sf "$REST/connectors/smap-mqtt-source/status" >"$WORK/status.json" || fail "GET status failed"
[ "$(json_get "$WORK/status.json" 'j["type"]+" "+j["connector"]["state"]+" "+j["tasks"][0]["state"]')" = "source RUNNING RUNNING" ] ||
        fail "status: $(cat "$WORK/status.json")"

# PUT .../config: now QoS 1 into another topic; the replaced task writes there.
code=$(curl -s -o "$WORK/put.json" -w '%{http_code}' -X PUT -H "Content-Type: application/json" -d '{"connector.class": "io.confluent.connect.mqtt.MqttSourceConnector", "tasks.max":"1", "mqtt.server.uri":"tcp://'"$HP"'", "mqtt.topics":"telemetry/+/+", "kafka.topic": "smap_telemetry_v2", "mqtt.qos":"1", "mqtt.clean.session.enabled":"false", "mqtt.username":"abc_mqtt_client", "mqtt.password":"xitanez123"}' "$REST/connectors/smap-mqtt-source/config")
[ "$code" = 200 ] || fail "PUT config answered $code: $(cat "$WORK/put.json")"
[ "$(json_get "$WORK/put.json" 'j["config"]["kafka.topic"]')" = smap_telemetry_v2 ] || fail "PUT answer: $(cat "$WORK/put.json")"
wait_connector_running smap-mqtt-source 1
mqtt_pub -t telemetry/probe/ready -m ready2 -r -q 1
wait_records smap_telemetry_v2 1
read_records smap_telemetry_v2 1 60 '%k\n' | grep -qx telemetry/probe/ready || fail "no record after the config update"
mqtt_pub -t telemetry/probe/ready -r -n
mqtt_pub -t telemetry/dev-5/pressure -m 1013 -q 1
wait_records smap_telemetry_v2 3
read_records smap_telemetry_v2 3 60 '%k|%h|%s\n' | grep -qE '^telemetry/dev-5/pressure\|mqtt.message.id=[1-9][0-9]*,mqtt.qos=1,mqtt.retained=false,mqtt.duplicate=false\|1013$' ||
        fail "the updated connector's record is wrong: $(read_records smap_telemetry_v2 3 5 '%k|%h|%s\n')"
info "PUT config: the new task writes to smap_telemetry_v2 at QoS 1"

# DELETE: 204, then 404; the session's client is gone from the broker.
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$REST/connectors/smap-mqtt-source")
[ "$code" = 204 ] || fail "DELETE answered $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$REST/connectors/smap-mqtt-source/status")
[ "$code" = 404 ] || fail "status after DELETE answered $code"
before=$(topic_count smap_telemetry_v2)
mqtt_pub -t telemetry/dev-6/after -m gone -q 1
# A fresh connector on the same topic proves messages flow again, and the deleted one wrote none.
create_connector probe-after-delete "{\"connector.class\":\"io.confluent.connect.mqtt.MqttSourceConnector\",\"mqtt.server.uri\":\"tcp://$HP\",\"mqtt.topics\":\"telemetry/probe/#\",\"kafka.topic\":\"smap_probe\",\"mqtt.username\":\"$MOSQUITTO_USER\",\"mqtt.password\":\"$MOSQUITTO_PASSWORD\"}"
wait_connector_running probe-after-delete 1
mqtt_pub -t telemetry/probe/x -m x -r -q 1
wait_records smap_probe 1
read_records smap_probe 1 60 >/dev/null
mqtt_pub -t telemetry/probe/x -r -n
[ "$(topic_count smap_telemetry_v2)" -eq "$before" ] || fail "the deleted connector still wrote records"
info "DELETE: 204, status 404, no more records"
echo "PASS"
