# Helpers for the operator e2e tests (sourced after tests/lib.sh). Every test runs against the
# kube-apiserver whose admin kubeconfig is $FERRY_KUBECONFIG (tests/run.sh starts one); when it is
# unset, the test starts its own with hack/envtest.sh and stops it on exit. Each test works in a
# fresh namespace, deleted on exit.

KUBECTL_BIN=${KUBECTL_BIN:-${FERRY_CACHE:-$REPO/.cache}/envtest/bin/kubectl}
[ -x "$KUBECTL_BIN" ] || KUBECTL_BIN=$(command -v kubectl)
FERRY_OPERATOR=${FERRY_OPERATOR:-$REPO/bin/ferry-operator}

if [ -z "${FERRY_KUBECONFIG:-}" ]; then
        export FERRY_ENVTEST_STATE=$WORK/envtest
        FERRY_KUBECONFIG=$("$REPO/hack/envtest.sh" start | tail -1)
        CLEANUP+=("FERRY_ENVTEST_STATE=$WORK/envtest $REPO/hack/envtest.sh stop")
fi
export FERRY_KUBECONFIG

k() {
        "$KUBECTL_BIN" --kubeconfig="$FERRY_KUBECONFIG" "$@"
}

# install_crds: applies crds/ and waits until both are Established (kubectl wait fails at once,
# rather than waiting, while a just-created CRD has no status conditions yet: retried).
install_crds() {
        k apply -f "$REPO/crds/" >/dev/null
        wait_until 30 "CRDs Established" k wait --for=condition=Established crd/kafkaconnects.connect.ferry.dev \
                crd/kafkaconnectors.connect.ferry.dev --timeout=5s
}

# new_namespace: creates a unique namespace for this test, sets $NS, deletes it on exit.
new_namespace() {
        NS=$(echo "$TEST_NAME" | tr '_' '-' | tr -cd 'a-z0-9-' | cut -c1-40)-$$
        k create namespace "$NS" >/dev/null
        CLEANUP+=("$KUBECTL_BIN --kubeconfig=$FERRY_KUBECONFIG delete namespace $NS --wait=false")
}

# jpath KIND NAME JSONPATH: one field of an object in $NS (empty when missing).
jpath() {
        k -n "$NS" get "$1" "$2" -o "jsonpath=$3" 2>/dev/null
}

# field_is KIND NAME JSONPATH VALUE
field_is() {
        [ "$(jpath "$1" "$2" "$3")" = "$4" ]
}

# start_operator NAME ARGS...: runs ferry-operator in the background (pid in $WORK/NAME.pid, log in
# $WORK/NAME.log).
start_operator() {
        local name=$1
        shift
        ${FERRY_OPERATOR_WRAPPER:-} "$FERRY_OPERATOR" --kubeconfig "$FERRY_KUBECONFIG" "$@" \
                >"$WORK/$name.out" 2>"$WORK/$name.log" &
        echo $! >"$WORK/$name.pid"
        CLEANUP+=("kill -9 $! 2>/dev/null")
}

# stop_operator NAME: SIGTERM, wait for the exit, and fail on sanitizer findings in its log.
stop_operator() {
        local pid
        pid=$(cat "$WORK/$1.pid")
        kill -TERM "$pid"
        wait_until 20 "operator $1 exits" bash -c "! kill -0 $pid"
        if grep -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error' "$WORK/$1.log"; then
                fail "sanitizer findings in the operator log"
        fi
}

# use_broker: sets $B to the Kafka broker tests/run.sh started ($FERRY_KAFKA_BOOTSTRAP), or, when
# the test runs alone, to one of its own (hack/kafka.sh), stopped on exit.
use_broker() {
        if [ -z "${FERRY_KAFKA_BOOTSTRAP:-}" ]; then
                export FERRY_KAFKA_STATE=$WORK/kafka
                FERRY_KAFKA_BOOTSTRAP=$("$REPO/hack/kafka.sh" start | tail -1)
                CLEANUP+=("FERRY_KAFKA_STATE=$WORK/kafka $REPO/hack/kafka.sh stop")
        fi
        B=$FERRY_KAFKA_BOOTSTRAP
}

# free_port: a TCP port nothing listens on right now.
free_port() {
        python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_kubelet: runs tests/e2e/kubelet.py for $NS (state, pods.json and pod logs under
# $WORK/kubelet, its log in $WORK/kubelet.log); stopped, with every process it started, on exit.
start_kubelet() {
        python3 "$REPO/tests/e2e/kubelet.py" --kubeconfig "$FERRY_KUBECONFIG" --state "$WORK/kubelet" \
                --namespace "$NS" --kubectl "$KUBECTL_BIN" --worker-bin "${FERRY_KUBELET_WORKER:-$FERRY_WORKER}" \
                >"$WORK/kubelet.out" 2>"$WORK/kubelet.log" &
        echo $! >"$WORK/kubelet.pid"
        CLEANUP+=("stop_kubelet")
        wait_until 20 "kubelet registered its node" grep -q 'registered' "$WORK/kubelet.log"
}

# stop_kubelet: SIGTERM (the kubelet kills its pods' processes), deadline 20 s, then SIGKILL.
stop_kubelet() {
        local pid
        pid=$(cat "$WORK/kubelet.pid" 2>/dev/null) || return 0
        kill -TERM "$pid" 2>/dev/null || return 0
        local deadline=$((SECONDS + 20))
        while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
}

# pod_field POD KEY: a field (pid, ip, restarts, uid, log) of a pod the kubelet runs, from pods.json.
pod_field() {
        python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], {}).get(sys.argv[3]) or "")' \
                "$WORK/kubelet/pods.json" "$NS/$1" "$2" 2>/dev/null
}

# worker_url POD: the REST base URL of a worker pod (its pod IP and the REST port in its spec).
worker_url() {
        echo "http://$(jpath pod "$1" '{.status.podIP}'):$(jpath pod "$1" '{.spec.containers[0].ports[0].containerPort}')"
}
