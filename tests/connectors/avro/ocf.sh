#!/usr/bin/env bash
# Avro object container files written by the shared Avro code (worker/connectors/shared/avro,
# used by the storage sinks) are read by an independent reader, fastavro: the unit test
# avro_ocf/write_and_read_back writes one (FERRY_AVRO_OCF_OUT), fastavro checks the header, the
# schema (logical decimal) and every record. The codec tests (avro_ocf/codec_*) write the same 250
# records with the null, deflate and snappy codecs (FERRY_AVRO_OCF_DIR); fastavro reads the deflate
# and snappy files back and must get exactly the records the null one holds, and the expected ones.
# services:
source "$(dirname "$0")/../lib.sh"

UNIT=$REPO/build/asan/unit-tests
[ -x "$UNIT" ] || fail "build $UNIT first (make build/asan/unit-tests)"
PY=$("$REPO/hack/pyenv.sh" | tail -1) || fail "no Python environment (hack/pyenv.sh)"
FERRY_AVRO_OCF_OUT=$WORK/rows.avro FERRY_AVRO_OCF_DIR=$WORK "$UNIT" --filter 'avro_ocf/*' >"$WORK/unit.log" 2>&1 ||
        fail "the unit test failed: $(tail -5 "$WORK/unit.log")"
"$PY" - "$WORK/rows.avro" >"$WORK/read.txt" <<'PY' || fail "fastavro could not read the file: $(cat "$WORK/read.txt")"
import json, sys
import fastavro
with open(sys.argv[1], "rb") as f:
    r = fastavro.reader(f)
    print(r.codec)
    print(json.dumps(r.writer_schema["name"]))
    for rec in r:
        print(json.dumps(rec, default=str))
PY
cat >"$WORK/want.txt" <<'EOF2'
null
"com.example.Row"
{"id": 0, "name": "zero", "amount": "12.34"}
{"id": 1, "name": null, "amount": "12.34"}
{"id": 2, "name": "two", "amount": "12.34"}
{"id": 3, "name": "zero", "amount": "12.34"}
{"id": 4, "name": null, "amount": "12.34"}
{"id": 5, "name": "two", "amount": "12.34"}
EOF2
diff "$WORK/want.txt" "$WORK/read.txt" || fail "fastavro read other records"

# The codec files: 250 rows in blocks of 100, 100 and 50; name null every 7th row.
"$PY" - "$WORK" >"$WORK/codecs.txt" 2>&1 <<'PY' || fail "fastavro could not read the codec files: $(cat "$WORK/codecs.txt")"
import sys
import fastavro
want = [{"id": i, "name": None if i % 7 == 0 else ("odd row name" if i % 2 else "even row name")}
        for i in range(250)]
for codec in ("deflate", "snappy"):
    with open(f"{sys.argv[1]}/rows.{codec}.avro", "rb") as f:
        r = fastavro.reader(f)
        assert r.codec == codec, (codec, r.codec)
        got = list(r)
    assert got == want, (codec, got[:3])
    with open(f"{sys.argv[1]}/rows.{codec}.avro", "rb") as f:
        blocks = [b.num_records for b in fastavro.block_reader(f)]
    assert blocks == [100, 100, 50], (codec, blocks)
    print(codec, len(got), blocks)
PY
printf 'deflate 250 [100, 100, 50]\nsnappy 250 [100, 100, 50]\n' >"$WORK/codecs_want.txt"
diff "$WORK/codecs_want.txt" "$WORK/codecs.txt" || fail "fastavro read other codec files"
info "ok"
