#!/usr/bin/env bash
# A KafkaConnect for a secured Kafka cluster, written as for Strimzi (spec.tls.trustedCertificates +
# spec.authentication type scram-sha-512), end to end: a real kube-apiserver, a broker of its own
# with a SASL_SSL listener (hack/kafka.sh, FERRY_KAFKA_SECURITY=sasl_ssl, test CA), the operator
# (ASan build) and the local kubelet (Secret volumes bound at their mountPath in a private mount
# namespace).
#   the CA certificate and the SCRAM password in Secrets -> the KafkaConnect becomes Ready (its
#   worker talks SASL_SSL only), a FileStreamSource KafkaConnector on it becomes Ready and every line
#   of its file arrives in the topic (read through the broker's plaintext listener with kcat); the
#   password is in no ConfigMap, no pod spec (env values, command), no operator and no worker log
#   line; a KafkaConnect naming a Secret that does not exist -> Ready=False, reason
#   SecretNotFound, the message names the field; the CA Secret's content changed -> the worker pod is replaced (new
#   config hash) and the lines written after it arrive too; a second KafkaConnect with
#   authentication type tls (certificateAndKey) on the mTLS listener, its CA given by pattern ->
#   Ready, its connector's lines arrive.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
OP=${FERRY_OPERATOR_ASAN:-$REPO/build/asan/ferry-operator}
[ -x "$OP" ] || OP=$FERRY_OPERATOR
command -v unshare >/dev/null && unshare --mount true 2>/dev/null ||
        fail "this test needs private mount namespaces (unshare --mount, as root)"

# A broker of its own with SASL_SSL (SCRAM-SHA-512) and mTLS listeners next to its plaintext one.
export FERRY_KAFKA_STATE=$WORK/kafka
FERRY_KAFKA_SECURITY=sasl_ssl,mtls "$REPO/hack/kafka.sh" start >/dev/null 2>"$WORK/kafka-start.log" ||
        fail "secured broker did not start: $(tail -5 "$WORK/kafka-start.log")"
CLEANUP+=("FERRY_KAFKA_STATE=$FERRY_KAFKA_STATE $REPO/hack/kafka.sh stop")
# shellcheck disable=SC1090
source <("$REPO/hack/kafka.sh" env)
PLAIN_B=$KAFKA_BOOTSTRAP
[ -n "${KAFKA_SASL_SSL_BOOTSTRAP:-}" ] && [ -n "${KAFKA_SCRAM_PASSWORD:-}" ] || fail "no SASL_SSL listener"
[ -n "${KAFKA_MTLS_BOOTSTRAP:-}" ] || fail "no mTLS listener"
info "secured broker: SASL_SSL $KAFKA_SASL_SSL_BOOTSTRAP, mTLS $KAFKA_MTLS_BOOTSTRAP (plaintext $PLAIN_B for kcat)"

install_crds
new_namespace
start_kubelet
mport=$(free_port)
FERRY_OPERATOR=$OP start_operator op --namespace "$NS" --metrics-addr "127.0.0.1:$mport" --resync 3 \
        --connect-timeout 5
wait_until 20 "operator ready" curl -fsS "http://127.0.0.1:$mport/readyz"

k -n "$NS" create secret generic cluster-ca-cert --from-file=ca.crt="$KAFKA_CA_PEM" >/dev/null
k -n "$NS" create secret generic connect-user --from-literal=password="$KAFKA_SCRAM_PASSWORD" >/dev/null

G=e2e-$$-$RANDOM
TOPIC=$G-lines
PORT=$(free_port)
N=200
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "secured-%05d\n", i }' >"$WORK/in.txt"
kc_yaml() { # NAME PASSWORD-SECRET
        cat <<YAML
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnect
metadata: {name: $1}
spec:
  replicas: 1
  bootstrapServers: "$KAFKA_SASL_SSL_BOOTSTRAP"
  groupId: $G-$1
  configStorageTopic: $G-$1-configs
  offsetStorageTopic: $G-$1-offsets
  statusStorageTopic: $G-$1-status
  restPort: $PORT
  tls:
    trustedCertificates:
      - secretName: cluster-ca-cert
        certificate: ca.crt
  authentication:
    type: scram-sha-512
    username: $KAFKA_SCRAM_USER
    passwordSecret:
      secretName: $2
      password: password
  config:
    config.storage.replication.factor: 1
    offset.storage.replication.factor: 1
    status.storage.replication.factor: 1
    key.converter: org.apache.kafka.connect.storage.StringConverter
    value.converter: org.apache.kafka.connect.storage.StringConverter
    offset.flush.interval.ms: 1000
YAML
}
kc_yaml sc connect-user | k -n "$NS" apply -f - >/dev/null
k -n "$NS" apply -f - >/dev/null <<YAML
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnector
metadata:
  name: src
  labels: {connect.ferry.dev/cluster: sc}
spec:
  class: FileStreamSource
  config: {file: "$WORK/in.txt", topic: $TOPIC}
YAML

kc_ready() { field_is kafkaconnect "$1" '{.status.conditions[?(@.type=="Ready")].status}' True; }
wait_until 120 "KafkaConnect sc Ready" kc_ready sc
wait_until 90 "connector src Ready" field_is kafkaconnector src '{.status.conditions[?(@.type=="Ready")].status}' True
count() { [ "$(topic_dump "$PLAIN_B" "$TOPIC" 2>/dev/null | grep -c '^secured-')" -ge "$1" ]; }
wait_until 60 "$N lines in $TOPIC" count $N
info "KafkaConnect with tls + scram-sha-512 Ready; $N lines through SASL_SSL into $TOPIC"

# What the operator wrote: Java keys for every client, the Secrets mounted where Strimzi mounts them.
props=$(jpath configmap sc-connect-config '{.data.worker\.properties}')
for l in security.protocol=SASL_SSL sasl.mechanism=SCRAM-SHA-512 ssl.truststore.type=PEM \
        producer.security.protocol=SASL_SSL consumer.sasl.mechanism=SCRAM-SHA-512 \
        admin.ssl.truststore.location=/var/lib/ferry/truststore.pem; do
        grep -qxF "$l" <<<"$props" || fail "worker.properties lacks $l: $props"
done
field_is pod sc-worker-0 '{.spec.containers[0].volumeMounts[?(@.mountPath=="/opt/kafka/connect-certs/cluster-ca-cert")].readOnly}' true ||
        fail "CA Secret not mounted at /opt/kafka/connect-certs/cluster-ca-cert"
field_is pod sc-worker-0 '{.spec.containers[0].volumeMounts[?(@.mountPath=="/opt/kafka/connect-password/connect-user")].readOnly}' true ||
        fail "password Secret not mounted at /opt/kafka/connect-password/connect-user"

# The password is in no ConfigMap, no pod spec and no operator log line.
k -n "$NS" get configmaps -o json >"$WORK/cms.json"
k -n "$NS" get pods -o json >"$WORK/pods.json"
for f in "$WORK/cms.json" "$WORK/pods.json" "$WORK/op.log" "$WORK/op.out"; do
        if grep -qF "$KAFKA_SCRAM_PASSWORD" "$f"; then fail "the password appears in $(basename "$f")"; fi
done
python3 - "$WORK/pods.json" "$KAFKA_SCRAM_PASSWORD" <<'PY' || fail "the password is in a pod env value"
import json, sys
pods, pw = json.load(open(sys.argv[1])), sys.argv[2]
vals = [e.get("value", "") for p in pods["items"] for c in p["spec"]["containers"] for e in c.get("env") or []]
sys.exit(1 if any(pw in v for v in vals) else 0)
PY
leaks=$(find "$WORK/kubelet" -name '*.log' -exec grep -lF "$KAFKA_SCRAM_PASSWORD" {} + 2>/dev/null || true)
[ -z "$leaks" ] || fail "the password appears in a worker log: $leaks"
info "the password is in no ConfigMap, pod env value, operator log line or worker log line"

# A Secret that does not exist: reported naming the field; nothing started for it.
kc_yaml bad no-such-secret | k -n "$NS" apply -f - >/dev/null
reason() { field_is kafkaconnect bad '{.status.conditions[?(@.type=="Ready")].reason}' "$1"; }
wait_until 30 "KafkaConnect bad: SecretNotFound" reason SecretNotFound
msg=$(jpath kafkaconnect bad '{.status.conditions[?(@.type=="Ready")].message}')
[ "$msg" = "spec.authentication.passwordSecret.secretName: Secret no-such-secret not found" ] ||
        fail "message: $msg"
! k -n "$NS" get pod bad-worker-0 >/dev/null 2>&1 || fail "a pod was made without its Secret"
k -n "$NS" delete kafkaconnect bad --wait=false >/dev/null
info "missing Secret: $msg"

# Rotation: the CA Secret's content changes -> the worker is replaced, and keeps working.
uid=$(jpath pod sc-worker-0 '{.metadata.uid}')
hash=$(jpath pod sc-worker-0 '{.metadata.annotations.connect\.ferry\.dev/config-hash}')
{
        cat "$KAFKA_CA_PEM"
        echo "# rotated $(date -u +%FT%TZ)"
} >"$WORK/ca-rotated.pem"
k -n "$NS" create secret generic cluster-ca-cert --from-file=ca.crt="$WORK/ca-rotated.pem" \
        --dry-run=client -o yaml | k -n "$NS" apply -f - >/dev/null 2>&1
replaced() {
        local u
        u=$(jpath pod sc-worker-0 '{.metadata.uid}')
        [ -n "$u" ] && [ "$u" != "$uid" ]
}
wait_until 60 "sc-worker-0 replaced after the Secret rotation" replaced
[ "$(jpath pod sc-worker-0 '{.metadata.annotations.connect\.ferry\.dev/config-hash}')" != "$hash" ] ||
        fail "config hash unchanged after the rotation"
wait_until 120 "KafkaConnect sc Ready after the rotation" kc_ready sc
awk -v n="$N" 'BEGIN { for (i = n; i < 2 * n; i++) printf "secured-%05d\n", i }' >>"$WORK/in.txt"
wait_until 90 "$((2 * N)) lines in $TOPIC" count $((2 * N))
info "CA Secret rotated: worker replaced (config hash $hash -> new), lines keep arriving"

# Mutual TLS: authentication type tls (certificateAndKey), trusted certificates by pattern.
k -n "$NS" create secret generic cas --from-file=ca.crt="$KAFKA_CA_PEM" --from-literal=README=not-a-cert >/dev/null
k -n "$NS" create secret generic connect-cert --from-file=user.crt="$KAFKA_CLIENT_CERT_PEM" \
        --from-file=user.key="$KAFKA_CLIENT_KEY_PEM" >/dev/null
MPORT=$(free_port)
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "mtls-%05d\n", i }' >"$WORK/in-mtls.txt"
k -n "$NS" apply -f - >/dev/null <<YAML
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnect
metadata: {name: mc}
spec:
  replicas: 1
  bootstrapServers: "$KAFKA_MTLS_BOOTSTRAP"
  groupId: $G-mc
  configStorageTopic: $G-mc-configs
  offsetStorageTopic: $G-mc-offsets
  statusStorageTopic: $G-mc-status
  restPort: $MPORT
  tls:
    trustedCertificates:
      - {secretName: cas, pattern: "*.crt"}
  authentication:
    type: tls
    certificateAndKey: {secretName: connect-cert, certificate: user.crt, key: user.key}
  config:
    config.storage.replication.factor: 1
    offset.storage.replication.factor: 1
    status.storage.replication.factor: 1
    key.converter: org.apache.kafka.connect.storage.StringConverter
    value.converter: org.apache.kafka.connect.storage.StringConverter
    offset.flush.interval.ms: 1000
---
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnector
metadata:
  name: msrc
  labels: {connect.ferry.dev/cluster: mc}
spec:
  class: FileStreamSource
  config: {file: "$WORK/in-mtls.txt", topic: $G-mtls}
YAML
wait_until 120 "KafkaConnect mc Ready" kc_ready mc
wait_until 90 "connector msrc Ready" field_is kafkaconnector msrc '{.status.conditions[?(@.type=="Ready")].status}' True
mcount() { [ "$(topic_dump "$PLAIN_B" "$G-mtls" 2>/dev/null | grep -c '^mtls-')" -ge "$1" ]; }
wait_until 60 "$N lines in $G-mtls" mcount $N
props=$(jpath configmap mc-connect-config '{.data.worker\.properties}')
for l in security.protocol=SSL ssl.keystore.type=PEM producer.ssl.keystore.location=/var/lib/ferry/keystore.pem; do
        grep -qxF "$l" <<<"$props" || fail "worker.properties lacks $l: $props"
done
info "KafkaConnect with tls authentication (mTLS, trusted certificates by pattern) Ready; $N lines in $G-mtls"

k -n "$NS" delete kafkaconnector src msrc --wait=false >/dev/null
k -n "$NS" delete kafkaconnect sc mc --wait=false >/dev/null
wait_until 60 "worker pods deleted" bash -c "! $KUBECTL_BIN --kubeconfig=$FERRY_KUBECONFIG -n $NS get pod sc-worker-0 mc-worker-0"
stop_operator op
if grep -qF "$KAFKA_SCRAM_PASSWORD" "$WORK/op.log"; then fail "the password appears in the operator log"; fi
stop_kubelet
info "ok"
