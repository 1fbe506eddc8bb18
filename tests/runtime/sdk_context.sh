#!/usr/bin/env bash
# The SDK contexts end to end, through a test plugin (tests/plugins/sdk_probe.c) loaded from
# plugin.path by a standalone worker on the embedded broker:
#   connector context: a task reconfiguration request replaces the tasks (GET .../tasks), and
#     raiseError fails the connector with its message as the trace;
#   source tasks: offsets of two partitions in one call, commitRecord for every acknowledged record
#     with its Kafka position, commit() after offset flushes;
#   sink task context: seek back (records delivered again from the sought offset), retriable put()
#     with a timeout (the same batch again after it, committed afterwards), pause/resume of a
#     partition, the current assignment, the errant record reporter (record in the DLQ with context headers, task RUNNING;
#     with errors.tolerance=none the task fails), and preCommit (the group's committed offset is
#     what preCommit returned, not what was consumed), and requestCommit (a commit long before
#     offset.flush.interval.ms).
source "$(dirname "$0")/../lib.sh"

mkdir -p "$WORK/plugins"
${CC:-cc} -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter -fPIC -shared -pthread \
        -I"$REPO/worker/include" -o "$WORK/plugins/sdk_probe.so" "$REPO/tests/plugins/sdk_probe.c" ||
        fail "test plugin build failed"
COMMITTED="$REPO/build/tools/kafka-committed"
[ -x "$COMMITTED" ] || fail "build/tools/kafka-committed is missing (make build/tools/kafka-committed)"

cat >"$WORK/worker.properties" <<P
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$WORK/offsets.json
offset.flush.interval.ms=500
listeners=http://127.0.0.1:0
plugin.path=$WORK/plugins
P
start_worker w standalone --embedded-kafka "$WORK/worker.properties"
rest_ready() {
        worker_alive w || fail "worker exited: $(tail -20 "$WORK/w.log")"
        grep -q 'REST worker id ' "$WORK/w.log" && grep -q '^Embedded Kafka broker: ' "$WORK/w.out"
}
wait_until 60 "the worker's REST server" rest_ready
REST=$(sed -n 's/.*REST worker id \(.*\)$/\1/p' "$WORK/w.log" | head -1)
B=$(sed -n 's/^Embedded Kafka broker: //p' "$WORK/w.out")
URL="http://$REST"

create() { # name config-json
        curl -sf -X POST -H 'Content-Type: application/json' "$URL/connectors" \
                -d "{\"name\":\"$1\",\"config\":$2}" >/dev/null || fail "cannot create connector $1"
}
status() { curl -sf "$URL/connectors/$1/status"; }
task_state() { # connector task -> state
        status "$1" | python3 -c "import json,sys; t=[x for x in json.load(sys.stdin)['tasks'] if x['id']==$2]; print(t[0]['state'] if t else 'NONE')"
}
conn_state() { status "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)['connector']['state'])"; }
n_tasks() { curl -sf "$URL/connectors/$1/tasks" | python3 -c "import json,sys; print(len(json.load(sys.stdin)))"; }
task_counts() { # connector -> the task.count of every task config
        curl -sf "$URL/connectors/$1/tasks" |
                python3 -c "import json,sys; print(' '.join(t['config'].get('task.count','?') for t in json.load(sys.stdin)))"
}
produce() { # topic values...
        local topic=$1
        shift
        printf '%s\n' "$@" | kcat -b "$B" -P -t "$topic" || fail "cannot produce to $topic"
}
count_lines() { # file regex
        if [ -f "$1" ]; then grep -cE "$2" "$1" || true; else echo 0; fi
}
lines_at_least() { [ "$(count_lines "$1" "$2")" -ge "$3" ]; }
committed_is() { [ "$("$COMMITTED" "$B" "$1" "$2" 0 2>/dev/null)" = "$3" ]; }
# Conditions for wait_until, evaluated on every try.
task_is() { [ "$(task_state "$1" "$2")" = "$3" ]; }
conn_is() { [ "$(conn_state "$1")" = "$2" ]; }
task_counts_are() { [ "$(task_counts "$1")" = "$2" ]; }

# ---- source: commitRecord, commit(), offsets of many partitions, reconfiguration, raiseError ----
# The task count file is replaced atomically, so the watcher never reads it half written.
set_tasks() { echo "$1" >"$WORK/tasks.tmp" && mv "$WORK/tasks.tmp" "$WORK/tasks"; }
set_tasks 1
create src "{\"connector.class\":\"dev.ferry.test.ProbeSourceConnector\",\"tasks.max\":\"4\",
        \"probe.tasks.file\":\"$WORK/tasks\",\"probe.topic\":\"probe-src\",\"probe.records\":\"5\",
        \"probe.acks\":\"$WORK/acks\"}"
wait_until 60 "5 acknowledged records of task 0" lines_at_least "$WORK/acks" '^ack t0-' 5
grep -q '^offsets task=0 count=1 found=0 next=0 none=null$' "$WORK/acks" ||
        fail "first start should find no offsets: $(grep '^offsets' "$WORK/acks")"
# Each commitRecord names where Kafka stored the record: the same as reading the topic says.
kcat -b "$B" -C -t probe-src -e -q -o beginning -f 'ack %s probe-src %p %o\n' | sort >"$WORK/topic-acks"
grep '^ack ' "$WORK/acks" | sort >"$WORK/acked"
[ "$(wc -l <"$WORK/topic-acks")" = 5 ] || fail "probe-src holds $(wc -l <"$WORK/topic-acks") records"
cmp -s "$WORK/topic-acks" "$WORK/acked" || fail "commitRecord metadata differs from the topic: $(diff "$WORK/topic-acks" "$WORK/acked")"
wait_until 30 "commit() after an offset flush" lines_at_least "$WORK/acks" '^commit task=0' 1
offsets_of_src() { curl -sf "$URL/connectors/src/offsets" | grep -q '"n":4'; }
wait_until 30 "task 0's offset committed" offsets_of_src
[ "$(n_tasks src)" = 1 ] || fail "expected 1 task, got $(n_tasks src)"

info "reconfiguration request: 2 tasks"
set_tasks 2
wait_until 30 "two task configs after the reconfiguration request" task_counts_are src "2 2"
wait_until 60 "5 acknowledged records of the new task 1" lines_at_least "$WORK/acks" '^ack t1-' 5
# Task 0 was replaced and found its committed offset (one of the two partitions it asked for).
grep -q '^offsets task=0 count=2 found=1 next=5 none=null$' "$WORK/acks" ||
        fail "restarted task 0 should resume after offset 4: $(grep '^offsets' "$WORK/acks")"
[ "$(count_lines "$WORK/acks" '^ack t0-')" = 5 ] || fail "task 0 produced again after resuming"
wait_until 30 "task 0 RUNNING" task_is src 0 RUNNING
wait_until 30 "task 1 RUNNING" task_is src 1 RUNNING
grep -q 'requested a task reconfiguration' "$WORK/w.log" || fail "no reconfiguration logged"

info "raiseError"
set_tasks "fail: probe failure requested"
wait_until 30 "connector FAILED" conn_is src FAILED
status src | python3 -c "
import json,sys
s=json.load(sys.stdin)
assert 'probe failure requested' in s['connector'].get('trace',''), s
assert [t['state'] for t in s['tasks']] == ['RUNNING','RUNNING'], s
" || fail "raiseError status: $(status src)"

# ---- sink: seek back ----
create sink-a '{"connector.class":"dev.ferry.test.ProbeSinkConnector","topics":"pa","probe.out":"'"$WORK"'/out-a"}'
wait_until 30 "sink-a RUNNING" task_is sink-a 0 RUNNING
produce pa r0 r1 r2 REWIND:1
wait_until 60 "records delivered again from offset 1" lines_at_least "$WORK/out-a" '^pa 0 ' 7
[ "$(count_lines "$WORK/out-a" '^pa 0 0 r0$')" = 1 ] || fail "r0 should come once: $(cat "$WORK/out-a")"
for l in '1 r1' '2 r2' '3 REWIND:1'; do
        [ "$(count_lines "$WORK/out-a" "^pa 0 $l\$")" = 2 ] || fail "'$l' should come twice: $(cat "$WORK/out-a")"
done
wait_until 30 "sink-a commits offset 4" committed_is connect-sink-a pa 4

# ---- sink: retriable put() with a timeout ----
create sink-b '{"connector.class":"dev.ferry.test.ProbeSinkConnector","topics":"pb","probe.retry.ms":"1500",
        "probe.out":"'"$WORK"'/out-b","probe.request.commit":"true"}'
wait_until 30 "sink-b RUNNING" task_is sink-b 0 RUNNING
produce pb x0 RETRY x2
wait_until 60 "the batch delivered again" lines_at_least "$WORK/out-b" '^pb 0 2 x2$' 1
t1=$(sed -n 's/^retriable //p' "$WORK/out-b")
t2=$(sed -n 's/^redelivered //p' "$WORK/out-b")
[ -n "$t1" ] && [ -n "$t2" ] || fail "retry markers missing: $(cat "$WORK/out-b")"
[ $((t2 - t1)) -ge 1500 ] || fail "redelivered after $((t2 - t1)) ms, before the 1500 ms timeout"
for l in '1 RETRY' '2 x2'; do
        [ "$(count_lines "$WORK/out-b" "^pb 0 $l\$")" = 1 ] || fail "'$l' should be put once: $(cat "$WORK/out-b")"
done
wait_until 30 "sink-b commits offset 3" committed_is connect-sink-b pb 3
[ "$(task_state sink-b 0)" = RUNNING ] || fail "sink-b is $(task_state sink-b 0)"

# ---- sink: pause and resume a partition ----
create sink-f '{"connector.class":"dev.ferry.test.ProbeSinkConnector","topics":"pf1,pf2","probe.out":"'"$WORK"'/out-f"}'
wait_until 30 "sink-f RUNNING" task_is sink-f 0 RUNNING
produce pf1 PAUSE
wait_until 60 "PAUSE put" lines_at_least "$WORK/out-f" '^pf1 0 0 PAUSE$' 1
produce pf1 after-pause
produce pf2 q1
wait_until 60 "q1 put" lines_at_least "$WORK/out-f" '^pf2 0 0 q1$' 1
[ "$(count_lines "$WORK/out-f" 'after-pause')" = 0 ] || fail "a paused partition was delivered: $(cat "$WORK/out-f")"
produce pf2 ASSIGNMENT RESUME
wait_until 60 "the paused partition after RESUME" lines_at_least "$WORK/out-f" '^pf1 0 1 after-pause$' 1
assignment=$(sed -n 's/^assignment //p' "$WORK/out-f" | tr ' ' '\n' | sort | tr '\n' ' ')
[ "$assignment" = "2 pf1-0 pf2-0 " ] || fail "assignment() gave '$assignment': $(cat "$WORK/out-f")"
resume_line=$(grep -n 'RESUME' "$WORK/out-f" | head -1 | cut -d: -f1)
after_line=$(grep -n 'after-pause' "$WORK/out-f" | head -1 | cut -d: -f1)
[ "$after_line" -gt "$resume_line" ] || fail "after-pause delivered before RESUME: $(cat "$WORK/out-f")"
[ "$(grep -c '^pf' "$WORK/out-f")" = 5 ] || fail "records were delivered twice around the pause: $(cat "$WORK/out-f")"

# ---- sink: errant record reporter ----
create sink-c '{"connector.class":"dev.ferry.test.ProbeSinkConnector","topics":"pc","probe.out":"'"$WORK"'/out-c",
        "errors.tolerance":"all","errors.log.enable":"true","errors.deadletterqueue.topic.name":"pc-dlq",
        "errors.deadletterqueue.topic.replication.factor":"1","errors.deadletterqueue.context.headers.enable":"true"}'
wait_until 30 "sink-c RUNNING" task_is sink-c 0 RUNNING
produce pc ok1 BAD-2 ok3
wait_until 60 "records after the reported one" lines_at_least "$WORK/out-c" '^pc 0 2 ok3$' 1
grep -q '^reported pc 0 1 ok$' "$WORK/out-c" || fail "report should be tolerated: $(cat "$WORK/out-c")"
dlq_has() { kcat -b "$B" -C -t pc-dlq -e -q -o beginning -f '%s|%h\n' >"$WORK/dlq.txt" 2>/dev/null && grep -q '^BAD-2|' "$WORK/dlq.txt"; }
wait_until 30 "the reported record in the DLQ" dlq_has
for h in '__connect.errors.stage=TASK_PUT' '__connect.errors.offset=1' '__connect.errors.topic=pc' \
        '__connect.errors.connector.name=sink-c' \
        '__connect.errors.exception.class.name=org.apache.kafka.connect.errors.DataException' \
        '__connect.errors.exception.message=bad record BAD-2'; do
        grep -q "$h" "$WORK/dlq.txt" || fail "DLQ header $h missing: $(cat "$WORK/dlq.txt")"
done
dlq_count=$(kcat -b "$B" -C -t pc-dlq -e -q -o beginning -f '%o\n' | wc -l)
[ "$dlq_count" = 1 ] || fail "DLQ should hold one record, holds $dlq_count"
grep -q "Error encountered in task sink-c-0. Executing stage 'TASK_PUT'" "$WORK/w.log" || fail "errors.log.enable: nothing logged"
[ "$(task_state sink-c 0)" = RUNNING ] || fail "sink-c is $(task_state sink-c 0)"
wait_until 30 "sink-c commits past the reported record" committed_is connect-sink-c pc 3

info "reporter with errors.tolerance=none"
create sink-e '{"connector.class":"dev.ferry.test.ProbeSinkConnector","topics":"pe","probe.out":"'"$WORK"'/out-e"}'
wait_until 30 "sink-e RUNNING" task_is sink-e 0 RUNNING
produce pe BAD-x
wait_until 60 "sink-e FAILED" task_is sink-e 0 FAILED
status sink-e | grep -q 'Tolerance exceeded in error handler' || fail "sink-e trace: $(status sink-e)"
grep -q '^reported pe 0 0 fatal$' "$WORK/out-e" || fail "report should return fatal: $(cat "$WORK/out-e")"

# ---- sink: preCommit decides what is committed ----
create sink-d '{"connector.class":"dev.ferry.test.ProbeSinkConnector","topics":"pd","probe.out":"'"$WORK"'/out-d",
        "probe.precommit":"true","probe.request.commit":"true"}'
wait_until 30 "sink-d RUNNING" task_is sink-d 0 RUNNING
produce pd d0 d1 DURABLE d3 d4
wait_until 60 "all 5 records put" lines_at_least "$WORK/out-d" '^pd 0 ' 5
wait_until 30 "the durable offset committed" committed_is connect-sink-d pd 3
wait_until 30 "preCommit called after the last put" lines_at_least "$WORK/out-d" '^precommit pd 0 3$' 2
[ "$("$COMMITTED" "$B" connect-sink-d pd 0)" = 3 ] || fail "committed offset moved past what preCommit returned"

stop_worker w TERM
[ "$WORKER_RC" -eq 0 ] || fail "worker exited with $WORKER_RC: $(tail -20 "$WORK/w.log")"

# ---- sink: requestCommit commits long before offset.flush.interval.ms ----
sed -i 's/^offset.flush.interval.ms=.*/offset.flush.interval.ms=600000/' "$WORK/worker.properties"
start_worker w2 standalone --embedded-kafka "$WORK/worker.properties"
rest2_ready() {
        worker_alive w2 || fail "worker 2 exited: $(tail -20 "$WORK/w2.log")"
        grep -q 'REST worker id ' "$WORK/w2.log" && grep -q '^Embedded Kafka broker: ' "$WORK/w2.out"
}
wait_until 60 "worker 2's REST server" rest2_ready
URL="http://$(sed -n 's/.*REST worker id \(.*\)$/\1/p' "$WORK/w2.log" | head -1)"
B=$(sed -n 's/^Embedded Kafka broker: //p' "$WORK/w2.out")
create sink-g '{"connector.class":"dev.ferry.test.ProbeSinkConnector","topics":"pg","probe.out":"'"$WORK"'/out-g",
        "probe.request.commit":"true"}'
wait_until 30 "sink-g RUNNING" task_is sink-g 0 RUNNING
produce pg g0 g1 g2
wait_until 30 "the requested commit (the flush interval is 10 minutes)" committed_is connect-sink-g pg 3
stop_worker w2 TERM
[ "$WORKER_RC" -eq 0 ] || fail "worker 2 exited with $WORKER_RC: $(tail -20 "$WORK/w2.log")"
