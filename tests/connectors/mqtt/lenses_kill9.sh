#!/usr/bin/env bash
# Lenses MQTT source end-to-end at-least-once: connect.mqtt.service.quality=1 with
# connect.mqtt.clean=false; the worker is killed with SIGKILL while a stream of 1000 messages
# flows, a new worker takes the same connector (the same derived client id, so the same session),
# and every message published is in Kafka afterwards (duplicates allowed), read back with kcat.
# services: kafka mosquitto
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"

use_service mosquitto
HP="127.0.0.1:$MOSQUITTO_PORT"
N=1000 # Mosquitto queues up to 1000 QoS 1 messages for an offline persistent session
ktopic=lenses_kill_$RANDOM
mtopic=lload/$RANDOM
config=$(python3 -c 'import json,sys; print(json.dumps({"connector.class":"com.datamountaineer.streamreactor.connect.mqtt.source.MqttSourceConnector","connect.mqtt.hosts":"tcp://"+sys.argv[1],"connect.mqtt.username":sys.argv[2],"connect.mqtt.password":sys.argv[3],"connect.mqtt.service.quality":"1","connect.mqtt.clean":"false","connect.mqtt.kcql":"INSERT INTO %s SELECT * FROM `%s/#` WITHCONVERTER=`com.datamountaineer.streamreactor.connect.converters.source.JsonPassThroughConverter`" % (sys.argv[4], sys.argv[5])}))' \
        "$HP" "$MOSQUITTO_USER" "$MOSQUITTO_PASSWORD" "$ktopic" "$mtopic")

start_connect_worker
create_connector lenses-kill "$config"
wait_connector_running lenses-kill 1
mqtt_pub -t "$mtopic/probe" -m '"probe"' -r -q 1
wait_records "$ktopic" 1
mqtt_pub -t "$mtopic/probe" -r -n

python3 -c '
import sys, time
for i in range(1, int(sys.argv[1]) + 1):
    print("\"msg-%d\"" % i, flush=True)
    time.sleep(0.005)
' "$N" | mqtt_pub -t "$mtopic/data" -q 1 -l &
pub_pid=$!
[ -x build/tools/kafka-wait-hw ] || fail "build/tools/kafka-wait-hw missing (make build/tools/kafka-wait-hw)"
build/tools/kafka-wait-hw "$KAFKA" "$ktopic" 200 60 >/dev/null || fail "the stream did not reach Kafka"
stop_worker connect KILL
got=$(topic_count "$ktopic")
info "worker killed with $got record(s) in Kafka"
wait "$pub_pid" || fail "mosquitto_pub failed"

mv "$WORK/connect.log" "$WORK/connect-1.log"
start_connect_worker
create_connector lenses-kill "$config"
wait_connector_running lenses-kill 1
all_in() {
        kcat -b "$KAFKA" -C -t "$ktopic" -o beginning -e -q -f '%s\n' 2>/dev/null | grep '^"msg-' | sort -u | wc -l |
                grep -qx "$N"
}
wait_for 120 "all $N messages in $ktopic" all_in
info "all $N messages in Kafka after the kill ($(topic_count "$ktopic") records with the probe and duplicates)"
[ "$got" -lt "$N" ] || fail "the whole stream was in Kafka before the kill: nothing was tested"
echo PASS
