#!/usr/bin/env bash
# S3 sink against a store that goes away: the object store is stopped for 30 s while records keep
# coming, then started again; the task retries, rewinds to the first offset of the files it lost
# and ends with every record stored exactly once under Confluent's names. Then wrong credentials:
# the task is FAILED with the store's error in its trace.
# services: kafka s3
# exclusive: it freezes the shared service
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"

s3_private_start "$WORK/s3"
S3_URL=$PRIV_URL
s3_bucket outage
topic=s3out$RANDOM
s3_topic "$topic" 1
config=$(s3_config "\"topics\":\"$topic\",\"flush.size\":\"50\",\"format.class\":\"io.confluent.connect.s3.format.json.JsonFormat\",\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"false\",\"s3.part.retries\":\"2\",\"s3.retry.backoff.ms\":\"100\"")
start_connect_worker
create_connector s3-outage "$config"
wait_connector_running s3-outage 1

produce() { # ids $1..$2
        seq "$1" "$2" | awk '{printf "0\t%d\t\t{\"id\":%d}\n", 1796126400000 + $1, $1}' | s3u produce "$KAFKA" "$topic" ||
                fail "producing failed"
}
produce 0 199
wait_for 60 "4 objects" s3_count_keys "topics/" 4
s3_private_stop
info "store stopped"
produce 200 499
failed_seen() { grep -q "the store failed" "$WORK/connect.log"; }
wait_for 60 "the task to notice the store is gone" failed_seen
sleep 30 # the outage itself: the store stays away this long
s3_private_start "$WORK/s3"
info "store started again"
wait_for 120 "10 objects" s3_count_keys "topics/" 10
[ "$(connector_state s3-outage 0)" = RUNNING ] || fail "task not RUNNING after the outage"
expected=$(for s in $(seq 0 50 450); do printf 'topics/%s/partition=0/%s+0+%010d.json\n' "$topic" "$topic" "$s"; done)
[ "$(s3u keys "$BUCKET" topics/)" = "$expected" ] || fail "object keys after the outage: $(s3u keys "$BUCKET" topics/ | head -12)"
ids=$(s3u keys "$BUCKET" topics/ | while read -r k; do s3u cat "$BUCKET" "$k"; done |
        "$PY" -c 'import sys, json; ids = [json.loads(l)["id"] for l in sys.stdin]; print(len(ids), len(set(ids)), ids == sorted(ids))')
[ "$ids" = "500 500 True" ] || fail "records after the outage (count, distinct, in order): $ids"
info "store down 30 s: nothing lost, nothing twice"

# Wrong credentials: FAILED, with the store's answer.
bad=$(printf '%s' "$config" | sed "s/\"aws.secret.access.key\":\"[^\"]*\"/\"aws.secret.access.key\":\"wrong-secret\"/")
create_connector s3-badcreds "$bad"
task_failed() { [ "$(connector_state s3-badcreds 0)" = FAILED ]; }
wait_for 60 "s3-badcreds task FAILED" task_failed
trace=$(curl -s "$REST/connectors/s3-badcreds/status")
case $trace in
*403*SignatureDoesNotMatch* | *403*InvalidAccessKeyId* | *403*AccessDenied*) ;;
*) fail "FAILED without the store's error: $trace" ;;
esac
info "wrong credentials: FAILED with the store's 403"
