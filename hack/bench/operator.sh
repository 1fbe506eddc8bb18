#!/usr/bin/env bash
# Operator footprint and latency: RSS of bin/ferry-operator idle, then with N KafkaConnectors (100)
# against one live standalone worker, and the time from `kubectl apply` of one more connector to
# Ready. Uses a kube-apiserver from hack/envtest.sh (its own state dir; stopped at the end).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-100}
export FERRY_ENVTEST_STATE=${FERRY_ENVTEST_STATE:-$REPO/.cache/envtest/state/bench-operator}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-op.XXXXXX")
KC=$("$REPO/hack/envtest.sh" start | tail -1)
K() { "$REPO/.cache/envtest/bin/kubectl" --kubeconfig="$KC" "$@"; }
pids=()
cleanup() {
        for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
        "$REPO/hack/envtest.sh" stop >/dev/null 2>&1 || true
        rm -rf "$WORK"
}
trap cleanup EXIT
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
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
"$REPO/bin/ferry-operator" --kubeconfig "$KC" --namespace bench --metrics-addr 127.0.0.1:0 >"$WORK/op.out" 2>"$WORK/op.log" &
op=$!
pids+=($op)
K -n bench apply -f - >/dev/null <<YAML
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnect
metadata: {name: local, annotations: {connect.ferry.dev/rest-url: "$URL"}}
spec: {replicas: 1, bootstrapServers: "localhost:9092"}
YAML
sleep 3 # settle (benchmark, not a test)
echo "operator RSS idle: $(rss_kb $op) kB"

for i in $(seq 1 "$N"); do
        printf -- '---\napiVersion: connect.ferry.dev/v1alpha1\nkind: KafkaConnector\nmetadata: {name: c%d, labels: {connect.ferry.dev/cluster: local}}\nspec: {class: FileStreamSource, config: {file: %s/in-%d.txt, topic: t%d}}\n' "$i" "$WORK" "$i" "$i"
done >"$WORK/many.yaml"
t0=$(date +%s.%N)
K -n bench apply -f "$WORK/many.yaml" >/dev/null
ready_count() { K -n bench get kctr -o 'jsonpath={range .items[*]}{.status.conditions[0].status}{"\n"}{end}' | grep -c True; }
poll 120 bash -c "[ \$($REPO/.cache/envtest/bin/kubectl --kubeconfig=$KC -n bench get kctr -o 'jsonpath={range .items[*]}{.status.conditions[0].status}{\"\\n\"}{end}' | grep -c True) -ge $N ]"
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
poll 30 bash -c "[ \"\$($REPO/.cache/envtest/bin/kubectl --kubeconfig=$KC -n bench get kctr one-more -o 'jsonpath={.status.conditions[0].status}')\" = True ]"
echo "apply -> Ready (one connector, $N present): $(echo "$(date +%s.%N) - $t0" | bc) s"
