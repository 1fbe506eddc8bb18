#!/usr/bin/env bash
# Secured Kafka with the Java clients' settings, on a second broker of its own (hack/kafka.sh with
# FERRY_KAFKA_SECURITY=sasl_ssl,mtls): a file moves FileStreamSource -> Kafka -> FileStreamSink
#  - over SASL_SSL with SCRAM-SHA-512 and a JKS trust store, the worker config written exactly as
#    for a Java worker; the source's producer overrides the login (PLAIN, through
#    producer.override.* with the JAAS text from a config provider);
#  - over SASL_SSL with PLAIN and a PEM trust store, repeated under producer./consumer./admin.;
#  - over mutual TLS with a PKCS12 keystore and a PKCS12 trust store;
#  - through a distributed worker (internal topics and group membership on the secured listener).
# A wrong password, a CA the broker's certificate does not chain to, a host name the certificate
# does not hold, a wrong trust store password and a Java key librdkafka cannot honour each stop
# the worker with a message naming the cause. No REST answer and no log line holds a password.
source "$(dirname "$0")/../lib.sh"
export FERRY_KAFKA_STATE=$WORK/kafka
FERRY_KAFKA_SECURITY=sasl_ssl,mtls "$REPO/hack/kafka.sh" start >/dev/null 2>"$WORK/kafka-start.log" ||
        fail "secured broker did not start: $(tail -5 "$WORK/kafka-start.log")"
CLEANUP+=("FERRY_KAFKA_STATE=$FERRY_KAFKA_STATE $REPO/hack/kafka.sh stop")
# shellcheck disable=SC1090
source <("$REPO/hack/kafka.sh" env)
PLAIN_B=$KAFKA_BOOTSTRAP # plaintext listener, for kcat only
info "secured broker: SASL_SSL $KAFKA_SASL_SSL_BOOTSTRAP, mTLS $KAFKA_MTLS_BOOTSTRAP"

N=300
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "secured-%05d\n", i }' >"$WORK/in.txt"
printf 'plain.jaas=org.apache.kafka.common.security.plain.PlainLoginModule required username="%s" password="%s";\n' \
        "$KAFKA_PLAIN_USER" "$KAFKA_PLAIN_PASSWORD" >"$WORK/secrets.properties"

common() { # NAME BOOTSTRAP
        cat <<P
bootstrap.servers=$2
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$WORK/$1.offsets
offset.flush.interval.ms=300
listeners=http://127.0.0.1:0
default.api.timeout.ms=8000
config.providers=file
config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider
P
}

scram_jks() { # the Java worker's security block, unchanged
        cat <<P
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$KAFKA_SCRAM_USER" password="$KAFKA_SCRAM_PASSWORD";
ssl.truststore.location=$KAFKA_TRUSTSTORE_JKS
ssl.truststore.password=$KAFKA_TRUSTSTORE_PASSWORD
P
}

plain_pem() { # PREFIX
        cat <<P
${1}security.protocol=SASL_SSL
${1}sasl.mechanism=PLAIN
${1}sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\
    username="$KAFKA_PLAIN_USER" \\
    password="$KAFKA_PLAIN_PASSWORD";
${1}ssl.truststore.type=PEM
${1}ssl.truststore.location=$KAFKA_CA_PEM
${1}ssl.endpoint.identification.algorithm=https
P
}

mtls_p12() {
        cat <<P
security.protocol=SSL
ssl.keystore.type=PKCS12
ssl.keystore.location=$KAFKA_CLIENT_KEYSTORE_P12
ssl.keystore.password=$KAFKA_CLIENT_KEYSTORE_PASSWORD
ssl.truststore.type=PKCS12
ssl.truststore.location=$KAFKA_TRUSTSTORE_P12
ssl.truststore.password=$KAFKA_TRUSTSTORE_PASSWORD
ssl.enabled.protocols=TLSv1.2,TLSv1.3
ssl.endpoint.identification.algorithm=https
P
}

rest_port() { sed -n 's/.*REST server listening on http:\/\/[^ ]*:\([0-9][0-9]*\).*/\1/p' "$WORK/$1.log" | head -1; }
has_port() { [ -n "$(rest_port "$1")" ]; }

# check_rest NAME CONNECTOR...: REST answers hold no password.
check_rest() {
        local name=$1 p c
        shift
        p=$(rest_port "$name")
        {
                curl -sf "http://127.0.0.1:$p/"
                curl -sf "http://127.0.0.1:$p/connectors?expand=status&expand=info"
                for c in "$@"; do
                        curl -sf "http://127.0.0.1:$p/connectors/$c"
                        curl -sf "http://127.0.0.1:$p/connectors/$c/config"
                        curl -sf "http://127.0.0.1:$p/connectors/$c/tasks"
                        curl -sf "http://127.0.0.1:$p/connectors/$c/status"
                done
        } >"$WORK/$name.rest" || fail "$name: a REST call failed"
        [ -s "$WORK/$name.rest" ] || fail "$name: no REST answers"
}

# pipeline NAME BOOTSTRAP SECURITY_FUNCTION [SOURCE_EXTRA]: moves in.txt through Kafka and back.
pipeline() {
        local name=$1 topic
        topic=$(unique_topic "$name")
        {
                common "$name" "$2"
                $3
        } >"$WORK/$name.properties"
        printf 'name=%s-src\nconnector.class=FileStreamSource\nfile=%s\ntopic=%s\n%s\n' \
                "$name" "$WORK/in.txt" "$topic" "${4:-}" >"$WORK/$name-src.properties"
        printf 'name=%s-sink\nconnector.class=FileStreamSink\nfile=%s\ntopics=%s\n' \
                "$name" "$WORK/$name.out.txt" "$topic" >"$WORK/$name-sink.properties"
        # shellcheck disable=SC2086 # EXTRA_CONNECTORS: property files, space-separated
        start_worker "$name" standalone "$WORK/$name.properties" "$WORK/$name-src.properties" \
                "$WORK/$name-sink.properties" ${EXTRA_CONNECTORS:-}
        wait_until 60 "$name: $N lines through the secured broker" has_at_least "$WORK/$name.out.txt" "$N"
        cmp -s "$WORK/in.txt" "$WORK/$name.out.txt" || fail "$name: the sink's file differs from the source's"
        wait_until 30 "$name: REST listener" has_port "$name"
        check_rest "$name" "$name-src" "$name-sink"
        [ -z "${PIPELINE_CHECK:-}" ] || $PIPELINE_CHECK "$name"
        stop_worker "$name"
        [ "$WORKER_RC" -eq 0 ] || fail "$name: worker exited with $WORKER_RC"
        info "$name: $N lines moved"
}

# 1. SASL_SSL + SCRAM-SHA-512 + JKS trust store, exactly as a Java worker is configured; the
#    source's producer logs in as the PLAIN user through connector overrides, and a second source
#    and a sink whose overrides hold a wrong password fail (as Connect's tasks do on a
#    SaslAuthenticationException), their status and the client's log naming the cause.
cat >"$WORK/scram-bad.properties" <<P
name=scram-bad
connector.class=FileStreamSource
file=$WORK/in.txt
topic=$(unique_topic scram-bad)
producer.override.sasl.mechanism=PLAIN
producer.override.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="$KAFKA_PLAIN_USER" password="not-the-password";
P
cat >"$WORK/scram-bad-sink.properties" <<P
name=scram-bad-sink
connector.class=FileStreamSink
file=$WORK/scram-bad-sink.out
topics=$(unique_topic scram-bad-sink)
consumer.override.sasl.mechanism=PLAIN
consumer.override.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="$KAFKA_PLAIN_USER" password="not-the-password";
P
# task_failed_with NAME CONNECTOR TEXT: the connector's task 0 is FAILED with TEXT in its trace.
task_failed_with() {
        curl -sf "http://127.0.0.1:$(rest_port "$1")/connectors/$2/status" | python3 -c '
import json, sys
t = json.load(sys.stdin)["tasks"]
sys.exit(0 if t and t[0]["state"] == "FAILED" and sys.argv[1] in t[0].get("trace", "") else 1)' "$3"
}
bad_credentials_fail() {
        wait_until 30 "$1: the source with a wrong password FAILED" \
                task_failed_with "$1" scram-bad "SaslAuthenticationException"
        wait_until 30 "$1: the sink with a wrong password FAILED" \
                task_failed_with "$1" scram-bad-sink "SaslAuthenticationException"
        task_failed_with "$1" scram-bad "Invalid username or password" ||
                fail "$1: the source's trace does not say why the login failed"
}
PIPELINE_CHECK=bad_credentials_fail EXTRA_CONNECTORS="$WORK/scram-bad.properties $WORK/scram-bad-sink.properties" \
        pipeline scram "$KAFKA_SASL_SSL_BOOTSTRAP" scram_jks \
        "producer.override.sasl.mechanism=PLAIN
producer.override.sasl.jaas.config=\${file:$WORK/secrets.properties:plain.jaas}"
grep -Eq 'connector-producer-scram-bad-0#.*SASL authentication error: Authentication failed: Invalid username or password' \
        "$WORK/scram.log" || fail "scram: no authentication error for the override with a wrong password"
grep -q 'producer.override.sasl.jaas.config' "$WORK/scram.log" || fail "scram: task config not logged"
grep -q "sasl.jaas.config = \[hidden\]\|sasl.jaas.config = \${file" "$WORK/scram.log" ||
        fail "scram: the override's JAAS text is not hidden in the task config log"

# 2. PLAIN + PEM trust store, at the top level and under each client prefix.
plain_all() {
        plain_pem ""
        plain_pem "producer."
        plain_pem "consumer."
        plain_pem "admin."
}
pipeline plain "$KAFKA_SASL_SSL_BOOTSTRAP" plain_all

# 3. Mutual TLS: PKCS12 keystore and trust store.
pipeline mtls "$KAFKA_MTLS_BOOTSTRAP" mtls_p12

# 3b. Mutual TLS with a PEM keystore whose certificate comes from an intermediate CA: the chain
#     reaches the broker, which trusts only the root.
(
        cd "$WORK"
        ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
        openssl req "${ec[@]}" -keyout int.key -out int.csr -subj "/CN=Ferry test intermediate CA"
        printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >int.ext
        openssl x509 -req -in int.csr -CA "$KAFKA_CA_PEM" -CAkey "$KAFKA_CA_KEY" -CAcreateserial -days 1 \
                -extfile int.ext -out int.pem
        openssl req "${ec[@]}" -keyout leaf.key -out leaf.csr -subj "/CN=connect-chain"
        printf 'extendedKeyUsage=clientAuth\n' >leaf.ext
        openssl x509 -req -in leaf.csr -CA int.pem -CAkey int.key -CAcreateserial -days 1 -extfile leaf.ext \
                -out leaf.pem
        openssl pkcs8 -topk8 -in leaf.key -passout "pass:$KAFKA_CLIENT_KEYSTORE_PASSWORD" -out leaf-enc.key
        cat leaf-enc.key leaf.pem int.pem >chain-keystore.pem
) 2>"$WORK/openssl.log" || fail "making the chained client certificate: $(tail -3 "$WORK/openssl.log")"
mtls_chain() {
        cat <<P
security.protocol=SSL
ssl.keystore.type=PEM
ssl.keystore.location=$WORK/chain-keystore.pem
ssl.key.password=$KAFKA_CLIENT_KEYSTORE_PASSWORD
ssl.truststore.type=PEM
ssl.truststore.location=$KAFKA_CA_PEM
P
}
pipeline mtls-chain "$KAFKA_MTLS_BOOTSTRAP" mtls_chain

# 4. Distributed worker: config/offset/status topics and group membership over SASL_SSL.
G=sec-$$-$RANDOM
T=$(unique_topic dist)
{
        common dist "$KAFKA_SASL_SSL_BOOTSTRAP" | grep -v offset.storage.file
        scram_jks
        cat <<P
group.id=$G
config.storage.topic=$G-configs
offset.storage.topic=$G-offsets
status.storage.topic=$G-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
P
} >"$WORK/dist.properties"
start_worker dist distributed "$WORK/dist.properties"
wait_until 90 "distributed worker joined its group" grep -q "Joined group" "$WORK/dist.log"
wait_until 30 "distributed REST listener" has_port dist
DP=$(rest_port dist)
post() { curl -sf -XPOST -H 'Content-Type: application/json' "http://127.0.0.1:$DP/connectors" -d "$1" >/dev/null; }
wait_until 60 "distributed: source created" post \
        "{\"name\":\"dsrc\",\"config\":{\"connector.class\":\"FileStreamSource\",\"file\":\"$WORK/in.txt\",\"topic\":\"$T\"}}"
wait_until 60 "distributed: sink created" post \
        "{\"name\":\"dsink\",\"config\":{\"connector.class\":\"FileStreamSink\",\"file\":\"$WORK/dist.out.txt\",\"topics\":\"$T\"}}"
wait_until 90 "distributed: $N lines through the secured broker" has_at_least "$WORK/dist.out.txt" "$N"
cmp -s "$WORK/in.txt" "$WORK/dist.out.txt" || fail "distributed: the sink's file differs from the source's"
# The internal topics were written over the secured listener (read back here in plaintext).
kcat -b "$PLAIN_B" -C -t "$G-configs" -e -q -f '%k\n' -o beginning | grep -q '^connector-dsrc$' ||
        fail "distributed: no connector record in $G-configs"
check_rest dist dsrc dsink
# A connector override that cannot be honoured fails its task, the trace naming the key.
post "{\"name\":\"dbad\",\"config\":{\"connector.class\":\"FileStreamSink\",\"file\":\"$WORK/dbad.txt\",\"topics\":\"$T\",\"consumer.override.ssl.enabled.protocols\":\"TLSv1.3\"}}" ||
        fail "distributed: creating dbad"
task_failed() { curl -sf "http://127.0.0.1:$DP/connectors/dbad/status" | grep -q '"state":"FAILED"'; }
wait_until 60 "distributed: dbad's task FAILED" task_failed
curl -sf "http://127.0.0.1:$DP/connectors/dbad/status" | grep -q 'consumer.override.ssl.enabled.protocols: cannot be honoured' ||
        fail "distributed: dbad's trace does not name the key: $(curl -sf "http://127.0.0.1:$DP/connectors/dbad/status")"
stop_worker dist
info "distributed: $N lines moved, internal topics on the secured broker"

# 5. Failures name their cause and stop the worker.
# expect_failure NAME PATTERN: the worker with $WORK/NAME.properties exits non-zero, its log
# matching PATTERN (grep -E).
expect_failure() {
        start_worker "$1" standalone "$WORK/$1.properties"
        local pid
        pid=$(worker_pid "$1")
        local deadline=$((SECONDS + 60))
        while kill -0 "$pid" 2>/dev/null; do
                [ "$SECONDS" -lt "$deadline" ] || fail "$1: the worker kept running"
                sleep 0.1
        done
        set +e
        wait "$pid"
        local rc=$?
        set -e
        [ "$rc" -ne 0 ] || fail "$1: the worker exited 0"
        grep -Eq "$2" "$WORK/$1.log" || fail "$1: the log does not say /$2/: $(tail -3 "$WORK/$1.log")"
        info "$1: $(grep -Eo "$2" "$WORK/$1.log" | head -1)"
}
{
        common badpw "$KAFKA_SASL_SSL_BOOTSTRAP"
        scram_jks | sed 's/password="[^"]*";/password="not-the-password";/'
} >"$WORK/badpw.properties"
expect_failure badpw 'ferry-worker: .*Authentication failed .*invalid credentials'

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$WORK/other.key" \
        -out "$WORK/other-ca.pem" -days 1 -subj "/CN=Some other CA" 2>/dev/null
{
        common badca "$KAFKA_SASL_SSL_BOOTSTRAP"
        plain_pem "" | sed "s#^ssl.truststore.location=.*#ssl.truststore.location=$WORK/other-ca.pem#"
} >"$WORK/badca.properties"
expect_failure badca 'not signed by a CA of the client.s trust store'

{
        common badhost "localhost:${KAFKA_SASL_SSL_BOOTSTRAP##*:}"
        scram_jks
} >"$WORK/badhost.properties"
expect_failure badhost 'hostname mismatch: the broker.s certificate does not name the host'

{
        common badstore "$KAFKA_SASL_SSL_BOOTSTRAP"
        scram_jks | sed 's/^ssl.truststore.password=.*/ssl.truststore.password=wrong-store-password/'
} >"$WORK/badstore.properties"
expect_failure badstore 'ssl.truststore.password: keystore was tampered with, or password was incorrect'

{
        common badkey "$KAFKA_MTLS_BOOTSTRAP"
        mtls_p12 | sed 's/^ssl.enabled.protocols=.*/ssl.enabled.protocols=TLSv1.3/'
} >"$WORK/badkey.properties"
expect_failure badkey 'ssl.enabled.protocols: cannot be honoured'

# 6. No password in any REST answer or log line.
for secret in "$KAFKA_SCRAM_PASSWORD" "$KAFKA_PLAIN_PASSWORD" "$KAFKA_TRUSTSTORE_PASSWORD" \
        "$KAFKA_CLIENT_KEYSTORE_PASSWORD"; do
        if grep -l -F -- "$secret" "$WORK"/*.rest "$WORK"/*.log "$WORK"/*.out 2>/dev/null; then
                fail "a password shows in the REST answers or logs listed above"
        fi
done
info "no password in REST answers or logs"
