#!/usr/bin/env bash
# Elasticsearch sink on a real OpenSearch (or FERRY_ES_SERVICE=elasticsearch) and Kafka, checked
# with curl: documents keyed by the record key with external versions (the offset), later records
# of a key replacing earlier ones; tombstones deleting with behavior.on.null.values=DELETE;
# key.ignore=true giving one document per record with id topic+partition+offset; UPSERT merging
# fields (doc + doc_as_upsert); the index name from the topic by Confluent's rules (lowercased).
# services: kafka opensearch
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"

use_es
start_connect_worker

# Keys as ids, versions from offsets, deletes.
topic=Es_Basic_$RANDOM
index=$(echo "$topic" | tr 'A-Z' 'a-z')
printf '%s\n' 'k1|{"n":1,"s":"one"}' 'k2|{"n":2,"s":"two"}' 'k1|{"n":3,"s":"three"}' 'k3|{"n":4}' |
        produce_records "$topic" '|'
es_sink es-basic "$topic" "$ES_JSON,\"schema.ignore\":\"true\",\"behavior.on.null.values\":\"DELETE\""
wait_count "$index" 3
[ "$(es_doc "$index" k1 'd["_source"]["n"], d["_version"]')" = "(3, 2)" ] ||
        fail "k1 is not the record at offset 2: $(es GET "/$index/_doc/k1")"
[ "$(es_doc "$index" k2 'd["_source"]["s"], d["_version"]')" = "('two', 1)" ] || fail "k2: $(es GET "/$index/_doc/k2")"
info "index $index: 3 documents keyed k1..k3, k1 = offset 2 with _version 2"
# A tombstone (kcat -Z: empty value is null) deletes k2.
printf 'k2|\n' | kcat -b "$KAFKA" -P -t "$topic" -K '|' -Z || fail "producing the tombstone failed"
wait_count "$index" 2
[ "$(es_doc "$index" k2 'd["found"]')" = False ] || fail "k2 not deleted"
info "tombstone for k2: deleted"

# key.ignore=true: one document per record, id topic+partition+offset.
topic2=es_keyignore_$RANDOM
printf '%s\n' '{"a":1}' '{"a":2}' '{"a":3}' | produce_records "$topic2"
es_sink es-keyignore "$topic2" "$ES_JSON,\"key.ignore\":\"true\",\"schema.ignore\":\"true\""
wait_count "$topic2" 3
[ "$(es_doc "$topic2" "$topic2+0+1" 'd["_source"]')" = "{'a': 2}" ] || fail "id $topic2+0+1: $(es GET "/$topic2/_doc/$topic2%2B0%2B1")"
info "key.ignore=true: ids $topic2+0+{0,1,2}"

# UPSERT: fields merge.
topic3=es_upsert_$RANDOM
printf '%s\n' 'u1|{"a":1}' 'u1|{"b":2}' 'u2|{"c":3}' | produce_records "$topic3" '|'
es_sink es-upsert "$topic3" "$ES_JSON,\"schema.ignore\":\"true\",\"write.method\":\"UPSERT\""
wait_count "$topic3" 2
wait_for 30 "u1 holds a and b" sh -c "[ \"\$(curl -s '$ES/$topic3/_doc/u1' | python3 -c 'import json,sys; print(sorted(json.load(sys.stdin)[\"_source\"].items()))')\" = \"[('a', 1), ('b', 2)]\" ]"
info "UPSERT: u1 = {a:1, b:2}"
echo PASS
