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

# install_crds: applies crds/ and waits until both are Established.
install_crds() {
        k apply -f "$REPO/crds/" >/dev/null
        k wait --for=condition=Established crd/kafkaconnects.connect.ferry.dev \
                crd/kafkaconnectors.connect.ferry.dev --timeout=30s >/dev/null
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

# free_port: a TCP port nothing listens on right now.
free_port() {
        python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
