#!/usr/bin/env bash
# REST conformance: starts a standalone worker on the embedded broker with its REST API on a free
# port, then runs every fixture of tests/conformance/ against it (tests/conformance/run.py) and
# reports each one. The same fixtures run against Apache Kafka Connect in hack/conformance-java.sh.
source "$(dirname "$0")/../lib.sh"

mkdir -p "$WORK/files" "$WORK/plugins"
# A test plugin with a PASSWORD key (14-password.json), loaded through plugin.path.
${CC:-cc} -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter -fPIC -shared -I"$REPO/worker/include" \
        -o "$WORK/plugins/secret.so" "$REPO/tests/conformance/plugin/secret_source.c" || fail "test plugin build failed"
# FERRY_CONFORMANCE_BOOTSTRAP: a real broker instead of the embedded one. The sink-offset fixtures
# need one (the embedded cluster has no consumer-group offset administration): they run from
# tests/integration/conformance_sink_offsets.sh and are skipped here otherwise.
cat >"$WORK/worker.properties" <<P
${FERRY_CONFORMANCE_BOOTSTRAP:+bootstrap.servers=$FERRY_CONFORMANCE_BOOTSTRAP}
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$WORK/offsets.json
offset.flush.interval.ms=1000
listeners=http://127.0.0.1:0
plugin.path=$WORK/plugins
P
embedded=(--embedded-kafka)
skip=(--skip 15-offsets-sink)
if [ -n "${FERRY_CONFORMANCE_BOOTSTRAP:-}" ]; then
        embedded=()
        skip=()
fi
start_worker w standalone "${embedded[@]}" "$WORK/worker.properties"
worker_port() {
        sed -n 's/.*REST server listening on http:\/\/[^ ]*:\([0-9][0-9]*\).*/\1/p' "$WORK/w.log" | head -1
}
rest_ready() {
        worker_alive w || fail "worker exited: $(tail -20 "$WORK/w.log")"
        [ -n "$(worker_port)" ] && grep -q 'started in' "$WORK/w.log"
}
wait_until 60 "the worker's REST server" rest_ready
port=$(worker_port)
worker_id=$(sed -n 's/.*REST worker id \(.*\)$/\1/p' "$WORK/w.log" | head -1)
[ "$worker_id" = "127.0.0.1:$port" ] || fail "worker id $worker_id, expected 127.0.0.1:$port"
info "worker on port $port (worker id $worker_id)"

python3 "$REPO/tests/conformance/run.py" --target ferry --base-url "http://127.0.0.1:$port" \
        --worker-id "$worker_id" --tmp "$WORK/files" ${FERRY_CONFORMANCE_ONLY:+--only "$FERRY_CONFORMANCE_ONLY"} \
        "${skip[@]}" ||
        fail "conformance fixtures failed (worker log: $WORK/w.log)"

stop_worker w
[ "$WORKER_RC" -eq 0 ] || fail "worker exited with $WORKER_RC after SIGTERM"
grep -q 'REST server stopped' "$WORK/w.log" || fail "REST server did not stop cleanly"
