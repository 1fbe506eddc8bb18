#!/usr/bin/env bash
# JDBC source on real PostgreSQL into a real broker, read back with kcat (JsonConverter with
# schemas): a table of many column types in incrementing mode gives records with Confluent's exact
# schema (struct named after the table, Decimal/Date/Time/Timestamp logical types, json/uuid as
# strings, the array column dropped) and values; the offsets file holds Confluent's exact key and
# value; rows inserted while the worker is down arrive after a restart with no duplicate or gap; a
# row inserted while the connector polls arrives; offsets written in Java Connect's bytes (with
# and without the database as catalog, as pgjdbc's versions name it) are honoured;
# timestamp+incrementing picks up updates, timestamp mode and bulk mode copy rows.
# services: kafka postgres
source "$(dirname "$0")/../lib.sh"
use_kafka
use_service postgres
PSQL=(psql -X -q -t -A -v ON_ERROR_STOP=1 "$POSTGRES_URL")
JURL="jdbc:postgresql://$POSTGRES_HOST:$POSTGRES_PORT/$POSTGRES_DB"
SUF=$RANDOM$RANDOM
T=types_$SUF
PFX=pg-src-$SUF-

"${PSQL[@]}" <<SQL || fail "creating the tables"
CREATE TABLE $T (
  id serial PRIMARY KEY, name text NOT NULL, note varchar(20), code char(3), small smallint, i integer,
  big bigint, r real, d double precision, n numeric(10,2), b boolean, bt bit(1), dt date, tm time,
  ts timestamp, tstz timestamptz, raw bytea, j jsonb, u uuid, arr int[]);
INSERT INTO $T (name, note, code, small, i, big, r, d, n, b, bt, dt, tm, ts, tstz, raw, j, u, arr) VALUES
  ('one', 'n1', 'abc', 7, 42, 9000000000, 1.5, 2.25, 12345.67, true, B'1', '2024-02-29', '13:14:15.678',
   '2024-02-29 13:14:15.678', '2024-02-29 13:14:15.678+02', '\x0102ff', '{"k": 1}',
   'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{1,2}'),
  ('two', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  ('three', 'n3', 'xyz', -1, -2, -3, -0.5, 1e100, -0.01, false, B'0', '1969-12-31', '00:00:00',
   '1969-12-31 23:59:59.999', '1970-01-01 00:00:00+00', '\x', '[]', '00000000-0000-0000-0000-000000000000', '{}');
CREATE TABLE upd_$SUF (id serial PRIMARY KEY, v text, updated_at timestamp NOT NULL DEFAULT now());
INSERT INTO upd_$SUF (v) VALUES ('a'), ('b');
CREATE TABLE bulk_$SUF (k int, v text);
INSERT INTO bulk_$SUF VALUES (1, 'x'), (2, 'y');
CREATE TABLE java_$SUF (id int PRIMARY KEY, v text);
INSERT INTO java_$SUF SELECT g, 'v' || g FROM generate_series(1, 10) g;
CREATE TABLE javaold_$SUF (id int PRIMARY KEY, v text);
INSERT INTO javaold_$SUF SELECT g, 'v' || g FROM generate_series(1, 10) g;
SQL

# Offsets in the exact bytes Java Connect writes. pgjdbc 42.7.5 and later report the database as
# every table's catalog, so the partition names "<db>.public.<table>" (rows up to id 7 done);
# older pgjdbc left the catalog out: "public.<table>" (rows up to id 8 done).
printf '[{"key":["src-java-%s",{"protocol":"1","table":"%s.public.java_%s"}],"value":{"incrementing":7}},{"key":["src-javaold-%s",{"protocol":"1","table":"public.javaold_%s"}],"value":{"incrementing":8}}]' \
        "$SUF" "$POSTGRES_DB" "$SUF" "$SUF" "$SUF" >"$WORK/connect.offsets"

start_connect_worker
conf() { # name mode table [extra json]
        echo "{\"connector.class\":\"io.confluent.connect.jdbc.JdbcSourceConnector\",\"connection.url\":\"$JURL\",
        \"connection.user\":\"$POSTGRES_USER\",\"connection.password\":\"$POSTGRES_PASSWORD\",\"mode\":\"$2\",
        \"table.whitelist\":\"$3\",\"topic.prefix\":\"$PFX\",\"poll.interval.ms\":\"300\",
        \"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"true\"${4:-}}"
}
create_connector "src-inc-$SUF" "$(conf x incrementing "$T" ',"incrementing.column.name":"id"')"
wait_connector_running "src-inc-$SUF" 1 60
read_records "$PFX$T" 3 60 '%k|%s\n' >"$WORK/inc.txt"

python3 - "$WORK/inc.txt" "$T" <<'PY' || fail "records of $T differ: $(head -c 3000 "$WORK/inc.txt")"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
table = sys.argv[2]
recs = []
for l in lines:
    k, v = l.split("|", 1)
    assert k == "", "key must be null: %r" % k
    recs.append(json.loads(v))
def f(t, fname, opt=True, **kw):
    d = {"type": t, "optional": opt}
    d.update(kw)
    d["field"] = fname
    return d
want_schema = {"type": "struct", "fields": [
    f("int32", "id", False), f("string", "name", False), f("string", "note"), f("string", "code"),
    f("int16", "small"), f("int32", "i"), f("int64", "big"), f("float", "r"), f("double", "d"),
    f("bytes", "n", name="org.apache.kafka.connect.data.Decimal", version=1,
      parameters={"scale": "2", "connect.decimal.precision": "10"}),
    f("boolean", "b"), f("boolean", "bt"),
    f("int32", "dt", name="org.apache.kafka.connect.data.Date", version=1),
    f("int32", "tm", name="org.apache.kafka.connect.data.Time", version=1),
    f("int64", "ts", name="org.apache.kafka.connect.data.Timestamp", version=1),
    f("int64", "tstz", name="org.apache.kafka.connect.data.Timestamp", version=1),
    f("bytes", "raw"), f("string", "j"), f("string", "u")],
    "optional": False, "name": table}
s = recs[0]["schema"]
# compare field by field for a readable failure
assert [x["field"] for x in s["fields"]] == [x["field"] for x in want_schema["fields"]], s["fields"]
for got, want in zip(s["fields"], want_schema["fields"]):
    assert got == want, (got, want)
assert s == want_schema, s
p = [r["payload"] for r in recs]
assert p[0] == {"id": 1, "name": "one", "note": "n1", "code": "abc", "small": 7, "i": 42, "big": 9000000000,
    "r": 1.5, "d": 2.25, "n": "EtaH", "b": True, "bt": True, "dt": 19782, "tm": 47655678,
    "ts": 1709212455678, "tstz": 1709205255678, "raw": "AQL/", "j": "{\"k\": 1}",
    "u": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}, p[0]
assert p[1] == {"id": 2, "name": "two", **{k: None for k in ["note", "code", "small", "i", "big", "r", "d", "n",
    "b", "bt", "dt", "tm", "ts", "tstz", "raw", "j", "u"]}}, p[1]
assert p[2]["dt"] == -1 and p[2]["tm"] == 0 and p[2]["ts"] == -1 and p[2]["tstz"] == 0, p[2]
assert p[2]["n"] == "/w==" and p[2]["d"] == 1e100 and p[2]["raw"] == "" and p[2]["b"] is False, p[2]
PY
info "incrementing: exact schema and values of 3 rows"

# The offsets file holds Confluent's key and value bytes.
wait_for 30 "offset of $T in the offsets file" grep -qF \
        "[\"src-inc-$SUF\",{\"protocol\":\"1\",\"table\":\"$POSTGRES_DB.public.$T\"}]" "$WORK/connect.offsets"
python3 - "$WORK/connect.offsets" "src-inc-$SUF" <<'PY' || fail "offsets file: $(cat "$WORK/connect.offsets")"
import json, sys
e = [e for e in json.load(open(sys.argv[1])) if e["key"][0] == sys.argv[2]]
assert e and e[-1]["value"] == {"incrementing": 3}, e
PY

# A row inserted while the connector polls arrives.
"${PSQL[@]}" -c "INSERT INTO $T (name) VALUES ('four')"
read_records "$PFX$T" 4 30 '%s\n' | tail -1 | grep -q '"name":"four"' || fail "row four did not arrive"
wait_for 30 "offset 4" sh -c "grep -q '\"incrementing\":4' '$WORK/connect.offsets'"

# Restart: rows written while the worker is down arrive once, no duplicates, no gaps.
stop_worker connect TERM
"${PSQL[@]}" -c "INSERT INTO $T (name) VALUES ('five'), ('six')"
start_connect_worker # standalone: connectors created over REST are created again
create_connector "src-inc-$SUF" "$(conf x incrementing "$T" ',"incrementing.column.name":"id"')"
wait_connector_running "src-inc-$SUF" 1 60
read_records "$PFX$T" 6 60 '%s\n' >"$WORK/all.txt"
python3 - "$WORK/all.txt" <<'PY' || fail "after restart: $(cut -c1-80 "$WORK/all.txt")"
import json, sys
ids = [json.loads(l)["payload"]["id"] for l in open(sys.argv[1])]
assert ids == [1, 2, 3, 4, 5, 6], ids
PY
sleep_until_quiet() { [ "$(topic_count "$PFX$T")" = 6 ]; }
wait_for 10 "still 6 records in $PFX$T" sleep_until_quiet
info "restart resumed from the stored offset without duplicates"

# An offset in Java Connect's bytes is honoured: only ids 8..10 are copied.
create_connector "src-java-$SUF" "$(conf x incrementing "java_$SUF" ',"incrementing.column.name":"id"')"
wait_connector_running "src-java-$SUF" 1 60
read_records "${PFX}java_$SUF" 3 60 '%s\n' >"$WORK/java.txt"
python3 -c '
import json, sys
ids = [json.loads(l)["payload"]["id"] for l in open(sys.argv[1])]
assert ids == [8, 9, 10], ids' "$WORK/java.txt" || fail "java offset not honoured: $(cat "$WORK/java.txt")"
create_connector "src-javaold-$SUF" "$(conf x incrementing "javaold_$SUF" ',"incrementing.column.name":"id"')"
wait_connector_running "src-javaold-$SUF" 1 60
read_records "${PFX}javaold_$SUF" 2 60 '%s\n' >"$WORK/javaold.txt"
python3 -c '
import json, sys
ids = [json.loads(l)["payload"]["id"] for l in open(sys.argv[1])]
assert ids == [9, 10], ids' "$WORK/javaold.txt" || fail "older pgjdbc offset not honoured: $(cat "$WORK/javaold.txt")"
# Ferry writes the current shape from then on.
wait_for 30 "offset of javaold in the current shape" grep -qF \
        "[\"src-javaold-$SUF\",{\"protocol\":\"1\",\"table\":\"$POSTGRES_DB.public.javaold_$SUF\"}]" "$WORK/connect.offsets"
info "Java offsets honoured: <db>.public.<table> (pgjdbc >= 42.7.5) and public.<table> (older)"

# timestamp+incrementing: an update comes again with its new timestamp.
create_connector "src-tsi-$SUF" "$(conf x timestamp+incrementing "upd_$SUF" ',"incrementing.column.name":"id","timestamp.column.name":"updated_at"')"
wait_connector_running "src-tsi-$SUF" 1 60
read_records "${PFX}upd_$SUF" 2 60 '%s\n' >/dev/null
"${PSQL[@]}" -c "UPDATE upd_$SUF SET v = 'a2', updated_at = now() + interval '1 second' WHERE id = 1"
read_records "${PFX}upd_$SUF" 3 60 '%s\n' | tail -1 | grep -q '"v":"a2"' || fail "the update did not arrive"
wait_for 30 "timestamp+incrementing offset" python3 -c '
import json, sys
e = [e for e in json.load(open(sys.argv[1])) if e["key"][0] == sys.argv[2]]
v = e[-1]["value"]
assert list(v) == ["timestamp_nanos", "incrementing", "timestamp"] and v["incrementing"] == 1, v
assert v["timestamp_nanos"] % 1000000 == 0 or v["timestamp_nanos"] >= 0' "$WORK/connect.offsets" "src-tsi-$SUF"

# timestamp mode.
create_connector "src-ts-$SUF" "$(conf x timestamp "upd_$SUF" ',"timestamp.column.name":"updated_at","topic.prefix":"'"${PFX}ts-"'"')"
wait_connector_running "src-ts-$SUF" 1 60
read_records "${PFX}ts-upd_$SUF" 2 60 '%s\n' >/dev/null

# ferry.key.from.primary.key: records keyed by a struct of the primary key columns.
create_connector "src-key-$SUF" "$(conf x incrementing "upd_$SUF" ',"topic.prefix":"'"${PFX}key-"'","ferry.key.from.primary.key":"true","key.converter":"org.apache.kafka.connect.json.JsonConverter"')"
wait_connector_running "src-key-$SUF" 1 60
read_records "${PFX}key-upd_$SUF" 1 60 '%k\n' >"$WORK/key.txt"
python3 -c '
import json, sys
k = json.load(open(sys.argv[1]))
assert k == {"schema": {"type": "struct", "fields": [{"type": "int32", "optional": False, "field": "id"}],
             "optional": False, "name": sys.argv[2] + ".Key"}, "payload": {"id": 1}}, k' "$WORK/key.txt" "upd_$SUF" ||
        fail "record key: $(cat "$WORK/key.txt")"

# bulk mode copies the whole table on every poll.
create_connector "src-bulk-$SUF" "$(conf x bulk "bulk_$SUF")"
wait_connector_running "src-bulk-$SUF" 1 60
read_records "${PFX}bulk_$SUF" 4 60 '%s\n' >"$WORK/bulk.txt"
python3 -c '
import json, sys
ks = [json.loads(l)["payload"]["k"] for l in open(sys.argv[1])]
assert ks == [1, 2, 1, 2], ks' "$WORK/bulk.txt" || fail "bulk: $(cat "$WORK/bulk.txt")"

# The table monitor: a table created while the connector runs is picked up without a restart,
# and two tables spread over two tasks.
"${PSQL[@]}" -c "CREATE SCHEMA s_$SUF; CREATE TABLE s_$SUF.first (id serial PRIMARY KEY, v text); INSERT INTO s_$SUF.first (v) VALUES ('f')"
create_connector "src-mon-$SUF" "$(conf x incrementing "" ',"schema.pattern":"s_'"$SUF"'","table.poll.interval.ms":"1000","tasks.max":"2"')"
wait_connector_running "src-mon-$SUF" 1 60
read_records "${PFX}first" 1 60 '%s\n' >/dev/null
"${PSQL[@]}" -c "CREATE TABLE s_$SUF.second (id serial PRIMARY KEY, v text); INSERT INTO s_$SUF.second (v) VALUES ('s')"
topic_has() { [ "$(topic_count "$1")" -ge "$2" ]; }
wait_for 60 "the new table's topic" topic_has "${PFX}second" 1
read_records "${PFX}second" 1 60 '%s\n' | grep -q '"v":"s"' || fail "the new table's row did not arrive"
wait_connector_running "src-mon-$SUF" 2 60
tasks=$(curl -s "$REST/connectors/src-mon-$SUF/tasks" | python3 -c 'import json, sys; print(" ".join(t["config"]["tables"] for t in json.load(sys.stdin)))')
[ "$tasks" = "\"s_$SUF\".\"first\" \"s_$SUF\".\"second\"" ] || fail "task tables: $tasks"
info "table monitor: a new table arrived without a restart; tables spread over 2 tasks"

stop_worker connect TERM
info "ok: incrementing, timestamp+incrementing, timestamp and bulk on PostgreSQL"
