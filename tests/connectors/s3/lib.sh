# Helpers for the S3 sink tests (sourced after tests/connectors/lib.sh): the shared s3proxy
# (hack/services/s3.sh) read back with boto3 and fastavro through s3util.py, and topics created
# with confluent-kafka's AdminClient.

use_service s3
PY=$("$REPO/hack/pyenv.sh" | tail -1) || fail "hack/pyenv.sh failed"
export S3_URL S3_USER S3_PASSWORD
S3_UTIL=$REPO/tests/connectors/s3/s3util.py

s3u() { "$PY" "$S3_UTIL" "$@"; }

# s3_bucket: a new empty bucket for this test (name in BUCKET).
s3_bucket() {
        BUCKET=ferry-$(printf '%s' "${1:-t}" | tr 'A-Z_' 'a-z-')-$RANDOM$RANDOM
        s3u mkbucket "$BUCKET" || fail "cannot create bucket $BUCKET"
}

# s3_topic NAME PARTITIONS: creates a topic.
s3_topic() {
        [ -n "$KAFKA" ] || use_kafka
        s3u mktopic "$KAFKA" "$1" "$2" || fail "cannot create topic $1"
}

# s3_count_keys PREFIX N: true once exactly N objects are under PREFIX.
s3_count_keys() { [ "$(s3u keys "$BUCKET" "$1" | wc -l)" -eq "$2" ]; }

# s3_config EXTRA_JSON_MEMBERS: the common connector config as JSON, members appended.
s3_config() {
        printf '{"connector.class":"io.confluent.connect.s3.S3SinkConnector","s3.bucket.name":"%s","store.url":"%s","aws.access.key.id":"%s","aws.secret.access.key":"%s","s3.region":"us-west-2","tasks.max":"1"%s}' \
                "$BUCKET" "$S3_URL" "$S3_USER" "$S3_PASSWORD" "${1:+,$1}"
}

# s3_private_start DIR [PROPERTY=VALUE ...]: a test-owned s3proxy (same jar and credentials as
# the shared one) on a free port with its data in DIR, so the test can stop and restart it without
# losing objects; extra s3proxy properties as arguments (s3proxy.virtual-host=localhost); sets
# PRIV_URL, PRIV_PORT and PRIV_PID. s3_private_stop ends it (its pid only).
s3_private_start() {
        local dir=$1 java jar
        jar=${FERRY_CACHE:-$REPO/.cache}/s3proxy/4.1.0/s3proxy-4.1.0-jar-with-dependencies.jar
        [ -f "$jar" ] || fail "no s3proxy jar at $jar (hack/services.sh start s3 fetches it)"
        java=$(ls /usr/lib/jvm/java-17-openjdk*/bin/java 2>/dev/null | head -1)
        [ -n "$java" ] || java=java
        mkdir -p "$dir/data"
        if [ -z "${PRIV_PORT:-}" ]; then
                PRIV_PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        fi
        cat >"$dir/s3proxy.properties" <<PROPS
s3proxy.endpoint=http://127.0.0.1:$PRIV_PORT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$S3_USER
s3proxy.credential=$S3_PASSWORD
jclouds.provider=filesystem-nio2
jclouds.filesystem.basedir=$dir/data
PROPS
        shift
        local kv
        for kv in "$@"; do echo "$kv" >>"$dir/s3proxy.properties"; done
        "$java" -Xmx160m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -jar "$jar" --properties "$dir/s3proxy.properties" \
                >>"$dir/s3proxy.log" 2>&1 &
        PRIV_PID=$!
        CLEANUP+=("kill $PRIV_PID 2>/dev/null")
        PRIV_URL=http://127.0.0.1:$PRIV_PORT
        wait_for 60 "the private s3proxy answers" curl -s -o /dev/null -m 2 "$PRIV_URL/"
}

s3_private_stop() {
        kill "$PRIV_PID" 2>/dev/null || true
        local deadline=$((SECONDS + 30))
        while kill -0 "$PRIV_PID" 2>/dev/null; do
                [ "$SECONDS" -lt "$deadline" ] || kill -9 "$PRIV_PID" 2>/dev/null || true
                sleep 0.1
        done
}
