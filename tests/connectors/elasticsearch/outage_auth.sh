#!/usr/bin/env bash
# Server outage and credentials on a real OpenSearch and Kafka.
# Outage: the OpenSearch process is frozen (SIGSTOP) for 30 s while records arrive: the sink's
# requests time out (read.timeout.ms), are retried with backoff (max.retries), then the batch is
# handed back to the worker and delivered again; the task never fails, and once the server runs
# again every record is indexed. Credentials: OpenSearch runs without its security plugin, so a
# small basic-auth gate (auth_proxy.py, answering 401 with Elasticsearch's security_exception
# unless the user and password match) stands in front of it: with the right
# connection.username/connection.password documents go through it; with a wrong password the task
# is FAILED with a trace naming the keys and the server's answer.
# services: kafka opensearch
# exclusive: it freezes the shared service
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"

use_es
start_connect_worker
eval "$(hack/services.sh env "$ES_SERVICE" | grep '^SERVICE_PID=')"
[ -n "${SERVICE_PID:-}" ] || fail "no pid for $ES_SERVICE"
ES_PID=$SERVICE_PID

topic=es_outage_$RANDOM
printf '%s\n' 'w0|{"n":0}' | produce_records "$topic" '|'
es_sink es-outage "$topic" "$ES_JSON,\"schema.ignore\":\"true\",\"read.timeout.ms\":\"2000\",\"max.retries\":\"3\",\"retry.backoff.ms\":\"200\""
wait_count "$topic" 1
CLEANUP+=("kill -CONT $ES_PID 2>/dev/null")
kill -STOP "$ES_PID"
t0=$SECONDS
for i in $(seq 1 500); do echo "w$i|{\"n\":$i}"; done | produce_records "$topic" '|'
redelivered() { [ "$(grep -c "es-outage.*delivered again" "$WORK/connect.log")" -ge 2 ]; }
wait_for 90 "the sink gave the batch back for redelivery twice" redelivered
# The outage lasts 30 s in all (the scenario, not a synchronisation).
while [ $((SECONDS - t0)) -lt 30 ]; do
        [ "$(connector_state es-outage 0)" != FAILED ] || fail "the task FAILED during the outage"
        sleep 1
done
kill -CONT "$ES_PID"
info "server frozen for $((SECONDS - t0)) s; $(grep -c 'es-outage.*Retrying the bulk request' "$WORK/connect.log") retries, $(grep -c 'es-outage.*delivered again' "$WORK/connect.log") redeliveries"
wait_count "$topic" 501 120
[ "$(connector_state es-outage 0)" = RUNNING ] || fail "the task is not RUNNING after the outage"
info "after the outage: all 501 documents indexed, task RUNNING"

# Credentials through the basic-auth gate.
python3 tests/connectors/elasticsearch/auth_proxy.py "$WORK/gate.port" "$ES" elastic s3cret >"$WORK/gate.log" 2>&1 &
CLEANUP+=("kill $! 2>/dev/null")
wait_for 20 "the auth gate listens" test -s "$WORK/gate.port"
GATE=http://127.0.0.1:$(cat "$WORK/gate.port")
[ "$(curl -s -o /dev/null -w '%{http_code}' "$GATE/")" = 401 ] || fail "the gate lets anonymous requests through"
topic2=es_auth_$RANDOM
printf '%s\n' 'a|{"n":1}' 'b|{"n":2}' | produce_records "$topic2" '|'
create_connector es-auth-ok "{\"connector.class\":\"$ES_CLASS\",\"topics\":\"$topic2\",\"connection.url\":\"$GATE\",$ES_JSON,\"schema.ignore\":\"true\",\"connection.username\":\"elastic\",\"connection.password\":\"s3cret\"}"
wait_connector_running es-auth-ok 1
wait_count "$topic2" 2
info "right credentials: 2 documents through the gate"
create_connector es-auth-bad "{\"connector.class\":\"$ES_CLASS\",\"topics\":\"$topic2\",\"connection.url\":\"$GATE\",$ES_JSON,\"schema.ignore\":\"true\",\"connection.username\":\"elastic\",\"connection.password\":\"wrong\"}"
wait_for 60 "es-auth-bad FAILED" sh -c "curl -s '$REST/connectors/es-auth-bad/status' | grep -q '\"state\":\"FAILED\"'"
trace=$(curl -s "$REST/connectors/es-auth-bad/status")
echo "$trace" | grep -q 'HTTP 401 (check connection.username and connection.password): security_exception' ||
        fail "wrong credentials trace: $trace"
info "wrong password: FAILED, $(echo "$trace" | grep -o 'refused the request[^:]*: security_exception')"
echo PASS
