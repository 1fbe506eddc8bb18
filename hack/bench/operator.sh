#!/usr/bin/env bash
# Operator footprint and latency: RSS of bin/ferry-operator idle, then with N KafkaConnectors (100)
# against one live standalone worker, and the time from `kubectl apply` of one more connector to
# Ready. Then (CLUSTER=1, the default) a KafkaConnect run by the operator itself: a real broker
# (hack/kafka.sh), the e2e kubelet (tests/e2e/kubelet.py) running 2 `ferry-worker distributed`
# pods; times apply -> Ready for the KafkaConnect and then for a connector on it. Uses a
# kube-apiserver from hack/envtest.sh (its own state dir; stopped at the end, as the broker).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-100}
CACHE=${FERRY_CACHE:-$REPO/.cache}
KUBECTL=$CACHE/envtest/bin/kubectl
export FERRY_ENVTEST_STATE=${FERRY_ENVTEST_STATE:-$CACHE/envtest/state/bench-operator}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-op.XXXXXX")
KC=$("$REPO/hack/envtest.sh" start | tail -1)
K() { "$KUBECTL" --kubeconfig="$KC" "$@"; }
pids=()
cleanup() {
        for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
        for p in "${pids[@]}"; do # the kubelet stops its worker processes on SIGTERM
                for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        done
        [ -z "${KAFKA_UP:-}" ] || FERRY_KAFKA_STATE=$WORK/kafka "$REPO/hack/kafka.sh" stop >/dev/null 2>&1 || true
        "$REPO/hack/envtest.sh" stop >/dev/null 2>&1 || true
        rm -rf "$WORK"
}
trap cleanup EXIT
# VmRSS in kB, with its anonymous (heap, stacks) and file-backed (binary, shared libraries) parts.
rss_kb() { awk '/^VmRSS/ {t=$2} /^RssAnon/ {a=$2} /^RssFile/ {f=$2} END {printf "%d (RssAnon %d, RssFile %d)", t, a, f}' "/proc/$1/status"; }
poll() { local end=$((SECONDS + $1)); shift; until "$@" >/dev/null 2>&1; do [ $SECONDS -lt $end ] || return 1; sleep 0.05; done; }

cat >"$WORK/w.properties" <<EOF2
bootstrap.servers=localhost:9092
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$WORK/offsets
listeners=http://127.0.0.1:0
EOF2
"$REPO/bin/ferry-worker" standalone --embedded-kafka "$WORK/w.properties" >"$WORK/w.out" 2>"$WORK/w.log" &
pids+=($!)
poll 20 grep -q 'REST server listening' "$WORK/w.log"
URL=$(sed -n 's/.*REST server listening on \(http[^ ]*\).*/\1/p' "$WORK/w.log" | head -1)

K apply -f "$REPO/crds/" >/dev/null
K wait --for=condition=Established crd --all --timeout=30s >/dev/null
K create namespace bench >/dev/null 2>&1 || true
${OPERATOR_WRAPPER:-} "$REPO/bin/ferry-operator" --kubeconfig "$KC" --namespace bench --metrics-addr 127.0.0.1:0 >"$WORK/op.out" 2>"$WORK/op.log" &
op=$!
pids+=($op)
K -n bench apply -f - >/dev/null <<YAML
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnect
metadata: {name: local, annotations: {connect.ferry.dev/rest-url: "$URL"}}
spec: {replicas: 0, bootstrapServers: "localhost:9092"}
YAML
sleep 3 # settle (benchmark, not a test)
echo "operator RSS idle: $(rss_kb $op) kB"

for i in $(seq 1 "$N"); do
        printf -- '---\napiVersion: connect.ferry.dev/v1alpha1\nkind: KafkaConnector\nmetadata: {name: c%d, labels: {connect.ferry.dev/cluster: local}}\nspec: {class: FileStreamSource, config: {file: %s/in-%d.txt, topic: t%d}}\n' "$i" "$WORK" "$i" "$i"
done >"$WORK/many.yaml"
t0=$(date +%s.%N)
K -n bench apply -f "$WORK/many.yaml" >/dev/null
ready_count() { K -n bench get kctr -o 'jsonpath={range .items[*]}{.status.conditions[0].status}{"\n"}{end}' | grep -c True; }
poll 120 bash -c "[ \$($KUBECTL --kubeconfig=$KC -n bench get kctr -o 'jsonpath={range .items[*]}{.status.conditions[0].status}{\"\\n\"}{end}' | grep -c True) -ge $N ]"
echo "$N connectors applied -> all Ready: $(echo "$(date +%s.%N) - $t0" | bc) s"
sleep 5
echo "operator RSS with $N KafkaConnectors: $(rss_kb $op) kB"

t0=$(date +%s.%N)
K -n bench apply -f - >/dev/null <<YAML
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnector
metadata: {name: one-more, labels: {connect.ferry.dev/cluster: local}}
spec: {class: FileStreamSource, config: {file: $WORK/one.txt, topic: one}}
YAML
poll 30 bash -c "[ \"\$($KUBECTL --kubeconfig=$KC -n bench get kctr one-more -o 'jsonpath={.status.conditions[0].status}')\" = True ]"
echo "apply -> Ready (one connector, $N present): $(echo "$(date +%s.%N) - $t0" | bc) s"

[ "${CLUSTER:-1}" = 1 ] || exit 0
B=$(FERRY_KAFKA_STATE=$WORK/kafka "$REPO/hack/kafka.sh" start 2>"$WORK/kafka.log" | tail -1)
KAFKA_UP=1
python3 "$REPO/tests/e2e/kubelet.py" --kubeconfig "$KC" --state "$WORK/kubelet" --namespace bench \
        --kubectl "$KUBECTL" >"$WORK/kubelet.out" 2>"$WORK/kubelet.log" &
pids+=($!)
poll 20 grep -q registered "$WORK/kubelet.log"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
t0=$(date +%s.%N)
K -n bench apply -f - >/dev/null <<YAML
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnect
metadata: {name: dist}
spec:
  replicas: 2
  bootstrapServers: "$B"
  restPort: $PORT
  config: {config.storage.replication.factor: 1, offset.storage.replication.factor: 1, status.storage.replication.factor: 1}
YAML
poll 120 bash -c "[ \"\$($KUBECTL --kubeconfig=$KC -n bench get kc dist -o 'jsonpath={.status.conditions[0].status}')\" = True ]"
echo "KafkaConnect (2 workers, real broker) apply -> Ready: $(echo "$(date +%s.%N) - $t0" | bc) s"
t0=$(date +%s.%N)
K -n bench apply -f - >/dev/null <<YAML
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnector
metadata: {name: on-dist, labels: {connect.ferry.dev/cluster: dist}}
spec: {class: FileStreamSource, config: {file: $WORK/dist.txt, topic: dist}}
YAML
poll 60 bash -c "[ \"\$($KUBECTL --kubeconfig=$KC -n bench get kctr on-dist -o 'jsonpath={.status.conditions[0].status}')\" = True ]"
echo "apply -> Ready (one connector on the operator-run cluster, workers up): $(echo "$(date +%s.%N) - $t0" | bc) s"
sleep 3
echo "operator RSS with $N KafkaConnectors and a 2-worker KafkaConnect: $(rss_kb $op) kB"
# PMAP=1: the largest resident mappings of the operator (where the memory goes).
[ "${PMAP:-0}" = 1 ] && { pmap -x "$op" | sort -k3 -n | tail -15; grep Threads "/proc/$op/status"; }
true
