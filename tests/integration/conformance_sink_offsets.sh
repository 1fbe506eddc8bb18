#!/usr/bin/env bash
# The sink-offset REST fixtures (tests/conformance/15-offsets-sink.json: GET/PATCH/DELETE of a
# sink connector's consumer-group offsets) against a worker on the real broker; the embedded
# cluster cannot administer consumer-group offsets.
source "$(dirname "$0")/../lib.sh"
FERRY_CONFORMANCE_BOOTSTRAP=$(kafka_bootstrap) FERRY_CONFORMANCE_ONLY=15-offsets-sink \
        bash "$REPO/tests/runtime/conformance.sh" || fail "sink offset fixtures"
