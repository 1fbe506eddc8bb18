#!/usr/bin/env bash
# MQTT connectors given bad input: an invalid QoS and a malformed broker URI are refused with 400
# at create and reported by validate, naming the key; an unreachable broker and a wrong password
# fail the task (FAILED with a trace naming the cause), for the source and for the sink.
# services: kafka mosquitto
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"

use_service mosquitto
start_connect_worker
HP="127.0.0.1:$MOSQUITTO_PORT"
base="\"connector.class\":\"io.confluent.connect.mqtt.MqttSourceConnector\",\"mqtt.topics\":\"bad/#\",\"mqtt.username\":\"$MOSQUITTO_USER\",\"mqtt.password\":\"$MOSQUITTO_PASSWORD\""

post() { # NAME CONFIG_JSON -> http code, body in $WORK/NAME.json
        curl -s -o "$WORK/$1.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
                -d "{\"name\":\"$1\",\"config\":{$2}}" "$REST/connectors"
}

# Invalid QoS: 400 naming mqtt.qos; validate reports it on the key.
code=$(post bad-qos "$base,\"mqtt.server.uri\":\"tcp://$HP\",\"mqtt.qos\":\"3\"")
[ "$code" = 400 ] || fail "invalid QoS answered $code: $(cat "$WORK/bad-qos.json")"
grep -q 'mqtt.qos' "$WORK/bad-qos.json" || fail "the 400 does not name mqtt.qos: $(cat "$WORK/bad-qos.json")"
curl -s -X PUT -H 'Content-Type: application/json' -d "{$base,\"mqtt.server.uri\":\"tcp://$HP\",\"mqtt.qos\":\"3\"}" \
        "$REST/connector-plugins/MqttSourceConnector/config/validate" >"$WORK/v.json"
errs=$(json_get "$WORK/v.json" '[c["value"]["errors"] for c in j["configs"] if c["value"]["name"]=="mqtt.qos"][0]')
echo "$errs" | grep -q 'Invalid value 3 for configuration mqtt.qos' || fail "validate on mqtt.qos: $errs"
info "mqtt.qos=3: 400 and $errs"

# Malformed URI.
code=$(post bad-uri "$base,\"mqtt.server.uri\":\"http://$HP\"")
[ "$code" = 400 ] || fail "bad URI answered $code: $(cat "$WORK/bad-uri.json")"
grep -q 'mqtt.server.uri' "$WORK/bad-uri.json" || fail "the 400 does not name mqtt.server.uri: $(cat "$WORK/bad-uri.json")"
info "bad URI: $(cat "$WORK/bad-uri.json")"

# Invalid topic filter.
code=$(post bad-filter "$base,\"mqtt.server.uri\":\"tcp://$HP\",\"mqtt.topics\":\"a/#/b\"")
[ "$code" = 400 ] || fail "bad filter answered $code: $(cat "$WORK/bad-filter.json")"

task_trace() { # NAME -> trace of task 0
        curl -s "$REST/connectors/$1/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tasks"][0].get("trace",""))'
}
wait_failed() { # NAME
        wait_for 60 "task of $1 FAILED" sh -c "curl -s '$REST/connectors/$1/status' | grep -q '\"state\":\"FAILED\"'"
}

# Unreachable broker (a port nobody listens on), retried for max.retry.time.ms.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
code=$(post unreachable "$base,\"mqtt.server.uri\":\"tcp://127.0.0.1:$port\",\"max.retry.time.ms\":\"2000\"")
[ "$code" = 201 ] || fail "unreachable: POST answered $code"
wait_failed unreachable
trace=$(task_trace unreachable)
echo "$trace" | grep -q "Could not connect to the MQTT broker (mqtt.server.uri) within max.retry.time.ms=2000: tcp://127.0.0.1:$port" ||
        fail "unreachable broker trace: $trace"
info "unreachable: $(echo "$trace" | head -1)"

# Wrong password: the source fails at once, naming the keys.
wrong="\"connector.class\":\"io.confluent.connect.mqtt.MqttSourceConnector\",\"mqtt.topics\":\"bad/#\",\"mqtt.server.uri\":\"tcp://$HP\",\"mqtt.username\":\"$MOSQUITTO_USER\",\"mqtt.password\":\"not-the-password\""
code=$(post wrong-password "$wrong")
[ "$code" = 201 ] || fail "wrong password: POST answered $code"
wait_failed wrong-password
trace=$(task_trace wrong-password)
echo "$trace" | grep -q "refused the connection.*\(bad user name or password\|not authorized\) (mqtt.username / mqtt.password)" ||
        fail "wrong password trace: $trace"
info "wrong password (source): $(echo "$trace" | head -1)"

# The sink too.
code=$(post wrong-password-sink "\"connector.class\":\"io.confluent.connect.mqtt.MqttSinkConnector\",\"topics\":\"bad_sink\",\"mqtt.server.uri\":\"tcp://$HP\",\"mqtt.username\":\"$MOSQUITTO_USER\",\"mqtt.password\":\"nope\"")
[ "$code" = 201 ] || fail "sink wrong password: POST answered $code"
wait_failed wrong-password-sink
trace=$(task_trace wrong-password-sink)
echo "$trace" | grep -q "(mqtt.username / mqtt.password)" || fail "sink wrong password trace: $trace"
info "wrong password (sink): $(echo "$trace" | head -1)"
echo PASS
