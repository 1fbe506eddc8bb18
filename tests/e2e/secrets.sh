#!/usr/bin/env bash
# Secrets reach the workers through spec.externalConfiguration, as in Strimzi: a real
# kube-apiserver, a real Kafka broker, the operator (ASan build, --worker-image, FERRY_LOG_LEVEL)
# and the local kubelet (secret volumes bound at their mountPath in a private mount namespace, env
# from secretKeyRef).
#   a Secret holds a properties file (topic name, password) and a source file path; the KafkaConnect
#   mounts it at /opt/kafka/external-configuration/creds and exports SOURCE_FILE from it; a
#   FileStreamSource reads ${env:SOURCE_FILE} into ${file:...:topic} -> every line arrives in the
#   secret topic; REST shows only the placeholders; the password appears in no log; the pod runs
#   the operator's --worker-image; DEBUG lines only because FERRY_LOG_LEVEL=DEBUG; a changed Secret
#   reference rolls the worker.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
OP=${FERRY_OPERATOR_ASAN:-$REPO/build/asan/ferry-operator}
[ -x "$OP" ] || OP=$FERRY_OPERATOR
use_broker
command -v unshare >/dev/null && unshare --mount true 2>/dev/null ||
        fail "this test needs private mount namespaces (unshare --mount, as root)"

mp_existed=false
[ -e /opt/kafka/external-configuration/creds ] && mp_existed=true
install_crds
new_namespace
start_kubelet
mport=$(free_port)
IMAGE=registry.example.com/ferry/ferry-worker:e2e-$$
FERRY_LOG_LEVEL=DEBUG FERRY_OPERATOR=$OP start_operator op --namespace "$NS" --metrics-addr "127.0.0.1:$mport" \
        --resync 3 --connect-timeout 5 --worker-image "$IMAGE"
wait_until 20 "operator ready" curl -fsS "http://127.0.0.1:$mport/readyz"

G=e2e-$$-$RANDOM
TOPIC=$G-secret-topic
PASSWORD=pw-$RANDOM-$RANDOM-not-for-logs
PORT=$(free_port)
N=200
seq 1 $N | sed 's/^/line-/' >"$WORK/in.txt"
k -n "$NS" apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Secret
metadata: {name: creds}
type: Opaque
stringData:
  app.properties: |
    topic=$TOPIC
    password=$PASSWORD
  source-file: $WORK/in.txt
---
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnect
metadata: {name: sc}
spec:
  replicas: 1
  bootstrapServers: "$B"
  groupId: $G
  configStorageTopic: $G-configs
  offsetStorageTopic: $G-offsets
  statusStorageTopic: $G-status
  restPort: $PORT
  externalConfiguration:
    env:
      - name: SOURCE_FILE
        valueFrom: {secretKeyRef: {name: creds, key: source-file}}
    volumes:
      - name: creds
        secret: {secretName: creds}
  config:
    config.storage.replication.factor: 1
    offset.storage.replication.factor: 1
    status.storage.replication.factor: 1
    key.converter: org.apache.kafka.connect.storage.StringConverter
    value.converter: org.apache.kafka.connect.storage.StringConverter
    offset.flush.interval.ms: 1000
    config.providers: file,env
    config.providers.file.class: org.apache.kafka.common.config.provider.FileConfigProvider
    config.providers.env.class: org.apache.kafka.common.config.provider.EnvVarConfigProvider
---
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnector
metadata:
  name: src
  labels: {connect.ferry.dev/cluster: sc}
spec:
  class: FileStreamSource
  tasksMax: 1
  config:
    file: \${env:SOURCE_FILE}
    topic: \${file:/opt/kafka/external-configuration/creds/app.properties:topic}
    db.password: \${file:/opt/kafka/external-configuration/creds/app.properties:password}
YAML

# The pod: the operator's worker image, the Secret volume at Strimzi's path, the env entry.
wait_until 30 "pod sc-worker-0 created" bash -c "$KUBECTL_BIN --kubeconfig=$FERRY_KUBECONFIG -n $NS get pod sc-worker-0 >/dev/null 2>&1"
field_is pod sc-worker-0 '{.spec.containers[0].image}' "$IMAGE" || fail "pod image is not --worker-image"
field_is pod sc-worker-0 '{.spec.volumes[?(@.name=="ext-conf-creds")].secret.secretName}' creds ||
        fail "Secret volume ext-conf-creds missing"
field_is pod sc-worker-0 '{.spec.containers[0].volumeMounts[?(@.name=="ext-conf-creds")].mountPath}' \
        /opt/kafka/external-configuration/creds || fail "Secret not mounted at /opt/kafka/external-configuration/creds"
field_is pod sc-worker-0 '{.spec.containers[0].env[?(@.name=="SOURCE_FILE")].valueFrom.secretKeyRef.key}' \
        source-file || fail "env SOURCE_FILE from the Secret missing"
info "pod: --worker-image, Secret volume and env in place"

ready() { field_is kafkaconnector src '{.status.conditions[?(@.type=="Ready")].status}' True; }
wait_until 90 "connector src Ready" ready
URL=$(worker_url sc-worker-0)

# Every line arrives in the topic named by the Secret: both providers resolved in the worker.
count() { [ "$(kcat -b "$B" -C -t "$TOPIC" -e -q -o beginning 2>/dev/null | wc -l)" -ge $N ]; }
wait_until 60 "$N lines in $TOPIC" count
kcat -b "$B" -C -t "$TOPIC" -e -q -o beginning -c $N >"$WORK/out.txt"
cmp -s "$WORK/in.txt" "$WORK/out.txt" || fail "topic content differs from the source file"
info "$N lines read from \${env:SOURCE_FILE} into \${file:...:topic} = $TOPIC"

# REST keeps the placeholders; no log holds the password.
cfg=$(curl -fsS "$URL/connectors/src/config")
echo "$cfg" | python3 -c '
import json, sys
c = json.load(sys.stdin)
assert c["file"] == "${env:SOURCE_FILE}", c
assert c["db.password"] == "${file:/opt/kafka/external-configuration/creds/app.properties:password}", c
assert c["topic"].startswith("${file:"), c' || fail "GET config shows resolved values: $cfg"
tasks=$(curl -fsS "$URL/connectors/src/tasks") || fail "GET tasks"
grep -q "$PASSWORD" <<<"$tasks" && fail "GET tasks shows the password"
worker_log=$(pod_field sc-worker-0 log)
[ -s "$worker_log" ] || fail "no worker log at $worker_log"
if grep -l -- "$PASSWORD" "$worker_log" "$WORK/op.log" "$WORK/kubelet.log"; then
        fail "the password is in a log"
fi
info "REST shows placeholders; the password is in no log"

# The operator logs at DEBUG because FERRY_LOG_LEVEL says so.
grep -q ' DEBUG .*reconciled KafkaConnect' "$WORK/op.log" || fail "no DEBUG lines with FERRY_LOG_LEVEL=DEBUG"

# Another Secret key for SOURCE_FILE rolls the worker (the pod spec is part of the config hash).
uid=$(jpath pod sc-worker-0 '{.metadata.uid}')
seq 1 5 | sed 's/^/other-/' >"$WORK/in2.txt"
k -n "$NS" patch secret creds --type merge -p "{\"stringData\":{\"other-file\":\"$WORK/in2.txt\"}}" >/dev/null
k -n "$NS" patch kafkaconnect sc --type json \
        -p '[{"op":"replace","path":"/spec/externalConfiguration/env/0/valueFrom/secretKeyRef/key","value":"other-file"}]' >/dev/null
rolled() {
        local u
        u=$(jpath pod sc-worker-0 '{.metadata.uid}')
        [ -n "$u" ] && [ "$u" != "$uid" ] && field_is pod sc-worker-0 \
                '{.spec.containers[0].env[?(@.name=="SOURCE_FILE")].valueFrom.secretKeyRef.key}' other-file
}
wait_until 60 "worker pod replaced after the env change" rolled
info "changed externalConfiguration rolled the worker"

k -n "$NS" delete kafkaconnector src --wait=false >/dev/null
k -n "$NS" delete kafkaconnect sc --wait=false >/dev/null
stop_operator op
stop_kubelet
$mp_existed || [ ! -e /opt/kafka/external-configuration/creds ] ||
        fail "the kubelet left its mount point /opt/kafka/external-configuration/creds on the host"
info "ok"
