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
