#!/usr/bin/env bash
# outage_auth.sh against Elasticsearch 7.10.2: the server frozen for 30 s while records arrive
# (retries, redelivery, nothing lost) and the basic-auth gate (right and wrong credentials).
# services: kafka elasticsearch
# exclusive: it freezes the shared service
source "$(dirname "$0")/../lib.sh"
cd "$REPO"

use_kafka
use_service elasticsearch
export FERRY_KAFKA_BOOTSTRAP FERRY_SERVICES_STATE
FERRY_ES_SERVICE=elasticsearch bash tests/connectors/elasticsearch/outage_auth.sh >"$WORK/outage_auth.out" 2>&1 ||
        fail "outage_auth.sh against Elasticsearch: $(tail -5 "$WORK/outage_auth.out")"
grep '^\[' "$WORK/outage_auth.out" | sed 's/^/  /' >&2 || true
echo PASS
