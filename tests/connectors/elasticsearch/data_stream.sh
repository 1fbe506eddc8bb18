#!/usr/bin/env bash
# Data streams on a real OpenSearch and Kafka, checked with curl: data.stream.type=LOGS + dataset:
# records go to the data stream logs-<dataset>-<topic> with "create", carrying @timestamp from the
# record's timestamp; data.stream.namespace takes the topic's place. (Elasticsearch 7 has data streams in its x-pack modules only, which the
# runner from Maven Central does not carry: this one runs against OpenSearch.)
# services: kafka opensearch
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"

use_es
start_connect_worker

# Data streams (OpenSearch needs an index template that makes logs-ferry-* a data stream).
es PUT /_index_template/ferry-logs '{"index_patterns":["logs-ferry-*"],"data_stream":{},"priority":500}' |
        grep -q '"acknowledged":true' || fail "cannot create the data stream template"
dtopic=es_ds_$RANDOM
printf '%s\n' '{"msg":"a"}' '{"msg":"b"}' '{"msg":"c"}' | produce_records "$dtopic"
es_sink es-ds "$dtopic" "$ES_JSON,\"schema.ignore\":\"true\",\"key.ignore\":\"true\",\"data.stream.type\":\"LOGS\",\"data.stream.dataset\":\"ferry\""
ds=logs-ferry-$dtopic
wait_count "$ds" 3
es GET "/_data_stream/$ds" | grep -q "\"name\":\"$ds\"" || fail "$ds is not a data stream: $(es GET "/_data_stream/$ds")"
es GET "/$ds/_search" | python3 -c '
import json, sys
hits = json.load(sys.stdin)["hits"]["hits"]
assert len(hits) == 3 and all(isinstance(h["_source"].get("@timestamp"), int) and h["_source"]["@timestamp"] > 1600000000000 for h in hits), hits
assert all(h["_index"].startswith(".ds-") for h in hits), hits
' || fail "data stream documents: $(es GET "/$ds/_search")"
info "data stream $ds: 3 documents with @timestamp in backing indices"

# data.stream.namespace replaces the topic in the name.
ntopic=es_dsns_$RANDOM
printf '%s\n' '{"msg":"d"}' '{"msg":"e"}' | produce_records "$ntopic"
es_sink es-ds-ns "$ntopic" "$ES_JSON,\"schema.ignore\":\"true\",\"key.ignore\":\"true\",\"data.stream.type\":\"LOGS\",\"data.stream.dataset\":\"ferry\",\"data.stream.namespace\":\"ns$ntopic\""
wait_count "logs-ferry-ns$ntopic" 2
es GET "/_data_stream/logs-ferry-ns$ntopic" | grep -q "\"name\":\"logs-ferry-ns$ntopic\"" || fail "logs-ferry-ns$ntopic is not a data stream"
info "data.stream.namespace: 2 documents in the data stream logs-ferry-ns$ntopic"
echo PASS
