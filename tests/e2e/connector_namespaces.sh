#!/usr/bin/env bash
# KafkaConnectors in other namespaces than their KafkaConnect, end to end: a real kube-apiserver,
# the operator (ASan build, watching all namespaces, as the chart installs it) and a live
# standalone ferry-worker (embedded broker) whose REST URL the KafkaConnect names through the
# connect.ferry.dev/rest-url annotation. The KafkaConnect lists one namespace in
# spec.connectorNamespaces:
#   a KafkaConnector there with spec.clusterRef -> created through the worker's REST API, RUNNING,
#   Ready, finalizer set; one in a namespace not listed -> Ready=False NamespaceNotAllowed, nothing
#   created in Connect, no finalizer; a clusterRef that contradicts the label -> InvalidSpec naming
#   the field; connectorNamespaces "*" -> the refused one is created and Ready; a same-named
#   connector from a third namespace -> NameConflict until the first is deleted, then it takes over;
#   deleting a cross-namespace KafkaConnector deletes its connector in Connect.
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

install_crds
new_namespace # the KafkaConnect's
TEAM_A=$NS-a
TEAM_B=$NS-b
TEAM_C=$NS-c
for ns in "$TEAM_A" "$TEAM_B" "$TEAM_C"; do
        k create namespace "$ns" >/dev/null
        CLEANUP+=("$KUBECTL_BIN --kubeconfig=$FERRY_KUBECONFIG delete namespace $ns --wait=false")
done
mport=$(free_port)
FERRY_OPERATOR=$OP start_operator op --metrics-addr "127.0.0.1:$mport" --resync 3 --connect-timeout 5
wait_until 20 "operator ready" curl -fsS "http://127.0.0.1:$mport/readyz"

k -n "$NS" apply -f - >/dev/null <<YAML
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnect
metadata:
  name: shared
  annotations: {connect.ferry.dev/rest-url: "$URL"}
spec:
  replicas: 0
  bootstrapServers: "localhost:9092"
  connectorNamespaces: [$TEAM_A]
YAML
connector() { # NAMESPACE NAME [LABELS]
        local labels=${3:-"{}"}
        k -n "$1" apply -f - >/dev/null <<YAML
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnector
metadata:
  name: $2
  labels: $labels
spec:
  class: FileStreamSource
  tasksMax: 1
  clusterRef: {name: shared, namespace: $NS}
  config: {file: "$WORK/in-$1.txt", topic: lines-$1}
YAML
}
cond() { k -n "$1" get kafkaconnector "$2" -o "jsonpath={.status.conditions[?(@.type==\"Ready\")].$3}" 2>/dev/null; }
is() { [ "$(cond "$1" "$2" "$3")" = "$4" ]; }
http_code() { curl -s -o /dev/null -w '%{http_code}' "$URL/connectors/$1"; }
state() { curl -fsS "$URL/connectors/$1/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["connector"]["state"])'; }

# Allowed namespace: created through the worker's REST API and Ready.
connector "$TEAM_A" xsrc
wait_until 30 "$TEAM_A/xsrc Ready" is "$TEAM_A" xsrc status True
[ "$(state xsrc)" = RUNNING ] || fail "xsrc not RUNNING in Connect"
curl -fsS "$URL/connectors/xsrc/config" | grep -q "\"file\":\"$WORK/in-$TEAM_A.txt\"" ||
        fail "xsrc in Connect does not have $TEAM_A's config"
k -n "$TEAM_A" get kafkaconnector xsrc -o 'jsonpath={.metadata.finalizers}' | grep -q connect.ferry.dev/connector ||
        fail "no finalizer on $TEAM_A/xsrc"
info "$TEAM_A/xsrc -> KafkaConnect $NS/shared: created in Connect, RUNNING, Ready"

# Namespace not listed: refused with the reason, nothing created, no finalizer.
connector "$TEAM_B" ysrc
wait_until 30 "$TEAM_B/ysrc refused" is "$TEAM_B" ysrc reason NamespaceNotAllowed
is "$TEAM_B" ysrc status False || fail "refused connector not Ready=False"
cond "$TEAM_B" ysrc message | grep -q "spec.connectorNamespaces" || fail "message: $(cond "$TEAM_B" ysrc message)"
[ "$(http_code ysrc)" = 404 ] || fail "a refused connector was created in Connect"
[ -z "$(k -n "$TEAM_B" get kafkaconnector ysrc -o 'jsonpath={.metadata.finalizers}')" ] ||
        fail "finalizer on a refused connector"
info "$TEAM_B/ysrc refused: $(cond "$TEAM_B" ysrc message)"

# A clusterRef that contradicts the label: the spec error names the field.
connector "$TEAM_A" zsrc "{connect.ferry.dev/cluster: elsewhere}"
wait_until 30 "$TEAM_A/zsrc InvalidSpec" is "$TEAM_A" zsrc reason InvalidSpec
cond "$TEAM_A" zsrc message | grep -q '^spec.clusterRef.name: "shared" differs from the label' ||
        fail "message: $(cond "$TEAM_A" zsrc message)"
[ "$(http_code zsrc)" = 404 ] || fail "a connector with an invalid spec was created"
info "invalid spec: $(cond "$TEAM_A" zsrc message)"

# "*" allows every namespace: the refused connector is created.
k -n "$NS" patch kafkaconnect shared --type merge -p '{"spec":{"connectorNamespaces":["*"]}}' >/dev/null
wait_until 30 "$TEAM_B/ysrc Ready once allowed" is "$TEAM_B" ysrc status True
[ "$(state ysrc)" = RUNNING ] || fail "ysrc not RUNNING in Connect"
info "connectorNamespaces [\"*\"] -> $TEAM_B/ysrc created and Ready"

# Same name from a third namespace: the older one keeps it.
connector "$TEAM_C" xsrc
wait_until 30 "$TEAM_C/xsrc NameConflict" is "$TEAM_C" xsrc reason NameConflict
cond "$TEAM_C" xsrc message | grep -q "KafkaConnector $TEAM_A/xsrc already runs" ||
        fail "message: $(cond "$TEAM_C" xsrc message)"
curl -fsS "$URL/connectors/xsrc/config" | grep -q "in-$TEAM_A.txt" || fail "the conflicting connector changed xsrc"
info "name conflict: $(cond "$TEAM_C" xsrc message)"

# Deleting the cross-namespace KafkaConnector deletes its connector; the other one takes the name.
k -n "$TEAM_A" delete kafkaconnector xsrc --wait=false >/dev/null
wait_until 30 "$TEAM_A/xsrc gone" bash -c "! $KUBECTL_BIN --kubeconfig=$FERRY_KUBECONFIG -n $TEAM_A get kafkaconnector xsrc"
wait_until 30 "$TEAM_C/xsrc Ready" is "$TEAM_C" xsrc status True
curl -fsS "$URL/connectors/xsrc/config" | grep -q "in-$TEAM_C.txt" || fail "xsrc in Connect is not $TEAM_C's"
info "$TEAM_A/xsrc deleted -> $TEAM_C/xsrc took the name"
k -n "$TEAM_B" delete kafkaconnector ysrc --wait=false >/dev/null
wait_until 30 "ysrc deleted in Connect" bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' $URL/connectors/ysrc)\" = 404 ]"
k -n "$TEAM_C" delete kafkaconnector xsrc --wait=false >/dev/null
k -n "$TEAM_A" delete kafkaconnector zsrc --wait=false >/dev/null
wait_until 30 "xsrc deleted in Connect" bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' $URL/connectors/xsrc)\" = 404 ]"
k -n "$NS" delete kafkaconnect shared --wait=false >/dev/null

stop_operator op
info "ok"
