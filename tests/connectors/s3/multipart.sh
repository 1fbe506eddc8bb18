#!/usr/bin/env bash
# S3 sink multipart uploads: 12,000 records of 1,000 bytes (ByteArrayFormat) with flush.size 12000
# and s3.part.size 5 MiB become one object of about 12 MB uploaded in three parts (its ETag ends
# in -3, the multipart form); read back with boto3 it is exactly the records' bytes, each followed
# by the separator. A second connector's objects of 100 records (under one part) go up with a
# single PUT each.
# services: kafka s3
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"

s3_bucket multipart
topic=s3mpu$RANDOM
s3_topic "$topic" 1
"$PY" -c '
import sys
for i in range(12100):
    print("0\t%d\t\t%s" % (1796126400000 + i, ("r%07d-" % i).ljust(1000, "abcdefghij"[i % 10])))' >"$WORK/records.tsv"
s3u produce "$KAFKA" "$topic" <"$WORK/records.tsv" || fail "producing failed"
start_connect_worker
create_connector s3-mpu "$(s3_config "\"topics\":\"$topic\",\"flush.size\":\"12000\",\"s3.part.size\":\"5242880\",\"format.class\":\"io.confluent.connect.s3.format.bytearray.ByteArrayFormat\",\"value.converter\":\"org.apache.kafka.connect.converters.ByteArrayConverter\",\"topics.dir\":\"big\"")"
create_connector s3-small "$(s3_config "\"topics\":\"$topic\",\"flush.size\":\"100\",\"format.class\":\"io.confluent.connect.s3.format.bytearray.ByteArrayFormat\",\"value.converter\":\"org.apache.kafka.connect.converters.ByteArrayConverter\",\"topics.dir\":\"small\"")"
wait_connector_running s3-mpu 1
wait_connector_running s3-small 1
wait_for 120 "the big object" s3_count_keys big/ 1
wait_for 120 "121 small objects" s3_count_keys small/ 121
"$PY" - "$BUCKET" "$topic" "$WORK/records.tsv" "$S3_UTIL" <<'PY' || fail "multipart object differs"
import os, sys
bucket, topic, recs, util = sys.argv[1:5]
sys.path.insert(0, os.path.dirname(util))
import s3util
values = [l.rstrip("\n").split("\t", 3)[3].encode() for l in open(recs)]
k1 = "big/%s/partition=0/%s+0+0000000000.bin" % (topic, topic)
k2 = "small/%s/partition=0/%s+0+0000012000.bin" % (topic, topic)
if s3util.keys(bucket, "big/") != [k1] or k2 not in s3util.keys(bucket, "small/"):
    sys.exit("keys: %s %s" % (s3util.keys(bucket, "big/"), s3util.keys(bucket, "small/")[-3:]))
c = s3util.client()
h1, h2 = c.head_object(Bucket=bucket, Key=k1), c.head_object(Bucket=bucket, Key=k2)
if not h1["ETag"].strip('"').endswith("-3"):
    sys.exit("%s: ETag %s is not that of a 3-part upload" % (k1, h1["ETag"]))
if "-" in h2["ETag"]:
    sys.exit("%s: ETag %s: a small object should be one PUT" % (k2, h2["ETag"]))
if s3util.get(bucket, k1) != b"".join(v + b"\n" for v in values[:12000]):
    sys.exit("%s: contents differ" % k1)
if s3util.get(bucket, k2) != b"".join(v + b"\n" for v in values[12000:12100]):
    sys.exit("%s: contents differ" % k2)
print("ok: %d bytes in 3 parts, %d bytes in one PUT" % (h1["ContentLength"], h2["ContentLength"]))
PY
info "multipart upload of a 12 MB object and a single PUT of a small one: contents exact"
