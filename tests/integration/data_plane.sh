#!/usr/bin/env bash
# The data plane on the real broker, through the CLI, kcat and REST:
#  - source transforms: InsertHeader, HoistField$Value and RegexRouter run between poll() and the
#    converters; the header reaches Kafka (SimpleHeaderConverter), the value is JSON, the topic routed;
#  - a source whose chain drops every record (Filter + TopicNameMatches) still commits its offsets
#    up to the end of the file;
#  - sink: Kafka headers become record headers (Filter + HasHeaderKey drops marked records);
#  - config providers: the sink's file comes from ${file:...}, its topic from ${env:...}, a secret
#    from ${directory:...}; data lands in the resolved path, REST shows only the placeholders, and
#    no resolved secret appears in the log;
#  - topic creation: topic.creation.default.* and a group with include regex and topic configs
#    create the source topics with their partition counts before the first record;
#  - REST: an invalid transform config is refused with 400 naming the key.
source "$(dirname "$0")/../lib.sh"
B=$(kafka_bootstrap)
IN=$(unique_topic plane)-in
OUT=${IN%-in}-out
DROP=$(unique_topic dropall)
TC=$(unique_topic created)
COMP=comp-$(unique_topic x)
N=2000
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "line-%05d\n", i }' >"$WORK/in.txt"
SECRET="s3cr3t-$RANDOM$RANDOM"
mkdir -p "$WORK/secrets" "$WORK/outdir"
printf 'outfile=%s\n' "$WORK/outdir/resolved.txt" >"$WORK/secrets.properties"
printf '%s' "$SECRET" >"$WORK/secrets/token"

cat >"$WORK/worker.properties" <<P
bootstrap.servers=$B
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$WORK/offsets.json
offset.flush.interval.ms=300
listeners=http://127.0.0.1:0
config.providers=file,env,directory
config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider
config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider
config.providers.directory.class=org.apache.kafka.common.config.provider.DirectoryConfigProvider
config.providers.directory.param.allowed.paths=$WORK/secrets
P
cat >"$WORK/src.properties" <<P
name=src
connector.class=FileStreamSource
file=$WORK/in.txt
topic=$IN
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
transforms=hdr,hoist,route
transforms.hdr.type=org.apache.kafka.connect.transforms.InsertHeader
transforms.hdr.header=origin
transforms.hdr.value.literal=ferry
transforms.hoist.type=org.apache.kafka.connect.transforms.HoistField\$Value
transforms.hoist.field=line
transforms.route.type=org.apache.kafka.connect.transforms.RegexRouter
transforms.route.regex=(.*)-in
transforms.route.replacement=\$1-out
P
cat >"$WORK/dropall.properties" <<P
name=dropall
connector.class=FileStreamSource
file=$WORK/in.txt
topic=$DROP
transforms=f
transforms.f.type=Filter
transforms.f.predicate=all
predicates=all
predicates.all.type=org.apache.kafka.connect.transforms.predicates.TopicNameMatches
predicates.all.pattern=.*
P
cat >"$WORK/sink.properties" <<P
name=sink
connector.class=FileStreamSink
file=\${file:$WORK/secrets.properties:outfile}
topics=\${env:FERRY_TEST_SINK_TOPIC}
secret.token=\${directory:$WORK/secrets:token}
transforms=skip
transforms.skip.type=Filter
transforms.skip.predicate=marked
predicates=marked
predicates.marked.type=HasHeaderKey
predicates.marked.name=skipme
P
cat >"$WORK/created.properties" <<P
name=created
connector.class=FileStreamSource
file=$WORK/in.txt
topic=$TC
topic.creation.default.replication.factor=1
topic.creation.default.partitions=3
P
cat >"$WORK/compacted.properties" <<P
name=compacted
connector.class=FileStreamSource
file=$WORK/in.txt
topic=$COMP
topic.creation.groups=compacted
topic.creation.default.replication.factor=1
topic.creation.default.partitions=3
topic.creation.compacted.include=comp-.*
topic.creation.compacted.partitions=2
topic.creation.compacted.cleanup.policy=compact
P

FERRY_TEST_SINK_TOPIC=$OUT start_worker w standalone "$WORK/worker.properties" "$WORK/src.properties" \
        "$WORK/dropall.properties" "$WORK/sink.properties" "$WORK/created.properties" "$WORK/compacted.properties"
port() { sed -n 's/.*REST server listening on http:\/\/[^ ]*:\([0-9][0-9]*\).*/\1/p' "$WORK/w.log" | head -1; }
has_port() { [ -n "$(port)" ]; }
wait_until 60 "the REST listener" has_port
P=$(port)
wait_until 30 "GET /connectors answers" curl -sf "http://127.0.0.1:$P/connectors"

# ---- source chain: routed topic, hoisted JSON value, header from InsertHeader
RES=$WORK/outdir/resolved.txt
wait_until 120 "$N lines in the resolved sink file" has_at_least "$RES" "$N"
kcat -b "$B" -C -t "$OUT" -e -q -o beginning -c "$N" -f '%h|%s\n' >"$WORK/out-topic.txt"
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "origin=ferry|{\"line\":\"line-%05d\"}\n", i }' >"$WORK/expect-topic.txt"
cmp "$WORK/expect-topic.txt" "$WORK/out-topic.txt" || fail "routed topic content: $(head -3 "$WORK/out-topic.txt")"
[ -z "$(kcat -b "$B" -L -t "$IN" -J 2>/dev/null | python3 -c 'import json,sys; print("".join(t["topic"] for t in json.load(sys.stdin)["topics"] if not t.get("error")))')" ] ||
        fail "records went to the unrouted topic $IN"

# ---- sink: headers reach the chain (records marked skipme are filtered out)
printf '%s\n' marked-1 marked-2 | kcat -b "$B" -P -t "$OUT" -H skipme=yes
printf '%s\n' unmarked | kcat -b "$B" -P -t "$OUT" -H other=1
wait_until 60 "the unmarked record in the sink file" has_at_least "$RES" $((N + 1))
tail -n1 "$RES" | grep -qx unmarked || fail "last sink line: $(tail -n1 "$RES")"
grep -q marked- "$RES" && fail "records with the skipme header reached the sink"
head -n "$N" "$RES" | cmp - <(sed 's/^origin=ferry|//' "$WORK/expect-topic.txt") || fail "sink file content"

# ---- dropped records still commit their offsets
size=$(stat -c %s "$WORK/in.txt")
drop_pos() {
        python3 - "$WORK/offsets.json" "$WORK/in.txt" <<'PY'
import json, sys
for e in json.load(open(sys.argv[1])):
    if e["key"][0] == "dropall":
        print(e["value"]["position"])
PY
}
drop_done() { [ "$(drop_pos)" = "$size" ]; }
wait_until 60 "dropall's offset at the end of the file" drop_done
[ -z "$(kcat -b "$B" -C -t "$DROP" -e -q -o beginning -c 1 2>/dev/null)" ] || fail "dropall produced records"

# ---- config providers: REST shows placeholders, the log never shows the secrets
cfg=$(curl -sf "http://127.0.0.1:$P/connectors/sink/config")
python3 - "$cfg" "$WORK" <<'PY' || fail "REST config: $cfg"
import json, sys
c = json.loads(sys.argv[1]); w = sys.argv[2]
assert c["file"] == "${file:%s/secrets.properties:outfile}" % w, c["file"]
assert c["topics"] == "${env:FERRY_TEST_SINK_TOPIC}", c["topics"]
assert c["secret.token"] == "${directory:%s/secrets:token}" % w, c["secret.token"]
PY
tasks=$(curl -sf "http://127.0.0.1:$P/connectors/sink/tasks")
grep -q "$SECRET" <<<"$tasks" && fail "REST task configs show the resolved secret"
grep -q 'resolved.txt' <<<"$tasks" && fail "REST task configs show the resolved file"
grep -q "$SECRET" "$WORK/w.log" && fail "the log shows the resolved secret"

# ---- topic creation
partitions() { kcat -b "$B" -L -t "$1" -J | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["topics"][0]["partitions"]))'; }
[ "$(partitions "$TC")" = 3 ] || fail "$TC has $(partitions "$TC") partition(s), expected 3 (default group)"
[ "$(partitions "$COMP")" = 2 ] || fail "$COMP has $(partitions "$COMP") partition(s), expected 2 (group compacted)"
grep -q "Created topic '$COMP' (group compacted" "$WORK/w.log" || fail "no creation log for $COMP"
count_all() { kcat -b "$B" -C -t "$1" -e -q -o beginning -f '%s\n' 2>/dev/null | wc -l; }
tc_full() { [ "$(count_all "$TC")" -ge "$N" ]; }
wait_until 60 "$N records in $TC" tc_full

# ---- REST: invalid transforms are refused with 400 naming the key
code=$(curl -s -o "$WORK/bad.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        "http://127.0.0.1:$P/connectors" -d '{"name":"bad","config":{"connector.class":"FileStreamSource","topic":"x","transforms":"r","transforms.r.type":"RegexRouter","transforms.r.regex":"(unclosed","transforms.r.replacement":"y"}}')
[ "$code" = 400 ] || fail "POST with a bad regex answered $code: $(cat "$WORK/bad.json")"
grep -q 'transforms.r.regex' "$WORK/bad.json" || fail "400 body does not name the key: $(cat "$WORK/bad.json")"
code=$(curl -s -o "$WORK/bad2.json" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
        "http://127.0.0.1:$P/connectors/bad2/config" -d '{"connector.class":"FileStreamSource","topic":"x","transforms":"c","transforms.c.type":"Nope"}')
[ "$code" = 400 ] || fail "PUT with an unknown transform type answered $code"
grep -q 'transforms.c.type' "$WORK/bad2.json" || fail "400 body does not name the key: $(cat "$WORK/bad2.json")"

stop_worker w TERM
[ "$WORKER_RC" -eq 0 ] || fail "worker exited with $WORKER_RC"
info "ok: source chain + headers, dropped offsets, sink headers, config providers, topic creation, 400s"
