#!/usr/bin/env bash
# The embedded broker never drops records a sink connector of the worker has not read. librdkafka's
# mock cluster keeps 5 MiB of batches per partition and drops the oldest beyond that; a
# 200,000-line file (4.8 MB of text, about 7 MB stored) is more. Three pipelines run in one
# worker on --embedded-kafka:
#  - "early": source and sink both given on the command line (the sink's group joins seconds after
#    the source started): the sink file equals the input;
#  - "late": the source alone at first; once it is held back at the broker's limit (it has produced
#    all it may), the sink connector is created through REST: the sink file still equals the input,
#    and the source's committed offset then covers the whole file;
#  - "alone": a source that no sink connector reads is held back for 30 s waiting for one, then let
#    through (WARN), so that it is not blocked forever: its offset reaches the end of its file.
source "$(dirname "$0")/../lib.sh"
N=200000
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "embedded-line %09d\n", i }' >"$WORK/in.txt"
cp "$WORK/in.txt" "$WORK/alone.txt"
cat >"$WORK/worker.properties" <<P
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$WORK/offsets.json
offset.flush.interval.ms=1000
listeners=http://127.0.0.1:0
P
src() { printf 'name=%s\nconnector.class=FileStreamSource\nfile=%s\ntopic=%s\n' "$1" "$2" "$3" >"$WORK/$1.properties"; }
src early-src "$WORK/in.txt" early
src late-src "$WORK/in.txt" late
src alone-src "$WORK/alone.txt" alone
printf 'name=early-sink\nconnector.class=FileStreamSink\nfile=%s\ntopics=early\n' "$WORK/early.out" >"$WORK/early-sink.properties"
start_worker w standalone --embedded-kafka "$WORK/worker.properties" "$WORK/early-src.properties" \
        "$WORK/early-sink.properties" "$WORK/late-src.properties" "$WORK/alone-src.properties"
port() { sed -n 's/.*REST server listening on http:\/\/[^ ]*:\([0-9][0-9]*\).*/\1/p' "$WORK/w.log" | head -1; }
has_port() { [ -n "$(port)" ]; }
wait_until 60 "the REST listener" has_port
P=$(port)
wait_until 30 "GET /connectors answers" curl -sf "http://127.0.0.1:$P/connectors"

# late: no sink reads the topic yet; the source stops at the broker's limit.
wait_until 120 "the late source held back" grep -q "Holding back records for topic 'late'" "$WORK/w.log"
code=$(curl -s -o "$WORK/create.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        "http://127.0.0.1:$P/connectors" -d "{\"name\": \"late-sink\", \"config\": {\"connector.class\": \"FileStreamSink\", \"file\": \"$WORK/late.out\", \"topics\": \"late\"}}")
[ "$code" = 201 ] || fail "creating late-sink answered $code: $(cat "$WORK/create.json")"

wait_until 240 "$N lines from early" has_at_least "$WORK/early.out" "$N"
wait_until 240 "$N lines from late" has_at_least "$WORK/late.out" "$N"
cmp "$WORK/in.txt" "$WORK/early.out" || fail "early: the sink file differs from the input"
cmp "$WORK/in.txt" "$WORK/late.out" || fail "late: the sink file differs from the input"

# Offsets: the standalone store holds each source's position (bytes read) once acknowledged.
size=$(stat -c %s "$WORK/in.txt")
offset_of() {
        python3 - "$WORK/offsets.json" "$1" <<'PY'
import json, sys
for e in json.load(open(sys.argv[1])):
    if e["key"][0] == sys.argv[2]:
        print(e["value"]["position"])
PY
}
at_end() { [ "$(offset_of "$1")" = "$size" ]; }
wait_until 60 "late-src's offset at the end of its file" at_end late-src
wait_until 60 "early-src's offset at the end of its file" at_end early-src

# alone: held back, then let through after the 30 s wait; never blocked for good.
grep -q "Holding back records for topic 'alone': no sink connector of this worker reads it" "$WORK/w.log" ||
        fail "no WARN for the topic nobody reads"
wait_until 120 "alone-src's offset at the end of its file" at_end alone-src
grep -q "No sink connector of this worker reads topic 'alone': the embedded broker now drops its oldest" \
        "$WORK/w.log" || fail "no WARN when letting the topic nobody reads go"
grep -E "ERROR|Records lost" "$WORK/w.log" && fail "errors logged"
stop_worker w TERM
[ "$WORKER_RC" -eq 0 ] || fail "worker exited with $WORKER_RC"
info "ok: $N lines delivered in order with the sink joining early and late; an unread topic waits, then goes on"
