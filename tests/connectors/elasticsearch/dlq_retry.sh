#!/usr/bin/env bash
# Bad documents reach the dead letter queue once, however often their batch is sent. A fault
# injector (fault_proxy.py) in front of the real OpenSearch turns every indexed item of the first
# three `_bulk` answers into 429 es_rejected_execution_exception, leaving the server's own
# mapper_parsing_exception of the two bad documents (key.ignore=true: ids are topic+partition+offset
# without versions, so a document sent again is indexed again, not a version conflict that would
# end the test's rejections early). With max.retries=1 the sink retries the
# rejected items once (without the bad ones), then gives the batch up and the records are
# consumed again from the first unacknowledged offset; the third answer is rejected too and the
# retry goes through. In the end the 8 good documents are indexed, every offset is committed,
# and the DLQ holds each bad record exactly once.
# services: kafka opensearch
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"

use_es
start_connect_worker

topic=es_dlqretry_$RANDOM
dlq=${topic}_dlq
es PUT "/$topic" '{"mappings":{"properties":{"n":{"type":"long"}}}}' | grep -q '"acknowledged":true' || fail "cannot create $topic"
for i in 0 1 2 3 4 5 6 7 8 9; do
        case $i in 3 | 7) echo "k$i|{\"n\":\"bad $i\"}" ;; *) echo "k$i|{\"n\":$i}" ;; esac
done | produce_records "$topic" '|'

python3 tests/connectors/elasticsearch/fault_proxy.py "$WORK/proxy.port" "$ES" 3 >"$WORK/proxy.log" 2>&1 &
CLEANUP+=("kill $! 2>/dev/null")
wait_for 20 "the fault proxy listens" test -s "$WORK/proxy.port"
PROXY=http://127.0.0.1:$(cat "$WORK/proxy.port")

create_connector es-dlqretry "{\"connector.class\":\"$ES_CLASS\",\"topics\":\"$topic\",\"connection.url\":\"$PROXY\",$ES_JSON,\"key.ignore\":\"true\",\"schema.ignore\":\"true\",\"max.retries\":\"1\",\"retry.backoff.ms\":\"100\",\"errors.tolerance\":\"all\",\"errors.deadletterqueue.topic.name\":\"$dlq\",\"errors.deadletterqueue.topic.replication.factor\":\"1\",\"errors.deadletterqueue.context.headers.enable\":\"true\"}"
wait_connector_running es-dlqretry 1
wait_count "$topic" 8 90
# Every record handled (reported ones included, as their DLQ writes precede the commit).
wait_for 60 "offset 10 committed" es_committed es-dlqretry "$topic" 10
grep -q 'rejected a bulk request (0 more)' "$WORK/proxy.log" || fail "the proxy did not reject 3 requests: $(cat "$WORK/proxy.log")"
grep -q 'es-dlqretry.*Retrying the bulk request' "$WORK/connect.log" || fail "no retry of the rejected items"
grep -q 'es-dlqretry.*delivered again' "$WORK/connect.log" || fail "the records were not consumed again"
kcat -b "$KAFKA" -C -t "$dlq" -o beginning -e -q -f '%k|%s\n' >"$WORK/dlq.txt" 2>/dev/null || fail "cannot read $dlq"
[ "$(sort "$WORK/dlq.txt")" = "$(printf '%s\n' 'k3|{"n":"bad 3"}' 'k7|{"n":"bad 7"}')" ] ||
        fail "the DLQ should hold k3 and k7 once each: $(cat "$WORK/dlq.txt")"
for i in 0 1 2 4 5 6 8 9; do [ "$(es_doc "$topic" "$topic+0+$i" 'd["_source"]["n"]')" = $i ] || fail "k$i not indexed"; done
[ "$(connector_state es-dlqretry 0)" = RUNNING ] || fail "the task is not RUNNING"
info "3 rejected bulk answers (a retry, then the records consumed again): 8 documents indexed, k3 and k7 in the DLQ once each"
echo PASS
