#!/usr/bin/env bash
# MQTT source end-to-end at-least-once: QoS 1 with a persistent session
# (mqtt.clean.session.enabled=false); the worker is killed with SIGKILL while a stream of 1000
# messages flows, a new worker takes the same connector (same client id, so the same session),
# and every message published is in Kafka afterwards (duplicates allowed), read back with kcat.
# Round 2 kills the worker while Kafka is frozen and the task holds messages it polled; the broker
# sends those again with the DUP flag, and their records carry mqtt.duplicate=true.
# services: kafka mosquitto
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"

use_service mosquitto
HP="127.0.0.1:$MOSQUITTO_PORT"
N=1000 # Mosquitto queues up to 1000 QoS 1 messages for an offline persistent session
ktopic=mqtt_kill_$RANDOM
mtopic=load/$RANDOM
config="{\"connector.class\":\"io.confluent.connect.mqtt.MqttSourceConnector\",\"mqtt.server.uri\":\"tcp://$HP\",\"mqtt.topics\":\"$mtopic/#\",\"kafka.topic\":\"$ktopic\",\"mqtt.qos\":\"1\",\"mqtt.clean.session.enabled\":\"false\",\"mqtt.username\":\"$MOSQUITTO_USER\",\"mqtt.password\":\"$MOSQUITTO_PASSWORD\"}"

start_connect_worker
create_connector mqtt-kill "$config"
wait_connector_running mqtt-kill 1
# The session exists once the subscription is live: a retained probe arrives.
mqtt_pub -t "$mtopic/probe" -m probe -r -q 1
wait_records "$ktopic" 1
read_records "$ktopic" 1 60 >/dev/null
mqtt_pub -t "$mtopic/probe" -r -n

# The stream, at QoS 1, in the background, paced at about 200 messages/s so that the kill falls
# in the middle of it.
python3 -c '
import sys, time
for i in range(1, int(sys.argv[1]) + 1):
    print("msg-%d" % i, flush=True)
    time.sleep(0.005)
' "$N" | mqtt_pub -t "$mtopic/data" -q 1 -l &
pub_pid=$!
# kafka-wait-hw watches the high watermark over one connection, so the kill follows at once.
[ -x build/tools/kafka-wait-hw ] || fail "build/tools/kafka-wait-hw missing (make build/tools/kafka-wait-hw)"
build/tools/kafka-wait-hw "$KAFKA" "$ktopic" 200 60 >/dev/null || fail "the stream did not reach Kafka"
stop_worker connect KILL
got=$(topic_count "$ktopic")
info "worker killed with $got record(s) in Kafka"
wait "$pub_pid" || fail "mosquitto_pub failed"

# A new worker, the same connector: the broker hands the session's unacknowledged messages over.
mv "$WORK/connect.log" "$WORK/connect-1.log"
start_connect_worker
create_connector mqtt-kill "$config"
wait_connector_running mqtt-kill 1
all_in() {
        kcat -b "$KAFKA" -C -t "$ktopic" -o beginning -e -q -f '%s\n' 2>/dev/null | grep '^msg-' | sort -u | wc -l |
                grep -qx "$N"
}
wait_for 120 "all $N messages in $ktopic" all_in
total=$(topic_count "$ktopic")
info "all $N messages in Kafka after the kill ($total records with the probe and duplicates)"
[ "$got" -le "$N" ] || fail "the whole stream was in Kafka before the kill: nothing was tested"

# Round 2, the case acknowledging on receipt would lose: Kafka is frozen (SIGSTOP) while messages
# arrive, the task polls some of them (its producer cannot deliver them), the worker is killed,
# Kafka resumes, and a new worker must still bring every one of them in.
kpid=$(cat "$FERRY_KAFKA_STATE/pid") || fail "no Kafka pid in $FERRY_KAFKA_STATE"
polled() {
        curl -s "$REST/metrics" | sed -n 's/^ferry_source_record_poll_total{.*connector="mqtt-kill".*} \([0-9]*\)$/\1/p' | head -1
}
before=$(polled)
[ -n "$before" ] || fail "no ferry_source_record_poll_total for mqtt-kill in /metrics"
CLEANUP+=("kill -CONT $kpid")
kill -STOP "$kpid"
seq 1 50 | sed 's/^/stall-/' | mqtt_pub -t "$mtopic/data" -q 1 -l || { kill -CONT "$kpid"; fail "mosquitto_pub failed"; }
polled_more() { [ "$(polled)" -gt "$before" ]; }
wait_for 30 "the task polls messages while Kafka is frozen" polled_more
info "task polled $(($(polled) - before)) message(s) while Kafka was frozen; killing the worker"
stop_worker connect KILL
kill -CONT "$kpid"
mv "$WORK/connect.log" "$WORK/connect-2.log"
start_connect_worker
create_connector mqtt-kill "$config"
wait_connector_running mqtt-kill 1
stall_in() {
        kcat -b "$KAFKA" -C -t "$ktopic" -o beginning -e -q -f '%s\n' 2>/dev/null | grep '^stall-' | sort -u | wc -l |
                grep -qx 50
}
wait_for 120 "all 50 messages of round 2 in $ktopic" stall_in
# The messages the broker had sent and never got acknowledged come again with the DUP flag; their
# records say mqtt.duplicate=true, as Confluent's (Paho's isDuplicate()); the others say false.
flags=$(kcat -b "$KAFKA" -C -t "$ktopic" -o beginning -e -q -f '%h|%s\n' 2>/dev/null | grep '|stall-' |
        sed -n 's/.*mqtt.duplicate=\(true\|false\)|.*/\1/p' | sort | uniq -c | tr -s ' ' | tr '\n' ' ')
case "$flags" in *" false "*" true "*) ;; *) fail "round 2 records should carry both DUP flags, got: $flags" ;; esac
info "round 2: all 50 messages in Kafka; mqtt.duplicate counts:$flags"
echo PASS
