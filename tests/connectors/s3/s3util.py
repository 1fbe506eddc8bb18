"""Independent S3 and Kafka helpers for the S3 sink tests: boto3 lists and fetches objects,
fastavro reads Avro files, confluent-kafka's AdminClient creates topics.

usage: s3util.py mkbucket BUCKET | keys BUCKET [PREFIX] | cat BUCKET KEY | avro BUCKET KEY
       | gunzip BUCKET KEY | mktopic BOOTSTRAP TOPIC PARTITIONS | dump BUCKET PREFIX
       | produce BOOTSTRAP TOPIC < "partition\tts\tkey\tvalue[\th1=v1;h2=v2]" lines
       | put BUCKET KEY < body
Environment: S3_URL, S3_USER, S3_PASSWORD; S3_LOCATION (a LocationConstraint for mkbucket)."""
import gzip
import io
import json
import os
import sys


def client():
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=os.environ["S3_URL"],
        aws_access_key_id=os.environ["S3_USER"],
        aws_secret_access_key=os.environ["S3_PASSWORD"],
        region_name="us-west-2",
        config=Config(
            s3={"addressing_style": "path"},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            retries={"max_attempts": 2},
        ),
    )


def keys(bucket, prefix=""):
    out = []
    p = client().get_paginator("list_objects_v2")
    for page in p.paginate(Bucket=bucket, Prefix=prefix):
        out += [o["Key"] for o in page.get("Contents", [])]
    return sorted(out)


def get(bucket, key):
    return client().get_object(Bucket=bucket, Key=key)["Body"].read()


def avro_records(data):
    import fastavro

    return list(fastavro.reader(io.BytesIO(data)))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "mkbucket":
        loc = os.environ.get("S3_LOCATION")
        extra = {"CreateBucketConfiguration": {"LocationConstraint": loc}} if loc else {}
        client().create_bucket(Bucket=args[0], **extra)
    elif cmd == "put":
        client().put_object(Bucket=args[0], Key=args[1], Body=sys.stdin.buffer.read())
    elif cmd == "keys":
        for k in keys(args[0], args[1] if len(args) > 1 else ""):
            print(k)
    elif cmd == "cat":
        sys.stdout.buffer.write(get(args[0], args[1]))
    elif cmd == "gunzip":
        sys.stdout.buffer.write(gzip.decompress(get(args[0], args[1])))
    elif cmd == "avro":
        for r in avro_records(get(args[0], args[1])):
            print(json.dumps(r, sort_keys=True, default=str))
    elif cmd == "dump":
        # every object under PREFIX: "key<TAB>sha256" lines, for comparing whole runs
        import hashlib

        for k in keys(args[0], args[1]):
            print("%s\t%s" % (k, hashlib.sha256(get(args[0], k)).hexdigest()))
    elif cmd == "produce":
        # stdin lines "partition<TAB>timestamp ms<TAB>key<TAB>value"
        from confluent_kafka import Producer

        pr = Producer({"bootstrap.servers": args[0], "enable.idempotence": True})
        for line in sys.stdin:
            part, ts, key, value, *hs = line.rstrip("\n").split("\t", 4)
            headers = [tuple(h.split("=", 1)) for h in hs[0].split(";")] if hs and hs[0] else None
            pr.produce(args[1], value=value.encode(), key=key.encode() if key else None,
                       partition=int(part), timestamp=int(ts), headers=headers)
            pr.poll(0)
        if pr.flush(30):
            sys.exit("produce: not every record was acknowledged")
    elif cmd == "mktopic":
        from confluent_kafka.admin import AdminClient, NewTopic

        a = AdminClient({"bootstrap.servers": args[0]})
        fs = a.create_topics([NewTopic(args[1], num_partitions=int(args[2]), replication_factor=1)])
        for f in fs.values():
            f.result(30)
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
