#!/usr/bin/env bash
# Parquet files written by the shared writer (worker/connectors/shared/parquet, through
# build/tools/parquet-write) are read back by an independent reader, pyarrow: every Connect type
# and logical type, nested structs, lists of lists and of structs, string-keyed and other maps,
# nulls at every level, several row groups, with each codec (none, snappy, gzip, zstd); then a
# 100,000-row file with the default sizes; then a record the format refuses (a null list element)
# is reported with its field and the rest of the file is intact. Values pyarrow must return are
# computed by tests/connectors/parquet/parquet_rows.py from the JSON rows, not by Ferry; DuckDB's
# own Parquet reader (a second implementation) must agree on aggregates over every column.
# services:
source "$(dirname "$0")/../../lib.sh"

TOOL=$REPO/build/tools/parquet-write
[ -x "$TOOL" ] || fail "build $TOOL first (make build/tools/parquet-write)"
PY=$("$REPO/hack/pyenv.sh" | tail -1) || fail "no Python environment (hack/pyenv.sh)"
ROWS=$REPO/tests/connectors/parquet/parquet_rows.py

mkdir -p "$WORK/every" "$WORK/flat"
"$PY" "$ROWS" gen every 3000 "$WORK/every" || fail "could not generate the rows"
for codec in none snappy gzip zstd; do
        # Small row groups and pages: several of each per file.
        "$TOOL" -c "$codec" -g 100000 -p 16384 "$WORK/every/schema.json" "$WORK/every/rows.jsonl" \
                "$WORK/every/$codec.parquet" 2>"$WORK/every/$codec.log" ||
                fail "parquet-write ($codec) failed: $(cat "$WORK/every/$codec.log")"
        "$PY" "$ROWS" check every 3000 "$WORK/every/$codec.parquet" "$codec" 3 >"$WORK/every/$codec.out" 2>&1 ||
                fail "pyarrow read other data from the $codec file: $(tail -5 "$WORK/every/$codec.out")"
        "$PY" "$ROWS" duckdb every 3000 "$WORK/every/$codec.parquet" >>"$WORK/every/$codec.out" 2>&1 ||
                fail "DuckDB read other data from the $codec file: $(tail -5 "$WORK/every/$codec.out")"
        info "$(tr '\n' ' ' <"$WORK/every/$codec.out")"
done
# Compression does something: the snappy and zstd files are smaller than the uncompressed one.
size() { stat -c %s "$1"; }
[ "$(size "$WORK/every/zstd.parquet")" -lt "$(size "$WORK/every/none.parquet")" ] || fail "zstd did not compress"
[ "$(size "$WORK/every/snappy.parquet")" -lt "$(size "$WORK/every/none.parquet")" ] || fail "snappy did not compress"

# 100,000 rows with the default row group (128 MiB) and page (1 MiB) sizes.
"$PY" "$ROWS" gen flat 100000 "$WORK/flat" || fail "could not generate the rows"
"$TOOL" -c snappy "$WORK/flat/schema.json" "$WORK/flat/rows.jsonl" "$WORK/flat/rows.snappy.parquet" \
        2>"$WORK/flat/write.log" || fail "parquet-write failed: $(cat "$WORK/flat/write.log")"
"$PY" "$ROWS" check flat 100000 "$WORK/flat/rows.snappy.parquet" snappy 1 >"$WORK/flat/check.out" 2>&1 ||
        fail "pyarrow read other data from the 100k-row file: $(tail -5 "$WORK/flat/check.out")"
"$PY" "$ROWS" duckdb flat 100000 "$WORK/flat/rows.snappy.parquet" >>"$WORK/flat/check.out" 2>&1 ||
        fail "DuckDB read other data from the 100k-row file: $(tail -5 "$WORK/flat/check.out")"
info "$(tr '\n' ' ' <"$WORK/flat/check.out"); $(tail -1 "$WORK/flat/write.log")"

# A refused record: exit status 3, a message naming the field, and every other row in the file.
printf '%s\n' '{"type":"struct","name":"R","fields":[{"field":"id","type":"int32"},{"field":"xs","type":"array","items":{"type":"int32","optional":true}}]}' \
        >"$WORK/refused.json"
printf '%s\n' '{"id":1,"xs":[1,2]}' '{"id":2,"xs":[3,null]}' '{"id":3,"xs":[]}' >"$WORK/refused.jsonl"
rc=0
"$TOOL" -c gzip "$WORK/refused.json" "$WORK/refused.jsonl" "$WORK/refused.parquet" 2>"$WORK/refused.log" || rc=$?
[ "$rc" -eq 3 ] || fail "a refused record should exit 3, got $rc: $(cat "$WORK/refused.log")"
grep -q 'line 2: field xs: element 1 is null' "$WORK/refused.log" || fail "no field in the message: $(cat "$WORK/refused.log")"
got=$("$PY" -c 'import sys, pyarrow.parquet as pq; print(pq.read_table(sys.argv[1]).to_pylist())' "$WORK/refused.parquet") ||
        fail "pyarrow could not read the file with the refused record"
[ "$got" = "[{'id': 1, 'xs': [1, 2]}, {'id': 3, 'xs': []}]" ] || fail "other rows after the refused record: $got"
# Three-level lists (-3, what the S3 sink writes when an array has optional items): null elements,
# lists of structs and of lists, and non-string-keyed maps as list.element groups.
printf '%s\n' '{"type":"struct","name":"T","fields":[{"field":"xs","type":"array","items":{"type":"int32","optional":true}},{"field":"pts","type":"array","optional":true,"items":{"type":"struct","optional":true,"fields":[{"field":"p","type":"string"}]}},{"field":"ll","type":"array","items":{"type":"array","items":{"type":"int64","optional":true}}},{"field":"byid","type":"map","keys":{"type":"int32"},"values":{"type":"string","optional":true}}]}' \
        >"$WORK/three.json"
printf '%s\n' '{"xs":[1,null,3],"pts":[{"p":"a"},null],"ll":[[1,null],[]],"byid":[[1,"x"],[2,null]]}' \
        '{"xs":[],"pts":null,"ll":[],"byid":[]}' '{"xs":[null],"pts":[],"ll":[[null]],"byid":[[3,"z"]]}' >"$WORK/three.jsonl"
"$TOOL" -3 -s "$WORK/three.json" "$WORK/three.jsonl" "$WORK/three.parquet" >"$WORK/three.schema" 2>"$WORK/three.log" ||
        fail "parquet-write -3 failed: $(cat "$WORK/three.log")"
"$PY" - "$WORK/three.parquet" <<'PY' || fail "pyarrow read other data from the three-level file"
import sys
import pyarrow.parquet as pq
f = pq.ParquetFile(sys.argv[1])
s = str(f.schema).replace(" field_id=-1", "")
assert "required group xs (List) {\n    repeated group list {\n      optional int32 element;" in s, s
assert "repeated group list {\n      required group element {\n        required int32 key;" in s, s
got = f.read().to_pylist()
want = [{"xs": [1, None, 3], "pts": [{"p": "a"}, None], "ll": [[1, None], []], "byid": [{"key": 1, "value": "x"}, {"key": 2, "value": None}]},
        {"xs": [], "pts": None, "ll": [], "byid": []},
        {"xs": [None], "pts": [], "ll": [[None]], "byid": [{"key": 3, "value": "z"}]}]
assert got == want, got
PY
info "ok"
