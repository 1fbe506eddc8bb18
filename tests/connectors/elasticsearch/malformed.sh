#!/usr/bin/env bash
# Bad documents and bad records on a real OpenSearch and Kafka. With errors.tolerance=all and a
# dead letter queue, documents the server refuses (mapper_parsing_exception: a string where the
# index maps a long) go to the DLQ with their original bytes and the server's reason, the good
# ones of the same batch are indexed and the task keeps running; a record with a null key (the id)
# goes there too. With the default behavior.on.malformed.documents=FAIL and no tolerance the task
# FAILS with the server's reason; with WARN it logs and carries on.
# services: kafka opensearch
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"

use_es
start_connect_worker

mk_index() { es PUT "/$1" '{"mappings":{"properties":{"n":{"type":"long"}}}}' | grep -q '"acknowledged":true' || fail "cannot create $1"; }

topic=es_bad_$RANDOM
dlq=${topic}_dlq
mk_index "$topic"
printf '%s\n' 'a|{"n":1}' 'b|{"n":"not a number"}' 'c|{"n":3}' 'd|{"n":{"x":1}}' 'e|{"n":5}' | produce_records "$topic" '|'
printf '{"n":6}\n' | kcat -b "$KAFKA" -P -t "$topic" || fail "producing the keyless record failed"
es_sink es-bad "$topic" "$ES_JSON,\"schema.ignore\":\"true\",\"errors.tolerance\":\"all\",\"errors.deadletterqueue.topic.name\":\"$dlq\",\"errors.deadletterqueue.topic.replication.factor\":\"1\",\"errors.deadletterqueue.context.headers.enable\":\"true\""
wait_count "$topic" 3
got=$(read_records "$dlq" 3 60 '%k|%s|%h\n')
echo "$got" >"$WORK/dlq.txt"
grep -q '^b|{"n":"not a number"}|.*mapper_parsing_exception' "$WORK/dlq.txt" || fail "b not in the DLQ with the reason: $got"
grep -q '^d|{"n":{"x":1}}|.*mapper_parsing_exception' "$WORK/dlq.txt" || fail "d not in the DLQ with the reason: $got"
grep -q '^|{"n":6}|.*Key is used as document id and can not be null' "$WORK/dlq.txt" || fail "the keyless record is not in the DLQ: $got"
for k in a c e; do [ "$(es_doc "$topic" $k 'd["found"]')" = True ] || fail "$k not indexed"; done
[ "$(connector_state es-bad 0)" = RUNNING ] || fail "the task did not keep running"
info "good documents a, c, e indexed; b, d and the keyless record in $dlq with the server's reason"

# Default FAIL without tolerance: the task fails naming the reason.
topic2=es_badfail_$RANDOM
mk_index "$topic2"
printf '%s\n' 'a|{"n":1}' 'b|{"n":"nope"}' | produce_records "$topic2" '|'
create_connector es-badfail "{\"connector.class\":\"$ES_CLASS\",\"topics\":\"$topic2\",\"connection.url\":\"$ES\",$ES_JSON,\"schema.ignore\":\"true\"}"
wait_for 60 "es-badfail FAILED" sh -c "curl -s '$REST/connectors/es-badfail/status' | grep -q '\"state\":\"FAILED\"'"
trace=$(curl -s "$REST/connectors/es-badfail/status")
echo "$trace" | grep -q 'mapper_parsing_exception' || fail "the trace lacks the reason: $trace"
echo "$trace" | grep -q 'behavior.on.malformed.documents' || fail "the trace does not name the key: $trace"
info "FAIL: task FAILED with mapper_parsing_exception"

# WARN: logged, skipped, running.
topic3=es_badwarn_$RANDOM
mk_index "$topic3"
printf '%s\n' 'a|{"n":1}' 'b|{"n":"nope"}' 'c|{"n":3}' | produce_records "$topic3" '|'
es_sink es-badwarn "$topic3" "$ES_JSON,\"schema.ignore\":\"true\",\"behavior.on.malformed.documents\":\"warn\""
wait_count "$topic3" 2
wait_for 30 "the warning in the log" grep -q "Ignoring malformed document: Indexing record failed: mapper_parsing_exception.*topic $topic3, partition 0, offset 1" "$WORK/connect.log"
[ "$(connector_state es-badwarn 0)" = RUNNING ] || fail "WARN: the task is not running"
info "WARN: a and c indexed, b logged"
echo PASS
