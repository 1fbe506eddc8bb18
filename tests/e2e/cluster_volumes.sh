#!/usr/bin/env bash
# spec.template.pod.volumes and spec.template.connectContainer.volumeMounts (Strimzi's shapes) in
# the worker pods, end to end: a real kube-apiserver, a real Kafka broker, the operator (ASan
# build) and the local kubelet (volumes bound at their mountPath in a private mount namespace).
#   a KafkaConnect with a ConfigMap volume and an emptyDir volume mounted in the worker container
#   -> the pod spec holds both next to the operator's own volumes; a FileStreamSource reads a file
#   from the ConfigMap mount -> every line arrives in the topic; a FileStreamSink writes into the
#   emptyDir mount (subPath sink) -> the file appears in that directory of the pod volume; a
#   template volume named like one of the operator's ("config") -> Ready=False, reason
#   InvalidSpec, the message names the field, and the worker pod is left alone; fixed -> Ready.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
OP=${FERRY_OPERATOR_ASAN:-$REPO/build/asan/ferry-operator}
[ -x "$OP" ] || OP=$FERRY_OPERATOR
use_broker
command -v unshare >/dev/null && unshare --mount true 2>/dev/null ||
        fail "this test needs private mount namespaces (unshare --mount, as root)"

IN_DIR=/mnt/ferry-e2e-input-$$
OUT_DIR=/mnt/ferry-e2e-scratch-$$
install_crds
new_namespace
start_kubelet
mport=$(free_port)
FERRY_OPERATOR=$OP start_operator op --namespace "$NS" --metrics-addr "127.0.0.1:$mport" --resync 3 \
        --connect-timeout 5
wait_until 20 "operator ready" curl -fsS "http://127.0.0.1:$mport/readyz"

G=e2e-$$-$RANDOM
TOPIC=$G-lines
PORT=$(free_port)
N=100
seq 1 $N | sed 's/^/line-/' >"$WORK/in.txt"
k -n "$NS" create configmap input --from-file=in.txt="$WORK/in.txt" >/dev/null
kc_yaml() { # EXTRA-VOLUME-LINE
        cat <<YAML
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnect
metadata: {name: vc}
spec:
  replicas: 1
  bootstrapServers: "$B"
  groupId: $G
  configStorageTopic: $G-configs
  offsetStorageTopic: $G-offsets
  statusStorageTopic: $G-status
  restPort: $PORT
  template:
    pod:
      volumes:
        - {name: input, configMap: {name: input}}
        - {name: scratch, emptyDir: {}}
        $1
    connectContainer:
      volumeMounts:
        - {name: input, mountPath: $IN_DIR, readOnly: true}
        - {name: scratch, mountPath: $OUT_DIR, subPath: sink}
  config:
    config.storage.replication.factor: 1
    offset.storage.replication.factor: 1
    status.storage.replication.factor: 1
    key.converter: org.apache.kafka.connect.storage.StringConverter
    value.converter: org.apache.kafka.connect.storage.StringConverter
    offset.flush.interval.ms: 1000
YAML
}
kc_yaml "" | k -n "$NS" apply -f - >/dev/null
k -n "$NS" apply -f - >/dev/null <<YAML
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnector
metadata:
  name: src
  labels: {connect.ferry.dev/cluster: vc}
spec:
  class: FileStreamSource
  config: {file: $IN_DIR/in.txt, topic: $TOPIC}
---
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnector
metadata:
  name: sink
  labels: {connect.ferry.dev/cluster: vc}
spec:
  class: FileStreamSink
  config: {topics: $TOPIC, file: $OUT_DIR/out.txt}
YAML

# The pod spec: the template volumes and mounts next to the operator's own.
wait_until 30 "pod vc-worker-0 created" bash -c "$KUBECTL_BIN --kubeconfig=$FERRY_KUBECONFIG -n $NS get pod vc-worker-0 >/dev/null 2>&1"
field_is pod vc-worker-0 '{.spec.volumes[?(@.name=="input")].configMap.name}' input || fail "volume input missing"
[ -n "$(jpath pod vc-worker-0 '{.spec.volumes[?(@.name=="scratch")].emptyDir}')" ] || fail "volume scratch missing"
field_is pod vc-worker-0 '{.spec.volumes[?(@.name=="config")].configMap.name}' vc-connect-config ||
        fail "the operator's config volume is gone"
field_is pod vc-worker-0 '{.spec.containers[0].volumeMounts[?(@.name=="input")].mountPath}' "$IN_DIR" ||
        fail "mount of input missing"
field_is pod vc-worker-0 '{.spec.containers[0].volumeMounts[?(@.name=="input")].readOnly}' true ||
        fail "mount of input not readOnly"
field_is pod vc-worker-0 '{.spec.containers[0].volumeMounts[?(@.name=="scratch")].mountPath}' "$OUT_DIR" ||
        fail "mount of scratch missing"
field_is pod vc-worker-0 '{.spec.containers[0].volumeMounts[?(@.name=="scratch")].subPath}' sink ||
        fail "subPath of the scratch mount missing"
info "pod: template volumes input (ConfigMap) and scratch (emptyDir) mounted at $IN_DIR and $OUT_DIR"

ready() { field_is kafkaconnector "$1" '{.status.conditions[?(@.type=="Ready")].status}' True; }
wait_until 90 "connector src Ready" ready src
wait_until 30 "connector sink Ready" ready sink

# The worker reads the ConfigMap file at its mountPath and writes into the emptyDir.
count() { [ "$(kcat -b "$B" -C -t "$TOPIC" -e -q -o beginning 2>/dev/null | wc -l)" -ge $N ]; }
wait_until 60 "$N lines in $TOPIC" count
info "$N lines read from $IN_DIR/in.txt (ConfigMap volume)"
out() { find "$WORK/kubelet" -path '*/volumes/scratch/sink/out.txt' 2>/dev/null | head -1; }
sink_done() { local f; f=$(out); [ -n "$f" ] && [ "$(wc -l <"$f")" -ge $N ]; }
wait_until 60 "$N lines written to $OUT_DIR/out.txt (emptyDir volume)" sink_done
cmp -s "$WORK/in.txt" "$(out)" || fail "the sink's file differs from the ConfigMap's"
info "$N lines written by the sink into the emptyDir volume (subPath sink)"

# A template volume named like the operator's own: refused in status, the worker left alone.
uid=$(jpath pod vc-worker-0 '{.metadata.uid}')
kc_yaml "- {name: config, emptyDir: {}}" | k -n "$NS" apply -f - >/dev/null
reason() { field_is kafkaconnect vc '{.status.conditions[?(@.type=="Ready")].reason}' "$1"; }
wait_until 30 "KafkaConnect InvalidSpec" reason InvalidSpec
msg=$(jpath kafkaconnect vc '{.status.conditions[?(@.type=="Ready")].message}')
grep -q '^spec.template.pod.volumes\[2\].name: "config" conflicts with the operator' <<<"$msg" ||
        fail "message: $msg"
field_is kafkaconnect vc '{.status.conditions[?(@.type=="Ready")].status}' False || fail "not Ready=False"
field_is kafkaconnect vc '{.status.observedGeneration}' "$(jpath kafkaconnect vc '{.metadata.generation}')" ||
        fail "observedGeneration not updated for the invalid spec"
field_is pod vc-worker-0 '{.metadata.uid}' "$uid" || fail "the worker pod was replaced for an invalid spec"
info "refused: $msg"
kc_yaml "" | k -n "$NS" apply -f - >/dev/null
wait_until 30 "KafkaConnect Ready again" field_is kafkaconnect vc '{.status.conditions[?(@.type=="Ready")].status}' True
field_is pod vc-worker-0 '{.metadata.uid}' "$uid" || fail "the worker pod was replaced"

k -n "$NS" delete kafkaconnector src sink --wait=false >/dev/null
k -n "$NS" delete kafkaconnect vc --wait=false >/dev/null
wait_until 60 "worker pod deleted" bash -c "! $KUBECTL_BIN --kubeconfig=$FERRY_KUBECONFIG -n $NS get pod vc-worker-0"
stop_operator op
stop_kubelet
[ ! -e "$IN_DIR" ] && [ ! -e "$OUT_DIR" ] || fail "the kubelet left its mount points on the host"
info "ok"
