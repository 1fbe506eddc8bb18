#!/usr/bin/env bash
# The worker built with ThreadSanitizer (make tsan: build/tsan/ferry-worker) on the embedded broker:
# a FileStream source -> Kafka -> FileStream sink pipeline moves N lines while the REST API is
# driven concurrently (conformance fixtures for the lifecycle, names, loggers and errors, parallel
# status and listing requests, pause/resume, restart and reconfiguration of the pipeline's own
# connectors), then a clean SIGTERM shutdown. Restarts may replay records (at least once): the
# sink file must hold every input line, in order once duplicates are dropped. Any ThreadSanitizer report
# fails the test; hack/tsan.supp lists the library-internal ones we cannot fix (one reason each).
source "$(dirname "$0")/../lib.sh"
FERRY_WORKER=$REPO/build/tsan/ferry-worker
[ -x "$FERRY_WORKER" ] || fail "$FERRY_WORKER is missing (make tsan)"
export TSAN_OPTIONS="suppressions=$REPO/hack/tsan.supp halt_on_error=0 exitcode=66 second_deadlock_stack=1 history_size=4"
N=40000
seq 1 "$N" | sed 's/^/tsan-/' >"$WORK/in.txt"
mkdir -p "$WORK/files"
cat >"$WORK/worker.properties" <<P
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
offset.storage.file.filename=$WORK/offsets.json
listeners=http://127.0.0.1:0
offset.flush.interval.ms=200
task.shutdown.graceful.timeout.ms=30000
P
printf 'name=src\nconnector.class=FileStreamSource\nfile=%s\ntopic=ts\n' "$WORK/in.txt" >"$WORK/src.properties"
printf 'name=sink\nconnector.class=FileStreamSink\nfile=%s\ntopics=ts\n' "$WORK/out.txt" >"$WORK/sink.properties"
start_worker w standalone --embedded-kafka "$WORK/worker.properties" "$WORK/src.properties" "$WORK/sink.properties"
started() {
        worker_alive w || fail "worker exited: $(tail -20 "$WORK/w.log")"
        grep -q 'started in' "$WORK/w.log"
}
wait_until 60 "the TSan worker" started
port=$(sed -n 's/.*REST server listening on http:\/\/[^ ]*:\([0-9][0-9]*\).*/\1/p' "$WORK/w.log" | head -1)
worker_id=$(sed -n 's/.*REST worker id \(.*\)$/\1/p' "$WORK/w.log" | head -1)
R=http://127.0.0.1:$port

# Readers of the connector and task state in parallel with the data flow and the fixtures.
hammer() {
        local deadline=$((SECONDS + 40))
        while [ "$SECONDS" -lt "$deadline" ] && ! [ -e "$WORK/stop-hammer" ]; do
                curl -s -o /dev/null "$R/connectors?expand=status&expand=info" || true
                curl -s -o /dev/null "$R/connectors/sink/status" || true
                curl -s -o /dev/null "$R/connectors/src/tasks/0/status" || true
                curl -s -o /dev/null "$R/connectors/src/topics" || true
        done
}
hammer &
h1=$!
hammer &
h2=$!
CLEANUP+=("kill $h1 $h2 2>/dev/null")
# Lifecycle changes while records flow: pause/resume the sink, restart the source with its tasks,
# reconfigure the source (same file and topic), read the offsets API. They start once the sink has
# its partitions. (The sink is not replaced: a new sink consumer waits for the embedded cluster's
# session timeout before it gets the partitions, which would only make the test slow.)
wait_until 60 "the first lines in the sink file" has_at_least "$WORK/out.txt" 1
curl -sf -X PUT "$R/connectors/sink/pause" || fail "pause sink"
curl -sf -X PUT "$R/connectors/sink/resume" || fail "resume sink"
curl -s -o /dev/null -X POST "$R/connectors/src/restart?includeTasks=true" || fail "restart src"
curl -sf -o /dev/null -X PUT -H 'Content-Type: application/json' "$R/connectors/src/config" \
        -d "{\"connector.class\":\"FileStreamSource\",\"file\":\"$WORK/in.txt\",\"topic\":\"ts\"}" ||
        fail "reconfigure src"
curl -s -o /dev/null "$R/connectors/src/offsets" || true
python3 "$REPO/tests/conformance/run.py" --base-url "$R" --worker-id "$worker_id" --tmp "$WORK/files" \
        --only '^(01|04|06|11|12|13|16)-' >"$WORK/fixtures.log" 2>&1 || true
grep -E '^conformance' "$WORK/fixtures.log" >&2 || true
info "fixtures done after ${SECONDS}s"
all_lines() { [ -f "$WORK/out.txt" ] && [ "$(awk '!seen[$0]++' "$WORK/out.txt" | wc -l)" -ge "$N" ]; }
wait_until 90 "$N distinct lines in the sink file" all_lines
info "all lines in the sink file after ${SECONDS}s"
touch "$WORK/stop-hammer"
wait "$h1" "$h2" || true
stop_worker w TERM
info "worker stopped after ${SECONDS}s"
reports=$(grep -c 'WARNING: ThreadSanitizer' "$WORK/w.log" || true)
if [ "$reports" -gt 0 ]; then
        grep -A40 'WARNING: ThreadSanitizer' "$WORK/w.log" | head -120 >&2
        fail "$reports ThreadSanitizer report(s) (log: $WORK/w.log)"
fi
[ "$WORKER_RC" -eq 0 ] || fail "TSan worker exited with $WORKER_RC: $(tail -20 "$WORK/w.log")"
awk '!seen[$0]++' "$WORK/out.txt" | cmp - "$WORK/in.txt" || fail "sink output differs from the input"
info "ok: $N records through the TSan worker with concurrent REST traffic, no ThreadSanitizer report"
