#!/usr/bin/env bash
# The sink-offset REST fixtures (tests/conformance/15-offsets-sink.json: GET/PATCH/DELETE of a
# sink connector's consumer-group offsets) against a worker on the real broker; the embedded
# cluster cannot administer consumer-group offsets.
source "$(dirname "$0")/../lib.sh"
B=$(kafka_bootstrap)
# A freshly started broker answers "coordinator load in progress" for a while; librdkafka 2.0's
# group admin requests can abort the client on such a failure (librdkafka #3663, #4605). Wait until
# the group coordinator answers an offset fetch before the fixtures use it.
wait_until 60 "the group coordinator" "$REPO/build/tools/kafka-committed" "$B" ferry-coordinator-probe probe 0
FERRY_CONFORMANCE_BOOTSTRAP=$B FERRY_CONFORMANCE_ONLY=15-offsets-sink \
        bash "$REPO/tests/runtime/conformance.sh" || fail "sink offset fixtures"
