#!/usr/bin/env bash
# KafkaConnector reconcile end to end: a real kube-apiserver, the operator (ASan build) and a live
# standalone ferry-worker (embedded broker) whose REST URL the KafkaConnect names through the
# connect.ferry.dev/rest-url annotation. Apply -> connector RUNNING and resource Ready; config
# change -> exactly one PUT; state paused -> PAUSED; a failing task -> NotReady with the trace, then
# auto-restarted and Ready once the cause is gone; restart-task annotation removed once accepted;
# a spec.clusterRef outside the watched namespace -> ClusterNotWatched; delete -> connector gone
# from Connect.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
OP=${FERRY_OPERATOR_ASAN:-$REPO/build/asan/ferry-operator}
[ -x "$OP" ] || OP=$FERRY_OPERATOR

cat >"$WORK/worker.properties" <<EOF2
bootstrap.servers=localhost:9092
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$WORK/offsets
listeners=http://127.0.0.1:0
EOF2
start_worker w1 standalone --embedded-kafka "$WORK/worker.properties"
wait_until 20 "worker REST listener" grep -q 'REST server listening on' "$WORK/w1.log"
URL=$(sed -n 's/.*REST server listening on \(http[^ ]*\).*/\1/p' "$WORK/w1.log" | head -1)
curl -fsS "$URL/connectors" >/dev/null || fail "worker does not answer GET /connectors"
info "worker at $URL"

install_crds
new_namespace
mport=$(free_port)
FERRY_OPERATOR=$OP start_operator op --namespace "$NS" --metrics-addr "127.0.0.1:$mport" --resync 5 \
        --restart-unit 1 --connect-timeout 5
metric() { curl -fsS "http://127.0.0.1:$mport/metrics" | sed -n "s/^$1 //p"; }
wait_until 20 "operator ready" curl -fsS "http://127.0.0.1:$mport/readyz"

k -n "$NS" apply -f - >/dev/null <<YAML
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnect
metadata:
  name: local
  annotations: {connect.ferry.dev/rest-url: "$URL"}
spec: {replicas: 1, bootstrapServers: "localhost:9092"}
---
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnector
metadata:
  name: src
  labels: {connect.ferry.dev/cluster: local}
spec:
  class: FileStreamSource
  tasksMax: 1
  config: {file: "$WORK/in.txt", topic: lines, batch.size: 100}
YAML
t0=$(date +%s.%N)
ready() { field_is kafkaconnector "$1" '{.status.conditions[?(@.type=="Ready")].status}' True; }
wait_until 20 "src Ready" ready src
info "apply -> Ready in $(echo "$(date +%s.%N) - $t0" | bc) s"
state() { curl -fsS "$URL/connectors/$1/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["connector"]["state"])'; }
[ "$(state src)" = RUNNING ] || fail "connector not RUNNING in Connect"
cfg=$(curl -fsS "$URL/connectors/src/config")
python3 - "$cfg" "$WORK/in.txt" <<'PY' || fail "config in Connect is not the desired map: $cfg"
import json, sys
c = json.loads(sys.argv[1])
assert c == {"connector.class": "FileStreamSource", "tasks.max": "1", "name": "src",
             "file": sys.argv[2], "topic": "lines", "batch.size": "100"}, c
PY
field_is kafkaconnector src '{.status.connectorStatus.connector.state}' RUNNING || fail "status.connectorStatus"
field_is kafkaconnector src '{.status.tasksMax}' 1 || fail "status.tasksMax"
gen=$(jpath kafkaconnector src '{.metadata.generation}')
field_is kafkaconnector src '{.status.observedGeneration}' "$gen" || fail "observedGeneration"
jpath kafkaconnector src '{.metadata.finalizers}' | grep -q 'connect.ferry.dev/connector' || fail "no finalizer"
[ "$(metric 'ferry_operator_connect_requests_total{call="put_config"}')" = 0 ] || fail "PUT without a change"

# Config change -> exactly one PUT, even across several resyncs.
k -n "$NS" patch kafkaconnector src --type merge -p '{"spec":{"config":{"batch.size":200}}}' >/dev/null
wait_until 20 "new config in Connect" bash -c "curl -fsS $URL/connectors/src/config | grep -q '\"batch.size\":\"200\"'"
r0=$(metric 'ferry_operator_reconciles_total{kind="KafkaConnector"}')
wait_until 20 "two more reconciles" bash -c "[ \$(curl -fsS http://127.0.0.1:$mport/metrics | sed -n 's/^ferry_operator_reconciles_total{kind=\"KafkaConnector\"} //p') -ge $((r0 + 2)) ]"
puts=$(metric 'ferry_operator_connect_requests_total{call="put_config"}')
[ "$puts" = 1 ] || fail "expected exactly one PUT, got $puts"
info "config change: exactly one PUT"

# state: paused -> PAUSED; running again -> RUNNING.
k -n "$NS" patch kafkaconnector src --type merge -p '{"spec":{"state":"paused"}}' >/dev/null
wait_until 20 "PAUSED in Connect" bash -c "curl -fsS $URL/connectors/src/status | grep -q '\"state\":\"PAUSED\"'"
wait_until 20 "PAUSED in status" field_is kafkaconnector src '{.status.connectorStatus.connector.state}' PAUSED
wait_until 20 "Ready while paused" ready src
k -n "$NS" patch kafkaconnector src --type merge -p '{"spec":{"state":"running"}}' >/dev/null
wait_until 20 "RUNNING again" bash -c "curl -fsS $URL/connectors/src/status | grep -q '\"connector\":{\"state\":\"RUNNING\"'"

# A failing task: NotReady with the trace, auto-restarted; Ready once the cause is fixed.
k -n "$NS" apply -f - >/dev/null <<YAML
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnector
metadata:
  name: sink
  labels: {connect.ferry.dev/cluster: local}
spec:
  class: FileStreamSink
  config: {file: "$WORK/missing-dir/out.txt", topics: lines}
  autoRestart: {enabled: true}
YAML
notready() { field_is kafkaconnector sink '{.status.conditions[?(@.type=="Ready")].status}' False; }
wait_until 20 "sink NotReady" notready
wait_until 20 "trace in the condition" bash -c "$KUBECTL_BIN --kubeconfig=$FERRY_KUBECONFIG -n $NS get kafkaconnector sink -o 'jsonpath={.status.conditions[0].message}' | grep -q 'missing-dir'"
info "NotReady: $(jpath kafkaconnector sink '{.status.conditions[0].reason}'): $(jpath kafkaconnector sink '{.status.conditions[0].message}' | head -c 150)"
wait_until 20 "auto-restart counted" bash -c "[ \"\$($KUBECTL_BIN --kubeconfig=$FERRY_KUBECONFIG -n $NS get kafkaconnector sink -o 'jsonpath={.status.autoRestart.count}')\" -ge 1 ]"
mkdir -p "$WORK/missing-dir"
wait_until 30 "sink Ready after an auto-restart" ready sink
[ "$(metric ferry_operator_auto_restarts_total)" -ge 2 ] || fail "auto-restart metric"
info "auto-restarts: $(metric ferry_operator_auto_restarts_total)"

# restart-task annotation: accepted, then removed.
k -n "$NS" annotate kafkaconnector src connect.ferry.dev/restart-task=0 >/dev/null
wait_until 20 "restart-task annotation removed" bash -c "! $KUBECTL_BIN --kubeconfig=$FERRY_KUBECONFIG -n $NS get kafkaconnector src -o yaml | grep -q 'restart-task'"
k -n "$NS" annotate kafkaconnector src connect.ferry.dev/restart=includeTasks >/dev/null
wait_until 20 "restart annotation removed" bash -c "! $KUBECTL_BIN --kubeconfig=$FERRY_KUBECONFIG -n $NS get kafkaconnector src -o yaml | grep -q 'connect.ferry.dev/restart:'"
[ "$(metric 'ferry_operator_connect_requests_total{call="restart"}')" -ge 2 ] || fail "restart calls"

# A clusterRef outside the one namespace this operator watches: said so, nothing created.
k -n "$NS" apply -f - >/dev/null <<YAML
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnector
metadata: {name: far}
spec:
  class: FileStreamSource
  clusterRef: {name: local, namespace: elsewhere}
YAML
wait_until 20 "far: ClusterNotWatched" field_is kafkaconnector far '{.status.conditions[?(@.type=="Ready")].reason}' ClusterNotWatched
jpath kafkaconnector far '{.status.conditions[0].message}' | grep -q -- "--namespace $NS" || fail "far: message"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/connectors/far")" = 404 ] || fail "far was created"
k -n "$NS" delete kafkaconnector far --wait=false >/dev/null

# Delete -> the connector is gone from Connect and the resource goes (finalizer removed).
k -n "$NS" delete kafkaconnector src --wait=false >/dev/null
wait_until 20 "connector deleted in Connect" bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' $URL/connectors/src)\" = 404 ]"
wait_until 20 "resource gone" bash -c "! $KUBECTL_BIN --kubeconfig=$FERRY_KUBECONFIG -n $NS get kafkaconnector src"
curl -fsS "$URL/connectors" | grep -q '"sink"' || fail "the other connector was touched"

stop_operator op
info "ok"
