#!/usr/bin/env bash
# Avro object container files written by the shared Avro code (worker/connectors/shared/avro,
# used by the storage sinks) are read by an independent reader, fastavro: the unit test
# avro_ocf/write_and_read_back writes one (FERRY_AVRO_OCF_OUT), fastavro checks the header, the
# schema (logical decimal) and every record.
# services:
source "$(dirname "$0")/../lib.sh"

UNIT=$REPO/build/asan/unit-tests
[ -x "$UNIT" ] || fail "build $UNIT first (make build/asan/unit-tests)"
PY=$("$REPO/hack/pyenv.sh" | tail -1) || fail "no Python environment (hack/pyenv.sh)"
FERRY_AVRO_OCF_OUT=$WORK/rows.avro "$UNIT" --filter 'avro_ocf/*' >"$WORK/unit.log" 2>&1 ||
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
info "ok"
