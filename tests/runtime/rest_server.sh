#!/usr/bin/env bash
# The REST server itself, on real sockets: a herder operation that hangs answers 500 "Request
# timed out" after the request timeout while other requests keep being answered at once; bodies
# over 1 MiB are refused with 413; chunked bodies and Expect: 100-continue; many concurrent
# clients; the advertised worker id; HTTPS with PEM files next to a plain listener; HTTP basic
# authentication; a listener whose port is taken.
source "$(dirname "$0")/../lib.sh"

# worker_port NAME [SCHEME]: the port NAME's log says it listens on.
worker_port() {
        sed -n "s/.*REST server listening on ${2:-http}:\/\/[^ ]*:\([0-9][0-9]*\).*/\1/p" "$WORK/$1.log" | head -1
}
started() {
        worker_alive "$1" || fail "worker $1 exited: $(tail -20 "$WORK/$1.log")"
        grep -q 'started in' "$WORK/$1.log"
}
# now_ms: wall clock in milliseconds.
now_ms() { date +%s%3N; }

base_config() {
        cat <<P
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$WORK/$1.offsets
P
}

# ---- 1. a hung herder call: timeout answer, and everything else still answered
# A FileStreamSource reading a FIFO blocks in open() until a writer appears; deleting it waits
# task.shutdown.graceful.timeout.ms for the stuck task, inside the herder.
mkfifo "$WORK/fifo"
{
        base_config slow
        echo "listeners=http://127.0.0.1:0"
        echo "task.shutdown.graceful.timeout.ms=20000"
        echo "rest.advertised.host.name=ferry.example"
        echo "rest.advertised.port=9999"
} >"$WORK/slow.properties"
# The stuck task is abandoned by design (its memory kept): no leak check for this worker under ASan.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 FERRY_LOG_LEVEL=DEBUG FERRY_REST_REQUEST_TIMEOUT_MS=2000 \
        start_worker slow standalone --embedded-kafka "$WORK/slow.properties"
wait_until 60 "worker slow" started slow
P=$(worker_port slow)
B=http://127.0.0.1:$P
grep -q 'REST worker id ferry.example:9999' "$WORK/slow.log" || fail "advertised worker id not used"

code=$(curl -s -o "$WORK/create.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' "$B/connectors" \
        -d "{\"name\":\"stuck\",\"config\":{\"connector.class\":\"FileStreamSource\",\"file\":\"$WORK/fifo\",\"topic\":\"t\"}}")
[ "$code" = 201 ] || fail "create stuck: $code $(cat "$WORK/create.json")"
status_has_worker_id() {
        curl -s "$B/connectors/stuck/status" | grep -q '"worker_id":"ferry.example:9999"'
}
wait_until 30 "status with the advertised worker id" status_has_worker_id

t0=$(now_ms)
curl -s -o "$WORK/delete.json" -w '%{http_code}' -X DELETE "$B/connectors/stuck" >"$WORK/delete.code" &
delete_pid=$!
# While the DELETE hangs in the herder, requests that do not need the herder's lock are answered.
deleting() { grep -q 'REST request DELETE /connectors/stuck' "$WORK/slow.log"; }
wait_until 10 "the delete to reach the herder" deleting
for path in / /health /connector-plugins /admin/loggers; do
        s=$(now_ms)
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$B$path")
        took=$(($(now_ms) - s))
        [ "$code" = 200 ] || fail "GET $path answered $code while a DELETE hangs"
        [ "$took" -lt 1000 ] || fail "GET $path took $took ms while a DELETE hangs"
done
# A second request that needs the herder (its lock is held by the DELETE) times out on its own.
code=$(curl -s -o "$WORK/status.json" -w '%{http_code}' --max-time 10 "$B/connectors/stuck/status")
[ "$code" = 500 ] || fail "blocked status request answered $code: $(cat "$WORK/status.json")"
grep -q '"error_code":500,"message":"Request timed out"' "$WORK/status.json" || fail "timeout body: $(cat "$WORK/status.json")"
wait "$delete_pid"
took=$(($(now_ms) - t0))
[ "$(cat "$WORK/delete.code")" = 500 ] || fail "hung DELETE answered $(cat "$WORK/delete.code")"
grep -q '"message":"Request timed out"' "$WORK/delete.json" || fail "DELETE body: $(cat "$WORK/delete.json")"
[ "$took" -ge 1900 ] && [ "$took" -lt 8000 ] || fail "hung DELETE answered after $took ms (timeout 2000 ms)"
# Let the stuck task go (a writer opens the FIFO); the delete completes in the background.
exec 3<>"$WORK/fifo"
deleted() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$B/connectors/stuck")" = 404 ]; }
wait_until 40 "the timed-out DELETE to complete" deleted
exec 3>&-

# ---- 2. body limit and concurrency on the same worker
head -c 2000000 /dev/zero | tr '\0' ' ' >"$WORK/big.json"
code=$(curl -s -o "$WORK/big.out" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
        --data-binary @"$WORK/big.json" "$B/connectors/big/config")
[ "$code" = 413 ] || fail "2 MB body answered $code"
grep -q '"error_code":413' "$WORK/big.out" || fail "413 body: $(cat "$WORK/big.out")"
# A chunked request body (Go clients send them), and curl's "Expect: 100-continue" answered at once.
code=$(curl -s -o "$WORK/chunked.json" -w '%{http_code}' -X PUT -H 'Transfer-Encoding: chunked' \
        -H 'Content-Type: application/json' --data-binary '{"connector.class":"FileStreamSource","name":"v","topic":"t"}' \
        "$B/connector-plugins/FileStreamSource/config/validate")
[ "$code" = 200 ] && grep -q '"error_count":0' "$WORK/chunked.json" || fail "chunked body: $code $(head -c 300 "$WORK/chunked.json")"
head -c 3000000 /dev/zero | tr '\0' ' ' >"$WORK/big-chunked.json"
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Transfer-Encoding: chunked' -H 'Content-Type: application/json' \
        --data-binary @"$WORK/big-chunked.json" "$B/connectors/big/config")
[ "$code" = 413 ] || fail "3 MB chunked body answered $code"
pad=$(head -c 4000 /dev/zero | tr '\0' x)
took=$(curl -s -o /dev/null -w '%{time_total}' -X PUT -H 'Expect: 100-continue' -H 'Content-Type: application/json' \
        --data-binary "{\"connector.class\":\"FileStreamSource\",\"name\":\"v\",\"topic\":\"t\",\"x\":\"$pad\"}" \
        "$B/connector-plugins/FileStreamSource/config/validate")
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 0.5 else 1)" "$took" ||
        fail "a request with Expect: 100-continue took $took s (the client waited for 100 Continue)"
python3 - "$B" <<'PY' || fail "concurrent requests"
import http.client, json, sys, threading, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
errors = []
def client(n):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    for i in range(25):
        c.request("GET", "/connector-plugins" if i % 2 else "/connectors?expand=status")
        r = c.getresponse()
        body = r.read()
        if r.status != 200:
            errors.append(f"{n}/{i}: {r.status} {body[:200]}")
        json.loads(body)
threads = [threading.Thread(target=client, args=(n,)) for n in range(16)]
[t.start() for t in threads]
[t.join() for t in threads]
if errors:
    print("\n".join(errors[:10]))
    sys.exit(1)
PY
stop_worker slow
[ "$WORKER_RC" -eq 0 ] || fail "worker slow exited with $WORKER_RC"

# ---- 3. HTTPS with PEM files next to plain HTTP, and basic authentication
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -keyout "$WORK/key.pem" \
        -out "$WORK/cert.pem" >/dev/null 2>&1 || fail "openssl could not make a certificate"
printf '# users\nalice:wonderland\nbob:builder\n' >"$WORK/users"
{
        base_config tls
        echo "listeners=https://127.0.0.1:0,http://127.0.0.1:0"
        echo "listeners.https.ssl.certificate.location=$WORK/cert.pem"
        echo "listeners.https.ssl.key.location=$WORK/key.pem"
        echo "rest.basic.auth.credentials.file=$WORK/users"
} >"$WORK/tls.properties"
start_worker tls standalone --embedded-kafka "$WORK/tls.properties"
wait_until 60 "worker tls" started tls
S=https://127.0.0.1:$(worker_port tls https)
H=http://127.0.0.1:$(worker_port tls http)
grep -q "REST worker id 127.0.0.1:$(worker_port tls https)" "$WORK/tls.log" || fail "worker id is not the first listener's"
code=$(curl -s --cacert "$WORK/cert.pem" -u alice:wonderland -o "$WORK/root.json" -w '%{http_code}' "$S/")
[ "$code" = 200 ] || fail "HTTPS GET / answered $code"
grep -q '"kafka_cluster_id"' "$WORK/root.json" || fail "HTTPS body: $(cat "$WORK/root.json")"
code=$(curl -s -u bob:builder -o /dev/null -w '%{http_code}' "$H/connectors")
[ "$code" = 200 ] || fail "plain listener with credentials answered $code"
code=$(curl -s --cacert "$WORK/cert.pem" -D "$WORK/h401" -o "$WORK/401.json" -w '%{http_code}' "$S/connectors")
[ "$code" = 401 ] || fail "no credentials answered $code"
grep -qi '^www-authenticate: Basic' "$WORK/h401" || fail "401 without WWW-Authenticate"
grep -q '"error_code":401' "$WORK/401.json" || fail "401 body: $(cat "$WORK/401.json")"
code=$(curl -s -u alice:wrong -o /dev/null -w '%{http_code}' "$H/connectors")
[ "$code" = 401 ] || fail "a wrong password answered $code"
# Plain HTTP on the TLS port is refused (no answer or a TLS alert, never an API answer).
if curl -s --max-time 5 -u alice:wonderland "http://127.0.0.1:$(worker_port tls https)/" | grep -q kafka_cluster_id; then
        fail "the HTTPS listener answered plain HTTP"
fi

# ---- 4. a port that is taken fails start-up with a message naming the listener
{
        base_config clash
        echo "listeners=http://127.0.0.1:$(worker_port tls http)"
} >"$WORK/clash.properties"
set +e
timeout 60 "$FERRY_WORKER" standalone --embedded-kafka "$WORK/clash.properties" >"$WORK/clash.out" 2>"$WORK/clash.err"
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "start on a taken port exited $rc"
grep -q "REST server: listeners: cannot listen on http://127.0.0.1:$(worker_port tls http)" "$WORK/clash.err" ||
        fail "port clash message: $(cat "$WORK/clash.err")"
printf 'listeners=https://127.0.0.1:0\n' | cat <(base_config nopem) - >"$WORK/nopem.properties"
set +e
timeout 60 "$FERRY_WORKER" standalone --embedded-kafka "$WORK/nopem.properties" >/dev/null 2>"$WORK/nopem.err"
rc=$?
set -e
[ "$rc" -eq 1 ] && grep -q 'listeners.https.ssl.certificate.location' "$WORK/nopem.err" ||
        fail "https without PEM files: exit $rc, $(cat "$WORK/nopem.err")"

stop_worker tls
[ "$WORKER_RC" -eq 0 ] || fail "worker tls exited with $WORKER_RC"
info "ok"
