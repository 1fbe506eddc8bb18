#!/usr/bin/env bash
# The install artifacts against a real kube-apiserver: deploy/ applied for real (CRDs first, then the
# operator's namespace, RBAC and Deployment); the chart rendered with the defaults, with every value
# set (tests/packaging/all-values.yaml; a stub ServiceMonitor CRD stands in for the Prometheus
# Operator's) and namespaced, applied with --dry-run=server; every example in deploy/examples applied
# with --dry-run=server. Then least privilege in practice: ferry-operator runs with the arguments of
# the rendered Deployment and a token of the chart's ServiceAccount (so with only the chart's RBAC),
# reconciles the examples (KafkaConnect -> ConfigMap, Service, PDB, 3 worker pods; KafkaConnectors ->
# finalizer + status; leader Lease) without a single "forbidden", cleans up after a deleted
# KafkaConnect, and is refused what it does not need. The same with watchNamespaces (a Role only).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"

HELM=$("$REPO/hack/tools.sh" helm | tail -1)
Y2J=$("$REPO/hack/tools.sh" yaml2json | tail -1)
CHART=$REPO/helm/ferry
[ -x "$FERRY_OPERATOR" ] || fail "no $FERRY_OPERATOR (make all)"

# ---- deploy/ for real: CRDs first, then everything else ----
k apply -f "$REPO/deploy/01-crds.yaml" >/dev/null || fail "deploy/01-crds.yaml refused"
k wait --for=condition=Established crd/kafkaconnects.connect.ferry.dev \
        crd/kafkaconnectors.connect.ferry.dev --timeout=30s >/dev/null || fail "CRDs not Established"
CLEANUP+=("$KUBECTL_BIN --kubeconfig=$FERRY_KUBECONFIG delete clusterrole,clusterrolebinding ferry-operator --ignore-not-found")
# The namespace stays (no namespace controller here would ever finish deleting it).
CLEANUP+=("$KUBECTL_BIN --kubeconfig=$FERRY_KUBECONFIG delete -f $REPO/deploy/02-ferry-operator.yaml --wait=false")
k apply -f "$REPO/deploy/" >"$WORK/deploy.out" 2>&1 || { cat "$WORK/deploy.out"; fail "kubectl apply -f deploy/ failed"; }
for o in namespace/ferry-system clusterrole/ferry-operator clusterrolebinding/ferry-operator; do
        k get "$o" >/dev/null || fail "$o missing after kubectl apply -f deploy/"
done
for o in deployment/ferry-operator serviceaccount/ferry-operator service/ferry-operator-metrics \
        role/ferry-operator-leader-election rolebinding/ferry-operator-leader-election; do
        k -n ferry-system get "$o" >/dev/null || fail "$o missing after kubectl apply -f deploy/"
done
info "kubectl apply -f deploy/: $(wc -l <"$WORK/deploy.out") objects applied"

# ---- the chart, server-side dry runs ----
new_namespace
if ! k get crd servicemonitors.monitoring.coreos.com >/dev/null 2>&1; then
        # A stub of the Prometheus Operator's CRD, so that the ServiceMonitor can be dry-run.
        k apply -f - >/dev/null <<'YAML'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: servicemonitors.monitoring.coreos.com}
spec:
  group: monitoring.coreos.com
  scope: Namespaced
  names: {kind: ServiceMonitor, plural: servicemonitors, singular: servicemonitor, listKind: ServiceMonitorList}
  versions:
    - name: v1
      served: true
      storage: true
      schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
YAML
        CLEANUP+=("$KUBECTL_BIN --kubeconfig=$FERRY_KUBECONFIG delete crd servicemonitors.monitoring.coreos.com")
        k wait --for=condition=Established crd/servicemonitors.monitoring.coreos.com --timeout=30s >/dev/null
fi
k create namespace "$NS-team" >/dev/null
CLEANUP+=("$KUBECTL_BIN --kubeconfig=$FERRY_KUBECONFIG delete namespace $NS-team --wait=false")
dry() { # dry NAME HELM-ARGS...: render into $NS and server-side dry-run apply
        local name=$1
        shift
        "$HELM" template "rel-$name" "$CHART" --namespace "$NS" "$@" >"$WORK/$name.yaml" || fail "helm template $name"
        k apply --dry-run=server -f "$WORK/$name.yaml" >"$WORK/$name.out" 2>&1 ||
                { cat "$WORK/$name.out"; fail "API server refused the chart rendered with $name values"; }
        info "chart ($name): $(grep -c 'server dry run' "$WORK/$name.out") objects accepted (server dry run)"
}
dry defaults
dry all -f "$REPO/tests/packaging/all-values.yaml" --set "watchNamespaces[0]=$NS-team"
dry namespaced --set "watchNamespaces[0]=$NS-team" --set leaderElection.enabled=false

# ---- the examples ----
for f in "$REPO"/deploy/examples/*.yaml; do
        case $(basename "$f") in strimzi-*) continue ;; esac
        k -n "$NS" apply --dry-run=server -f "$f" >"$WORK/ex.out" 2>&1 ||
                { cat "$WORK/ex.out"; fail "API server refused deploy/examples/$(basename "$f")"; }
done
info "every example accepted (server dry run)"

# ---- least privilege, in practice ----
# run_operator NAME RENDER.yaml: runs ferry-operator with the args of the rendered Deployment and a
# token of the rendered ServiceAccount.
run_operator() {
        local name=$1 render=$2 sa args
        "$Y2J" <"$render" >"$WORK/$name.json"
        sa=$(python3 -c 'import json,sys; print([o for o in json.load(open(sys.argv[1])) if o["kind"]=="ServiceAccount"][0]["metadata"]["name"])' "$WORK/$name.json")
        mapfile -t args < <(python3 -c '
import json, sys
d = [o for o in json.load(open(sys.argv[1])) if o["kind"] == "Deployment"][0]
for a in d["spec"]["template"]["spec"]["containers"][0]["args"]:
    print(a.replace("$(POD_NAME)", sys.argv[2]))' "$WORK/$name.json" "$name-pod")
        local token server ca
        token=$(k -n "$NS" create token "$sa" --duration=1h) || fail "no token for $sa"
        server=$(k config view --raw -o jsonpath='{.clusters[0].cluster.server}')
        ca=$(k config view --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')
        cat >"$WORK/$name.kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "$server", certificate-authority-data: "$ca"}}]
users: [{name: $sa, user: {token: "$token"}}]
contexts: [{name: c, context: {cluster: c, user: $sa, namespace: $NS}}]
current-context: c
KC
        info "$name: ferry-operator ${args[*]} (as system:serviceaccount:$NS:$sa)"
        start_operator "$name" --kubeconfig "$WORK/$name.kubeconfig" "${args[@]}"
        SA=$sa
}
port=$(free_port)
"$HELM" template ferry "$CHART" --namespace "$NS" --set metrics.port="$port" >"$WORK/op.yaml"
k apply -f "$WORK/op.yaml" >/dev/null || fail "chart not applied"
CLEANUP+=("$KUBECTL_BIN --kubeconfig=$FERRY_KUBECONFIG delete -f $WORK/op.yaml --wait=false")
run_operator op "$WORK/op.yaml"
wait_until 30 "operator /readyz" curl -sf "http://127.0.0.1:$port/readyz"
wait_until 30 "the leader Lease" field_is lease ferry-operator '{.spec.holderIdentity}' op-pod

k -n "$NS" apply -f "$REPO/deploy/examples/kafka-connect.yaml" -f "$REPO/deploy/examples/file-source-connector.yaml" \
        -f "$REPO/deploy/examples/file-sink-connector.yaml" >/dev/null || fail "examples not applied"
wait_until 60 "KafkaConnect status.url" field_is kafkaconnect my-connect '{.status.url}' \
        "http://my-connect-connect-api.$NS.svc:8083"
for o in configmap/my-connect-connect-config service/my-connect-connect-api poddisruptionbudget/my-connect-connect \
        pod/my-connect-worker-0 pod/my-connect-worker-1 pod/my-connect-worker-2; do
        wait_until 60 "$o made by the operator" k -n "$NS" get "$o"
done
for c in file-source file-sink; do
        wait_until 60 "finalizer on $c" field_is kafkaconnector "$c" '{.metadata.finalizers[0]}' connect.ferry.dev/connector
        wait_until 60 "status of $c" test -n "$(jpath kafkaconnector "$c" '{.status.conditions[0].reason}')"
done
info "reconciled: $(jpath kafkaconnector file-source '{.status.conditions[0].reason}') (no Connect cluster runs here)"
# Deleting the KafkaConnect: the operator deletes its pods and objects (no garbage collector here).
k -n "$NS" delete kafkaconnect my-connect --wait=false >/dev/null
wait_until 60 "worker pods deleted" bash -c "! $KUBECTL_BIN --kubeconfig=$FERRY_KUBECONFIG -n $NS get pod my-connect-worker-0"
wait_until 60 "ConfigMap deleted" bash -c "! $KUBECTL_BIN --kubeconfig=$FERRY_KUBECONFIG -n $NS get configmap my-connect-connect-config"
# RBAC denials read 'is forbidden: User "system:serviceaccount:..." cannot ...'; other 403s (a
# namespace being terminated by another test) are not the chart's doing.
if grep -E 'is forbidden: User ' "$WORK/op.log"; then
        fail "the operator was refused something with the chart's RBAC (log above)"
fi
info "operator with the chart's RBAC: reconciled and cleaned up, nothing forbidden"

can() { # can NAMESPACE-ARGS VERB RESOURCE -> yes/no for the operator's ServiceAccount
        k auth can-i --as="system:serviceaccount:$NS:$SA" "$@" 2>/dev/null || true
}
# Secrets: read one by name (spec.tls, spec.authentication), never listed or watched.
[ "$(can -n "$NS" get secrets)" = yes ] || fail "the operator cannot read the Secrets a KafkaConnect names"
[ "$(can -n "$NS" list secrets)" = no ] || fail "the operator may list secrets"
[ "$(can -n "$NS" watch secrets)" = no ] || fail "the operator may watch secrets"
[ "$(can -n "$NS" delete kafkaconnectors)" = no ] || fail "the operator may delete kafkaconnectors"
[ "$(can -n "$NS" update deployments.apps)" = no ] || fail "the operator may update deployments"
[ "$(can -n kube-system update leases/other-lease)" = no ] || fail "the operator may update other leases"
[ "$(can -n "$NS-team" create pods)" = yes ] || fail "cluster-wide operator cannot create pods in another namespace"
stop_op() { kill "$(cat "$WORK/$1.pid")" 2>/dev/null || true; }
# Finalizers: the operator removes them once Connect confirms, which cannot happen here.
for c in file-source file-sink; do
        k -n "$NS" patch kafkaconnector "$c" --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1 || true
done
stop_op op

# ---- watchNamespaces: a Role in the watched namespace only ----
port=$(free_port)
"$HELM" template ferryns "$CHART" --namespace "$NS" --set metrics.port="$port" \
        --set "watchNamespaces[0]=$NS-team" >"$WORK/opns.yaml"
k apply -f "$WORK/opns.yaml" >/dev/null || fail "namespaced chart not applied"
CLEANUP+=("$KUBECTL_BIN --kubeconfig=$FERRY_KUBECONFIG delete -f $WORK/opns.yaml --wait=false")
run_operator opns "$WORK/opns.yaml"
wait_until 30 "namespaced operator /readyz" curl -sf "http://127.0.0.1:$port/readyz"
k -n "$NS-team" apply -f "$REPO/deploy/examples/kafka-connect.yaml" >/dev/null
wait_until 60 "KafkaConnect in the watched namespace reconciled" \
        bash -c "$KUBECTL_BIN --kubeconfig=$FERRY_KUBECONFIG -n $NS-team get pod my-connect-worker-2"
if grep -E 'is forbidden: User ' "$WORK/opns.log"; then
        fail "the namespaced operator was refused something with the chart's Role (log above)"
fi
[ "$(can -n "$NS" create pods)" = no ] || fail "namespaced operator may create pods outside its namespace"
[ "$(can -A list kafkaconnectors.connect.ferry.dev)" = no ] || fail "namespaced operator may list cluster-wide"
[ "$(can -n "$NS-team" list kafkaconnectors.connect.ferry.dev)" = yes ] || fail "namespaced operator cannot list its namespace"
k -n "$NS-team" delete kafkaconnect my-connect --wait=false >/dev/null
wait_until 60 "namespaced cleanup" bash -c "! $KUBECTL_BIN --kubeconfig=$FERRY_KUBECONFIG -n $NS-team get pod my-connect-worker-0"
stop_op opns
info "namespaced operator: reconciled its namespace only, nothing forbidden"
