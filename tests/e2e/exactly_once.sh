#!/usr/bin/env bash
# Exactly-once source support through the operator: a real kube-apiserver, a real Kafka broker, the
# operator (ASan build) and the local kubelet (tests/e2e/kubelet.py) running each worker pod as a
# real `ferry-worker distributed` process.
#   a KafkaConnect (2 replicas) with spec.config exactly.once.source.support: enabled, as a Strimzi
#   user writes it -> the ConfigMap and the worker.properties each pod reads carry it; a
#   KafkaConnector FileStreamSource with exactly.once.support: required (refused by workers without
#   it) and transaction.boundary: poll becomes Ready; the leader wrote the tasks-fencing-<name>
#   record Connect's exactly-once workers write; a read_committed reader sees every line of the
#   file once, in order, and the topic holds transaction markers (offsets beyond the records);
#   a value Connect does not accept (exactly.once.source.support: on) is refused by the API server.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
OP=${FERRY_OPERATOR_ASAN:-$REPO/build/asan/ferry-operator}
[ -x "$OP" ] || OP=$FERRY_OPERATOR
use_broker

install_crds
new_namespace
start_kubelet
mport=$(free_port)
FERRY_OPERATOR=$OP start_operator op --namespace "$NS" --metrics-addr "127.0.0.1:$mport" --resync 3 \
        --restart-unit 1 --connect-timeout 5
wait_until 20 "operator ready" curl -fsS "http://127.0.0.1:$mport/readyz"

# Refused by the API server before any worker sees it (Connect accepts the three levels, any case).
cat >"$WORK/bad.yaml" <<YAML
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnect
metadata: {name: bad}
spec: {replicas: 1, bootstrapServers: "$B", config: {exactly.once.source.support: "on"}}
YAML
out=$(k -n "$NS" apply -f "$WORK/bad.yaml" 2>&1) && fail "exactly.once.source.support: on accepted"
grep -q 'exactly.once.source.support' <<<"$out" || fail "refused without naming the key: $out"
info "refused by the API server: $(grep -o "spec.config.exactly.once.source.support[^,]*" <<<"$out" | head -1)"

G=e2e-eos-$$-$RANDOM
PORT=$(free_port)
N=20000
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "eos-line-%06d\n", i }' >"$WORK/in.txt"
"$REPO/build/tools/kafka-create-topic" "$B" "$G-data" 1
t0=$(date +%s.%N)
k -n "$NS" apply -f - >/dev/null <<YAML
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnect
metadata:
  name: cc
  annotations: {connect.ferry.dev/use-connector-resources: "true"}
spec:
  replicas: 2
  bootstrapServers: "$B"
  groupId: $G
  configStorageTopic: $G-configs
  offsetStorageTopic: $G-offsets
  statusStorageTopic: $G-status
  restPort: $PORT
  config:
    exactly.once.source.support: enabled
    config.storage.replication.factor: 1
    offset.storage.replication.factor: 1
    status.storage.replication.factor: 1
    key.converter: org.apache.kafka.connect.storage.StringConverter
    value.converter: org.apache.kafka.connect.storage.StringConverter
---
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnector
metadata:
  name: src
  labels: {connect.ferry.dev/cluster: cc}
spec:
  class: FileStreamSource
  tasksMax: 1
  config:
    topic: $G-data
    file: "$WORK/in.txt"
    exactly.once.support: required
    transaction.boundary: poll
YAML
kc_ready() { field_is kafkaconnect cc '{.status.conditions[?(@.type=="Ready")].status}' True; }
wait_until 60 "KafkaConnect Ready" kc_ready
info "KafkaConnect apply -> Ready (2 workers) in $(echo "$(date +%s.%N) - $t0" | bc) s"
jpath configmap cc-connect-config '{.data.worker\.properties}' | grep -qx "exactly.once.source.support=enabled" ||
        fail "exactly.once.source.support not in the ConfigMap's worker.properties"
# What each worker process reads: the worker.properties the kubelet mounted into its pod.
for p in cc-worker-0 cc-worker-1; do
        f=$(find "$WORK/kubelet" -path "*$p*" -name worker.properties | head -1)
        [ -n "$f" ] || fail "$p: no mounted worker.properties under $WORK/kubelet"
        grep -qx "exactly.once.source.support=enabled" "$f" || fail "$p: $f lacks exactly.once.source.support=enabled"
done
info "both worker pods read exactly.once.source.support=enabled"

ready() { field_is kafkaconnector src '{.status.conditions[?(@.type=="Ready")].status}' True; }
wait_until 60 "connector Ready (exactly.once.support=required accepted)" ready
info "connector with exactly.once.support=required Ready"

# The leader fenced and recorded the task count, as Connect's exactly-once leader does.
fencing() { kcat -b "$B" -C -t "$G-configs" -e -q -o beginning -f '%k\t%s\n' 2>/dev/null | grep -q '^tasks-fencing-src	{"task-count":1}$'; }
wait_until 30 "tasks-fencing-src record in $G-configs" fencing

committed() { [ "$(kcat -b "$B" -C -t "$G-data" -e -q -o beginning -X isolation.level=read_committed 2>/dev/null | wc -l)" -ge $N ]; }
wait_until 60 "$N lines under read_committed" committed
kcat -b "$B" -C -t "$G-data" -e -q -o beginning -X isolation.level=read_committed >"$WORK/out.txt" 2>/dev/null
cmp -s "$WORK/out.txt" "$WORK/in.txt" || fail "read_committed output differs from the file ($(wc -l <"$WORK/out.txt") lines)"
# Transactions leave commit markers: the last record's offset is past N-1.
last=$(kcat -b "$B" -C -t "$G-data" -e -q -o beginning -f '%o\n' -X isolation.level=read_uncommitted 2>/dev/null | tail -1)
[ -n "$last" ] && [ "$last" -gt $((N - 1)) ] || fail "no transaction markers in $G-data (last offset $last for $N records)"
info "$N lines once, in order, under read_committed; last offset $last (transaction markers)"

k -n "$NS" delete kafkaconnect cc --wait=false >/dev/null
wait_until 30 "worker pods deleted" bash -c "[ -z \"\$($KUBECTL_BIN --kubeconfig=$FERRY_KUBECONFIG -n $NS get pods -o name 2>/dev/null)\" ]"
stop_operator op
stop_kubelet
info "ok"
