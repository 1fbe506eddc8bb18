#!/usr/bin/env bash
# Connector configs the data plane refuses at validation, through the CLI against the embedded
# broker: each exits non-zero naming the offending key. Invalid transforms (unknown type, bad
# regex, bad cast spec, missing field), client overrides the override policy forbids (None,
# Principal), topic.creation groups without the default settings, and an unreadable config
# provider file.
source "$(dirname "$0")/../lib.sh"
W=$FERRY_WORKER

# expect_refused NAME PATTERN WORKER_EXTRA CONNECTOR_LINES: the worker exits 1 and stderr names PATTERN.
expect_refused() {
        local name=$1 pattern=$2 extra=$3 lines=$4
        {
                echo "key.converter=org.apache.kafka.connect.storage.StringConverter"
                echo "value.converter=org.apache.kafka.connect.storage.StringConverter"
                echo "offset.storage.file.filename=$WORK/offsets.json"
                echo "listeners=http://127.0.0.1:0"
                printf '%b' "$extra"
        } >"$WORK/$name-worker.properties"
        printf 'name=%s\nconnector.class=FileStreamSource\nfile=/dev/null\ntopic=t\n%b' "$name" "$lines" >"$WORK/$name.properties"
        set +e
        timeout 60 "$W" standalone --embedded-kafka "$WORK/$name-worker.properties" "$WORK/$name.properties" >"$WORK/$name.out" 2>"$WORK/$name.err"
        local rc=$?
        set -e
        [ "$rc" -eq 1 ] || fail "$name: exit $rc (want 1): $(tail -5 "$WORK/$name.err")"
        grep -qF -- "$pattern" "$WORK/$name.err" || fail "$name: stderr lacks '$pattern': $(tail -5 "$WORK/$name.err")"
}

expect_refused unknown_type "transforms.a.type" "" 'transforms=a\ntransforms.a.type=NoSuchTransform\n'
expect_refused bad_regex "transforms.r.regex" "" 'transforms=r\ntransforms.r.type=RegexRouter\ntransforms.r.regex=(open\ntransforms.r.replacement=x\n'
expect_refused bad_cast "transforms.c.spec" "" 'transforms=c\ntransforms.c.type=org.apache.kafka.connect.transforms.Cast$Value\ntransforms.c.spec=f:notatype\n'
expect_refused missing_field "transforms.e.field" "" 'transforms=e\ntransforms.e.type=ExtractField$Value\n'
expect_refused bad_predicate "transforms.f.predicate" "" 'transforms=f\ntransforms.f.type=Filter\ntransforms.f.predicate=nope\n'
expect_refused policy_none "producer.override.linger.ms" 'connector.client.config.override.policy=None\n' 'producer.override.linger.ms=5\n'
expect_refused policy_principal "producer.override.linger.ms" 'connector.client.config.override.policy=Principal\n' 'producer.override.security.protocol=PLAINTEXT\nproducer.override.linger.ms=5\n'
expect_refused creation_default "topic.creation.default.partitions" "" 'topic.creation.default.replication.factor=1\n'
expect_refused creation_zero "topic.creation.g.partitions" "" 'topic.creation.groups=g\ntopic.creation.default.replication.factor=1\ntopic.creation.default.partitions=1\ntopic.creation.g.partitions=0\n'
expect_refused provider_file "Could not read properties from file $WORK/none.properties" \
        'config.providers=file\nconfig.providers.file.class=FileConfigProvider\n' "batch.size=\${file:$WORK/none.properties:n}\n"
expect_refused header_converter "header.converter" "" 'header.converter=NoSuchHeaderConverter\n'

# Allowed: Principal lets the principal keys through; All allows any override.
printf 'name=ok\nconnector.class=FileStreamSource\nfile=/dev/null\ntopic=t\nproducer.override.linger.ms=5\n' >"$WORK/ok.properties"
{
        echo "key.converter=org.apache.kafka.connect.storage.StringConverter"
        echo "value.converter=org.apache.kafka.connect.storage.StringConverter"
        echo "offset.storage.file.filename=$WORK/offsets.json"
        echo "listeners=http://127.0.0.1:0"
} >"$WORK/ok-worker.properties"
start_worker ok standalone --embedded-kafka "$WORK/ok-worker.properties" "$WORK/ok.properties"
running() { grep -q 'Task ok-0 is RUNNING' "$WORK/ok.log"; }
wait_until 60 "the connector with an allowed override running" running
stop_worker ok TERM
[ "$WORKER_RC" -eq 0 ] || fail "worker exited with $WORKER_RC"
