#!/usr/bin/env bash
# JDBC source and sink on real MariaDB (jdbc:mariadb:// and jdbc:mysql:// URLs, libmariadb) with a
# real broker, checked with the mariadb client and kcat: an AUTO_INCREMENT table in incrementing
# mode gives records with the right schema (DECIMAL as Decimal, DATE, DATETIME) and offsets keyed
# {"protocol":"1","table":"<database>.<table>"} as Connector/J names it; the sink upserts
# JSON-with-schema records into a table auto.create made, with "on duplicate key update".
# services: kafka mariadb
source "$(dirname "$0")/../lib.sh"
use_kafka
use_service mariadb
MY=(mariadb --no-defaults -h "$MARIADB_HOST" -P "$MARIADB_PORT" -u "$MARIADB_USER" "-p$MARIADB_PASSWORD" "$MARIADB_DB" -N -B)
SUF=$RANDOM$RANDOM
T=items_$SUF
"${MY[@]}" -e "CREATE TABLE $T (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20) NOT NULL, price DECIMAL(10,2),
  d DATE, ts DATETIME(3), f DOUBLE);
  INSERT INTO $T (name, price, d, ts, f) VALUES ('a', 12.5, '2024-02-29', '2024-02-29 13:14:15.678', 0.25), ('b', NULL, NULL, NULL, NULL);" ||
        fail "creating $T"

start_connect_worker key.converter=org.apache.kafka.connect.json.JsonConverter key.converter.schemas.enable=false
create_connector "my-src-$SUF" "{\"connector.class\":\"JdbcSourceConnector\",
  \"connection.url\":\"jdbc:mariadb://$MARIADB_HOST:$MARIADB_PORT/$MARIADB_DB\",\"connection.user\":\"$MARIADB_USER\",
  \"connection.password\":\"$MARIADB_PASSWORD\",\"mode\":\"incrementing\",\"table.whitelist\":\"$T\",
  \"topic.prefix\":\"my-$SUF-\",\"poll.interval.ms\":\"300\",\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\"}"
wait_connector_running "my-src-$SUF" 1 60
read_records "my-$SUF-$T" 2 60 '%s\n' >"$WORK/got.txt"
python3 - "$WORK/got.txt" "$T" <<'PY' || fail "records: $(cat "$WORK/got.txt")"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
s = recs[0]["schema"]
assert s["name"] == sys.argv[2], s
f = {x["field"]: x for x in s["fields"]}
assert f["id"]["type"] == "int32" and not f["id"]["optional"], f["id"]
assert f["name"]["type"] == "string" and not f["name"]["optional"], f["name"]
assert f["price"].get("name") == "org.apache.kafka.connect.data.Decimal" and f["price"]["parameters"] == {"scale": "2", "connect.decimal.precision": "10"}, f["price"]
assert f["d"].get("name") == "org.apache.kafka.connect.data.Date" and f["ts"].get("name") == "org.apache.kafka.connect.data.Timestamp", f
assert f["f"]["type"] == "double", f["f"]
p = [r["payload"] for r in recs]
assert p[0] == {"id": 1, "name": "a", "price": "BOI=", "d": 19782, "ts": 1709212455678, "f": 0.25}, p[0]
assert p[1] == {"id": 2, "name": "b", "price": None, "d": None, "ts": None, "f": None}, p[1]
PY
wait_for 30 "offset of $T" grep -qF "[\"my-src-$SUF\",{\"protocol\":\"1\",\"table\":\"$MARIADB_DB.$T\"}]" "$WORK/connect.offsets"
"${MY[@]}" -e "INSERT INTO $T (name) VALUES ('c')"
read_records "my-$SUF-$T" 3 30 '%s\n' | tail -1 | grep -q '"name":"c"' || fail "row c did not arrive"
info "MariaDB source: schema, values, offsets, a new row"

S=sink_$SUF
create_connector "my-sink-$SUF" "{\"connector.class\":\"JdbcSinkConnector\",
  \"connection.url\":\"jdbc:mysql://$MARIADB_HOST:$MARIADB_PORT/$MARIADB_DB?user=$MARIADB_USER&password=$MARIADB_PASSWORD\",
  \"topics\":\"$S\",\"insert.mode\":\"upsert\",\"pk.mode\":\"record_key\",\"pk.fields\":\"id\",\"auto.create\":\"true\",
  \"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\"}"
wait_connector_running "my-sink-$SUF" 1 60
SC='{"type":"struct","optional":false,"fields":[{"field":"v","type":"string","optional":true},{"field":"amount","type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},{"field":"at","type":"int64","optional":true,"name":"org.apache.kafka.connect.data.Timestamp","version":1}]}'
printf '1|{"schema":%s,"payload":{"v":"x","amount":"BOI=","at":1709212455678}}\n2|{"schema":%s,"payload":{"v":"y","amount":null,"at":null}}\n1|{"schema":%s,"payload":{"v":"z","amount":"AeI=","at":0}}\n' "$SC" "$SC" "$SC" |
        produce_records "$S" '|'
rows() { [ "$("${MY[@]}" -e "SELECT CONCAT_WS('|', id, v, IFNULL(amount, '-'), IFNULL(at, '-')) FROM $S ORDER BY id" 2>/dev/null | tr '\n' ' ')" = "1|z|4.82|1970-01-01 00:00:00.000 2|y|-|- " ]; }
wait_for 60 "upserted rows in $S" rows
stop_worker connect TERM
info "ok: MariaDB source and sink"
