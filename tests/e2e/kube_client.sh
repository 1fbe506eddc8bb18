#!/usr/bin/env bash
# The operator's Kubernetes client against a real kube-apiserver: an informer sees adds, updates and
# deletes; a watch from a too-old resourceVersion gets 410 Gone and relists; short server-side watch
# timeouts reconnect without losing events; Lease leader election between two operators (one leads;
# kill -9 the leader and the other takes over).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
OP=${FERRY_OPERATOR_ASAN:-$REPO/build/asan/ferry-operator}
[ -x "$OP" ] || OP=$FERRY_OPERATOR

install_crds
new_namespace

# 1. add/update/delete through the informer, with 1 s server-side watch timeouts (reconnects).
"$OP" watch --kubeconfig "$FERRY_KUBECONFIG" --namespace "$NS" --watch-timeout 1 --for 8 v1/configmaps \
        >"$WORK/watch.out" 2>"$WORK/watch.log" &
wpid=$!
CLEANUP+=("kill $wpid")
k -n "$NS" create configmap one --from-literal=a=1 >/dev/null
wait_until 10 "ADD of one" grep -q "^ADD $NS/one " "$WORK/watch.out"
k -n "$NS" patch configmap one --type merge -p '{"data":{"a":"2"}}' >/dev/null
wait_until 10 "UPDATE of one" grep -q "^UPDATE $NS/one " "$WORK/watch.out"
# Changes made across several watch reconnects are all seen.
for i in 1 2 3 4 5; do
        k -n "$NS" create configmap "c$i" --from-literal=a="$i" >/dev/null
        wait_until 10 "ADD of c$i" grep -q "^ADD $NS/c$i " "$WORK/watch.out"
done
k -n "$NS" delete configmap one >/dev/null
wait_until 10 "DELETE of one" grep -q "^DELETE $NS/one " "$WORK/watch.out"
wait "$wpid" || fail "watch diagnostic failed: $(tail -5 "$WORK/watch.log")"
stats=$(grep '^STATS' "$WORK/watch.out")
info "$stats"
watches=$(sed -n 's/.*watches=\([0-9]*\).*/\1/p' <<<"$stats")
[ "$watches" -ge 3 ] || fail "expected several watch reconnects: $stats"
grep -q 'cached=5' <<<"$stats" || fail "cache should hold 5 configmaps: $stats"

# 2. 410 Gone: watching from resourceVersion 1 (older than the watch cache) relists.
k -n "$NS" apply -f - >/dev/null <<YAML
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnector
metadata: {name: gone-test, labels: {connect.ferry.dev/cluster: x}}
spec: {class: FileStreamSource}
YAML
"$OP" watch --kubeconfig "$FERRY_KUBECONFIG" --namespace "$NS" --start-rv 1 --for 3 \
        connect.ferry.dev/v1alpha1/kafkaconnectors >"$WORK/gone.out" 2>"$WORK/gone.log"
info "$(grep STATS "$WORK/gone.out")"
grep -q 'relists_gone=1' "$WORK/gone.out" || fail "no relist after 410: $(cat "$WORK/gone.out" "$WORK/gone.log")"
grep -q "^ADD $NS/gone-test " "$WORK/gone.out" || fail "relist did not deliver the object"
grep -q '410 Gone' "$WORK/gone.log" || true

# 3. Leader election: two operators, one lease.
lease_args=(--leader-elect --lease-namespace "$NS" --lease-name op-lease --lease-duration 3
        --renew-deadline 2 --retry-period 1 --namespace "$NS")
p1=$(free_port)
p2=$(free_port)
FERRY_OPERATOR=$OP start_operator op1 --metrics-addr "127.0.0.1:$p1" --identity op-one "${lease_args[@]}"
FERRY_OPERATOR=$OP start_operator op2 --metrics-addr "127.0.0.1:$p2" --identity op-two "${lease_args[@]}"
leader_gauge() { curl -fsS "http://127.0.0.1:$1/metrics" 2>/dev/null | sed -n 's/^ferry_operator_leader \([01]\)$/\1/p'; }
one_leader() {
        local a b
        a=$(leader_gauge "$p1") b=$(leader_gauge "$p2")
        [ -n "$a" ] && [ -n "$b" ] && [ $((a + b)) -eq 1 ]
}
wait_until 20 "exactly one leader" one_leader
holder=$(k -n "$NS" get lease op-lease -o 'jsonpath={.spec.holderIdentity}')
info "leader: $holder"
if [ "$holder" = op-one ]; then
        lpid=$(cat "$WORK/op1.pid") fport=$p2 fname=op-two
else
        lpid=$(cat "$WORK/op2.pid") fport=$p1 fname=op-one
fi
# Still exactly one leader a few renewals later.
t_end=$((SECONDS + 3))
while [ $SECONDS -lt $t_end ]; do one_leader || fail "leadership flapped"; sleep 0.2; done
curl -fsS "http://127.0.0.1:$fport/readyz" | grep -q ok || fail "follower not ready"
start=$SECONDS
kill -9 "$lpid"
wait_until 15 "follower takes over" bash -c "[ \"\$(curl -fsS http://127.0.0.1:$fport/metrics | sed -n 's/^ferry_operator_leader //p')\" = 1 ]"
info "takeover after $((SECONDS - start)) s"
[ "$(k -n "$NS" get lease op-lease -o 'jsonpath={.spec.holderIdentity}')" = "$fname" ] || fail "lease holder not $fname"
[ "$(k -n "$NS" get lease op-lease -o 'jsonpath={.spec.leaseTransitions}')" -ge 1 ] || fail "leaseTransitions not counted"

# A graceful stop releases the lease at once.
fpid=$(cat "$WORK/$([ "$fname" = op-one ] && echo op1 || echo op2).pid")
kill -TERM "$fpid"
wait_until 10 "lease released" bash -c "[ -z \"\$($KUBECTL_BIN --kubeconfig=$FERRY_KUBECONFIG -n $NS get lease op-lease -o 'jsonpath={.spec.holderIdentity}')\" ]"
info "ok"
