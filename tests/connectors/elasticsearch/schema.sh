#!/usr/bin/env bash
# Mappings from Connect schemas (JsonConverter with schemas.enable=true): with schema.ignore=false
# the sink creates the index with Confluent's mapping before the first write (GET _mapping: string
# -> text with a keyword subfield, int8/16/32/64 -> byte/short/integer/long, float/double,
# boolean, bytes -> binary, Decimal -> double, Timestamp -> date, nested struct -> properties,
# array -> its element's type, a default -> null_value), and the documents carry Decimal as a
# number; with schema.ignore=true the server's dynamic mapping applies (age becomes long, ts long).
# services: kafka opensearch
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"

use_es
start_connect_worker

schema='{"type":"struct","fields":[{"field":"name","type":"string"},{"field":"age","type":"int32"},{"field":"big","type":"int64"},{"field":"ok","type":"boolean"},{"field":"score","type":"double"},{"field":"f","type":"float"},{"field":"ts","type":"int64","name":"org.apache.kafka.connect.data.Timestamp","version":1},{"field":"price","type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}},{"field":"tags","type":"array","items":{"type":"string"}},{"field":"addr","type":"struct","fields":[{"field":"city","type":"string"}]},{"field":"b8","type":"int8"},{"field":"s16","type":"int16"},{"field":"raw","type":"bytes","optional":true},{"field":"level","type":"int32","optional":true,"default":7}]}'
payload='{"name":"ada","age":36,"big":9007199254740993,"ok":true,"score":1.5,"f":2.5,"ts":1700000000000,"price":"MDk=","tags":["x","y"],"addr":{"city":"London"},"b8":1,"s16":2,"raw":"AQI=","level":null}'
JSONS='"value.converter":"org.apache.kafka.connect.json.JsonConverter","value.converter.schemas.enable":"true"'

for ignore in false true; do
        topic=es_schema_${ignore}_$RANDOM
        printf 'id1|{"schema":%s,"payload":%s}\n' "$schema" "$payload" | produce_records "$topic" '|'
        es_sink "es-schema-$ignore" "$topic" "$JSONS,\"schema.ignore\":\"$ignore\""
        wait_count "$topic" 1
        es GET "/$topic/_mapping" >"$WORK/mapping-$ignore.json"
        es GET "/$topic/_doc/id1" >"$WORK/doc-$ignore.json"
        python3 - "$WORK/mapping-$ignore.json" "$WORK/doc-$ignore.json" "$topic" "$ignore" <<'PY' || fail "schema.ignore=$ignore: mapping $(cat "$WORK/mapping-$ignore.json") doc $(cat "$WORK/doc-$ignore.json")"
import json, sys
m = json.load(open(sys.argv[1]))[sys.argv[3]]["mappings"]["properties"]
d = json.load(open(sys.argv[2]))["_source"]
ignore = sys.argv[4] == "true"
t = lambda f: m[f].get("type")
assert d["price"] == 123.45, d
assert d["name"] == "ada" and d["age"] == 36 and d["ts"] == 1700000000000 and d["addr"] == {"city": "London"}, d
assert d["level"] == 7, d  # JsonConverter writes the default for a null field
if not ignore:
    want = {"age": "integer", "big": "long", "ok": "boolean", "score": "double", "f": "float", "ts": "date",
            "price": "double", "tags": "text", "b8": "byte", "s16": "short", "raw": "binary", "name": "text",
            "level": "integer"}
    for f, ty in want.items():
        assert t(f) == ty, (f, m[f])
    assert m["name"]["fields"]["keyword"] == {"type": "keyword", "ignore_above": 256}, m["name"]
    assert m["addr"]["properties"]["city"]["type"] == "text", m["addr"]
    assert m["level"].get("null_value") == 7, m["level"]
else:
    assert t("age") == "long" and t("ts") == "long" and t("price") == "float", m
print("ok")
PY
        info "schema.ignore=$ignore: mapping $(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); p=list(m.values())[0]["mappings"]["properties"]; print({k: v.get("type","object") for k, v in sorted(p.items())})' "$WORK/mapping-$ignore.json")"
done
echo PASS
