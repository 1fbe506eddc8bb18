#!/usr/bin/env bash
# The embedded pipeline (small) under valgrind memcheck: no invalid access and no definite leak
# across start, data flow and a clean SIGTERM shutdown.
source "$(dirname "$0")/../lib.sh"
FERRY_WORKER=$REPO/bin/ferry-worker # valgrind needs the build without sanitizers
N=2000
seq 1 "$N" | sed 's/^/vg-/' >"$WORK/in.txt"
cat >"$WORK/worker.properties" <<P
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
offset.storage.file.filename=$WORK/offsets.json
listeners=http://127.0.0.1:0
offset.flush.interval.ms=200
task.shutdown.graceful.timeout.ms=30000
P
printf 'name=src\nconnector.class=FileStreamSource\nfile=%s\ntopic=vg\n' "$WORK/in.txt" >"$WORK/src.properties"
printf 'name=sink\nconnector.class=FileStreamSink\nfile=%s\ntopics=vg\n' "$WORK/out.txt" >"$WORK/sink.properties"
FERRY_WORKER_WRAPPER="valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --log-file=$WORK/valgrind.log" \
        start_worker w standalone --embedded-kafka "$WORK/worker.properties" "$WORK/src.properties" "$WORK/sink.properties"
wait_until 240 "$N lines in the sink file" has_at_least "$WORK/out.txt" "$N"
stop_worker w TERM
cat "$WORK/valgrind.log" >&2
[ "$WORKER_RC" -eq 0 ] || fail "worker under valgrind exited with $WORKER_RC"
cmp "$WORK/in.txt" "$WORK/out.txt" || fail "sink output differs from the input"
grep -q 'ERROR SUMMARY: 0 errors' "$WORK/valgrind.log" || fail "valgrind reported errors"
