#!/usr/bin/env bash
# The shared CQL client (worker/connectors/shared/cql) against a real Cassandra node, through
# build/tools/cql-check: it fails over past a dead contact point, binds every native type (with
# collections, a UDT, a tuple, nulls and unset values) through a prepared statement and reads it
# back, connects over TLS (verifying the node's certificate; an unknown CA refused), runs
# logged/unlogged/counter batches, 500 pipelined EXECUTEs, re-prepare on UNPREPARED (ALTER TABLE
# makes the node forget a prepared INSERT; the rows executed after it are all there), paging, and
# decodes syntax, invalid-query and already-exists errors and the node's own refusals (Unavailable for a
# QUORUM write to a keyspace wanting 3 replicas; Write timeout, write type CAS, for 100 conditional
# updates of one row contending past cas_contention_timeout), and writes and reads a 300,000-byte value
# (several protocol v5 frames each way). The Python cassandra-driver reads the tables to check.
# The run is repeated with LZ4 compression on protocol v5 frames, then on protocol v4 with LZ4
# and with snappy body compression.
# services: cassandra
source "$(dirname "$0")/../lib.sh"
cd "$REPO"
use_service cassandra
source "$(dirname "$0")/lib.sh"

[ -x build/tools/cql-check ] || make -s build/tools/cql-check >/dev/null || fail "cannot build cql-check"
ca=$("$SERVICES" env cassandra | sed -n 's/^SERVICE_CA=//p' | tr -d "'\"")
[ -f "$ca" ] || fail "no SERVICE_CA from hack/services.sh env cassandra"
CQL_CHECK_CA=$ca build/tools/cql-check "$CASSANDRA_URL" "$CASSANDRA_USER" "$CASSANDRA_PASSWORD" >"$WORK/out.txt" 2>"$WORK/err.txt" ||
        fail "cql-check failed: $(cat "$WORK/err.txt") $(tail -5 "$WORK/out.txt")"
out=$WORK/out.txt
grep -qx 'TLS ok release "5.0.4"' "$out" || fail "no TLS session verified with the test CA: $(head -3 "$out")"
grep -q '^TLS refused: TLS handshake with .* failed: .*certificate' "$out" || fail "an unknown CA was not refused: $(head -3 "$out")"
info "TLS: verified with the node's CA (host name checked); refused with the system store"
grep -qx "CONNECTED $CASSANDRA_URL v5 none" "$out" || fail "no failover to the live node on protocol v5: $(grep CONNECTED "$out")"
# Ferry's decoding of what it wrote.
expect_line() { grep -qxF "$1" "$out" || fail "missing line '$1' in: $(cat "$out")"; }
expect_line 'COL ad addr {"street":"Main","zip":12345}'
expect_line 'COL m map<text, int> {"one":1,"two":2}'
expect_line 'COL tp tuple<int, text> [7,"seven"]'
expect_line 'COL de decimal -12.345'
expect_line 'COL dt date "2024-02-29"'
expect_line 'COL t timestamp 1709210096789'
expect_line 'BATCH 0 ok'
expect_line 'BATCH 1 ok'
expect_line 'BATCH 2 ok'
expect_line 'PIPELINED rc=0 ok=500'
expect_line 'PAGING rows=520 pages=6'
expect_line 'REPREPARE before rc=0 ok=1 reprepared=0'
expect_line 'REPREPARE after rc=0 ok=20 reprepared=yes'
expect_line 'LARGE 300000 ok'
grep -q '^ERROR 0x2000 Syntax error in CQL query (0x2000): line 1:0 no viable alternative' "$out" || fail "syntax error not decoded"
grep -q '^ERROR 0x2200 Invalid query (0x2200): .*nosuchtable' "$out" || fail "invalid query not decoded"
grep -q '^ERROR 0x2400 Already exists' "$out" || fail "already-exists not decoded"
# Refusals of the node itself: decoded with their fields (a v5 CAS timeout carries one more
# field, its contention count, than a v4 one).
node_refusals() {
        expect_line 'UNAVAILABLE ERROR 0x1000 Unavailable (0x1000): Cannot achieve consistency level QUORUM [consistency QUORUM, 2 required, 1 alive]'
        grep -q '^CAS rc=0 ok=[0-9]* timeouts=[1-9][0-9]* other=0$' "$out" || fail "$1: contending CAS updates did not time out: $(grep '^CAS' "$out")"
        grep -q '^CAS ERROR 0x1100 Write timeout (0x1100): .* \[consistency SERIAL, 0 of 1 replicas answered, write type CAS\]$' "$out" ||
                fail "$1: CAS write timeout not decoded: $(grep '^CAS' "$out")"
}
node_refusals "protocol v5"
info "node refusals decoded: $(grep '^CAS rc' "$out" | cut -d' ' -f3-5) contending CAS updates; Unavailable at QUORUM with RF 3"
info "cql-check: $(wc -l <"$out") lines as expected"

# The independent reader sees every value as bound.
got=$(cql "SELECT * FROM cqlcheck.types WHERE id = 1")
want='{"a": "ascii", "ad": {"street": "Main", "zip": 12345}, "b": -9007199254740993, "bl": "0x726177", "bo": true, "d": 2.5, "de": "-12.345", "dt": "2024-02-29", "f": 1.5, "i": "10.1.2.3", "id": 1, "l": [3, 1, 2], "m": {"one": 1, "two": 2}, "s": ["x", "y"], "si": -300, "t": "2024-02-29 12:34:56.789000", "ti": -7, "tm": "12:34:56.123456789", "tp": [7, "seven"], "tu": "d2177dd0-eaa2-11de-a572-001b779c76e3", "tx": "h\u00e9llo", "u": "123e4567-e89b-12d3-a456-426614174000", "v": 123456789012}'
[ "$got" = "$want" ] || fail "types row differs:
 got  $got
 want $want"
got=$(cql "SELECT * FROM cqlcheck.types WHERE id = 2")
[ "$got" = '{"a": null, "ad": null, "b": null, "bl": null, "bo": null, "d": null, "de": null, "dt": null, "f": null, "i": null, "id": 2, "l": null, "m": null, "s": null, "si": null, "t": null, "ti": null, "tm": null, "tp": null, "tu": null, "tx": null, "u": null, "v": null}' ] ||
        fail "null/unset row differs: $got"
[ "$(cql_count cqlcheck.kv)" = 521 ] || fail "cqlcheck.kv has $(cql_count cqlcheck.kv) rows, want 521"
[ "$(cql "SELECT v FROM cqlcheck.kv WHERE k = 19")" = '{"v": "plain"}' ] || fail "plain statement in the batch not applied"
[ "$(cql "SELECT c FROM cqlcheck.cnt WHERE k = 29")" = '{"c": 10}' ] || fail "counter batch not applied"
[ "$(cql "SELECT writetime(v) AS w FROM cqlcheck.kv WHERE k = 1000")" = '{"w": 1000}' ] || fail "default timestamp not applied"
got=$(cql "SELECT k, v, extra FROM cqlcheck.rp" | python3 -c '
import json, sys
rows = sorted((json.loads(l) for l in sys.stdin), key=lambda r: r["k"])
want = [{"k": 1, "v": "before-1", "extra": None}] + [{"k": k, "v": "after-%d" % k, "extra": None} for k in range(2, 22)]
print("ok" if rows == want else rows)')
[ "$got" = ok ] || fail "rows written around the re-prepare: $got"
info "cassandra-driver reads back every type, batch, counter and timestamp"
info "re-prepare: ALTER TABLE made the node forget the INSERT; 20 pipelined EXECUTEs answered UNPREPARED were prepared again and all 21 rows are there"

# The same steps with compression: LZ4 in v5 frames, and v4 bodies compressed with LZ4 or snappy.
for mode in "5 lz4" "4 lz4" "4 snappy"; do
        set -- $mode
        CQL_CHECK_MAX_VERSION=$1 CQL_CHECK_COMPRESSION=$2 build/tools/cql-check "$CASSANDRA_URL" "$CASSANDRA_USER" \
                "$CASSANDRA_PASSWORD" >"$out" 2>"$WORK/err.txt" || fail "cql-check (v$1, $2) failed: $(cat "$WORK/err.txt")"
        expect_line "CONNECTED $CASSANDRA_URL v$1 $2"
        for l in 'BATCH 2 ok' 'PIPELINED rc=0 ok=500' 'PAGING rows=520 pages=6' 'REPREPARE after rc=0 ok=20 reprepared=yes' \
                'LARGE 300000 ok' 'COL m map<text, int> {"one":1,"two":2}' DONE; do
                expect_line "$l"
        done
        node_refusals "v$1 $2"
        [ "$(cql_count cqlcheck.kv)" = 521 ] || fail "v$1 $2: cqlcheck.kv has $(cql_count cqlcheck.kv) rows, want 521"
        got=$(cql "SELECT v FROM cqlcheck.kv WHERE k = 5000" | python3 -c '
import json, sys
v = json.loads(sys.stdin.read())["v"]
print(len(v), v == "".join(chr(97 + (i * 7919 + i // 13) % 26) for i in range(300000)))')
        [ "$got" = "300000 True" ] || fail "v$1 $2: the 300,000-byte value reads back as $got"
        info "protocol v$1 with $2 compression: every step passes; cassandra-driver reads the large value back intact"
done
cql "DROP KEYSPACE cqlcheck" >/dev/null
echo PASS
