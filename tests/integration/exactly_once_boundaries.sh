#!/usr/bin/env bash
# Connector-defined transaction boundaries (Connect's TransactionContext) on the real broker: a
# test plugin (tests/plugins/txn_probe.c) commits its transaction every 100 records and aborts one
# at record 250 on a distributed worker with exactly.once.source.support=enabled. A read_committed
# reader sees records 0-199 and 251-999 in order, never the aborted 200-250, which a
# read_uncommitted reader does see; the committed offset is the last record's. The plugin passes
# /config/validate with transaction.boundary=connector and exactly.once.support=required.
source "$(dirname "$0")/../lib.sh"
B=$(kafka_bootstrap)
G=eosc-$$-$RANDOM
TOOLS=$REPO/build/tools

source "$REPO/tests/plugins/txn_probe_worker.sh"

CONFIG="{\"connector.class\":\"dev.ferry.test.TxnProbeSourceConnector\",\"name\":\"txn\",\"txn.topic\":\"$G-data\",\"txn.records\":\"1000\",\"txn.abort.at\":\"250\",\"transaction.boundary\":\"connector\",\"exactly.once.support\":\"required\"}"
n=$(curl -sf -XPUT -H 'Content-Type: application/json' "$U/connector-plugins/TxnProbeSourceConnector/config/validate" -d "$CONFIG" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["error_count"])')
[ "$n" = 0 ] || fail "validation of a connector that defines its boundaries: $n error(s)"

"$TOOLS/kafka-create-topic" "$B" "$G-data" 1
curl -sf -XPUT -H 'Content-Type: application/json' "$U/connectors/txn/config" -d "$CONFIG" >/dev/null ||
        fail "creating the connector"
dump() { kcat -b "$B" -C -t "$G-data" -e -q -o beginning -f '%s\n' -X isolation.level="$1"; }
{ seq -f 'v-%g' 0 199; seq -f 'v-%g' 251 999; } >"$WORK/want.txt"
committed_all() { [ "$(dump read_committed | wc -l)" -ge "$(wc -l <"$WORK/want.txt")" ]; }
wait_until 60 "the committed records" committed_all
dump read_committed >"$WORK/got.txt"
cmp -s "$WORK/want.txt" "$WORK/got.txt" || fail "read_committed sees: $(head -c 300 "$WORK/got.txt" | tr '\n' ' ')..."
dump read_uncommitted | grep -qx 'v-225' || fail "the aborted records are not in the log at all"
pos=$(curl -sf "$U/connectors/txn/offsets" | python3 -c 'import json,sys; print(json.load(sys.stdin)["offsets"][0]["offset"]["n"])')
[ "$pos" = 999 ] || fail "committed offset $pos, not 999"
info "connector-defined boundaries: commits every 100 records, the aborted transaction invisible"
