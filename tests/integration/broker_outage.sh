#!/usr/bin/env bash
# The broker goes away for 30 s mid-stream (SIGKILL, then restarted on the same port with the same
# data): the worker waits, recovers, and every line still arrives in the topic and the sink file.
source "$(dirname "$0")/../lib.sh"
B=$(kafka_bootstrap)
N=${FERRY_TEST_LINES_OUTAGE:-300000}
OUTAGE=${FERRY_TEST_OUTAGE_SECONDS:-30}
T=$(unique_topic outage)
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "outage-%07d\n", i }' >"$WORK/in.txt"
cat >"$WORK/worker.properties" <<P
bootstrap.servers=$B
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$WORK/offsets.json
listeners=http://127.0.0.1:0
offset.flush.interval.ms=500
P
# Slow the source down so the outage lands mid-stream.
printf 'name=src\nconnector.class=FileStreamSource\nfile=%s\ntopic=%s\nbatch.size=100\n' "$WORK/in.txt" "$T" >"$WORK/src.properties"
printf 'name=sink\nconnector.class=FileStreamSink\nfile=%s\ntopics=%s\n' "$WORK/out.txt" "$T" >"$WORK/sink.properties"
head -n $((N / 10)) "$WORK/in.txt" >"$WORK/part1.txt"
tail -n +$((N / 10 + 1)) "$WORK/in.txt" >"$WORK/part2.txt"
# The source file grows while the broker is down: first part now, the rest during the outage.
cp "$WORK/part1.txt" "$WORK/src-file.txt"
sed -i "s#^file=.*#file=$WORK/src-file.txt#" "$WORK/src.properties"

start_worker w standalone "$WORK/worker.properties" "$WORK/src.properties" "$WORK/sink.properties"
wait_until 120 "the first part in the sink file" has_at_least "$WORK/out.txt" $((N / 10))
info "taking the broker away for ${OUTAGE}s"
"$REPO/hack/kafka.sh" kill
cat "$WORK/part2.txt" >>"$WORK/src-file.txt"
# The outage itself lasts a fixed time; nothing here waits on the worker.
outage_end=$((SECONDS + OUTAGE))
while [ "$SECONDS" -lt "$outage_end" ]; do
        worker_alive w || fail "worker died while the broker was down"
        sleep 1
done
"$REPO/hack/kafka.sh" restart >/dev/null
info "broker back"
wait_until 300 "all lines in the sink file" has_at_least "$WORK/out.txt" "$N"
worker_alive w || fail "worker died"
stop_worker w TERM
[ "$WORKER_RC" -eq 0 ] || fail "worker exited with $WORKER_RC"
topic_dump "$B" "$T" >"$WORK/topic.txt"
python3 "$REPO/tests/check_stream.py" "$WORK/in.txt" "$WORK/topic.txt" || fail "topic lost lines"
python3 "$REPO/tests/check_stream.py" "$WORK/in.txt" "$WORK/out.txt" || fail "sink file lost lines"
