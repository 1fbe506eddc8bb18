#!/usr/bin/env bash
# kill -9 mid-stream: the Elasticsearch sink indexes a 30,000-record topic (key.ignore=true, ids
# topic+partition+offset) into a real OpenSearch; the worker is killed with SIGKILL while it
# writes, a new worker takes the same connector (same consumer group) and the index ends with
# exactly the topic's 30,000 documents: none missing, and none extra (re-sent records land on the
# same ids). Offsets are committed only after the server acknowledged the documents.
# services: kafka opensearch
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"

use_es
N=30000
topic=es_kill_$RANDOM
python3 -c '
import sys
for i in range(int(sys.argv[1])):
    print("{\"i\":%d,\"pad\":\"%s\"}" % (i, "x" * 100))
' "$N" | produce_records "$topic"
[ "$(topic_count "$topic")" = "$N" ] || fail "the topic does not hold $N records"
config="{\"connector.class\":\"$ES_CLASS\",\"topics\":\"$topic\",\"connection.url\":\"$ES\",$ES_JSON,\"key.ignore\":\"true\",\"schema.ignore\":\"true\",\"batch.size\":\"500\"}"

start_connect_worker
create_connector es-kill "$config"
wait_connector_running es-kill 1
some() { [ "$(es_count "$topic")" -ge 2000 ]; }
wait_for 120 "2000 documents indexed" some
stop_worker connect KILL
got=$(es_count "$topic")
info "worker killed with $got document(s) indexed"
[ "$got" -lt "$N" ] || fail "everything was indexed before the kill: nothing was tested"

mv "$WORK/connect.log" "$WORK/connect-1.log"
start_connect_worker
create_connector es-kill "$config"
wait_connector_running es-kill 1
wait_count "$topic" "$N" 180
# Every id is one offset of the topic: N documents with distinct ids in 0..N-1 is exactly the topic.
es POST "/$topic/_refresh" >/dev/null
ids=$(es GET "/$topic/_search" '{"size":0,"aggs":{"lo":{"min":{"field":"i"}},"hi":{"max":{"field":"i"}},"n":{"cardinality":{"field":"i","precision_threshold":40000}}}}' |
        python3 -c 'import json,sys; a=json.load(sys.stdin)["aggregations"]; print(int(a["lo"]["value"]), int(a["hi"]["value"]), a["n"]["value"])')
[ "$ids" = "0 $((N - 1)) $N" ] || fail "documents i: min max distinct = $ids"
info "after the restart: exactly $N documents, i = 0..$((N - 1)) each once"
echo PASS
