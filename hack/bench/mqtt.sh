#!/usr/bin/env bash
# MQTT source benchmark: messages/s from Mosquitto into Kafka, Ferry's MqttSourceConnector beside
# the pipeline `mosquitto_sub | kcat -P` on the same broker and the same data, at QoS 0 and QoS 1,
# plus the worker's peak RSS (VmHWM). BENCH_MQTT_N messages of 100 bytes are published with
# build/tools/mqtt-pub once the subscriber (connector or mosquitto_sub) is subscribed (unlike
# `mosquitto_pub -l`, which at QoS 1 disconnects with messages unacknowledged and loses them, it
# ends only once the broker acknowledged every message); the time runs
# from the first publish until partition 0 of the target topic holds them all
# (build/tools/kafka-wait-hw). Both subscribers use a clean session. Starts its own Kafka
# (hack/kafka.sh) unless FERRY_KAFKA_BOOTSTRAP is set, and its own Mosquitto (anonymous,
# max_queued_messages 0 so nothing is dropped, max_inflight_messages BENCH_MQTT_INFLIGHT).
# Prints a markdown table on stdout, progress on stderr.
#
# The Lenses source (io.lenses...MqttSourceConnector, BytesConverter) runs the same cases unless
# BENCH_MQTT_LENSES=0. The worker's RSS is read from /proc/PID/status: VmRSS once the connector is
# subscribed (idle) and VmHWM after the run (peak).
#
# Environment: BENCH_MQTT_N (200000)  BENCH_MQTT_INFLIGHT (20)  FERRY_WORKER (bin/ferry-worker)
#   BENCH_MQTT_QOS ("0 1")  BENCH_MQTT_LENSES (1)
#   BENCH_MQTT_PROPS  extra connector properties for the Confluent source, e.g.
#                     "records.buffer.queue.size=8192" (one per line)
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
N=${BENCH_MQTT_N:-200000}
INFLIGHT=${BENCH_MQTT_INFLIGHT:-20}
QOS_LIST=${BENCH_MQTT_QOS:-0 1}
LENSES=${BENCH_MQTT_LENSES:-1}
WORKER=${FERRY_WORKER:-$REPO/bin/ferry-worker}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-mqtt.XXXXXX")
declare -a CLEANUP=()
cleanup() {
        for ((i = ${#CLEANUP[@]} - 1; i >= 0; i--)); do eval "${CLEANUP[$i]}" >/dev/null 2>&1 || true; done
        rm -rf "$WORK"
}
trap cleanup EXIT
log() { echo "[bench-mqtt] $*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
[ -x build/tools/kafka-wait-hw ] || make -s build/tools/kafka-wait-hw
[ -x build/tools/mqtt-pub ] || make -s build/tools/mqtt-pub
[ -f build/plugins/mqtt/mqtt.so ] || make -s plugins

if [ -z "${FERRY_KAFKA_BOOTSTRAP:-}" ]; then
        export FERRY_KAFKA_STATE=$WORK/kafka
        CLEANUP+=("FERRY_KAFKA_STATE=$WORK/kafka hack/kafka.sh stop")
        FERRY_KAFKA_BOOTSTRAP=$(hack/kafka.sh start | tail -1)
fi
K=$FERRY_KAFKA_BOOTSTRAP

MP=$(free_port)
{
        echo "listener $MP 127.0.0.1"
        echo "allow_anonymous true"
        echo "persistence false"
        echo "max_queued_messages 0"
        echo "max_inflight_messages $INFLIGHT"
        echo "log_dest stderr"
        echo "log_type error"
        echo "log_type warning"
        echo "log_type subscribe"
        [ "$(id -u)" = 0 ] && echo "user root"
} >"$WORK/mosquitto.conf"
mosquitto -c "$WORK/mosquitto.conf" >"$WORK/mosquitto.log" 2>&1 &
CLEANUP+=("kill $!")
until mosquitto_pub -h 127.0.0.1 -p "$MP" -t ping -m x 2>/dev/null; do sleep 0.1; done

python3 -c '
import sys
n = int(sys.argv[1])
with open(sys.argv[2], "w") as f:
    for i in range(n):
        f.write(("m%08d" % i).ljust(100, "x") + "\n")
' "$N" "$WORK/payload.txt"

# wait_subscribed TOPIC_PREFIX KAFKA_TOPIC: publishes a probe until it shows up in KAFKA_TOPIC.
wait_subscribed() {
        local deadline=$((SECONDS + 60))
        until build/tools/kafka-wait-hw "$K" "$2" 1 1 >/dev/null 2>&1; do
                mosquitto_pub -h 127.0.0.1 -p "$MP" -t "$1/probe" -m probe -q 1
                [ "$SECONDS" -lt "$deadline" ] || { log "subscriber never saw the probe"; exit 1; }
        done
}

# hw TOPIC: records now in partition 0.
hw() { kcat -b "$K" -C -t "$1" -p 0 -o beginning -e -q -f 'x\n' 2>/dev/null | wc -l; }

# run_case NAME QOS KAFKA_TOPIC: publishes N at QOS to bench/<topic>/data and times their arrival.
run_case() {
        local name=$1 qos=$2 kt=$3 base t0 t1
        base=$(hw "$kt")
        t0=$(now)
        build/tools/mqtt-pub 127.0.0.1 "$MP" "bench/$kt/data" "$qos" <"$WORK/payload.txt" ||
                { log "$name: publishing failed"; return 1; }
        build/tools/kafka-wait-hw "$K" "$kt" "$((base + N))" "${BENCH_MQTT_SUB_TIMEOUT:-1200}" >/dev/null ||
                { log "$name: not all arrived"; return 1; }
        t1=$(now)
        python3 -c "print(int($N / ($t1 - $t0)))"
}

declare -A RESULT

# run_ferry KEY QOS CONNECTOR_PROPS_FILE KAFKA_TOPIC: a standalone worker with the connector;
# RESULT[KEY] msg/s, RESULT[KEY.idle] and RESULT[KEY.peak] RSS in MB.
run_ferry() {
        local key=$1 qos=$2 props=$3 kt=$4 rp wpid
        rp=$(free_port)
        cat >"$WORK/worker.properties" <<PROPS
bootstrap.servers=$K
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.converters.ByteArrayConverter
offset.storage.file.filename=$WORK/offsets-$key
listeners=http://127.0.0.1:$rp
plugin.path=$REPO/build/plugins
PROPS
        "$WORKER" standalone "$WORK/worker.properties" "$props" >"$WORK/worker-$key.out" 2>"$WORK/worker-$key.log" &
        wpid=$!
        CLEANUP+=("kill $wpid")
        wait_subscribed "bench/$kt" "$kt"
        RESULT[$key.idle]=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$wpid/status")
        local c0
        c0=$(cpu_ticks "$wpid")
        RESULT[$key]=$(run_case "$key" "$qos" "$kt") || RESULT[$key]=
        RESULT[$key.cpu]=$(python3 -c "print('%.1f' % (($(cpu_ticks "$wpid") - $c0) / $HZ * 1e6 / $N))")
        RESULT[$key.peak]=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$wpid/status")
        kill "$wpid"
        wait "$wpid" 2>/dev/null || true
}

HZ=$(getconf CLK_TCK)
# cpu_ticks PID: user + system CPU time of a process so far, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

ratio() { python3 -c "import sys; b=float(sys.argv[2]); print('%.2f' % (float(sys.argv[1]) / b) if b else '-')" "$1" "$2"; }

for qos in $QOS_LIST; do
        # Baseline: mosquitto_sub | kcat -P. kcat -P sends what it read when its input ends, so
        # mosquitto_sub stops after N messages (-C); it is subscribed once the broker logs it.
        kt=base_q${qos}_$RANDOM
        # -W: a pipeline that never gets all N ends instead of hanging the benchmark; its figure is
        # then left out.
        # `times` reports the CPU time of the two processes once they ended.
        (
                mosquitto_sub -h 127.0.0.1 -p "$MP" -i "sub-$kt" -t "bench/$kt/#" -q "$qos" -C "$N" -W "${BENCH_MQTT_SUB_TIMEOUT:-1200}" |
                        kcat -b "$K" -P -t "$kt"
                times >"$WORK/times-$kt"
        ) &
        pipe=$!
        CLEANUP+=("pkill -P $pipe; kill $pipe")
        deadline=$((SECONDS + 30))
        until grep -q "sub-$kt $qos bench/$kt/#" "$WORK/mosquitto.log"; do
                [ "$SECONDS" -lt "$deadline" ] || { log "mosquitto_sub did not subscribe"; exit 1; }
                sleep 0.05
        done
        RESULT[base$qos]=$(run_case "pipeline qos $qos" "$qos" "$kt") || RESULT[base$qos]=
        wait "$pipe" || true
        RESULT[base$qos.cpu]=$(python3 -c '
import re, sys
t = [float(m) * 60 + float(s) for m, s in re.findall(r"(\d+)m([\d.]+)s", open(sys.argv[1]).read().splitlines()[1])]
print("%.1f" % (sum(t) * 1e6 / int(sys.argv[2])))' "$WORK/times-$kt" "$N" 2>/dev/null) || RESULT[base$qos.cpu]=
        log "mosquitto_sub | kcat -P, QoS $qos: ${RESULT[base$qos]} msg/s"

        kt=ferry_q${qos}_$RANDOM
        {
                echo "name=bench-mqtt"
                echo "connector.class=io.confluent.connect.mqtt.MqttSourceConnector"
                echo "mqtt.server.uri=tcp://127.0.0.1:$MP"
                echo "mqtt.topics=bench/$kt/#"
                echo "kafka.topic=$kt"
                echo "mqtt.qos=$qos"
                [ -z "${BENCH_MQTT_PROPS:-}" ] || echo "$BENCH_MQTT_PROPS"
        } >"$WORK/mqtt.properties"
        run_ferry ferry$qos "$qos" "$WORK/mqtt.properties" "$kt"
        log "Ferry MqttSourceConnector, QoS $qos: ${RESULT[ferry$qos]} msg/s, RSS idle ${RESULT[ferry$qos.idle]} MB, peak ${RESULT[ferry$qos.peak]} MB"

        if [ "$LENSES" = 1 ]; then
                kt=lenses_q${qos}_$RANDOM
                {
                        echo "name=bench-mqtt-lenses"
                        echo "connector.class=io.lenses.streamreactor.connect.mqtt.source.MqttSourceConnector"
                        echo "connect.mqtt.hosts=tcp://127.0.0.1:$MP"
                        echo "connect.mqtt.service.quality=$qos"
                        echo "connect.mqtt.kcql=INSERT INTO $kt SELECT * FROM \`bench/$kt/#\`"
                        echo "key.converter=org.apache.kafka.connect.json.JsonConverter"
                        echo "key.converter.schemas.enable=false"
                } >"$WORK/lenses.properties"
                run_ferry lenses$qos "$qos" "$WORK/lenses.properties" "$kt"
                log "Ferry Lenses MqttSourceConnector, QoS $qos: ${RESULT[lenses$qos]} msg/s, RSS idle ${RESULT[lenses$qos.idle]} MB, peak ${RESULT[lenses$qos.peak]} MB"
        fi
done

cell() { # KEY QOS: "msg/s (ratio x the pipeline)"
        if [ -n "${RESULT[$1$2]:-}" ] && [ -n "${RESULT[base$2]:-}" ]; then
                echo "${RESULT[$1$2]} ($(ratio "${RESULT[$1$2]}" "${RESULT[base$2]}")x)"
        elif [ -n "${RESULT[$1$2]:-}" ]; then
                echo "${RESULT[$1$2]}"
        else
                echo "-"
        fi
}
rss() { [ -n "${RESULT[$1$2.peak]:-}" ] && echo "${RESULT[$1$2.idle]} / ${RESULT[$1$2.peak]} MB" || echo "-"; }
echo "| $N messages of 100 B, max_inflight_messages $INFLIGHT | QoS 0 msg/s | QoS 1 msg/s |"
echo "|---|---|---|"
echo "| mosquitto_sub \\| kcat -P (reference) | ${RESULT[base0]:--} | ${RESULT[base1]:--} |"
echo "| Ferry MqttSourceConnector (Confluent), x reference | $(cell ferry 0) | $(cell ferry 1) |"
[ "$LENSES" = 1 ] && echo "| Ferry MqttSourceConnector (Lenses, BytesConverter), x reference | $(cell lenses 0) | $(cell lenses 1) |"
echo "| Ferry worker RSS idle / peak (Confluent) | $(rss ferry 0) | $(rss ferry 1) |"
[ "$LENSES" = 1 ] && echo "| Ferry worker RSS idle / peak (Lenses) | $(rss lenses 0) | $(rss lenses 1) |"
echo "| CPU us per message: reference (mosquitto_sub + kcat) | ${RESULT[base0.cpu]:--} | ${RESULT[base1.cpu]:--} |"
echo "| CPU us per message: Ferry worker (Confluent) | ${RESULT[ferry0.cpu]:--} | ${RESULT[ferry1.cpu]:--} |"
[ "$LENSES" = 1 ] && echo "| CPU us per message: Ferry worker (Lenses) | ${RESULT[lenses0.cpu]:--} | ${RESULT[lenses1.cpu]:--} |"
exit 0
