#!/usr/bin/env bash
# Failover and join times in distributed mode, Ferry beside Apache Kafka Connect (Java) on the same
# real broker: 3 workers run a sink with 6 tasks on a 6-partition topic; each round kills one
# worker with SIGKILL and measures the time until all 6 tasks are RUNNING on the survivors (REST
# status), then starts a replacement and measures the time until it runs tasks again. Java runs
# with its defaults (scheduled.rebalance.max.delay.ms=300000) and with the delay at 0. The
# Kubernetes case (hack/bench/failover_k8s.sh: operator, kube-apiserver, the e2e kubelet, the same
# workers and sink) kills a worker pod's process the same way; the operator announces it.
# Prints a markdown table; writes $BENCH_FAILOVER_JSON (default bench/results/failover.json) with
# the samples and their p50/max per case. hack/bench/run.sh calls it with its own broker.
#   BENCH_FAILOVER_KILLS (Ferry, default 10), BENCH_FAILOVER_KILLS_JAVA (delay 0, default 3),
#   BENCH_FAILOVER_KILLS_JAVA_DEFAULT (default 1; each can take 5 minutes), BENCH_SKIP_JAVA=1,
#   BENCH_SKIP_JAVA_DEFAULT=1 (no Java-at-defaults case), BENCH_SKIP_KUBERNETES=1 (no Kubernetes
#   case), BENCH_FAILOVER_KILLS_K8S (default BENCH_FAILOVER_KILLS), BENCH_BOOTSTRAP (use this broker
#   instead of starting one), BENCH_FAILOVER_LOGS (copy the workers' and broker's logs there)
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
W=$(mktemp -d "${TMPDIR:-/tmp}/ferry-failover.XXXXXX")
export FERRY_KAFKA_STATE=$W/kafka
cleanup() {
        if [ -n "${BENCH_FAILOVER_LOGS:-}" ]; then
                mkdir -p "$BENCH_FAILOVER_LOGS"
                cp "$W"/*.log "$BENCH_FAILOVER_LOGS"/ 2>/dev/null || true
                cp "$W"/kafka/broker.log "$BENCH_FAILOVER_LOGS"/ 2>/dev/null || true
        fi
        for f in "$W"/*.pid; do [ -f "$f" ] && kill -9 "$(cut -d' ' -f1 "$f")" 2>/dev/null || true; done
        [ -n "${BENCH_BOOTSTRAP:-}" ] || hack/kafka.sh stop >/dev/null 2>&1 || true
        rm -rf "$W"
}
trap cleanup EXIT
if [ -n "${BENCH_BOOTSTRAP:-}" ]; then
        B=$BENCH_BOOTSTRAP
else
        B=$(hack/kafka.sh start 2>"$W/kafka.log" | tail -1)
fi
make -s build/tools/kafka-create-topic >/dev/null
JARS=""
[ -n "${BENCH_SKIP_JAVA:-}" ] || JARS=$(hack/connect-java-jars.sh)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }

# start SYSTEM GROUP I DELAY -> starts a worker, prints its port; logs in $W/<group>-<i>.log
start() {
        local sys=$1 g=$2 i=$3 delay=$4 port
        port=$(free_port)
        cat >"$W/$g-$i.properties" <<P
bootstrap.servers=$B
group.id=$g
config.storage.topic=$g-configs
offset.storage.topic=$g-offsets
status.storage.topic=$g-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
listeners=http://127.0.0.1:$port
rest.advertised.host.name=127.0.0.1
rest.advertised.port=$port
P
        [ "$delay" = default ] || echo "scheduled.rebalance.max.delay.ms=$delay" >>"$W/$g-$i.properties"
        if [ "$sys" = ferry ]; then
                "${FERRY_WORKER:-bin/ferry-worker}" distributed "$W/$g-$i.properties" >/dev/null 2>"$W/$g-$i.log" &
        else
                java -Xmx512m -XX:+UseSerialGC -Djava.net.preferIPv4Stack=true \
                        -Dlog4j.configuration="file:$REPO/hack/conformance/connect-log4j.properties" -cp "$JARS/*" \
                        org.apache.kafka.connect.cli.ConnectDistributed "$W/$g-$i.properties" >"$W/$g-$i.log" 2>&1 &
        fi
        # (called in $(...): the pid goes to a file, not to a variable of the caller)
        echo "$! $port" >"$W/$g-$i.pid"
        echo "$port"
}
status() { curl -sf --max-time 5 "http://127.0.0.1:$1/connectors/sink/status" 2>/dev/null; }
# all_running PORT AVOID_ID: 6 tasks RUNNING, none on AVOID_ID
all_running() {
        status "$1" | python3 -c 'import json,sys
s=json.load(sys.stdin); t=s["tasks"]
sys.exit(0 if len(t)==6 and all(x["state"]=="RUNNING" and x["worker_id"]!=sys.argv[1] for x in t) else 1)' "$2" 2>/dev/null
}
wait_for() { # SECONDS CMD... ; returns 1 on timeout
        local deadline=$((SECONDS + $1))
        shift
        until "$@"; do
                [ "$SECONDS" -lt "$deadline" ] || return 1
                sleep 0.1
        done
}
# kill_and_wait PID URL AVOID_ID: kill -9 PID, print the seconds until all 6 tasks are RUNNING, none
# on AVOID_ID (asked of URL), or "timeout"; the poller starts before the kill (failover_wait.py).
# The time of the kill goes to $W/kill_at.
kill_and_wait() {
        local go=$W/go.$RANDOM t0 wp
        python3 hack/bench/failover_wait.py "$2" sink 6 all-running "$3" 600 "$go" >"$go.out" &
        wp=$!
        wait_for 60 test -e "$go.ready"
        kill -9 "$1"
        t0=$(now)
        touch "$go"
        echo "$t0" >"$W/kill_at"
        if wait "$wp"; then echo "$(cat "$go.out") - $t0" | bc -l; else echo timeout; fi
}
median() { sort -g | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print "n/a"}'; }
maxof() { sort -g | tail -1; }

# measure SYSTEM DELAY KILLS -> fills $W/<label>.fail and .join with seconds, one per line
measure() {
        local sys=$1 delay=$2 kills=$3 label=$1-$2 g
        g=bench-$label-$RANDOM
        : >"$W/$label.fail"
        : >"$W/$label.join"
        local -a ports=()
        for i in 0 1 2; do ports[$i]=$(start "$sys" "$g" "$i" "$delay"); done
        for p in "${ports[@]}"; do wait_for 120 curl -sf "http://127.0.0.1:$p/" -o /dev/null || { echo "$sys worker on $p did not start" >&2; return 1; }; done
        build/tools/kafka-create-topic "$B" "$g-six" 6
        wait_for 60 curl -sf -XPOST -H 'Content-Type: application/json' "http://127.0.0.1:${ports[0]}/connectors" \
                -d "{\"name\":\"sink\",\"config\":{\"connector.class\":\"org.apache.kafka.connect.file.FileStreamSinkConnector\",\"tasks.max\":\"6\",\"topics\":\"$g-six\",\"file\":\"$W/$g.out\"}}" -o /dev/null
        wait_for 120 all_running "${ports[0]}" none || { echo "$sys: sink never ran" >&2; return 1; }
        local next=3
        for k in $(seq 1 "$kills"); do
                local victim=$((k % 3)) survivor=$(((k + 1) % 3))
                local vpid vport
                read -r vpid vport <"$W/$g-$(cat "$W/$g-slot$victim" 2>/dev/null || echo $victim).pid"
                local t0 t1 kill_at
                kill_and_wait "$vpid" "http://127.0.0.1:${ports[$survivor]}" "127.0.0.1:$vport" >>"$W/$label.fail"
                kill_at=$(cat "$W/kill_at")
                t0=$(now)
                ports[$victim]=$(start "$sys" "$g" "$next" "$delay")
                echo "$next" >"$W/$g-slot$victim"
                next=$((next + 1))
                if t1=$(python3 hack/bench/failover_wait.py "http://127.0.0.1:${ports[$survivor]}" sink 6 runs-tasks \
                        "127.0.0.1:${ports[$victim]}" 600); then
                        echo "$t1 - $t0" | bc -l >>"$W/$label.join"
                fi
                wait_for 120 all_running "${ports[$survivor]}" none || true
                echo "$label round $k: kill -9 at $(date -u -d "@$kill_at" +%T.%3N), failover $(tail -1 "$W/$label.fail") s, join $(tail -1 "$W/$label.join" 2>/dev/null) s" >&2
        done
        for i in $(seq 0 $((next - 1))); do
                [ -f "$W/$g-$i.pid" ] && kill -9 "$(cut -d' ' -f1 "$W/$g-$i.pid")" 2>/dev/null || true
        done
}

measure ferry default "${BENCH_FAILOVER_KILLS:-10}"
if [ -z "${BENCH_SKIP_KUBERNETES:-}" ]; then
        BENCH_BOOTSTRAP=$B hack/bench/failover_k8s.sh "$W" "${BENCH_FAILOVER_KILLS_K8S:-${BENCH_FAILOVER_KILLS:-10}}" ||
                echo "failover_k8s.sh failed: the Kubernetes case is left out" >&2
fi
if [ -z "${BENCH_SKIP_JAVA:-}" ]; then
        measure java 0 "${BENCH_FAILOVER_KILLS_JAVA:-3}" || true
        [ -n "${BENCH_SKIP_JAVA_DEFAULT:-}" ] || measure java default "${BENCH_FAILOVER_KILLS_JAVA_DEFAULT:-1}" || true
fi

row() { # label name
        local f="$W/$1.fail" j="$W/$1.join"
        [ -s "$f" ] || return 0
        printf '| %s | %s | %s | %s | %s |\n' "$2" "$(grep -vc timeout "$f" || true)" \
                "$(grep -v timeout "$f" | median | xargs printf '%.1f')" "$(grep -v timeout "$f" | maxof | xargs printf '%.1f')" \
                "$(median <"$j" | xargs printf '%.1f' 2>/dev/null || echo n/a)"
}
printf '\n| distributed mode, session.timeout.ms 10000 | kills | failover p50, s | failover max, s | join p50, s |\n|---|---|---|---|---|\n'
row ferry-default "Ferry"
row ferry-kubernetes "Ferry on Kubernetes (the operator announces the dead worker)"
row java-0 "Kafka Connect, scheduled.rebalance.max.delay.ms=0"
row java-default "Kafka Connect, defaults"
JSON_OUT=${BENCH_FAILOVER_JSON:-bench/results/failover.json}
mkdir -p "$(dirname "$JSON_OUT")"
python3 - "$W" >"$JSON_OUT" <<'PY'
import json, os, statistics, sys
w = sys.argv[1]
out = {}
def nums(path):
    if not os.path.exists(path):
        return []
    return [float(l) for l in open(path) if l.strip() and l.strip() != "timeout"]
for label in ("ferry-default", "ferry-kubernetes", "java-0", "java-default"):
    f = os.path.join(w, label + ".fail")
    if os.path.exists(f):
        fail, join = nums(f), nums(os.path.join(w, label + ".join"))
        out[label] = {
            "kills": sum(1 for l in open(f) if l.strip()),
            "timeouts": sum(1 for l in open(f) if l.strip() == "timeout"),
            "failover_s": fail, "join_s": join,
            "failover_p50_s": statistics.median_low(fail) if fail else None,
            "failover_max_s": max(fail) if fail else None,
            "join_p50_s": statistics.median_low(join) if join else None,
        }
print(json.dumps(out, indent=1))
PY
