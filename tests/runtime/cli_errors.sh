#!/usr/bin/env bash
# Bad input on the command line: each case exits non-zero with a message naming the cause, and
# never crashes (no signal exit status).
source "$(dirname "$0")/../lib.sh"
W=$FERRY_WORKER

# expect_error EXIT_CODE PATTERN ARGS...: runs the worker, checks exit code and stderr.
expect_error() {
        local want=$1 pattern=$2
        shift 2
        set +e
        timeout 60 "$W" "$@" >"$WORK/out" 2>"$WORK/err"
        local rc=$?
        set -e
        [ "$rc" -eq "$want" ] || fail "exit $rc (want $want) for: $* -- stderr: $(cat "$WORK/err")"
        grep -qE -- "$pattern" "$WORK/err" || fail "stderr for '$*' lacks /$pattern/: $(cat "$WORK/err")"
}

cat >"$WORK/worker.properties" <<P
bootstrap.servers=127.0.0.1:1
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$WORK/offsets.json
default.api.timeout.ms=2000
P
printf 'name=ok\nconnector.class=FileStreamSource\nfile=/dev/null\ntopic=t\n' >"$WORK/ok.properties"

"$W" --version | grep -q '^ferry-worker ' || fail "--version"
"$W" --help | grep -q 'Usage: ferry-worker standalone' || fail "--help"
expect_error 2 "unknown mode 'bogus'" bogus
expect_error 2 "unknown option --nope" standalone --nope "$WORK/worker.properties"
expect_error 2 "missing WORKER.properties" standalone
expect_error 1 "$WORK/missing.properties: No such file or directory" standalone "$WORK/missing.properties"
expect_error 1 "$WORK: " standalone "$WORK"

printf 'key.converter=x\nbad=\\u12G4\n' >"$WORK/malformed.properties"
expect_error 1 "malformed.properties:2: " standalone "$WORK/malformed.properties"

printf 'key.converter=org.apache.kafka.connect.storage.StringConverter\noffset.storage.file.filename=%s/o\n' "$WORK" >"$WORK/noval.properties"
expect_error 1 'Missing required configuration "value.converter"' standalone "$WORK/noval.properties"
grep -v offset.storage "$WORK/worker.properties" >"$WORK/nooffsets.properties"
expect_error 1 'offset.storage.file.filename' standalone "$WORK/nooffsets.properties"
sed 's/^key.converter=.*/key.converter=com.example.Nope/' "$WORK/worker.properties" >"$WORK/badconv.properties"
expect_error 1 'key.converter: Class com.example.Nope could not be found' standalone "$WORK/badconv.properties"

printf 'name=x\nconnector.class=com.example.NoSuchConnector\ntopic=t\n' >"$WORK/unknown.properties"
expect_error 1 'connector.class: Failed to find any class that implements Connector and which name matches com.example.NoSuchConnector' \
        standalone "$WORK/worker.properties" "$WORK/unknown.properties"
printf 'name=x\nconnector.class=FileStreamSource\n' >"$WORK/notopic.properties"
expect_error 1 'topic: Missing required configuration "topic"' standalone "$WORK/worker.properties" "$WORK/notopic.properties"
printf 'name=x\nconnector.class=FileStreamSink\ntasks.max=zero\n' >"$WORK/badsink.properties"
expect_error 1 'tasks.max: Invalid value zero' standalone "$WORK/worker.properties" "$WORK/badsink.properties"
grep -q 'Must configure one of topics or topics.regex' "$WORK/err" || fail "sink without topics not reported with the other errors"
expect_error 1 "$WORK/nope.json: " standalone "$WORK/worker.properties" "$WORK/nope.json"
printf '{"name": "x", "config": ' >"$WORK/broken.json"
expect_error 1 'broken.json: invalid JSON' standalone "$WORK/worker.properties" "$WORK/broken.json"

# Broker unreachable at start: a clear error after default.api.timeout.ms, not a hang.
expect_error 1 'Failed to connect to and describe Kafka cluster at 127.0.0.1:1' standalone "$WORK/worker.properties" "$WORK/ok.properties"

# A corrupt offsets file is named, not silently replaced.
echo 'not json' >"$WORK/offsets.json"
sed 's/^bootstrap.servers=.*//' "$WORK/worker.properties" >"$WORK/emb.properties"
expect_error 1 "offsets.json: not an offsets file" standalone --embedded-kafka "$WORK/emb.properties" "$WORK/ok.properties"
info "ok"
