#!/usr/bin/env bash
# The Elasticsearch sink against Elasticsearch 7.10.2 (hack/services.sh start elasticsearch): the
# scripts written for OpenSearch run unchanged against it (FERRY_ES_SERVICE=elasticsearch):
# basic.sh (ids, versions, deletes, key.ignore, upsert), schema.sh (mappings), malformed.sh
# (DLQ, FAIL, WARN), tls.sh (JKS, PKCS12 and PEM stores over HTTPS), replay.sh (external
# versions), dlq_retry.sh and options.sh. The outage and credentials script, which
# freezes the server, runs in es7_outage.sh; data_stream.sh (data streams are x-pack modules in
# Elasticsearch 7, not in the runner from Maven Central) and kill9.sh run against OpenSearch only.
# services: kafka elasticsearch
source "$(dirname "$0")/../lib.sh"
cd "$REPO"

use_kafka
use_service elasticsearch
export FERRY_KAFKA_BOOTSTRAP FERRY_SERVICES_STATE
# kill9.sh is left to the OpenSearch run: what it checks (committed offsets after kill -9, no lost
# document) is the worker's, the same whichever engine answers, and it is the longest script.
for t in basic schema malformed tls replay dlq_retry options; do
        info "running $t.sh against Elasticsearch 7.10.2"
        FERRY_ES_SERVICE=elasticsearch bash "tests/connectors/elasticsearch/$t.sh" >"$WORK/$t.out" 2>&1 || fail "$t.sh against Elasticsearch: $(tail -5 "$WORK/$t.out")"
        grep '^\[' "$WORK/$t.out" | sed 's/^/  /' >&2 || true
done
echo PASS
