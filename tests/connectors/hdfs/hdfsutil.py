"""Independent WebHDFS helpers for the HDFS sink tests (Python's urllib against the NameNode's REST
API, fastavro for Avro files): list a tree, read and write files, check committed files against the
records produced.

usage: hdfsutil.py ls PATH          every file below PATH, one path per line (recursive)
       | cat PATH                   a file's bytes
       | put PATH < data            writes (overwrites) a file
       | rm PATH                    deletes recursively
       | avro PATH                  an Avro file's records as JSON lines
       | wal PATH                   a Confluent write-ahead log's records: BEGIN, END or
                                    "<temp>\t<committed>" (fails on a damaged file)
       | exactly-once ROOT TOPIC PARTITIONS N EXT
                                    the committed files under ROOT/TOPIC hold offsets 0..N-1 of
                                    every partition exactly once (JSON values {"p":..,"o":..})
       | kafka-rewind BOOTSTRAP GROUP TOPIC PARTITIONS
                                    sets the consumer group's committed offsets to 0 (waits,
                                    up to 60 s, until the group has no live member)
Environment: HDFS_URL (http://host:port of the NameNode)."""
import io
import json
import os
import re
import struct
import sys
import urllib.error
import urllib.parse
import urllib.request

BASE = os.environ.get("HDFS_URL", "").rstrip("/")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


def url(path, op, **q):
    q = dict(op=op, **{"user.name": "ferry"}, **q)
    return "%s/webhdfs/v1%s?%s" % (BASE, urllib.parse.quote(path), urllib.parse.urlencode(q))


def call(method, path, op, data=None, **q):
    req = urllib.request.Request(url(path, op, **q), method=method, data=data)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def listdir(path):
    st, body = call("GET", path, "LISTSTATUS")
    if st == 404:
        return []
    if st != 200:
        raise SystemExit("LISTSTATUS %s: %s %s" % (path, st, body[:200]))
    return json.loads(body)["FileStatuses"]["FileStatus"]


def walk(path):
    out = []
    for e in listdir(path):
        p = path.rstrip("/") + "/" + e["pathSuffix"]
        if e["type"] == "DIRECTORY":
            out += walk(p)
        else:
            out.append(p)
    return sorted(out)


def cat(path):
    st, body = call("GET", path, "OPEN")  # urllib follows the DataNode redirect
    if st != 200:
        raise SystemExit("OPEN %s: %s %s" % (path, st, body[:200]))
    return body


def put(path, data):
    opener = urllib.request.build_opener(NoRedirect)
    req = urllib.request.Request(url(path, "CREATE", overwrite="true"), method="PUT", data=b"")
    try:
        opener.open(req, timeout=30)
        raise SystemExit("CREATE %s: no redirect" % path)
    except urllib.error.HTTPError as e:
        if e.code != 307:
            raise SystemExit("CREATE %s: %s %s" % (path, e.code, e.read()[:200]))
        loc = e.headers["Location"]
    req = urllib.request.Request(loc, method="PUT", data=data,
                                 headers={"Content-Type": "application/octet-stream"})
    with urllib.request.urlopen(req, timeout=30) as r:
        if r.status != 201:
            raise SystemExit("CREATE %s at the DataNode: %s" % (path, r.status))


def avro_records(data):
    import fastavro

    return list(fastavro.reader(io.BytesIO(data)))


NAME = re.compile(r"^(?P<topic>.+)\+(?P<p>\d+)\+(?P<start>\d{10})\+(?P<end>\d{10})(?P<ext>\..*)?$")


def rows_of(path, ext):
    data = cat(path)
    if ext == ".avro":
        return avro_records(data)
    return [json.loads(l) for l in data.decode().splitlines()]


def vint(b, i):
    """Hadoop's WritableUtils.readVInt at b[i]: (value, next index)."""
    first = b[i] - 256 if b[i] > 127 else b[i]
    if first >= -112:
        return first, i + 1
    n = -119 - first if first < -120 else -111 - first
    v = int.from_bytes(b[i + 1:i + n], "big")
    return (~v if first < -120 else v), i + n


def wal_records(data):
    """The records of a Confluent WALFile (kafka-connect-hdfs FSWAL): [(key, value)]."""
    if data[:4] != b"WAL\0":
        raise SystemExit("not a WALFile version 0: %r" % data[:4])
    sync, i, out = data[4:20], 20, []
    while i < len(data):
        rl = struct.unpack(">i", data[i:i + 4])[0]
        if rl == -1:
            if data[i + 4:i + 20] != sync:
                raise SystemExit("sync mark at %d differs from the header" % i)
            i += 20
            continue
        kl = struct.unpack(">i", data[i + 4:i + 8])[0]
        rec, i = data[i + 8:i + 8 + rl], i + 8 + rl
        if len(rec) != rl:
            raise SystemExit("last record cut short")
        n, j = vint(rec, 0)
        key, j = rec[j:j + n].decode(), j + n
        if j != kl:
            raise SystemExit("key of %d bytes in a key length of %d" % (j, kl))
        n, j = vint(rec, j)
        val, j = rec[j:j + n].decode(), j + n
        if j != rl:
            raise SystemExit("record of %d bytes in a length of %d" % (j, rl))
        out.append((key, val))
    return out


def exactly_once(root, topic, partitions, n, ext):
    """Checks names and contents; returns a message or None."""
    files = [f for f in walk(root + "/" + topic) if "/+tmp/" not in f]
    seen = {}
    for f in files:
        m = NAME.match(f.rsplit("/", 1)[1])
        if not m or m.group("topic") != topic or (m.group("ext") or "") != ext:
            return "unexpected file %s" % f
        p, start, end = int(m.group("p")), int(m.group("start")), int(m.group("end"))
        rows = rows_of(f, ext)
        offs = [r["o"] for r in rows]
        if offs != list(range(start, end + 1)) or any(r["p"] != p for r in rows):
            return "%s holds offsets %s.. (partition %s), not %d..%d" % (f, offs[:5], rows[0]["p"] if rows else None, start, end)
        for o in offs:
            seen.setdefault(p, []).append(o)
    for p in range(partitions):
        got = sorted(seen.get(p, []))
        if got != list(range(n)):
            dup = len(got) - len(set(got))
            return "partition %d: %d record(s) in committed files, %d duplicate(s), want 0..%d" % (p, len(got), dup, n - 1)
    return None


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "ls":
        for f in walk(args[0]):
            print(f)
    elif cmd == "cat":
        sys.stdout.buffer.write(cat(args[0]))
    elif cmd == "put":
        put(args[0], sys.stdin.buffer.read())
    elif cmd == "rm":
        call("DELETE", args[0], "DELETE", recursive="true")
    elif cmd == "avro":
        for r in avro_records(cat(args[0])):
            print(json.dumps(r, sort_keys=True, default=str))
    elif cmd == "wal":
        for k, v in wal_records(cat(args[0])):
            print(k if k in ("BEGIN", "END") else k + "\t" + v)
    elif cmd == "exactly-once":
        msg = exactly_once(args[0], args[1], int(args[2]), int(args[3]), args[4])
        if msg:
            print(msg)
            sys.exit(1)
    elif cmd == "kafka-rewind":
        import time
        from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition
        from confluent_kafka.admin import AdminClient

        a = AdminClient({"bootstrap.servers": args[0]})
        tps = [TopicPartition(args[2], p, 0) for p in range(int(args[3]))]
        deadline = time.time() + 60
        while True:
            try:
                a.alter_consumer_group_offsets([ConsumerGroupTopicPartitions(args[1], tps)])[args[1]].result()
                break
            except Exception as e:  # the dead member is still in the group until its session ends
                if time.time() > deadline:
                    sys.exit("cannot rewind %s: %s" % (args[1], e))
                time.sleep(0.5)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
