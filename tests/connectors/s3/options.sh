#!/usr/bin/env bash
# S3 sink options, each checked against what a real store shows:
# - store.kafka.keys + store.kafka.headers: beside every data file, <name>.keys.avro and
#   <name>.headers.avro (the default formats) or .keys.json / .headers.json, holding the keys
#   and Confluent's headers view (Avro: an array of {key, value} strings; JSON: the same array
#   in {"headers": [...]}), read back with boto3 and fastavro;
# - s3.conditional.writes: an object already at a file's key is kept (the store answers 412) and
#   the offsets move past it; with false it is overwritten;
# - s3.ssea.name / s3.sse.kms.key.id and s3.acl.canned: on moto's S3 (server mode, PyPI) behind a
#   recording relay (record_proxy.py), the PUT and the CreateMultipartUpload carry the headers
#   and the store reports the encryption (head_object) and the grants (get_object_acl);
#   public-read also on s3proxy; s3proxy refuses bucket-owner-full-control (501), which fails
#   the task naming the object key and the store's answer;
# - s3.path.style.access.enabled=false: requests go to <bucket>.localhost (libcurl resolves
#   *.localhost to the loopback) with the key alone as the path, through the relay to a
#   test-owned s3proxy with s3proxy.virtual-host=localhost;
# - credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, and from the shared credentials
#   file (AWS_SHARED_CREDENTIALS_FILE, profile AWS_PROFILE) in a second worker; a wrong secret
#   there fails the task with the store's 403.
# services: kafka s3
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"
use_kafka

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# relay NAME UPSTREAM: a recording relay (log $WORK/NAME.log); sets RELAY_PORT.
relay() {
        "$PY" tests/connectors/s3/record_proxy.py "$WORK/$1.port" "$2" "$WORK/$1.log" 2>"$WORK/$1.err" &
        CLEANUP+=("kill $! 2>/dev/null")
        wait_for 30 "the $1 relay listens" test -s "$WORK/$1.port"
        RELAY_PORT=$(cat "$WORK/$1.port")
}

# Stores: moto (SSE, ACLs) and a virtual-host s3proxy start while the records are produced.
MOTO=$(dirname "$PY")/moto_server
[ -x "$MOTO" ] || fail "no moto_server in the venv ($MOTO)"
moto_port=$(free_port)
"$MOTO" -H 127.0.0.1 -p "$moto_port" >"$WORK/moto.log" 2>&1 &
CLEANUP+=("kill $! 2>/dev/null")
MOTO_URL=http://127.0.0.1:$moto_port
moto() { S3_URL=$MOTO_URL S3_USER=moto S3_PASSWORD=moto S3_LOCATION=us-west-2 s3u "$@"; }

topic=s3opt$RANDOM
big=s3optbig$RANDOM
s3_topic "$topic" 1
s3_topic "$big" 1
# 6 records: key k<i>, value {"id":i}, headers trace=t<i> and n=<i> (the header converter reads
# "3" as a number and the headers view writes it back as "3").
for i in 0 1 2 3 4 5; do printf '0\t%s\tk%d\t{"id":%d}\ttrace=t%d;n=%d\n' "$((1796126400000 + i))" "$i" "$i" "$i" "$i"; done |
        s3u produce "$KAFKA" "$topic" || fail "producing to $topic failed"
# 7 records of 900,000 bytes: one 6.3 MB file, more than one 5 MiB part (a multipart upload).
"$PY" -c 'import sys
for i in range(7): sys.stdout.write("0\t1796126400000\t\t%d%s\n" % (i, "x" * 899999))' |
        s3u produce "$KAFKA" "$big" || fail "producing to $big failed"

s3_private_start "$WORK/vhost" s3proxy.virtual-host=localhost
wait_for 60 "moto answers" curl -s -o /dev/null -m 2 "$MOTO_URL/moto-api/"
relay moto-relay "127.0.0.1:$moto_port"
moto_relay=http://127.0.0.1:$RELAY_PORT
relay vhost-relay "127.0.0.1:$PRIV_PORT"
vhost_relay_port=$RELAY_PORT

s3_bucket options
moto mkbucket "$BUCKET" || fail "cannot create bucket $BUCKET in moto"
S3_URL=http://localhost:$PRIV_PORT s3u mkbucket "$BUCKET" || fail "cannot create bucket $BUCKET in the virtual-host s3proxy"
# Objects already at the keys of the first files of the conditional-writes connectors.
first() { printf '%s/%s/partition=0/%s+0+0000000000.json' "$1" "$topic" "$topic"; }
echo sentinel | s3u put "$BUCKET" "$(first cond)" || fail "cannot put the sentinel object"
echo sentinel | s3u put "$BUCKET" "$(first nocond)" || fail "cannot put the sentinel object"

# Worker 1 has the shared s3proxy's keys in its environment; worker 2 a credentials file only.
mkdir -p "$WORK/aws"
creds_file() {
        printf '[default]\naws_access_key_id = nobody\naws_secret_access_key = nothing\n\n[ferry]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
                "$S3_USER" "$1" >"$WORK/aws/credentials"
}
creds_file "$S3_PASSWORD"
unset AWS_SESSION_TOKEN AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN AWS_PROFILE
export AWS_SHARED_CREDENTIALS_FILE=$WORK/no-such-file
AWS_ACCESS_KEY_ID=$S3_USER AWS_SECRET_ACCESS_KEY=$S3_PASSWORD start_connect_worker
REST1=$REST
sed -e "s#$WORK/connect.offsets#$WORK/connect2.offsets#" "$WORK/connect.properties" >"$WORK/connect2.properties"
AWS_SHARED_CREDENTIALS_FILE=$WORK/aws/credentials AWS_PROFILE=ferry start_worker connect2 standalone "$WORK/connect2.properties"
rest2_port() { sed -n 's/.*REST server listening on http:\/\/[^ ]*:\([0-9][0-9]*\).*/\1/p' "$WORK/connect2.log" | head -1; }
has_rest2() { [ -n "$(rest2_port)" ]; }
wait_for 60 "worker 2's REST listener" has_rest2
REST2=http://127.0.0.1:$(rest2_port)

T="\"topics\":\"$topic\",\"flush.size\":\"3\",\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"false\""
JSONF=io.confluent.connect.s3.format.json.JsonFormat
fmt="\"format.class\":\"$JSONF\""
sink() { # sink STORE_URL EXTRA: a config without keys
        printf '{"connector.class":"io.confluent.connect.s3.S3SinkConnector","s3.bucket.name":"%s","store.url":"%s","s3.region":"us-west-2","tasks.max":"1"%s}' \
                "$BUCKET" "$1" "${2:+,$2}"
}
moto_keys='"aws.access.key.id":"moto","aws.secret.access.key":"moto"'
create_connector opt-kh "$(s3_config "$T,$fmt,\"topics.dir\":\"kh\",\"store.kafka.keys\":\"true\",\"store.kafka.headers\":\"true\"")"
create_connector opt-khj "$(s3_config "$T,$fmt,\"topics.dir\":\"khj\",\"store.kafka.keys\":\"true\",\"store.kafka.headers\":\"true\",\"keys.format.class\":\"$JSONF\",\"headers.format.class\":\"$JSONF\"")"
create_connector opt-cond "$(s3_config "$T,$fmt,\"topics.dir\":\"cond\"")"
create_connector opt-nocond "$(s3_config "$T,$fmt,\"topics.dir\":\"nocond\",\"s3.conditional.writes\":\"false\"")"
create_connector opt-acl "$(s3_config "$T,$fmt,\"topics.dir\":\"acl\",\"s3.acl.canned\":\"public-read\"")"
create_connector opt-bofc "$(s3_config "$T,$fmt,\"topics.dir\":\"bofc\",\"s3.acl.canned\":\"bucket-owner-full-control\"")"
create_connector opt-env "$(sink "$S3_URL" "$T,$fmt,\"topics.dir\":\"env\"")"
create_connector opt-sse "$(sink "$moto_relay" "$moto_keys,$T,$fmt,\"topics.dir\":\"sse\",\"s3.ssea.name\":\"AES256\",\"s3.acl.canned\":\"bucket-owner-full-control\"")"
create_connector opt-kms "$(sink "$moto_relay" "$moto_keys,\"topics\":\"$big\",\"flush.size\":\"7\",\"value.converter\":\"org.apache.kafka.connect.converters.ByteArrayConverter\",\"format.class\":\"io.confluent.connect.s3.format.bytearray.ByteArrayFormat\",\"topics.dir\":\"kms\",\"s3.part.size\":\"5242880\",\"s3.ssea.name\":\"aws:kms\",\"s3.sse.kms.key.id\":\"ferry-key-1\",\"s3.acl.canned\":\"public-read\"")"
create_connector opt-vhost "$(sink "http://localhost:$vhost_relay_port" "\"aws.access.key.id\":\"$S3_USER\",\"aws.secret.access.key\":\"$S3_PASSWORD\",$T,$fmt,\"topics.dir\":\"vhost\",\"s3.path.style.access.enabled\":\"false\"")"
REST=$REST2
create_connector opt-file "$(sink "$S3_URL" "$T,$fmt,\"topics.dir\":\"file\"")"
wait_connector_running opt-file 1 30
# The file now holds a wrong secret: a task started from here on signs with it.
creds_file wrong-secret
create_connector opt-file-bad "$(sink "$S3_URL" "$T,$fmt,\"topics.dir\":\"filebad\"")"
REST=$REST1

# Objects, contents, encryption, grants and the requests the relays saw.
S3_MOTO=$MOTO_URL S3_VHOST=http://localhost:$PRIV_PORT "$PY" - "$BUCKET" "$topic" "$big" "$S3_UTIL" \
        "$WORK/moto-relay.log" "$WORK/vhost-relay.log" "$KAFKA" <<'PY' || fail "the options' objects differ from what they should be"
import io, json, os, re, sys, time, urllib.parse
bucket, topic, big, util, moto_log, vhost_log, kafka = sys.argv[1:8]
sys.path.insert(0, os.path.dirname(util))
import s3util, fastavro

def store(url, user, password):
    os.environ.update(S3_URL=url, S3_USER=user, S3_PASSWORD=password)
    return s3util.client()

url, user, password = os.environ["S3_URL"], os.environ["S3_USER"], os.environ["S3_PASSWORD"]
vhost = store(os.environ["S3_VHOST"], user, password)
moto = store(os.environ["S3_MOTO"], "moto", "moto")
proxy = store(url, user, password)
deadline = time.time() + 25

def wait_keys(c, prefix, want):
    while True:
        got = sorted(o["Key"] for o in c.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", []))
        if got == sorted(want):
            return
        if time.time() > deadline or len(got) > len(want):
            sys.exit("%s: keys\n  got  %s\n  want %s" % (prefix, got, sorted(want)))
        time.sleep(0.3)

def body(c, k):
    return c.get_object(Bucket=bucket, Key=k)["Body"].read()

def name(d, start, ext):
    return "%s/%s/partition=0/%s+0+%010d%s" % (d, topic, topic, start, ext)

def expect(what, got, want):
    if got != want:
        sys.exit("%s:\n  got  %r\n  want %r" % (what, got, want))

def rows(data):
    return [json.loads(l) for l in data.decode().splitlines()]

ids = {0: [0, 1, 2], 3: [3, 4, 5]}
hdrs = lambda i: [{"key": "trace", "value": "t%d" % i}, {"key": "n", "value": "%d" % i}]

# store.kafka.keys + store.kafka.headers, Avro siblings (the default formats)
wait_keys(proxy, "kh/", [name("kh", s, e) for s in ids for e in (".json", ".keys.avro", ".headers.avro")])
for s, l in ids.items():
    expect(name("kh", s, ".json"), rows(body(proxy, name("kh", s, ".json"))), [{"id": i} for i in l])
    expect(name("kh", s, ".keys.avro"), s3util.avro_records(body(proxy, name("kh", s, ".keys.avro"))), ["k%d" % i for i in l])
    r = fastavro.reader(io.BytesIO(body(proxy, name("kh", s, ".headers.avro"))))
    sch = r.writer_schema
    expect(name("kh", s, ".headers.avro") + " schema", (sch["type"], sch["items"]["type"], sch["items"]["name"],
           [(f["name"], f["type"]) for f in sch["items"]["fields"]]),
           ("array", "record", "io.confluent.connect.avro.ConnectDefault", [("key", "string"), ("value", "string")]))
    expect(name("kh", s, ".headers.avro"), list(r), [hdrs(i) for i in l])
print("ok store.kafka.keys/headers: .keys.avro and .headers.avro beside each file")
# the same with keys.format.class / headers.format.class JsonFormat
wait_keys(proxy, "khj/", [name("khj", s, e) for s in ids for e in (".json", ".keys.json", ".headers.json")])
for s, l in ids.items():
    expect(name("khj", s, ".keys.json"), rows(body(proxy, name("khj", s, ".keys.json"))), ["k%d" % i for i in l])
    expect(name("khj", s, ".headers.json"), rows(body(proxy, name("khj", s, ".headers.json"))), [{"headers": hdrs(i)} for i in l])
print("ok store.kafka.keys/headers: .keys.json and .headers.json (headers enveloped)")

# conditional writes: the object already at the first file's key is kept, and the offsets move on
wait_keys(proxy, "cond/", [name("cond", 0, ".json"), name("cond", 3, ".json")])
expect(name("cond", 0, ".json") + " (written before the connector)", body(proxy, name("cond", 0, ".json")), b"sentinel\n")
expect(name("cond", 3, ".json"), rows(body(proxy, name("cond", 3, ".json"))), [{"id": i} for i in ids[3]])
from confluent_kafka import Consumer, TopicPartition
cons = Consumer({"bootstrap.servers": kafka, "group.id": "connect-opt-cond"})
while True:
    try:
        off = cons.committed([TopicPartition(topic, 0)], timeout=5)[0].offset
    except Exception as e:  # a coordinator still loading: asked again below
        off = str(e)
    if off == 6:
        break
    if time.time() > deadline:
        sys.exit("connect-opt-cond committed offset %s of %s-0, want 6 (the kept file counts as stored)" % (off, topic))
    time.sleep(0.3)
cons.close()
print("ok s3.conditional.writes=true: the existing object kept (412), offset 6 committed")
# s3.conditional.writes=false: overwritten
def wait_body(c, k, want):
    while True:
        got = body(c, k)
        if got == want or time.time() > deadline:
            return expect(k, got, want)
        time.sleep(0.3)
wait_keys(proxy, "nocond/", [name("nocond", 0, ".json"), name("nocond", 3, ".json")])
wait_body(proxy, name("nocond", 0, ".json"), b'{"id":0}\n{"id":1}\n{"id":2}\n')
print("ok s3.conditional.writes=false: the existing object overwritten")

# credentials from the environment (worker 1) and from the credentials file (worker 2)
for d in ("env", "file"):
    wait_keys(proxy, d + "/", [name(d, 0, ".json"), name(d, 3, ".json")])
    for s, l in ids.items():
        expect(name(d, s, ".json"), rows(body(proxy, name(d, s, ".json"))), [{"id": i} for i in l])
print("ok credentials from AWS_ACCESS_KEY_ID and from the credentials file")

# s3.acl.canned=public-read on s3proxy
wait_keys(proxy, "acl/", [name("acl", 0, ".json"), name("acl", 3, ".json")])
def grants(c, k):
    return sorted("%s %s" % (g["Grantee"].get("URI") or g["Grantee"]["Type"], g["Permission"])
                  for g in c.get_object_acl(Bucket=bucket, Key=k)["Grants"])
public = ["CanonicalUser FULL_CONTROL", "http://acs.amazonaws.com/groups/global/AllUsers READ"]
for s in ids:
    expect(name("acl", s, ".json") + " grants (s3proxy)", grants(proxy, name("acl", s, ".json")), public)
print("ok s3.acl.canned=public-read: s3proxy grants AllUsers READ")

# moto: AES256 + bucket-owner-full-control on PUTs; aws:kms + key id + public-read on a multipart upload
wait_keys(moto, "sse/", [name("sse", 0, ".json"), name("sse", 3, ".json")])
for s in ids:
    h = moto.head_object(Bucket=bucket, Key=name("sse", s, ".json"))
    expect(name("sse", s, ".json") + " encryption (moto)", (h.get("ServerSideEncryption"), h.get("SSEKMSKeyId")), ("AES256", None))
    expect(name("sse", s, ".json") + " grants (moto)", grants(moto, name("sse", s, ".json")), ["CanonicalUser FULL_CONTROL"])
kms = "kms/%s/partition=0/%s+0+0000000000.bin" % (big, big)
wait_keys(moto, "kms/", [kms])
h = moto.head_object(Bucket=bucket, Key=kms)
expect(kms + " encryption (moto)", (h.get("ServerSideEncryption"), h.get("SSEKMSKeyId"), h["ContentLength"]), ("aws:kms", "ferry-key-1", 7 * 900001))
expect(kms + " grants (moto)", grants(moto, kms), public)
log = open(moto_log).read().splitlines()
enc = lambda k: urllib.parse.quote(k, safe="/-_.~")  # SigV4's URI encoding of a key
def seen(what, pattern):
    hits = [l for l in log if re.fullmatch(pattern, l)]
    if not hits:
        sys.exit("the relay saw no %s (/%s/); it saw:\n  %s" % (what, pattern, "\n  ".join(l for l in log if "/" + bucket + "/" in l)))
for s in ids:
    seen("PUT of %s with If-None-Match, the ACL and AES256" % name("sse", s, ".json"),
         r"PUT /%s/%s host=\S+ if-none-match=\* x-amz-acl=bucket-owner-full-control x-amz-server-side-encryption=AES256 -> 200"
         % (bucket, re.escape(enc(name("sse", s, ".json")))))
seen("CreateMultipartUpload of %s with the ACL and aws:kms" % kms,
     r"POST /%s/%s\?uploads= host=\S+ x-amz-acl=public-read x-amz-server-side-encryption=aws:kms x-amz-server-side-encryption-aws-kms-key-id=ferry-key-1 -> 200"
     % (bucket, re.escape(enc(kms))))
seen("second part of %s" % kms, r"PUT /%s/%s\?partNumber=2&uploadId=\S+ host=\S+ -> 200" % (bucket, re.escape(enc(kms))))
seen("CompleteMultipartUpload of %s with If-None-Match" % kms,
     r"POST /%s/%s\?uploadId=\S+ host=\S+ if-none-match=\* -> 200" % (bucket, re.escape(enc(kms))))
print("ok s3.ssea.name/s3.sse.kms.key.id/s3.acl.canned: headers sent, moto reports them")

# virtual-hosted-style URLs through the relay to s3proxy with s3proxy.virtual-host=localhost
wait_keys(vhost, "vhost/", [name("vhost", 0, ".json"), name("vhost", 3, ".json")])
for s, l in ids.items():
    expect(name("vhost", s, ".json"), rows(body(vhost, name("vhost", s, ".json"))), [{"id": i} for i in l])
log = open(vhost_log).read().splitlines()
for s in ids:
    seen("virtual-hosted PUT of %s" % name("vhost", s, ".json"),
         r"PUT /%s host=%s\.localhost:\d+ if-none-match=\* -> 200" % (re.escape(enc(name("vhost", s, ".json"))), re.escape(bucket)))
path_style = [l for l in log if l.split()[1].startswith("/" + bucket)]
expect("requests with the bucket in the path", path_style, [])
print("ok s3.path.style.access.enabled=false: %s.localhost/<key>" % bucket)
PY

# Failures: the store's answers, naming what they are about.
REST=$REST1
failed() { [ "$(connector_state "$1" 0)" = FAILED ]; }
wait_for 20 "opt-bofc FAILED" failed opt-bofc
bofc_key=bofc/$topic/partition=0/$topic+0+0000000000.json
curl -s "$REST/connectors/opt-bofc/status" | grep -qF "S3 PUT $bofc_key: 501 NotImplemented" ||
        fail "opt-bofc's trace does not name $bofc_key and s3proxy's 501: $(curl -s "$REST/connectors/opt-bofc/status")"
! grep -q "does not support conditional writes" "$WORK/connect.log" ||
        fail "a 501 to another header turned conditional writes off: $(grep "conditional writes" "$WORK/connect.log")"
grep -q "S3 sink task 0: bucket $BUCKET, credentials from environment" "$WORK/connect.log" ||
        fail "no task took its credentials from the environment: $(grep -i credentials "$WORK/connect.log" | head -3)"
grep -q "S3 sink task 0: bucket $BUCKET, credentials from $WORK/aws/credentials" "$WORK/connect2.log" ||
        fail "worker 2's task did not take its credentials from the file: $(grep -i credentials "$WORK/connect2.log" | head -3)"
REST=$REST2
wait_for 20 "opt-file-bad FAILED" failed opt-file-bad
curl -s "$REST/connectors/opt-file-bad/status" | grep -qF "S3 bucket $BUCKET: 403 SignatureDoesNotMatch" ||
        fail "opt-file-bad's trace does not name the store's 403: $(curl -s "$REST/connectors/opt-file-bad/status")"
info "all options as the store shows them"
