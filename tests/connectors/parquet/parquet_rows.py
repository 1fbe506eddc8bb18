"""Rows for tests/connectors/parquet/files.sh: writes a Connect schema (JsonConverter's schema JSON)
and JSON rows for build/tools/parquet-write, and checks a Parquet file against them with pyarrow,
computing the values pyarrow must return on its own (independently of Ferry's writer).

  parquet_rows.py gen KIND N DIR          writes DIR/schema.json and DIR/rows.jsonl
  parquet_rows.py check KIND N FILE CODEC MIN_ROW_GROUPS   reads FILE with pyarrow and compares
  parquet_rows.py duckdb KIND N FILE      aggregates over every column with DuckDB's own reader
KIND: every (all types, nesting, nulls) or flat (a wide flat record for the 100k-row file)."""
import base64
import datetime
import decimal
import json
import random
import struct
import sys

import pyarrow.parquet as pq

EVERY = {
    "type": "struct", "name": "com.example.Every", "fields": [
        {"field": "i8", "type": "int8"},
        {"field": "i16", "type": "int16", "optional": True},
        {"field": "i32", "type": "int32"},
        {"field": "i64", "type": "int64", "optional": True},
        {"field": "f32", "type": "float"},
        {"field": "f64", "type": "double", "optional": True},
        {"field": "flag", "type": "boolean", "optional": True},
        {"field": "name", "type": "string", "optional": True},
        {"field": "raw", "type": "bytes", "optional": True},
        {"field": "amount", "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1,
         "parameters": {"scale": "2", "connect.decimal.precision": "12"}, "optional": True},
        {"field": "day", "type": "int32", "name": "org.apache.kafka.connect.data.Date", "version": 1},
        {"field": "at", "type": "int32", "name": "org.apache.kafka.connect.data.Time", "version": 1,
         "optional": True},
        {"field": "ts", "type": "int64", "name": "org.apache.kafka.connect.data.Timestamp", "version": 1},
        {"field": "inner", "type": "struct", "name": "com.example.Inner", "optional": True, "fields": [
            {"field": "x", "type": "int32"},
            {"field": "y", "type": "string", "optional": True},
            {"field": "deep", "type": "struct", "optional": True, "fields": [
                {"field": "z", "type": "double"}]}]},
        {"field": "tags", "type": "array", "items": {"type": "string"}},
        {"field": "grid", "type": "array", "optional": True,
         "items": {"type": "array", "items": {"type": "int64"}}},
        {"field": "points", "type": "array", "items": {"type": "struct", "fields": [
            {"field": "px", "type": "int32"}, {"field": "label", "type": "string", "optional": True}]}},
        {"field": "attrs", "type": "map", "keys": {"type": "string"},
         "values": {"type": "double", "optional": True}, "optional": True},
        {"field": "byid", "type": "map", "keys": {"type": "int32"}, "values": {"type": "string"}},
        {"field": "nested_map", "type": "map", "keys": {"type": "string"},
         "values": {"type": "array", "items": {"type": "int32"}}},
    ]}

FLAT = {"type": "struct", "name": "com.example.Flat", "fields": [
    {"field": "id", "type": "int64"},
    {"field": "user", "type": "string"},
    {"field": "score", "type": "double", "optional": True},
    {"field": "count", "type": "int32"},
    {"field": "ok", "type": "boolean"},
    {"field": "ts", "type": "int64", "name": "org.apache.kafka.connect.data.Timestamp", "version": 1},
]}

UTC = datetime.timezone.utc
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=UTC)


def f32(v):
    return struct.unpack("<f", struct.pack("<f", v))[0]


def unscaled_bytes(n):
    length = max(1, (n.bit_length() + 8) // 8)
    return n.to_bytes(length, "big", signed=True)


def every_row(i, rnd):
    """(the JSON payload, the Python value pyarrow must return)"""
    def maybe(v):
        return None if rnd.random() < 0.2 else v
    p, e = {}, {}
    p["i8"] = e["i8"] = rnd.randint(-128, 127)
    p["i16"] = e["i16"] = maybe(rnd.randint(-32768, 32767))
    p["i32"] = e["i32"] = rnd.randint(-2**31, 2**31 - 1)
    p["i64"] = e["i64"] = maybe(rnd.randint(-2**63, 2**63 - 1))
    v = rnd.uniform(-1e6, 1e6)
    p["f32"], e["f32"] = v, f32(v)
    p["f64"] = e["f64"] = maybe(rnd.uniform(-1e300, 1e300))
    p["flag"] = e["flag"] = maybe(rnd.random() < 0.5)
    p["name"] = e["name"] = maybe("".join(rnd.choice("abcé€😀 ") for _ in range(rnd.randint(0, 20))))
    raw = maybe(bytes(rnd.randint(0, 255) for _ in range(rnd.randint(0, 10))))
    p["raw"] = None if raw is None else base64.b64encode(raw).decode()
    e["raw"] = raw
    unscaled = maybe(rnd.randint(-10**11, 10**11))
    p["amount"] = None if unscaled is None else base64.b64encode(unscaled_bytes(unscaled)).decode()
    e["amount"] = None if unscaled is None else decimal.Decimal(unscaled).scaleb(-2)
    days = rnd.randint(-20000, 40000)
    p["day"], e["day"] = days, datetime.date(1970, 1, 1) + datetime.timedelta(days=days)
    ms = maybe(rnd.randint(0, 86400000 - 1))
    p["at"] = ms
    e["at"] = None if ms is None else (datetime.datetime(2000, 1, 1) + datetime.timedelta(milliseconds=ms)).time()
    tsm = rnd.randint(-10**12, 4 * 10**12)
    p["ts"], e["ts"] = tsm, EPOCH + datetime.timedelta(milliseconds=tsm)
    if rnd.random() < 0.25:
        p["inner"] = e["inner"] = None
    else:
        x = rnd.randint(-5, 5)
        y = maybe("y%d" % i)
        deep = maybe({"z": rnd.uniform(0, 1)})
        p["inner"] = e["inner"] = {"x": x, "y": y, "deep": deep}
    tags = ["t%d" % rnd.randint(0, 9) for _ in range(rnd.choice([0, 0, 1, 2, 5]))]
    p["tags"] = e["tags"] = tags
    if rnd.random() < 0.2:
        p["grid"] = e["grid"] = None
    else:
        grid = [[rnd.randint(-10, 10) for _ in range(rnd.randint(0, 3))] for _ in range(rnd.randint(0, 3))]
        p["grid"] = e["grid"] = grid
    pts = [{"px": rnd.randint(0, 100), "label": maybe("p%d" % k)} for k in range(rnd.randint(0, 3))]
    p["points"] = e["points"] = pts
    if rnd.random() < 0.2:
        p["attrs"] = e["attrs"] = None
    else:
        attrs = {"k%d" % k: maybe(rnd.uniform(-1, 1)) for k in range(rnd.randint(0, 4))}
        p["attrs"] = attrs
        e["attrs"] = list(attrs.items())
    byid = {rnd.randint(0, 1000): "v%d" % k for k in range(rnd.randint(0, 3))}
    p["byid"] = [[k, v] for k, v in byid.items()]  # JsonConverter: non-string keys as [key, value] pairs
    e["byid"] = [{"key": k, "value": v} for k, v in byid.items()]
    nm = {"n%d" % k: [rnd.randint(0, 9) for _ in range(rnd.randint(0, 2))] for k in range(rnd.randint(0, 2))}
    p["nested_map"] = nm
    e["nested_map"] = list(nm.items())
    return p, e


def flat_row(i, rnd):
    score = None if i % 11 == 0 else i * 0.5
    tsm = 1_700_000_000_000 + i
    p = {"id": i, "user": "user-%d" % (i % 1000), "score": score, "count": i % 65536, "ok": i % 3 == 0,
         "ts": tsm}
    e = dict(p)
    e["ts"] = EPOCH + datetime.timedelta(milliseconds=tsm)
    return p, e


def rows(kind, n):
    rnd = random.Random(20261207)
    make = every_row if kind == "every" else flat_row
    return [make(i, rnd) for i in range(n)]


def gen(kind, n, out):
    with open(out + "/schema.json", "w") as f:
        json.dump(EVERY if kind == "every" else FLAT, f)
    with open(out + "/rows.jsonl", "w") as f:
        for p, _ in rows(kind, n):
            f.write(json.dumps(p) + "\n")


def check(kind, n, path, codec, min_groups):
    pf = pq.ParquetFile(path)
    md = pf.metadata
    assert md.num_rows == n, (md.num_rows, n)
    assert md.num_row_groups >= min_groups, ("row groups", md.num_row_groups, min_groups)
    want_codec = {"none": "UNCOMPRESSED"}.get(codec, codec.upper())
    for g in range(md.num_row_groups):
        for c in range(md.num_columns):
            got = md.row_group(g).column(c).compression
            assert got == want_codec, (g, c, got, want_codec)
    if kind == "every":
        # The Arrow types pyarrow derives from the Parquet schema: annotations and list/map layout.
        types = {f.name: str(f.type) for f in pf.schema_arrow}
        for name, t in {"i8": "int32", "i16": "int32", "f32": "float", "flag": "bool", "name": "string",
                        "raw": "binary", "amount": "decimal128(12, 2)", "day": "date32[day]", "at": "time32[ms]",
                        "ts": "timestamp[ms, tz=UTC]", "tags": "list<array: string not null>",
                        "grid": "list<array: list<array: int64 not null> not null>",
                        "attrs": "map<string, double ('attrs')>",
                        "byid": "list<array: struct<key: int32 not null, value: string not null> not null>"}.items():
            assert types[name] == t, (name, types[name], t)
        assert pf.schema.to_arrow_schema() is not None
        assert "required group field_id=-1 com.example.Every {" in str(pf.schema), str(pf.schema)
    got = pf.read().to_pylist()
    want = [e for _, e in rows(kind, n)]
    # Column statistics of top-level primitive columns: null count, min and max of each row group.
    first = 0
    for g in range(md.num_row_groups):
        rg = md.row_group(g)
        part = want[first:first + rg.num_rows]
        first += rg.num_rows
        for c in range(md.num_columns):
            col = rg.column(c)
            if "." in col.path_in_schema or col.path_in_schema == "amount":
                continue  # nested columns; decimals carry no min/max (signed byte order)
            vals = [r[col.path_in_schema] for r in part]
            st = col.statistics
            assert st is not None and st.null_count == sum(v is None for v in vals), (g, col.path_in_schema, st)
            present = [v for v in vals if v is not None]
            if present:
                assert st.has_min_max, (g, col.path_in_schema)
                assert (st.min, st.max) == (min(present), max(present)), (g, col.path_in_schema, st.min, st.max)
    for i, (g, w) in enumerate(zip(got, want)):
        assert g == w, "row %d differs:\n got %r\nwant %r" % (i, g, w)
    print("%s %s rows=%d groups=%d columns=%d bytes=%d" % (kind, codec, md.num_rows, md.num_row_groups,
                                                          md.num_columns, md.serialized_size))


def duck(kind, n, path):
    """DuckDB (its own Parquet reader, not Arrow's) must compute the aggregates Python computes
    from the rows: counts of values and nulls at every level, integer and decimal sums."""
    import duckdb
    want = [e for _, e in rows(kind, n)]
    nn = lambda xs: [x for x in xs if x is not None]
    if kind == "every":
        sql = ("select count(*), sum(i8), sum(i16), count(i16), sum(i32), sum(i64::hugeint), count(i64), count(f64), "
               "count(flag), sum(flag::int), count(name), sum(octet_length(raw)), sum(amount), count(\"at\"), max(day), "
               "max(epoch_ms(ts)), count(\"inner\"), count(\"inner\".y), count(\"inner\".deep), sum(len(tags)), "
               "count(grid), sum(len(flatten(grid))), sum(len(points)), count(attrs), sum(cardinality(attrs)), "
               "sum(len(byid)), sum(cardinality(nested_map)) from read_parquet(?)")
        col = lambda k: [r[k] for r in want]
        inner = nn(col("inner"))
        expect = (len(want), sum(col("i8")), sum(nn(col("i16"))), len(nn(col("i16"))), sum(col("i32")),
                  sum(nn(col("i64"))), len(nn(col("i64"))), len(nn(col("f64"))), len(nn(col("flag"))),
                  sum(int(x) for x in nn(col("flag"))), len(nn(col("name"))),
                  sum(len(x) for x in nn(col("raw"))), sum(nn(col("amount"))), len(nn(col("at"))), max(col("day")),
                  max(int((t - EPOCH).total_seconds() * 1000) for t in col("ts")), len(inner),
                  len(nn([x["y"] for x in inner])), len(nn([x["deep"] for x in inner])),
                  sum(len(x) for x in col("tags")), len(nn(col("grid"))),
                  sum(len(y) for x in nn(col("grid")) for y in x), sum(len(x) for x in col("points")),
                  len(nn(col("attrs"))), sum(len(x) for x in nn(col("attrs"))), sum(len(x) for x in col("byid")),
                  sum(len(x) for x in col("nested_map")))
    else:
        sql = "select count(*), sum(id), count(score), sum(count), sum(ok::int), count(distinct \"user\") from read_parquet(?)"
        expect = (len(want), sum(r["id"] for r in want), len(nn([r["score"] for r in want])),
                  sum(r["count"] for r in want), sum(r["ok"] for r in want), len({r["user"] for r in want}))
    got = duckdb.execute(sql, [path]).fetchone()
    assert tuple(got) == tuple(expect), "duckdb:\n got  %r\nwant %r" % (got, expect)
    print("duckdb %s rows=%d ok" % (kind, got[0]))


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif sys.argv[1] == "duckdb":
        duck(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        check(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], int(sys.argv[6]))
