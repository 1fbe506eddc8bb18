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

# 4. Credentials. The admin's certificate and the CA as files next to new kubeconfigs.
server=$(k config view --raw -o 'jsonpath={.clusters[0].cluster.server}')
port=${server##*:}
k config view --raw -o 'jsonpath={.clusters[0].cluster.certificate-authority-data}' | base64 -d >"$WORK/ca.crt"
k config view --raw -o 'jsonpath={.users[0].user.client-certificate-data}' | base64 -d >"$WORK/admin.crt"
k config view --raw -o 'jsonpath={.users[0].user.client-key-data}' | base64 -d >"$WORK/admin.key"

# write_kc FILE SERVER USER-LINES [CLUSTER-LINES]: a kubeconfig (lines indented for their place).
write_kc() {
        cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: $2
    certificate-authority: ca.crt
${4:-}
users:
- name: u
  user:
$3
contexts:
- name: e2e
  context: {cluster: e2e, user: u, namespace: $NS}
current-context: e2e
EOF
}

# watch_until NAME PATTERN KUBECONFIG [WATCH-ARGS...]: the watch diagnostic on configmaps (env from
# the WENV array) until PATTERN shows in its output (with LOGPAT=1: in its log), then SIGTERM.
WENV=()
watch_until() {
        local name=$1 pattern=$2 kcfg=$3 where=out
        shift 3
        [ -z "${LOGPAT:-}" ] || where=log
        env "${WENV[@]}" "$OP" watch --kubeconfig "$kcfg" --namespace "$NS" --watch-timeout 1 "$@" v1/configmaps \
                >"$WORK/$name.out" 2>"$WORK/$name.log" &
        local pid=$!
        CLEANUP+=("kill $pid")
        wait_until 20 "$name: $pattern" grep -q -- "$pattern" "$WORK/$name.$where"
        kill -TERM "$pid"
        wait "$pid" || fail "$name: watch diagnostic failed: $(tail -5 "$WORK/$name.log")"
}

write_kc "$WORK/files.kubeconfig" "$server" "    client-certificate: admin.crt
    client-key: $WORK/admin.key"
watch_until certfiles "^ADD $NS/c1 " "$WORK/files.kubeconfig"

# A ServiceAccount's bearer token (TokenRequest), allowed everything; a wrong token is refused.
k -n "$NS" create serviceaccount ferry-e2e >/dev/null
k create clusterrolebinding "ferry-e2e-$NS" --clusterrole=cluster-admin --serviceaccount="$NS:ferry-e2e" >/dev/null
CLEANUP+=("$KUBECTL_BIN --kubeconfig=$FERRY_KUBECONFIG delete clusterrolebinding ferry-e2e-$NS")
token=$(k -n "$NS" create token ferry-e2e --duration=1h)
write_kc "$WORK/token.kubeconfig" "$server" "    token: $token"
watch_until token "^ADD $NS/c1 " "$WORK/token.kubeconfig"
write_kc "$WORK/badtoken.kubeconfig" "$server" "    token: not-a-token"
LOGPAT=1 watch_until badtoken "HTTP 401" "$WORK/badtoken.kubeconfig"
if grep -q "^ADD" "$WORK/badtoken.out"; then fail "a wrong token was accepted"; fi

# An exec plugin: its first answer is a wrong token (401: run again), then the good one, valid 3 s.
cat >"$WORK/plugin.sh" <<'EOF'
#!/bin/sh
n=$(($(cat "$COUNT" 2>/dev/null || echo 0) + 1))
echo "$n" >"$COUNT"
printf '%s' "$KUBERNETES_EXEC_INFO" >"$INFO"
tok=$TOKEN
[ "$n" -eq 1 ] && tok=wrong
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"%s"}}\n' \
        "$tok" "$(date -u -d '+3 seconds' +%Y-%m-%dT%H:%M:%SZ)"
EOF
chmod +x "$WORK/plugin.sh"
write_kc "$WORK/exec.kubeconfig" "$server" "    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./plugin.sh
      args: [get-token]
      interactiveMode: Never
      provideClusterInfo: true
      env:
      - {name: COUNT, value: $WORK/plugin.count}
      - {name: INFO, value: $WORK/plugin.info}
      - {name: TOKEN, value: $token}"
"$OP" watch --kubeconfig "$WORK/exec.kubeconfig" --namespace "$NS" --watch-timeout 1 v1/configmaps \
        >"$WORK/exec.out" 2>"$WORK/exec.log" &
epid=$!
CLEANUP+=("kill $epid")
wait_until 20 "exec plugin: ADD of c1" grep -q "^ADD $NS/c1 " "$WORK/exec.out"
[ "$(cat "$WORK/plugin.count")" -ge 2 ] || fail "the plugin did not run again after the 401"
grep -q 'answered 401' "$WORK/exec.log" || fail "no 401 handling in the log: $(tail -5 "$WORK/exec.log")"
wait_until 20 "plugin run again after its credential expired" bash -c "[ \$(cat $WORK/plugin.count) -ge 3 ]"
k -n "$NS" create configmap after-expiry --from-literal=a=1 >/dev/null
wait_until 10 "exec plugin: ADD after expiry" grep -q "^ADD $NS/after-expiry " "$WORK/exec.out"
kill -TERM "$epid"
wait "$epid" || fail "exec watch failed: $(tail -5 "$WORK/exec.log")"
info "$(grep STATS "$WORK/exec.out")"
grep -q '"interactive":false' "$WORK/plugin.info" || fail "KUBERNETES_EXEC_INFO: $(cat "$WORK/plugin.info")"
grep -q "\"server\":\"https://127.0.0.1:$port\"" "$WORK/plugin.info" || fail "no cluster in KUBERNETES_EXEC_INFO"

# An exec plugin answering with a client certificate (v1beta1).
cat >"$WORK/certplugin.sh" <<EOF
#!/bin/sh
exec python3 -c 'import json; print(json.dumps({"apiVersion": "client.authentication.k8s.io/v1beta1",
    "kind": "ExecCredential", "status": {"clientCertificateData": open("$WORK/admin.crt").read(),
    "clientKeyData": open("$WORK/admin.key").read()}}))'
EOF
chmod +x "$WORK/certplugin.sh"
write_kc "$WORK/execcert.kubeconfig" "$server" "    exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: $WORK/certplugin.sh}"
watch_until execcert "^ADD $NS/c1 " "$WORK/execcert.kubeconfig"

# 5. An HTTP CONNECT proxy: the kubeconfig names the API server by a name only the proxy resolves.
python3 "$REPO/tests/e2e/proxy.py" --log "$WORK/proxy.log" --map kubernetes.default.svc=127.0.0.1 \
        >"$WORK/proxy.out" 2>"$WORK/proxy.err" &
CLEANUP+=("kill $!")
wait_until 10 "proxy listening" grep -q listening "$WORK/proxy.out"
pport=$(awk '{print $2}' "$WORK/proxy.out")
svc=https://kubernetes.default.svc:$port
write_kc "$WORK/proxy.kubeconfig" "$svc" "    client-certificate: admin.crt
    client-key: admin.key" "    proxy-url: http://127.0.0.1:$pport"
watch_until proxyurl "^ADD $NS/c1 " "$WORK/proxy.kubeconfig"
grep -q "^CONNECT kubernetes.default.svc:$port$" "$WORK/proxy.log" || fail "proxy-url: not through the proxy"
write_kc "$WORK/svc.kubeconfig" "$svc" "    client-certificate: admin.crt
    client-key: admin.key"
before=$(grep -c CONNECT "$WORK/proxy.log")
WENV=(HTTPS_PROXY="http://127.0.0.1:$pport")
watch_until envproxy "^ADD $NS/c1 " "$WORK/svc.kubeconfig"
[ "$(grep -c CONNECT "$WORK/proxy.log")" -gt "$before" ] || fail "HTTPS_PROXY: not through the proxy"
# NO_PROXY: straight to a name that does not resolve.
before=$(grep -c CONNECT "$WORK/proxy.log")
WENV=(HTTPS_PROXY="http://127.0.0.1:$pport" NO_PROXY=.svc)
LOGPAT=1 watch_until noproxy "resolve" "$WORK/svc.kubeconfig"
[ "$(grep -c CONNECT "$WORK/proxy.log")" -eq "$before" ] || fail "NO_PROXY: went through the proxy"
WENV=()

# 6. The response size cap: a list larger than --max-body fails with a clear error.
head -c 30000 /dev/zero | tr '\0' x >"$WORK/big.txt"
k -n "$NS" create configmap big --from-file=big="$WORK/big.txt" >/dev/null
LOGPAT=1 watch_until cap "larger than 20000 bytes (the limit)" "$FERRY_KUBECONFIG" --max-body 20000
if grep -q "^ADD" "$WORK/cap.out"; then fail "a list over the cap was delivered"; fi
watch_until nocap "^ADD $NS/big " "$FERRY_KUBECONFIG"
info "ok"
