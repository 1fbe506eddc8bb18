#!/usr/bin/env bash
# Failover on Kubernetes, for hack/bench/failover.sh: a real kube-apiserver (hack/envtest.sh, its
# own state dir), the operator (bin/ferry-operator, default options), the e2e kubelet
# (tests/e2e/kubelet.py) running a 3-replica KafkaConnect of real `ferry-worker distributed`
# processes on the broker $BENCH_BOOTSTRAP, and a 6-task FileStreamSink KafkaConnector on a
# 6-partition topic (session.timeout.ms 10000, as the plain distributed case). Each round kills
# one worker process with SIGKILL (in turn, so the group's leader too) and measures the time until
# all 6 tasks are RUNNING on the other two (REST status): the kubelet reports the container
# terminated, the operator announces it from the pod watch, the group's leader (or a survivor in
# a dead leader's place) moves the tasks. Then the restarted process (same worker id) is waited
# for until it runs tasks again (join; it waits out the old session).
# Usage: BENCH_BOOTSTRAP=host:port failover_k8s.sh OUTDIR KILLS -> OUTDIR/ferry-kubernetes.fail
# and .join, seconds one per line ("timeout" for a round that never recovered).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$1
KILLS=$2
B=${BENCH_BOOTSTRAP:?BENCH_BOOTSTRAP must name the broker}
CACHE=${FERRY_CACHE:-$REPO/.cache}
KUBECTL=$CACHE/envtest/bin/kubectl
WORKER=${FERRY_WORKER:-$REPO/bin/ferry-worker}
OPERATOR=${FERRY_OPERATOR:-$REPO/bin/ferry-operator}
W=$(mktemp -d "${TMPDIR:-/tmp}/ferry-failover-k8s.XXXXXX")
export FERRY_ENVTEST_STATE=$W/envtest
NS=bench-failover
pids=()
cleanup() {
        if [ -n "${BENCH_FAILOVER_LOGS:-}" ]; then
                mkdir -p "$BENCH_FAILOVER_LOGS/k8s"
                cp "$W"/*.log "$BENCH_FAILOVER_LOGS/k8s/" 2>/dev/null || true
                find "$W/kubelet" -name worker.log | while read -r f; do
                        cp "$f" "$BENCH_FAILOVER_LOGS/k8s/$(basename "$(dirname "$f")").log"
                done
        fi
        for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
        for p in "${pids[@]}"; do # the kubelet stops its worker processes on SIGTERM
                for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
                kill -9 "$p" 2>/dev/null || true
        done
        "$REPO/hack/envtest.sh" stop >/dev/null 2>&1 || true
        rm -rf "$W"
}
trap cleanup EXIT
KC=$("$REPO/hack/envtest.sh" start 2>"$W/envtest.log" | tail -1)
K() { "$KUBECTL" --kubeconfig="$KC" "$@"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
wait_for() { # SECONDS CMD... ; returns 1 on timeout
        local deadline=$((SECONDS + $1))
        shift
        until "$@" >/dev/null 2>&1; do
                [ "$SECONDS" -lt "$deadline" ] || return 1
                sleep 0.05
        done
}

K apply -f "$REPO/crds/" >/dev/null
wait_for 60 K wait --for=condition=Established crd/kafkaconnects.connect.ferry.dev \
        crd/kafkaconnectors.connect.ferry.dev --timeout=5s
K create namespace "$NS" >/dev/null
python3 "$REPO/tests/e2e/kubelet.py" --kubeconfig "$KC" --state "$W/kubelet" --namespace "$NS" \
        --kubectl "$KUBECTL" --worker-bin "$WORKER" >"$W/kubelet.out" 2>"$W/kubelet.log" &
pids+=($!)
wait_for 30 grep -q registered "$W/kubelet.log" || { echo "failover_k8s: the kubelet did not start" >&2; exit 1; }
"$OPERATOR" --kubeconfig "$KC" --namespace "$NS" --metrics-addr "127.0.0.1:$(free_port)" \
        >"$W/operator.out" 2>"$W/operator.log" &
pids+=($!)

G=bench-k8s-$RANDOM
PORT=$(free_port)
"$REPO/build/tools/kafka-create-topic" "$B" "$G-six" 6
K -n "$NS" apply -f - >/dev/null <<YAML
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnect
metadata:
  name: fo
  annotations: {connect.ferry.dev/use-connector-resources: "true"}
spec:
  replicas: 3
  bootstrapServers: "$B"
  groupId: $G
  configStorageTopic: $G-configs
  offsetStorageTopic: $G-offsets
  statusStorageTopic: $G-status
  restPort: $PORT
  config:
    config.storage.replication.factor: 1
    offset.storage.replication.factor: 1
    status.storage.replication.factor: 1
    key.converter: org.apache.kafka.connect.storage.StringConverter
    value.converter: org.apache.kafka.connect.storage.StringConverter
---
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnector
metadata:
  name: sink
  labels: {connect.ferry.dev/cluster: fo}
spec:
  class: FileStreamSink
  tasksMax: 6
  config: {topics: $G-six, file: "$W/out.txt"}
YAML
pod_field() { # POD KEY (pid, ip, ...) from the kubelet's pods.json
        python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], {}).get(sys.argv[3]) or "")' \
                "$W/kubelet/pods.json" "$NS/$1" "$2" 2>/dev/null
}
# is_leader POD: its current process last logged that it leads the group.
is_leader() {
        [[ $(awk '/REST worker id/ {l = ""} /This worker is (now|no longer) the leader/ {l = $0} END {print l}' \
                "$(pod_field "$1" log)" 2>/dev/null) == *"now the leader"* ]]
}
status() { curl -sf --max-time 3 "http://$1:$PORT/connectors/sink/status" 2>/dev/null; }
# all_running IP AVOID_ID: 6 tasks RUNNING (asked of the worker at IP), none on AVOID_ID
all_running() {
        status "$1" | python3 -c 'import json,sys
s=json.load(sys.stdin); t=s["tasks"]
sys.exit(0 if len(t)==6 and all(x["state"]=="RUNNING" and x["worker_id"]!=sys.argv[1] for x in t) else 1)' "$2"
}
for i in 0 1 2; do
        wait_for 120 test -n "$(pod_field fo-worker-$i ip)" || { echo "failover_k8s: pod fo-worker-$i never ran" >&2; exit 1; }
done
IP0=$(pod_field fo-worker-0 ip)
wait_for 180 all_running "$IP0" none || { echo "failover_k8s: the sink never ran" >&2; exit 1; }
: >"$OUT/ferry-kubernetes.fail"
: >"$OUT/ferry-kubernetes.join"
for k in $(seq 1 "$KILLS"); do
        victim=fo-worker-$((k % 3))
        survivor_ip=$(pod_field "fo-worker-$(((k + 1) % 3))" ip)
        vid="$(pod_field "$victim" ip):$PORT"
        role=follower
        ! is_leader "$victim" || role=leader
        # The poller starts before the kill (its start-up is not counted).
        go=$W/go.$k
        python3 "$REPO/hack/bench/failover_wait.py" "http://$survivor_ip:$PORT" sink 6 all-running "$vid" 120 "$go" >"$go.out" &
        wp=$!
        wait_for 60 test -e "$go.ready"
        kill -9 "$(pod_field "$victim" pid)"
        t0=$(now)
        kill_at=$t0
        touch "$go"
        if wait "$wp"; then
                echo "$(cat "$go.out") - $t0" | bc -l >>"$OUT/ferry-kubernetes.fail"
        else
                echo timeout >>"$OUT/ferry-kubernetes.fail"
        fi
        t0=$(now)
        if t1=$(python3 "$REPO/hack/bench/failover_wait.py" "http://$survivor_ip:$PORT" sink 6 runs-tasks "$vid" 120); then
                echo "$t1 - $t0" | bc -l >>"$OUT/ferry-kubernetes.join"
        fi
        wait_for 60 all_running "$survivor_ip" none || true
        echo "ferry-kubernetes round $k: kill -9 of $victim ($role) at $(date -u -d "@$kill_at" +%T.%3N), failover" \
                "$(tail -1 "$OUT/ferry-kubernetes.fail") s, join $(tail -1 "$OUT/ferry-kubernetes.join" 2>/dev/null) s" >&2
done
