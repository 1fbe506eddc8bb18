#!/usr/bin/env bash
# S3 sink credentials from web identity, as on EKS: no keys in the config or the environment, only
# AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN. The task gets temporary keys from STS
# AssumeRoleWithWebIdentity and writes with them. The STS endpoint and the store are moto's
# server mode (PyPI, pinned in hack/pyenv/requirements.txt), started by this test on a free port;
# the objects are read back with boto3. Then an unreadable token file: the task FAILS with a
# message naming AWS_WEB_IDENTITY_TOKEN_FILE.
# services: kafka
source "$(dirname "$0")/../lib.sh"
cd "$REPO"
use_kafka
PY=$("$REPO/hack/pyenv.sh" | tail -1) || fail "hack/pyenv.sh failed"
MOTO=$(dirname "$PY")/moto_server
[ -x "$MOTO" ] || fail "no moto_server in the venv ($MOTO)"

port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$MOTO" -H 127.0.0.1 -p "$port" >"$WORK/moto.log" 2>&1 &
moto_pid=$!
CLEANUP+=("kill $moto_pid 2>/dev/null")
MOTO_URL=http://127.0.0.1:$port
wait_for 60 "moto answers" curl -s -o /dev/null -m 2 "$MOTO_URL/moto-api/"

bucket=ferry-wi-$RANDOM
topic=s3wi$RANDOM
# Independent client: boto3 against moto (moto's S3 takes any keys).
boto() {
        S3_URL=$MOTO_URL S3_USER=setup S3_PASSWORD=setup "$PY" tests/connectors/s3/s3util.py "$@"
}
S3_URL=$MOTO_URL S3_USER=setup S3_PASSWORD=setup "$PY" -c '
import sys
sys.path.insert(0, "tests/connectors/s3")
import s3util
s3util.client().create_bucket(Bucket=sys.argv[1], CreateBucketConfiguration={"LocationConstraint": "us-west-2"})' "$bucket" ||
        fail "cannot create bucket $bucket in moto"
boto mktopic "$KAFKA" "$topic" 1 || fail "cannot create topic $topic"

printf 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZmVycnk6c2luayJ9.c2ln\n' >"$WORK/token"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
export AWS_SHARED_CREDENTIALS_FILE=$WORK/no-such-credentials
export AWS_WEB_IDENTITY_TOKEN_FILE=$WORK/token AWS_ROLE_ARN=arn:aws:iam::123456789012:role/ferry-sink
export AWS_ROLE_SESSION_NAME=ferry-test AWS_ENDPOINT_URL_STS=$MOTO_URL
config="{\"connector.class\":\"io.confluent.connect.s3.S3SinkConnector\",\"s3.bucket.name\":\"$bucket\",
\"store.url\":\"$MOTO_URL\",\"s3.region\":\"us-west-2\",\"tasks.max\":\"1\",\"topics\":\"$topic\",\"flush.size\":\"10\",
\"format.class\":\"io.confluent.connect.s3.format.json.JsonFormat\",
\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"false\"}"
start_connect_worker
create_connector s3-wi "$config"
wait_connector_running s3-wi 1
for i in $(seq 0 19); do printf '{"id":%d}\n' "$i"; done | produce_records "$topic"
two_objects() { [ "$(boto keys "$bucket" topics/ | wc -l)" -eq 2 ]; }
wait_for 60 "2 objects in moto" two_objects
grep -q "credentials from web identity ($WORK/token, role $AWS_ROLE_ARN)" "$WORK/connect.log" ||
        fail "the task did not take its credentials from web identity: $(grep -i credentials "$WORK/connect.log" | head -3)"
got=$(for k in $(boto keys "$bucket" topics/); do boto cat "$bucket" "$k"; done | tr -d '\n')
want=$(for i in $(seq 0 19); do printf '{"id":%d}' "$i"; done)
[ "$got" = "$want" ] || fail "objects hold $got, want $want"
[ "$(boto keys "$bucket" topics/)" = "$(printf 'topics/%s/partition=0/%s+0+%010d.json\n' "$topic" "$topic" 0 "$topic" "$topic" 10)" ] ||
        fail "object keys: $(boto keys "$bucket" topics/)"
info "web identity: keys from STS AssumeRoleWithWebIdentity, 2 objects written with them"

# A token file that cannot be read: a clear FAILED status.
stop_worker connect
rm -f "$WORK/token"
mv "$WORK/connect.log" "$WORK/connect-1.log"
start_connect_worker
create_connector s3-wi2 "$config"
failed() { [ "$(connector_state s3-wi2 0)" = FAILED ]; }
wait_for 60 "the task FAILED" failed
curl -s "$REST/connectors/s3-wi2/status" | grep -q "AWS_WEB_IDENTITY_TOKEN_FILE: cannot read $WORK/token" ||
        fail "status does not name the token file: $(curl -s "$REST/connectors/s3-wi2/status")"
info "an unreadable token file fails the task naming AWS_WEB_IDENTITY_TOKEN_FILE"
