#!/usr/bin/env bash
# Lenses MQTT sink (io.lenses... and com.datamountaineer... MqttSinkConnector) on real Mosquitto and
# Kafka: JSON records produced with kcat are published as stream-reactor's sink publishes them
# (SELECT *: the JSON, compact; SELECT f AS a: the projected object) to each KCQL statement's MQTT
# topic with connect.mqtt.service.quality and connect.mqtt.retained.messages, checked with
# mosquitto_sub (-F '%t %q %r %p': topic, QoS, retain flag, payload); the default keeps nothing
# retained; a topic without a statement and a bad sink converter answer 400.
# services: kafka mosquitto
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"

use_service mosquitto
start_connect_worker
HP="127.0.0.1:$MOSQUITTO_PORT"
in=lsink_in_$RANDOM
out=lsink/out/$RANDOM

subscribed() { # FILE TOPIC
        mqtt_pub -t "probe/$2" -m probe && grep -q "^probe/" "$1"
}
mqtt_sub -q 2 -t "$out/#" -t "probe/$out" -W 120 -F '%t %q %r %p' >"$WORK/live.txt" 2>"$WORK/live.err" &
CLEANUP+=("kill $! 2>/dev/null")
wait_for 20 "the live subscriber is subscribed" subscribed "$WORK/live.txt" "$out"

kcql="INSERT INTO $out/all SELECT * FROM $in;INSERT INTO $out/proj SELECT dev, t AS temp FROM $in"
cfg=$(python3 -c 'import json,sys; print(json.dumps({"connector.class":"io.lenses.streamreactor.connect.mqtt.sink.MqttSinkConnector","tasks.max":"1","topics":sys.argv[1],"connect.mqtt.hosts":"tcp://"+sys.argv[2],"connect.mqtt.username":sys.argv[3],"connect.mqtt.password":sys.argv[4],"connect.mqtt.service.quality":"1","connect.mqtt.retained.messages":"true","connect.mqtt.kcql":sys.argv[5]}))' "$in" "$HP" "$MOSQUITTO_USER" "$MOSQUITTO_PASSWORD" "$kcql")
create_connector lenses-sink "$cfg"
wait_connector_running lenses-sink 1
printf '%s\n' '{"dev": "d1", "t": 21.5, "n": 1}' '{"dev":"d2","t":1E3,"n":2,"x":[1,"a",null]}' | produce_records "$in"
wait_for 60 "four messages at the live subscriber" sh -c "[ \$(grep -vc '^probe/' '$WORK/live.txt') -ge 4 ]"
got=$(grep -v '^probe/' "$WORK/live.txt" | sort)
expected=$(printf '%s\n' "$out/all 1 0 {\"dev\":\"d1\",\"t\":21.5,\"n\":1}" "$out/all 1 0 {\"dev\":\"d2\",\"t\":1000.0,\"n\":2,\"x\":[1,\"a\",null]}" \
        "$out/proj 1 0 {\"dev\":\"d1\",\"temp\":21.5}" "$out/proj 1 0 {\"dev\":\"d2\",\"temp\":1000.0}" | sort)
[ "$got" = "$expected" ] || fail "live subscriber got:
$got
expected:
$expected"
info "live subscriber: SELECT * and SELECT dev, t AS temp published at QoS 1"
late=$(mqtt_sub -q 1 -t "$out/all" -C 1 -W 20 -F '%t %q %r %p') || fail "no retained message for a late subscriber"
[ "$late" = "$out/all 1 1 {\"dev\":\"d2\",\"t\":1000.0,\"n\":2,\"x\":[1,\"a\",null]}" ] || fail "late subscriber got: $late"
mqtt_pub -t "$out/all" -r -n
mqtt_pub -t "$out/proj" -r -n
info "connect.mqtt.retained.messages=true: the last message retained ($late)"

# The datamountaineer class, QoS 0, defaults (nothing retained); the sink BytesConverter publishes
# the value's bytes as they are.
out2=lsink/raw/$RANDOM
mqtt_sub -q 2 -t "$out2" -t "probe/$out2" -W 120 -F '%t %q %r %p' >"$WORK/live2.txt" 2>&1 &
CLEANUP+=("kill $! 2>/dev/null")
wait_for 20 "the second subscriber is subscribed" subscribed "$WORK/live2.txt" "$out2"
in2=lsink_raw_$RANDOM
kcql2="INSERT INTO $out2 SELECT * FROM $in2 WITHCONVERTER=\`io.lenses.streamreactor.common.converters.sink.BytesConverter\`"
cfg=$(python3 -c 'import json,sys; print(json.dumps({"connector.class":"com.datamountaineer.streamreactor.connect.mqtt.sink.MqttSinkConnector","topics":sys.argv[1],"connect.mqtt.hosts":"tcp://"+sys.argv[2],"connect.mqtt.username":sys.argv[3],"connect.mqtt.password":sys.argv[4],"connect.mqtt.service.quality":"0","connect.mqtt.kcql":sys.argv[5]}))' "$in2" "$HP" "$MOSQUITTO_USER" "$MOSQUITTO_PASSWORD" "$kcql2")
create_connector lenses-sink-raw "$cfg"
wait_connector_running lenses-sink-raw 1
echo 'not json, as is' | produce_records "$in2"
wait_for 60 "the message at the second subscriber" grep -q "^$out2 " "$WORK/live2.txt"
[ "$(grep -v '^probe/' "$WORK/live2.txt")" = "$out2 0 0 not json, as is" ] || fail "second subscriber got: $(cat "$WORK/live2.txt")"
late=$(mqtt_sub -t "$out2" -C 1 -W 2 -F '%p' 2>/dev/null || true)
[ -z "$late" ] || fail "a message was retained although connect.mqtt.retained.messages defaults to false: $late"
info "QoS 0, not retained, raw bytes with the sink BytesConverter"

# 400s: a topic of topics without a statement; an unknown sink converter.
bad() { # NAME TOPICS KCQL EXPECTED_TEXT
        local body code
        body=$(python3 -c 'import json,sys; print(json.dumps({"name":sys.argv[1],"config":{"connector.class":"io.lenses.streamreactor.connect.mqtt.sink.MqttSinkConnector","topics":sys.argv[2],"connect.mqtt.hosts":"tcp://"+sys.argv[3],"connect.mqtt.service.quality":"1","connect.mqtt.kcql":sys.argv[4]}}))' "$1" "$2" "$HP" "$3")
        code=$(curl -s -o "$WORK/$1.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d "$body" "$REST/connectors")
        [ "$code" = 400 ] || fail "$1: POST answered $code: $(cat "$WORK/$1.json")"
        grep -qF "$4" "$WORK/$1.json" || fail "$1: the 400 does not say '$4': $(cat "$WORK/$1.json")"
        info "$1: 400 $(head -c 240 "$WORK/$1.json")"
}
bad uncovered 'a,b' 'INSERT INTO x/y SELECT * FROM a' "no statement reads topic 'b'"
bad sinkconv 'a' 'INSERT INTO x/y SELECT * FROM a WITHCONVERTER=`com.example.Nope`' 'unknown or unsupported sink converter'
bad wildcard 'a' 'INSERT INTO `x/#` SELECT * FROM a' 'not an MQTT topic to publish to'
echo PASS
