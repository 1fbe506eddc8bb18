#!/usr/bin/env bash
# Zombie fencing by Ferry's own leader (KIP-618) on the real broker: a connector with two
# exactly-once source tasks (the test plugin tests/plugins/txn_probe.c, txn.tasks=2) runs on a
# distributed worker; then tasks.max drops to 1. Task 1 has no successor that would fence its
# transactional id <group>-txn-1 by starting, so only the leader can: before the new generation
# starts it must fence both ids of the previous one and write the task count record 1. Checked
# independently of Ferry in the broker's transaction log (__transaction_state, read with
# confluent-kafka): the producer epoch of <group>-txn-1 grows after the change, and a
# read_committed reader still sees each task's records exactly once.
source "$(dirname "$0")/../lib.sh"
B=$(kafka_bootstrap)
G=eosf-$$-$RANDOM
TOOLS=$REPO/build/tools
PY=$("$REPO/hack/pyenv.sh" | tail -1) || fail "no Python venv (hack/pyenv.sh)"

source "$REPO/tests/plugins/txn_probe_worker.sh"
"$TOOLS/kafka-create-topic" "$B" "$G-data" 1

config() { # TASKS_MAX
        echo "{\"connector.class\":\"dev.ferry.test.TxnProbeSourceConnector\",\"txn.topic\":\"$G-data\",\"txn.records\":\"200\",\"txn.tasks\":\"2\",\"tasks.max\":\"$1\",\"transaction.boundary\":\"connector\"}"
}
dump() { kcat -b "$B" -C -t "$G-data" -e -q -o beginning -f '%s\n' -X isolation.level=read_committed; }
count_of() { dump | grep -c "$1" || true; }
# epoch TXID: the highest producer epoch the transaction log holds for TXID (-1 when none).
epoch() {
        "$PY" - "$B" "$1" <<'PY'
import struct, sys
from confluent_kafka import Consumer, TopicPartition
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": "eosf-reader", "enable.auto.commit": False})
want, best = sys.argv[2], -1
parts = c.list_topics("__transaction_state", timeout=10).topics["__transaction_state"].partitions
for p in parts:
    lo, hi = c.get_watermark_offsets(TopicPartition("__transaction_state", p), timeout=10)
    if hi <= lo:
        continue
    c.assign([TopicPartition("__transaction_state", p, lo)])
    pos = lo
    while pos < hi:
        m = c.poll(5)
        if m is None:
            break
        if m.error():
            continue
        pos = m.offset() + 1
        k, v = m.key(), m.value()
        # key: int16 version, string (int16 length) transactional id
        if not k or not v or len(k) < 4:
            continue
        n = struct.unpack(">h", k[2:4])[0]
        if k[4:4 + n].decode("utf-8", "replace") != want:
            continue
        # value: int16 version, int64 producer id, int16 producer epoch, ...
        best = max(best, struct.unpack(">h", v[10:12])[0])
c.close()
print(best)
PY
}

curl -sf -XPUT -H 'Content-Type: application/json' "$U/connectors/txn/config" -d "$(config 2)" >/dev/null ||
        fail "creating the connector"
both() { [ "$(count_of '^v-')" -ge 200 ] && [ "$(count_of '^t1-v-')" -ge 200 ]; }
wait_until 90 "200 committed records of each task" both
e0=$(epoch "$G-txn-1")
[ "$e0" -ge 0 ] || fail "no transaction log entry for $G-txn-1"
info "two tasks: 200 committed records each; $G-txn-1 at producer epoch $e0"

curl -sf -XPUT -H 'Content-Type: application/json' "$U/connectors/txn/config" -d "$(config 1)" >/dev/null ||
        fail "lowering tasks.max"
one_task() { curl -sf "$U/connectors/txn/status" | python3 -c 'import json,sys; t=json.load(sys.stdin)["tasks"]; sys.exit(0 if len(t)==1 and t[0]["state"]=="RUNNING" else 1)'; }
wait_until 60 "one RUNNING task" one_task
fenced() { [ "$(epoch "$G-txn-1")" -gt "$e0" ]; }
wait_until 60 "the leader fenced $G-txn-1 (its epoch above $e0)" fenced
grep -q "Connector txn: fenced 2 task producer(s); task count record 1 written" "$WORK/w.log" ||
        fail "the leader's fencing is not in the log"
info "tasks.max 2 -> 1: $G-txn-1 fenced by the leader (epoch $e0 -> $(epoch "$G-txn-1"))"
[ "$(count_of '^v-')" = 200 ] && [ "$(count_of '^t1-v-')" = 200 ] ||
        fail "read_committed sees $(count_of '^v-') and $(count_of '^t1-v-') records, not 200 of each"
info "read_committed: 200 records of each task, once each"
echo PASS
