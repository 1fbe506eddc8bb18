#!/usr/bin/env bash
# Exactly-once source support (KIP-618) on the real broker, two distributed workers with
# exactly.once.source.support=enabled: Connect's validation messages for exactly.once.support and
# transaction.boundary; a FileStreamSource whose worker is killed with kill -9 mid-stream, twice,
# is seen by a read_committed reader with every line exactly once and in order; the leader writes
# Connect's task count record (tasks-fencing-<name>); a zombie worker (SIGSTOP past its session,
# then SIGCONT) is fenced and commits nothing; a transaction aborted by a failing task is invisible
# to read_committed readers while read_uncommitted ones see its records.
source "$(dirname "$0")/../lib.sh"
B=$(kafka_bootstrap)
G=eos-$$-$RANDOM
N=${FERRY_TEST_EOS_LINES:-1000000}
TOOLS=$REPO/build/tools

props() { # i
        {
                distributed_props "$B" "$G"
                printf '%s\n' exactly.once.source.support=enabled session.timeout.ms=6000 heartbeat.interval.ms=1000
        } >"$WORK/w$1.properties"
}
start_dw() { # i
        props "$1"
        : >"$WORK/w$1.log"
        start_worker "w$1" distributed "$WORK/w$1.properties"
        wait_until 60 "worker $1 joined" grep -q "Joined group" "$WORK/w$1.log"
}
url() { echo "http://$(grep -o 'REST worker id .*' "$WORK/w$1.log" | tail -1 | awk '{print $4}')"; }
wid() { grep -o 'REST worker id .*' "$WORK/w$1.log" | tail -1 | awk '{print $4}'; }
status() { curl -sf "$(url "$1")/connectors/$2/status"; }
task_owner() { status "$1" "$2" | python3 -c 'import json,sys; t=json.load(sys.stdin)["tasks"]; print(t[0]["worker_id"] if t and t[0]["state"]=="RUNNING" else "")'; }
task_running() { [ -n "$(task_owner "$1" "$2")" ]; }
task_state_is() { status "$1" "$2" | python3 -c 'import json,sys; t=json.load(sys.stdin)["tasks"]; sys.exit(0 if t and t[0]["state"]==sys.argv[1] else 1)' "$3"; }
# Lines of a topic as a reader with the given isolation level sees them.
dump() { # topic level
        kcat -b "$B" -C -t "$1" -e -q -f '%s\n' -o beginning -X isolation.level="$2"
}
count_is_at_least() { [ "$(dump "$1" read_committed | wc -l)" -ge "$2" ]; }

for i in 1 2; do start_dw "$i"; done

# --- validation (Connect's messages) ---
validate() { # config-json -> the errors of one key
        curl -sf -XPUT -H 'Content-Type: application/json' \
                "$(url 1)/connector-plugins/FileStreamSourceConnector/config/validate" -d "$1" |
                python3 -c 'import json,sys; d=json.load(sys.stdin); print("\n".join(e for c in d["configs"] if c["value"]["name"]==sys.argv[1] for e in c["value"]["errors"]))' "$2"
}
errs=$(validate '{"connector.class":"FileStreamSource","name":"v","topic":"t","exactly.once.support":"required"}' exactly.once.support)
[ "$errs" = "The connector does not support exactly-once semantics with the provided configuration." ] ||
        fail "exactly.once.support=required with stdin: '$errs'"
errs=$(validate "{\"connector.class\":\"FileStreamSource\",\"name\":\"v\",\"topic\":\"t\",\"file\":\"$WORK/x\",\"exactly.once.support\":\"required\"}" exactly.once.support)
[ -z "$errs" ] || fail "exactly.once.support=required with a file: '$errs'"
errs=$(validate "{\"connector.class\":\"FileStreamSource\",\"name\":\"v\",\"topic\":\"t\",\"file\":\"$WORK/x\",\"transaction.boundary\":\"connector\"}" transaction.boundary)
[ "$errs" = "The connector does not support connector-defined transaction boundaries with the given configuration. Please reconfigure it to use a different transaction boundary definition." ] ||
        fail "transaction.boundary=connector: '$errs'"
errs=$(validate "{\"connector.class\":\"FileStreamSource\",\"name\":\"v\",\"topic\":\"t\",\"file\":\"$WORK/x\",\"transaction.boundary\":\"sometimes\"}" transaction.boundary)
[ "$errs" = "Invalid value sometimes for configuration transaction.boundary: String must be one of: poll, interval, connector" ] ||
        fail "transaction.boundary=sometimes: '$errs'"
code=$(curl -s -o "$WORK/create.json" -w '%{http_code}' -XPOST -H 'Content-Type: application/json' "$(url 2)/connectors" \
        -d '{"name":"bad","config":{"connector.class":"FileStreamSource","topic":"t","exactly.once.support":"required"}}')
[ "$code" = 400 ] && grep -q "does not support exactly-once semantics" "$WORK/create.json" ||
        fail "creating with exactly.once.support=required and stdin answered $code: $(cat "$WORK/create.json")"
info "validation messages as Connect's"

# --- kill -9 mid-stream, twice: exactly once under read_committed ---
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "eos-%07d\n", i }' >"$WORK/in.txt"
"$TOOLS/kafka-create-topic" "$B" "$G-data" 1
curl -sf -XPOST -H 'Content-Type: application/json' "$(url 1)/connectors" -d "{\"name\":\"src\",\"config\":{\"connector.class\":\"FileStreamSource\",\"topic\":\"$G-data\",\"file\":\"$WORK/in.txt\",\"batch.size\":\"500\",\"exactly.once.support\":\"required\"}}" >/dev/null ||
        fail "creating the exactly-once source"
kills=0
next=3
# live_owner I NAME: the index of the live worker running NAME's task 0, as worker I reports it.
live_owner() {
        local o
        o=$(task_owner "$1" "$2") || return 1
        [ -n "$o" ] || return 1
        for i in $(seq 1 $((next - 1))); do
                if worker_alive "w$i" && [ "$(wid "$i")" = "$o" ]; then
                        echo "$i"
                        return 0
                fi
        done
        return 1
}
survivor() { for i in $(seq $((next - 1)) -1 1); do worker_alive "w$i" && { echo "$i"; return; }; done; }
for round in 1 2; do
        L=$(survivor)
        wait_until 60 "src task RUNNING on a live worker" live_owner "$L" src
        wait_until 120 "$((round * N / 4)) lines committed" count_is_at_least "$G-data" $((round * N / 4))
        victim=$(live_owner "$L" src) || fail "no live worker runs the source task"
        stop_worker "w$victim" KILL
        kills=$((kills + 1))
        info "round $round: killed worker $victim (running the task) with kill -9"
        start_dw "$next"
        next=$((next + 1))
done
S=$(survivor)
wait_until 180 "all $N lines committed" count_is_at_least "$G-data" "$N"
dump "$G-data" read_committed >"$WORK/committed.txt"
cmp -s "$WORK/in.txt" "$WORK/committed.txt" ||
        fail "read_committed sees $(wc -l <"$WORK/committed.txt") lines, not the $N input lines once each in order"
uncommitted=$(dump "$G-data" read_uncommitted | wc -l)
info "after $kills kill -9: read_committed sees all $N lines exactly once, in order ($uncommitted records in the log including aborted ones)"

# --- the task count record, in Connect's format ---
kcat -b "$B" -C -t "$G-configs" -e -q -o beginning -f '%k=%s\n' >"$WORK/configs.txt"
grep -qx 'tasks-fencing-src={"task-count":1}' "$WORK/configs.txt" ||
        fail "no tasks-fencing-src record: $(grep -c . "$WORK/configs.txt") config records"
info "task count record written as Connect's"

# --- the offsets and fencing endpoints ---
size=$(stat -c %s "$WORK/in.txt")
pos=$(curl -sf "$(url "$S")/connectors/src/offsets" | python3 -c 'import json,sys; print(json.load(sys.stdin)["offsets"][0]["offset"]["position"])')
[ "$pos" = "$size" ] || fail "committed position $pos, not the file size $size"
# Right after the kills the assignment may still name a dead leader (forwarding fails: 500, or 409
# while none is known), as in Connect: the answer must become 204 once the group has a leader.
fence_ok() { [ "$(curl -s -o /dev/null -w '%{http_code}' -XPUT "$(url "$S")/connectors/src/fence")" = 204 ]; }
wait_until 60 "PUT /connectors/src/fence answered 204" fence_ok
curl -sf -XPOST -H 'Content-Type: application/json' "$(url "$S")/connectors" -d "{\"name\":\"snk\",\"config\":{\"connector.class\":\"FileStreamSink\",\"topics\":\"$G-data\",\"file\":\"$WORK/out.txt\"}}" >/dev/null ||
        fail "creating a sink"
msg=$(curl -s -XPUT "$(url "$S")/connectors/snk/fence")
echo "$msg" | grep -q '"error_code":400.*Connector snk is not a source connector' || fail "fencing a sink: $msg"
code=$(curl -s -o /dev/null -w '%{http_code}' -XPUT "$(url "$S")/connectors/nope/fence")
[ "$code" = 404 ] || fail "fencing an unknown connector answered $code"
curl -sf -XPUT "$(url "$S")/connectors/src/stop" >/dev/null || fail "stopping src"
stopped() { status "$S" src | grep -q '"connector":{"state":"STOPPED"'; }
wait_until 30 "src STOPPED" stopped
curl -sf -XPATCH -H 'Content-Type: application/json' "$(url "$S")/connectors/src/offsets" \
        -d "{\"offsets\":[{\"partition\":{\"filename\":\"$WORK/in.txt\"},\"offset\":{\"position\":12}}]}" |
        grep -q 'The offsets for this connector have been altered successfully' || fail "altering src's offsets"
pos=$(curl -sf "$(url "$S")/connectors/src/offsets" | python3 -c 'import json,sys; print(json.load(sys.stdin)["offsets"][0]["offset"]["position"])')
[ "$pos" = 12 ] || fail "offset after PATCH: $pos"
curl -sf -XDELETE "$(url "$S")/connectors/src/offsets" |
        grep -q 'The offsets for this connector have been reset successfully' || fail "resetting src's offsets"
n=$(curl -sf "$(url "$S")/connectors/src/offsets" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["offsets"]))')
[ "$n" = 0 ] || fail "$n offsets left after DELETE"
# The reset is a committed tombstone: a read_committed reader of the offsets topic ends src's
# partition with a null value.
last=$(kcat -b "$B" -C -t "$G-offsets" -X isolation.level=read_committed -e -q -o beginning -Z -f '%k\t%s\n' |
        grep -F "[\"src\"," | tail -1)
case "$last" in *$'\t'NULL) ;; *) fail "src's last offset record under read_committed is not a tombstone: $last" ;; esac
curl -sf -XDELETE "$(url "$S")/connectors/src" >/dev/null || fail "deleting src"
info "offsets (GET, PATCH, DELETE as a committed tombstone) and fence endpoints"

# --- a zombie (SIGSTOP past its session) is fenced and commits nothing ---
printf 'zombie-%07d\n' $(seq 0 99999) >"$WORK/z.txt"
"$TOOLS/kafka-create-topic" "$B" "$G-z" 1
curl -sf -XPOST -H 'Content-Type: application/json' "$(url "$S")/connectors" -d "{\"name\":\"zsrc\",\"config\":{\"connector.class\":\"FileStreamSource\",\"topic\":\"$G-z\",\"file\":\"$WORK/z.txt\",\"batch.size\":\"100\",\"transaction.boundary\":\"interval\",\"transaction.boundary.interval.ms\":\"200\",\"offsets.storage.topic\":\"$G-zsrc-offsets\"}}" >/dev/null ||
        fail "creating zsrc"
wait_until 60 "zsrc RUNNING" live_owner "$S" zsrc
Z=$(live_owner "$S" zsrc) || fail "no live worker runs zsrc"
O=
for i in $(seq 1 $((next - 1))); do worker_alive "w$i" && [ "$i" != "$Z" ] && O=$i; done
[ -n "$O" ] || fail "no second live worker"
kill -STOP "$(worker_pid "w$Z")"
CLEANUP+=("kill -CONT $(worker_pid "w$Z") 2>/dev/null")
zid=$(wid "$Z")
moved() { o=$(task_owner "$O" zsrc); [ -n "$o" ] && [ "$o" != "$zid" ]; }
wait_until 60 "zsrc moved off the stopped worker" moved
kill -CONT "$(worker_pid "w$Z")"
# Resumed, it finds its membership lost and stops everything it ran before it takes any new
# assignment (even when it is a member again within the same poll), so zsrc starts afresh wherever
# it lands, never left FAILED by the fenced producer: every line gets committed.
wait_until 60 "the resumed worker noticing it lost its membership" grep -q "lost its membership" "$WORK/w$Z.log"
wait_until 180 "all zombie-test lines committed" count_is_at_least "$G-z" 100000
wait_until 60 "zsrc's task RUNNING (not FAILED) after the zombie came back" task_running "$O" zsrc
dump "$G-z" read_committed >"$WORK/zc.txt"
cmp -s "$WORK/z.txt" "$WORK/zc.txt" || fail "zombie test: read_committed does not see each line once in order"
grep -qiE "fenced|ProducerFenced" "$WORK/w$Z.log" || info "(the zombie's log does not mention fencing)"
info "zombie resumed after its task moved: nothing duplicated under read_committed"
# zsrc keeps its offsets in its own topic (offsets.storage.topic), Connect's records.
zsize=$(stat -c %s "$WORK/z.txt")
own_offset_is_end() {
        kcat -b "$B" -C -t "$G-zsrc-offsets" -e -q -o beginning -X isolation.level=read_committed -f '%k=%s\n' |
                tail -1 | grep -qx "\[\"zsrc\",{\"filename\":\"$WORK/z.txt\"}\]={\"position\":$zsize}"
}
wait_until 30 "zsrc's last offset in its own offsets topic" own_offset_is_end
info "the connector's own offsets topic holds its offsets"

# --- an aborted transaction is invisible to read_committed ---
{ seq 1 1500; echo not-a-number; seq 1502 3000; } >"$WORK/nums.txt"
"$TOOLS/kafka-create-topic" "$B" "$G-abort" 1
curl -sf -XPOST -H 'Content-Type: application/json' "$(url "$S")/connectors" -d "{\"name\":\"asrc\",\"config\":{\"connector.class\":\"FileStreamSource\",\"topic\":\"$G-abort\",\"file\":\"$WORK/nums.txt\",\"batch.size\":\"2000\",\"transforms\":\"c\",\"transforms.c.type\":\"org.apache.kafka.connect.transforms.Cast\$Value\",\"transforms.c.spec\":\"int64\"}}" >/dev/null ||
        fail "creating asrc"
wait_until 60 "asrc task FAILED" task_state_is "$S" asrc FAILED
committed=$(dump "$G-abort" read_committed | wc -l)
uncommitted=$(dump "$G-abort" read_uncommitted | wc -l)
[ "$committed" -lt 1500 ] || fail "read_committed sees $committed records of the failed transaction"
dump "$G-abort" read_committed | cmp -s - <(seq 1 "$committed") || fail "read_committed records are not a prefix"
[ "$uncommitted" -gt "$committed" ] || info "(no aborted record reached the log: $uncommitted)"
info "aborted transaction: read_committed sees $committed records, read_uncommitted $uncommitted"
