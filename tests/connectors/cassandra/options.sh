#!/usr/bin/env bash
# Error and statement options of both Cassandra sinks on a real node and Kafka, one worker and one
# keyspace for all of them, checked with the Python cassandra-driver and the REST status:
# - DataStax topic.<t>.<ks>.<table>.query: an UPDATE of your own whose named bind variables (not
#   table columns) the mapping binds, with USING TTL from a field; two records of one key in one
#   put both add to a set (no row replaces another); the same config without
#   deletesEnabled=false refused by /config/validate naming the query key.
# - DataStax ignoreErrors: a row the node refuses (an empty partition key) skipped and logged under
#   Driver, true (its deprecated spelling) and All, the records after it written and the tasks
#   RUNNING; under None the task FAILS with the node's message. A record that cannot be mapped
#   then fails the Driver and true tasks and is skipped under All.
# - Lenses connect.cassandra.error.policy: RETRY with a record the node refuses (a column the table
#   lacks) keeps the task RUNNING with the error logged until ALTER TABLE adds the column, then the
#   record lands; with max.retries=2 the task FAILS naming the column; NOOP drops it, writes the
#   next record and keeps RUNNING; THROW (the default) FAILS the task at once with the node's
#   message and commits no offset past the refused record.
# services: kafka cassandra
source "$(dirname "$0")/../lib.sh"
cd "$REPO"
use_service cassandra
source "$(dirname "$0")/lib.sh"
start_connect_worker

ks=opt_$RANDOM
cql "CREATE KEYSPACE $ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}" \
        "CREATE TABLE $ks.q (id text PRIMARY KEY, tags set<text>, n int)" \
        "CREATE TABLE $ks.ig_drv (id text PRIMARY KEY, n int)" \
        "CREATE TABLE $ks.ig_true (id text PRIMARY KEY, n int)" \
        "CREATE TABLE $ks.ig_all (id text PRIMARY KEY, n int)" \
        "CREATE TABLE $ks.ig_none (id text PRIMARY KEY, n int)" \
        "CREATE TABLE $ks.l_fix (id int PRIMARY KEY, name text)" \
        "CREATE TABLE $ks.l_out (id int PRIMARY KEY, name text)" \
        "CREATE TABLE $ks.l_noop (id int PRIMARY KEY, name text)" \
        "CREATE TABLE $ks.l_throw (id int PRIMARY KEY, name text)" >/dev/null

# ids TABLE...: "table:id,id;table:id" of the rows now, in one driver session.
ids() {
        "$PY" - "$CASSANDRA_HOST" "$CASSANDRA_PORT" "$CASSANDRA_USER" "$CASSANDRA_PASSWORD" "$ks" "$@" <<'PY'
import sys
from cassandra.cluster import Cluster
from cassandra.auth import PlainTextAuthProvider
host, port, user, pw, ks = sys.argv[1:6]
c = Cluster([host], port=int(port), auth_provider=PlainTextAuthProvider(user, pw), connect_timeout=10)
s = c.connect(ks)
print(";".join(t + ":" + ",".join(sorted(str(r.id) for r in s.execute("SELECT id FROM " + t))) for t in sys.argv[6:]))
c.shutdown()
PY
}
status_of() { curl -s "$REST/connectors/$1/status"; }

DS="\"connector.class\":\"com.datastax.oss.kafka.sink.CassandraSinkConnector\",\"contactPoints\":\"$CASSANDRA_HOST\",\"port\":\"$CASSANDRA_PORT\",\"loadBalancing.localDc\":\"datacenter1\",\"auth.provider\":\"PLAIN\",\"auth.username\":\"$CASSANDRA_USER\",\"auth.password\":\"$CASSANDRA_PASSWORD\""
LS="\"connector.class\":\"com.datamountaineer.streamreactor.connect.cassandra.sink.CassandraSinkConnector\",\"connect.cassandra.contact.points\":\"$CASSANDRA_HOST\",\"connect.cassandra.port\":\"$CASSANDRA_PORT\",\"connect.cassandra.key.space\":\"$ks\",\"connect.cassandra.username\":\"$CASSANDRA_USER\",\"connect.cassandra.password\":\"$CASSANDRA_PASSWORD\""
tq=opt_q_$RANDOM
tig=opt_ig_$RANDOM
tl=opt_ls_$RANDOM
printf '%s\n' 'k1|{"tags":["x"],"n":1,"ttl":3600}' 'k1|{"tags":["y"],"n":2,"ttl":3600}' 'k2|{"tags":["z"],"n":3,"ttl":3600}' |
        produce_records "$tq" '|'
# offset 1: an empty partition key, which the node refuses ("Key may not be empty")
printf '%s\n' 'a|{"id":"a","n":1}' 'b|{"id":"","n":2}' 'c|{"id":"c","n":3}' | produce_records "$tig" '|'
# id 1 carries a column no table has (yet)
printf '%s\n' '{"id":1,"name":"one","color":"red"}' '{"id":2,"name":"two"}' | produce_records "$tl"

# 1. DataStax query: bind variables rid/more/num/ttl_s are no columns of q.
Q="$DS,\"topics\":\"$tq\",\"topic.$tq.$ks.q.query\":\"UPDATE $ks.q USING TTL :ttl_s SET tags = tags + :more, n = :num WHERE id = :rid\",\"topic.$tq.$ks.q.mapping\":\"rid=key, more=value.tags, num=value.n, ttl_s=value.ttl\""
out=$(curl -s -X PUT -H 'Content-Type: application/json' "$REST/connector-plugins/CassandraSinkConnector/config/validate" -d "{\"name\":\"opt-query\",$Q}")
echo "$out" | python3 -c '
import json, sys
v = json.load(sys.stdin)
errs = [e for c in v["configs"] if c["value"]["name"] == sys.argv[1] for e in c["value"]["errors"]]
assert v["error_count"] == 1 and errs and "deletesEnabled=false" in errs[0], v' "topic.$tq.$ks.q.query" ||
        fail "validate accepted a query with deletesEnabled (default true): $out"
create_connector opt-query "{$Q,\"topic.$tq.$ks.q.deletesEnabled\":\"false\"}"

# 2. DataStax ignoreErrors, one connector per value, all reading the same topic.
for v in Driver:ig_drv true:ig_true All:ig_all None:ig_none; do
        create_connector "opt-${v#*:}" "{$DS,\"topics\":\"$tig\",\"ignoreErrors\":\"${v%%:*}\",\"topic.$tig.$ks.${v#*:}.mapping\":\"id=value.id, n=value.n\"}"
done

# 3. Lenses error policies, each into its own table.
KCQL() { echo "\"connect.cassandra.kcql\":\"INSERT INTO $1 SELECT * FROM $tl\""; }
create_connector opt-retry "{$LS,\"topics\":\"$tl\",$(KCQL l_fix),\"connect.cassandra.error.policy\":\"RETRY\",\"connect.cassandra.max.retries\":\"60\",\"connect.cassandra.retry.interval\":\"500\"}"
create_connector opt-out "{$LS,\"topics\":\"$tl\",$(KCQL l_out),\"connect.cassandra.error.policy\":\"RETRY\",\"connect.cassandra.max.retries\":\"2\",\"connect.cassandra.retry.interval\":\"300\"}"
create_connector opt-noop "{$LS,\"topics\":\"$tl\",$(KCQL l_noop),\"connect.cassandra.error.policy\":\"NOOP\"}"
# No error.policy: THROW, Lenses' default.
create_connector opt-throw "{$LS,\"topics\":\"$tl\",$(KCQL l_throw)}"

# RETRY: the node's refusal is logged as a retry while the task stays RUNNING; once the column
# exists the same record is written.
retrying() { grep -q "error.policy RETRY ([0-9]* of 60): .*unrecognized column: color" "$WORK/connect.log"; }
wait_for 60 "opt-retry retrying the refused record" retrying
[ "$(connector_state opt-retry 0)" = RUNNING ] || fail "opt-retry not RUNNING while retrying: $(status_of opt-retry)"
case "$(ids l_fix)" in l_fix:*1*) fail "l_fix has row 1 before the column exists" ;; esac
cql "ALTER TABLE $ks.l_fix ADD color text" >/dev/null
fixed() { [ "$(cql "SELECT id, name, color FROM $ks.l_fix WHERE id = 1")" = '{"color": "red", "id": 1, "name": "one"}' ]; }
wait_for 30 "row 1 in l_fix once the column was added" fixed
[ "$(connector_state opt-retry 0)" = RUNNING ] || fail "opt-retry not RUNNING after the fix: $(status_of opt-retry)"
info "RETRY: refused while l_fix lacked 'color' (task RUNNING, error logged); written after ALTER TABLE"

out_failed() { [ "$(connector_state opt-out 0)" = FAILED ]; }
wait_for 30 "opt-out FAILED after 2 retries" out_failed
status_of opt-out | grep -q 'unrecognized column: color' || fail "opt-out failed without the node's error: $(status_of opt-out)"
grep -q "error.policy RETRY (2 of 2): .*unrecognized column: color" "$WORK/connect.log" || fail "opt-out: no second retry logged"
info "RETRY with max.retries=2: task FAILED naming the column after the retries"

throw_failed() { [ "$(connector_state opt-throw 0)" = FAILED ]; }
wait_for 30 "opt-throw FAILED on the refused record" throw_failed
status_of opt-throw | grep -q 'unrecognized column: color' || fail "opt-throw failed without the node's error: $(status_of opt-throw)"
# Writes run concurrently, so the record after the refused one may be in the table; the refused
# one's offset must never be committed, so a restart writes it again.
[ -x build/tools/kafka-committed ] || make -s build/tools/kafka-committed >/dev/null || fail "cannot build kafka-committed"
committed=$(build/tools/kafka-committed "$KAFKA" connect-opt-throw "$tl" 0 2>/dev/null) || committed=-1
[ "$committed" -le 0 ] || fail "THROW: offset $committed committed past the refused record 0"
info "THROW (the default policy): the node's refusal failed the task at once, its message in the trace, offset 0 not committed"

# After the first put of each connector: rows and states.
want="q:k1,k2;ig_drv:a,c;ig_true:a,c;ig_all:a,c;l_noop:2"
first() { [ "$(ids q ig_drv ig_true ig_all l_noop)" = "$want" ]; }
wait_for 30 "$want" first
got=$(cql "SELECT id, tags, n, ttl(n) AS t FROM $ks.q")
python3 -c "
import json,sys
rows={r['id']:r for r in map(json.loads, sys.argv[1].splitlines())}
assert rows['k1']['tags']==['x','y'] and rows['k1']['n']==2 and 3500<rows['k1']['t']<=3600, rows
assert rows['k2']['tags']==['z'] and rows['k2']['n']==3, rows" "$got" || fail "query rows: $got"
info "query: UPDATE with named bind variables, both adds of k1 kept, TTL from value.ttl"
for c in opt-ig_drv opt-ig_true opt-ig_all opt-noop opt-query; do
        [ "$(connector_state $c 0)" = RUNNING ] || fail "$c not RUNNING: $(status_of $c)"
done
grep -q "skipping $tig-0 offset 1: .*Key may not be empty" "$WORK/connect.log" || fail "the refused row was not logged"
grep -q "skipping $tl-0 offset 0: .*unrecognized column: color" "$WORK/connect.log" || fail "NOOP: the dropped record was not logged"
none_failed() { [ "$(connector_state opt-ig_none 0)" = FAILED ]; }
wait_for 30 "opt-ig_none FAILED" none_failed
status_of opt-ig_none | grep -q 'Key may not be empty' || fail "ignoreErrors=None: not the node's error: $(status_of opt-ig_none)"
info "ignoreErrors Driver/true/All: the refused row skipped and logged, a and c written; None: FAILED with the node's error"
info "NOOP: record 1 dropped and logged, record 2 written, task RUNNING"

# A record that cannot be mapped: a driver error it is not, so only All skips it.
printf '%s\n' 'd|{"id":"d","n":"not a number"}' 'e|{"id":"e","n":5}' | produce_records "$tig" '|'
drv_failed() { [ "$(connector_state opt-ig_drv 0)" = FAILED ] && [ "$(connector_state opt-ig_true 0)" = FAILED ]; }
wait_for 30 "the Driver and true tasks FAILED on the unmappable record" drv_failed
for c in opt-ig_drv opt-ig_true; do
        status_of $c | grep -q 'column n (from value.n)' || fail "$c: no clear error: $(status_of $c)"
done
all_e() { [ "$(ids ig_all)" = "ig_all:a,c,e" ]; }
wait_for 30 "ig_all: e written after the skipped d" all_e
[ "$(connector_state opt-ig_all 0)" = RUNNING ] || fail "opt-ig_all not RUNNING: $(status_of opt-ig_all)"
info "unmappable record: Driver and true FAILED naming column n; All skipped it and wrote e"
cql "DROP KEYSPACE $ks" >/dev/null
echo PASS
