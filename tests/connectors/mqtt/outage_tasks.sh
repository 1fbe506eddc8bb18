#!/usr/bin/env bash
# MQTT connectors across a broker outage and with several tasks, on real Mosquitto and Kafka:
# GET /connector-plugins lists both classes; tasks.max=2 splits the topic filters over two tasks
# with distinct client ids <connector>-<task> (seen in the broker's log); a private Mosquitto is
# killed and started again on the same port while a source and a sink use it: the tasks stay
# RUNNING, reconnect, and messages flow both ways afterwards.
# services: kafka mosquitto
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"

use_service mosquitto
start_connect_worker value.converter=org.apache.kafka.connect.converters.ByteArrayConverter
HP="127.0.0.1:$MOSQUITTO_PORT"

plugins=$(curl -sf "$REST/connector-plugins") || fail "GET /connector-plugins failed"
for c in io.confluent.connect.mqtt.MqttSourceConnector io.confluent.connect.mqtt.MqttSinkConnector; do
        echo "$plugins" | grep -q "\"$c\"" || fail "GET /connector-plugins lacks $c: $plugins"
done
info "GET /connector-plugins lists both MQTT classes"

# tasks.max=2: one filter per task.
pre=split$RANDOM
create_connector mqtt-split "{\"connector.class\":\"io.confluent.connect.mqtt.MqttSourceConnector\",\"tasks.max\":\"2\",\"mqtt.server.uri\":\"tcp://$HP\",\"mqtt.topics\":\"$pre/a/#,$pre/b/#\",\"kafka.topic\":\"mqtt_split\",\"mqtt.qos\":\"1\",\"mqtt.clean.session.enabled\":\"false\",\"mqtt.username\":\"$MOSQUITTO_USER\",\"mqtt.password\":\"$MOSQUITTO_PASSWORD\"}"
wait_connector_running mqtt-split 2
curl -sf "$REST/connectors/mqtt-split/tasks" >"$WORK/tasks.json"
[ "$(json_get "$WORK/tasks.json" '",".join(t["config"]["mqtt.topics"] for t in j)')" = "$pre/a/#,$pre/b/#" ] ||
        fail "task configs: $(cat "$WORK/tasks.json")"
log=$(hack/services.sh env mosquitto | sed -n 's/^SERVICE_LOG=//p' | tr -d "'\"")
wait_for 30 "both client ids at the broker" sh -c "grep -q ' as mqtt-split-0 ' '$log' && grep -q ' as mqtt-split-1 ' '$log'"
mqtt_pub -t "$pre/a/x" -m from-a -r -q 1
mqtt_pub -t "$pre/b/y" -m from-b -r -q 1
wait_records mqtt_split 2
keys=$(read_records mqtt_split 2 30 '%k\n' | sort | tr '\n' ' ')
[ "$keys" = "$pre/a/x $pre/b/y " ] || fail "split records: $keys"
mqtt_pub -t "$pre/a/x" -r -n
mqtt_pub -t "$pre/b/y" -r -n
info "tasks.max=2: filters split, client ids mqtt-split-0 and mqtt-split-1"

# A private broker for the outage.
own=$WORK/own-services
CLEANUP+=("FERRY_SERVICES_STATE='$own' hack/services.sh stop mosquitto")
FERRY_SERVICES_STATE=$own hack/services.sh start mosquitto >/dev/null || fail "cannot start a private mosquitto"
env=$(FERRY_SERVICES_STATE=$own hack/services.sh env mosquitto)
OWN_PORT=$(echo "$env" | sed -n 's/^SERVICE_PORT=//p' | tr -d "'\"")
OWN_PID=$(echo "$env" | sed -n 's/^SERVICE_PID=//p' | tr -d "'\"")
OWN_PASS=$(echo "$env" | sed -n 's/^SERVICE_PASSWORD=//p' | tr -d "'\"")
OWN_USER=$(echo "$env" | sed -n 's/^SERVICE_USER=//p' | tr -d "'\"")
own_pub() { mosquitto_pub -h 127.0.0.1 -p "$OWN_PORT" -u "$OWN_USER" -P "$OWN_PASS" "$@"; }
own_sub() { mosquitto_sub -h 127.0.0.1 -p "$OWN_PORT" -u "$OWN_USER" -P "$OWN_PASS" "$@"; }
creds="\"mqtt.username\":\"$OWN_USER\",\"mqtt.password\":\"$OWN_PASS\",\"max.retry.time.ms\":\"120000\""
create_connector outage-src "{\"connector.class\":\"io.confluent.connect.mqtt.MqttSourceConnector\",\"mqtt.server.uri\":\"tcp://127.0.0.1:$OWN_PORT\",\"mqtt.topics\":\"out/#\",\"kafka.topic\":\"mqtt_outage\",\"mqtt.qos\":\"1\",$creds}"
create_connector outage-sink "{\"connector.class\":\"io.confluent.connect.mqtt.MqttSinkConnector\",\"topics\":\"mqtt_outage_cmd\",\"mqtt.server.uri\":\"tcp://127.0.0.1:$OWN_PORT\",\"mqtt.qos\":\"1\",$creds}"
wait_connector_running outage-src 1
wait_connector_running outage-sink 1
own_pub -t out/probe -m before -r -q 1
wait_records mqtt_outage 1

kill -9 "$OWN_PID"
wait_for 20 "the private broker is down" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$OWN_PORT) 2>/dev/null"
# Restart it on the same port with the same config and password file.
mosquitto -c "$own/mosquitto/mosquitto.conf" >"$WORK/own-mosquitto.log" 2>&1 &
CLEANUP+=("kill $! 2>/dev/null")
wait_for 20 "the private broker is back" own_pub -t out/ping -m x -q 0
wait_for 60 "the source reconnected" grep -q "Connected to MQTT broker tcp://127.0.0.1:$OWN_PORT as outage-src-0 (reconnected)" "$WORK/connect.log"
[ "$(connector_state outage-src 0)" = RUNNING ] || fail "source task not RUNNING after the outage"
own_pub -t out/after -m after -q 1
after_in() { kcat -b "$KAFKA" -C -t mqtt_outage -o beginning -e -q -f '%k\n' 2>/dev/null | grep -qx out/after; }
wait_for 60 "a message published after the outage in Kafka" after_in
info "source: RUNNING through the outage, reconnected, messages flow"

own_sub -t mqtt_outage_cmd -C 1 -W 60 >"$WORK/cmd.txt" 2>&1 &
sub=$!
CLEANUP+=("kill $sub 2>/dev/null")
got_cmd() { echo cmd | produce_records mqtt_outage_cmd; grep -qx cmd "$WORK/cmd.txt"; }
wait_for 60 "a record published by the sink after the outage" got_cmd
[ "$(connector_state outage-sink 0)" = RUNNING ] || fail "sink task not RUNNING after the outage"
own_pub -t mqtt_outage_cmd -r -n
info "sink: RUNNING through the outage, publishes again"
echo PASS
