#!/usr/bin/env bash
# The REST server under valgrind memcheck: a worker serves the conformance fixtures that need no
# running pipeline (root, plugins, validate, loggers, not-found and error paths, a connector's
# lifecycle) and shuts down on SIGTERM, with no invalid access and no definite leak (libwebsockets
# keeps pointers into its creation info: this is where a dangling one would show).
source "$(dirname "$0")/../lib.sh"
FERRY_WORKER=$REPO/bin/ferry-worker # valgrind needs the build without sanitizers
mkdir -p "$WORK/files"
cat >"$WORK/worker.properties" <<P
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$WORK/offsets.json
offset.flush.interval.ms=1000
listeners=http://127.0.0.1:0
task.shutdown.graceful.timeout.ms=30000
P
FERRY_WORKER_WRAPPER="valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --log-file=$WORK/valgrind.log" \
        start_worker w standalone --embedded-kafka "$WORK/worker.properties"
started() {
        worker_alive w || fail "worker exited: $(tail -20 "$WORK/w.log")"
        grep -q 'started in' "$WORK/w.log"
}
wait_until 240 "the worker under valgrind" started
port=$(sed -n 's/.*REST server listening on http:\/\/[^ ]*:\([0-9][0-9]*\).*/\1/p' "$WORK/w.log" | head -1)
worker_id=$(sed -n 's/.*REST worker id \(.*\)$/\1/p' "$WORK/w.log" | head -1)
python3 "$REPO/tests/conformance/run.py" --base-url "http://127.0.0.1:$port" --worker-id "$worker_id" \
        --tmp "$WORK/files" --only '^(01|02|03|06|11|12|13)-' >"$WORK/fixtures.log" 2>&1 || true
grep -E '^conformance' "$WORK/fixtures.log" >&2
# Fixture failures are conformance.sh's business; here only the server's memory matters.
stop_worker w TERM
[ "$WORKER_RC" -eq 0 ] || fail "worker under valgrind exited with $WORKER_RC: $(grep -A20 'Invalid\|uninitialised' "$WORK/valgrind.log" | head -40)"
grep -q 'ERROR SUMMARY: 0 errors' "$WORK/valgrind.log" || fail "valgrind reported errors: $(grep -A20 'Invalid\|uninitialised\|lost' "$WORK/valgrind.log" | head -40)"
