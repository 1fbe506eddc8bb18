#!/usr/bin/env bash
# MQTT sink (io.confluent.connect.mqtt.MqttSinkConnector) on real Mosquitto and Kafka: records
# produced with kcat are published to the MQTT topic named like the Kafka topic with the
# configured QoS and retain flag (mosquitto_sub -v sees them; a late subscriber gets the last one
# as retained); a second sink with mqtt.retained.enabled=false leaves nothing retained.
# services: kafka mosquitto
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"

use_service mosquitto
start_connect_worker
HP="127.0.0.1:$MOSQUITTO_PORT"
topic=mqtt_sink_in_$RANDOM

# A live subscriber first: topic, QoS and retain flag of each message it gets.
# It also listens on a probe topic, published to until it answers: then it is subscribed.
mqtt_sub -q 2 -t "$topic" -t "probe/$topic" -W 120 -F '%t %q %r %p' >"$WORK/live.txt" 2>"$WORK/live.err" &
CLEANUP+=("kill $! 2>/dev/null")
subscribed() { # FILE TOPIC
        mqtt_pub -t "probe/$2" -m probe && grep -q "^probe/" "$1"
}
wait_for 20 "the live subscriber is subscribed" subscribed "$WORK/live.txt" "$topic"

create_connector mqtt-sink "{\"connector.class\":\"io.confluent.connect.mqtt.MqttSinkConnector\",\"tasks.max\":\"1\",\"topics\":\"$topic\",\"mqtt.server.uri\":\"tcp://$HP\",\"mqtt.username\":\"$MOSQUITTO_USER\",\"mqtt.password\":\"$MOSQUITTO_PASSWORD\",\"mqtt.qos\":\"1\",\"value.converter\":\"org.apache.kafka.connect.converters.ByteArrayConverter\"}"
wait_connector_running mqtt-sink 1
printf '%s\n' 'first' '{"n":2}' 'third value' | produce_records "$topic"
wait_for 60 "three messages at the live subscriber" sh -c "[ \$(grep -vc '^probe/' '$WORK/live.txt') -ge 3 ]"
expected="$topic 1 0 first
$topic 1 0 {\"n\":2}
$topic 1 0 third value"
[ "$(grep -v '^probe/' "$WORK/live.txt")" = "$expected" ] || fail "live subscriber got: $(cat "$WORK/live.txt")"
info "live subscriber: three messages at QoS 1, in order"

# A late subscriber gets the last one, retained.
late=$(mqtt_sub -q 1 -t "$topic" -C 1 -W 20 -F '%t %q %r %p') || fail "no retained message for a late subscriber"
[ "$late" = "$topic 1 1 third value" ] || fail "late subscriber got: $late"
info "late subscriber: '$late' (retained)"

# mqtt.retained.enabled=false and QoS 0: delivered live, nothing retained.
topic2=mqtt_sink_noretain_$RANDOM
mqtt_sub -q 2 -t "$topic2" -t "probe/$topic2" -W 120 -F '%t %q %r %p' >"$WORK/live2.txt" 2>&1 &
CLEANUP+=("kill $! 2>/dev/null")
wait_for 20 "the second subscriber is subscribed" subscribed "$WORK/live2.txt" "$topic2"
create_connector mqtt-sink-2 "{\"connector.class\":\"io.confluent.connect.mqtt.MqttSinkConnector\",\"topics\":\"$topic2\",\"mqtt.server.uri\":\"tcp://$HP\",\"mqtt.username\":\"$MOSQUITTO_USER\",\"mqtt.password\":\"$MOSQUITTO_PASSWORD\",\"mqtt.retained.enabled\":\"false\"}"
wait_connector_running mqtt-sink-2 1
echo 'not kept' | produce_records "$topic2"
wait_for 60 "the message at the second live subscriber" grep -q "^$topic2 " "$WORK/live2.txt"
[ "$(grep -v '^probe/' "$WORK/live2.txt")" = "$topic2 0 0 not kept" ] || fail "second subscriber got: $(cat "$WORK/live2.txt")"
late=$(mqtt_sub -t "$topic2" -C 1 -W 2 -F '%p' 2>/dev/null || true)
[ -z "$late" ] || fail "a message was retained although mqtt.retained.enabled=false: $late"
mqtt_pub -t "$topic" -r -n
info "mqtt.retained.enabled=false: nothing retained"
echo PASS
