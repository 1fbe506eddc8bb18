#!/usr/bin/env bash
# Distributed mode on the real broker, through REST and Kafka: 3 workers share a 6-task sink
# (2 tasks each); writes sent to followers are applied; kill -9 of a worker moves its tasks to the
# survivors within 15 s; a 4th worker brings every worker back to at most 2 tasks; a source + sink
# pipeline survives the kill of the worker running the source with lines repeated only from the
# committed offsets; after every worker stops, a restart brings back connectors, configs,
# target states and offsets; and active-topic records name the task that used the topic.
source "$(dirname "$0")/../lib.sh"
B=$(kafka_bootstrap)
G=dist-$$-$RANDOM
N=${FERRY_TEST_DIST_LINES:-1000000}
TOOLS=$REPO/build/tools

props() { # i
        cat >"$WORK/w$1.properties" <<P
bootstrap.servers=$B
group.id=$G
config.storage.topic=$G-configs
offset.storage.topic=$G-offsets
status.storage.topic=$G-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
listeners=http://127.0.0.1:0
offset.flush.interval.ms=500
P
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
# running_tasks I NAME: number of RUNNING tasks in the status seen from worker I
running_tasks() { status "$1" "$2" | python3 -c 'import json,sys; print(sum(t["state"]=="RUNNING" for t in json.load(sys.stdin)["tasks"]))'; }
max_per_worker() { status "$1" "$2" | python3 -c 'import json,sys,collections; c=collections.Counter(t["worker_id"] for t in json.load(sys.stdin)["tasks"]); print(max(c.values()) if c else 99)'; }
tasks_avoid() { # I NAME WORKER_ID: all 6 tasks RUNNING and none on WORKER_ID
        status "$1" "$2" | python3 -c 'import json,sys; s=json.load(sys.stdin); t=s["tasks"]; sys.exit(0 if len(t)==int(sys.argv[1]) and all(x["state"]=="RUNNING" and x["worker_id"]!=sys.argv[2] for x in t) else 1)' "$3" "$4"
}
six_ok() { [ "$(running_tasks "$1" sink6)" = 6 ] && [ "$(max_per_worker "$1" sink6)" -le "$2" ]; }
# post I BODY: creates a connector; 409 (a rebalance under way, no leader known yet) is retried
# for up to 30 s, as Connect's REST clients do.
post() {
        local code deadline=$((SECONDS + 30))
        while :; do
                code=$(curl -s -o "$WORK/post.out" -w '%{http_code}' -XPOST -H 'Content-Type: application/json' \
                        "$(url "$1")/connectors" -d "$2")
                [ "$code" = 409 ] && [ "$SECONDS" -lt "$deadline" ] || break
                sleep 0.5
        done
        [ "$code" = 201 ] || { echo "POST /connectors answered $code: $(cat "$WORK/post.out")" >&2; return 1; }
}

for i in 1 2 3; do start_dw "$i"; done
"$TOOLS/kafka-create-topic" "$B" "$G-six" 6
post 1 "{\"name\":\"sink6\",\"config\":{\"connector.class\":\"FileStreamSink\",\"tasks.max\":\"6\",\"topics\":\"$G-six\",\"file\":\"$WORK/six.txt\"}}" ||
        fail "creating sink6 through worker 1"
wait_until 60 "6 RUNNING tasks, 2 per worker" six_ok 1 2
info "3 workers: 6 tasks, at most 2 per worker"

# Writes through every worker (at least two are followers) are applied and visible everywhere.
for i in 1 2 3; do
        curl -sf -XPUT -H 'Content-Type: application/json' "$(url "$i")/connectors/via-$i/config" \
                -d "{\"connector.class\":\"FileStreamSink\",\"topics\":\"$G-six\",\"file\":\"$WORK/via.txt\"}" >/dev/null ||
                fail "PUT through worker $i"
done
for i in 1 2 3; do
        n=$(curl -sf "$(url "$i")/connectors" | python3 -c 'import json,sys; print(sum(c.startswith("via-") for c in json.load(sys.stdin)))')
        [ "$n" = 3 ] || fail "worker $i lists $n of the 3 connectors written through different workers"
done
curl -sf -XPUT "$(url 3)/connectors/via-1/pause" >/dev/null || fail "pause through worker 3"
wait_until 30 "via-1 PAUSED" sh -c "curl -sf $(url 1)/connectors/via-1/status | grep -q '\"connector\":{\"state\":\"PAUSED\"'"

# kill -9: the victim's tasks run on the survivors within 15 s.
victim=2
vid=$(wid $victim)
stop_worker "w$victim" KILL
t0=$SECONDS
wait_until 15 "all 6 tasks RUNNING on the survivors" tasks_avoid 1 sink6 6 "$vid"
info "failover after kill -9 took about $((SECONDS - t0)) s"

start_dw 4
wait_until 60 "at most 2 tasks per worker with a 4th worker" six_ok 1 2
info "4th worker joined: at most 2 tasks per worker"

# A source and a sink while the worker running the source task is killed. The source file grows
# after the kill, so the task's new owner must go on from the committed offset.
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "dist-%07d\n", i }' >"$WORK/all.txt"
head -n $((N / 3)) "$WORK/all.txt" >"$WORK/in.txt"
"$TOOLS/kafka-create-topic" "$B" "$G-data" 1
post 1 "{\"name\":\"src\",\"config\":{\"connector.class\":\"FileStreamSource\",\"topic\":\"$G-data\",\"file\":\"$WORK/in.txt\",\"batch.size\":\"200\"}}"
post 1 "{\"name\":\"snk\",\"config\":{\"connector.class\":\"FileStreamSink\",\"topics\":\"$G-data\",\"file\":\"$WORK/out.txt\"}}"
wait_until 60 "a tenth of the lines in the sink file" has_at_least "$WORK/out.txt" $((N / 10))
# The status topic is read back asynchronously: wait until worker 1 has seen the task's owner.
src_owner() { status 1 src | python3 -c 'import json,sys; t=json.load(sys.stdin)["tasks"]; print(t[0]["worker_id"] if t and t[0]["state"]=="RUNNING" else "")'; }
has_src_owner() { [ -n "$(src_owner)" ]; }
wait_until 30 "worker 1 reports the source task's owner" has_src_owner
owner=$(src_owner)
killed=
for i in 1 3 4; do
        if [ "$(wid $i)" = "$owner" ]; then killed=$i; fi
done
[ -n "$killed" ] || fail "no live worker runs the source task ($owner)"
stop_worker "w$killed" KILL
alive=1
[ "$killed" = 1 ] && alive=3
resume_src=$(curl -sf "$(url $alive)/connectors/src/offsets" | python3 -c 'import json,sys; o=json.load(sys.stdin)["offsets"]; print(o[0]["offset"]["position"] if o else 0)')
resume_src_line=$(head -c "$resume_src" "$WORK/in.txt" | wc -l)
info "killed worker $killed running the source; committed line $resume_src_line"
tail -n +$((N / 3 + 1)) "$WORK/all.txt" >>"$WORK/in.txt"
last=$(tail -n1 "$WORK/in.txt")
last_line_is() { [ "$(tail -n1 "$1" 2>/dev/null)" = "$2" ]; }
wait_until 180 "the last line in the sink file" last_line_is "$WORK/out.txt" "$last"
topic_dump "$B" "$G-data" >"$WORK/topic.txt"
python3 "$REPO/tests/check_stream.py" "$WORK/in.txt" "$WORK/topic.txt" --resume "$resume_src_line" || fail "topic check"
python3 "$REPO/tests/check_stream.py" "$WORK/topic.txt" "$WORK/out.txt" || fail "sink file check"

# Stop every worker, start three again: connectors, configs, target states and offsets are back.
before_offsets=$(curl -sf "$(url $alive)/connectors/src/offsets")
for i in 1 3 4; do
        [ "$i" = "$killed" ] || stop_worker "w$i" TERM
done
for i in 5 6 7; do start_dw "$i"; done
wait_until 60 "connectors back" sh -c "curl -sf $(url 5)/connectors | grep -q sink6"
names=$(curl -sf "$(url 5)/connectors" | python3 -c 'import json,sys; print(" ".join(sorted(json.load(sys.stdin))))')
[ "$names" = "sink6 snk src via-1 via-2 via-3" ] || fail "connectors after restart: $names"
curl -sf "$(url 6)/connectors/src/config" | grep -q "\"file\":\"$WORK/in.txt\"" || fail "src config lost"
wait_until 60 "via-1 still PAUSED" sh -c "curl -sf $(url 6)/connectors/via-1/status | grep -q '\"connector\":{\"state\":\"PAUSED\"'"
wait_until 60 "sink6 running again" six_ok 7 2
after_offsets=$(curl -sf "$(url 7)/connectors/src/offsets")
[ "$before_offsets" = "$after_offsets" ] || fail "offsets changed across the restart: $before_offsets vs $after_offsets"
info "restart of all workers: connectors, configs, target states and offsets are back"

# Active topics live in the status topic: every worker reports them, whichever runs the tasks, even
# right after a full restart; a reset through one worker clears them everywhere, and the next
# record brings them back.
topics_of() { curl -sf "$(url "$1")/connectors/$2/topics" | python3 -c 'import json,sys; print(",".join(json.load(sys.stdin)[sys.argv[1]]["topics"]))' "$2"; }
src_topics_are() { [ "$(topics_of "$1" src)" = "$2" ]; }
for i in 5 6 7; do
        src_topics_are "$i" "$G-data" || fail "worker $i: src topics are '$(topics_of "$i" src)'"
        [ "$(topics_of "$i" snk)" = "$G-data" ] || fail "worker $i: snk topics are '$(topics_of "$i" snk)'"
done
curl -sf -XPUT "$(url 5)/connectors/src/topics/reset" >/dev/null || fail "topics reset"
for i in 5 6 7; do wait_until 30 "src topics empty on worker $i" src_topics_are "$i" ""; done
[ "$(topics_of 6 snk)" = "$G-data" ] || fail "resetting src's topics changed snk's: '$(topics_of 6 snk)'"
echo "dist-after-reset" >>"$WORK/in.txt"
for i in 5 6 7; do wait_until 60 "src topics back on worker $i" src_topics_are "$i" "$G-data"; done
# The record in the status topic is Connect's, naming the task that used the topic (src has one).
topic_record_ok() { # KEY TOPIC CONNECTOR TASK: the newest record under KEY says so
        kcat -b "$B" -C -t "$G-status" -e -q -f '%k\t%s\n' -o beginning |
                awk -F'\t' -v k="$1" '$1 == k { v = $2 } END { print v }' |
                python3 -c 'import json,sys; t=json.load(sys.stdin)["topic"]; a=sys.argv; sys.exit(0 if (t["name"], t["connector"], t["task"]) == (a[1], a[2], int(a[3])) and t["discoverTimestamp"] > 0 else 1)' "$2" "$3" "$4"
}
wait_until 30 "src's topic record naming task 0" topic_record_ok "status-topic-$G-data:connector-src" "$G-data" src 0
info "active topics: the same on every worker, reset everywhere, back with the next record"

# A topic record names the task that used the topic, also when that is not the connector's first
# task on its worker: worker 5 alone runs both tasks of a sink on a 2-partition topic, and one
# record is produced to partition 1; the task that read it is taken from the worker's metrics.
all_on() { # I NAME N: the N tasks of NAME all RUNNING on worker I
        status "$1" "$2" | python3 -c 'import json,sys; t=json.load(sys.stdin)["tasks"]; sys.exit(0 if len(t) == int(sys.argv[2]) and all(x["state"] == "RUNNING" and x["worker_id"] == sys.argv[1] for x in t) else 1)' "$(wid "$1")" "$3"
}
# The task of connector $1 that read a record, from worker 5's metrics.
reader_of() {
        curl -sf "$(url 5)/metrics" | sed -n "s/^ferry_sink_record_read_total{connector=\"$1\",task=\"\([0-9]*\)\"} [1-9][0-9]*\$/\1/p"
}
for i in 6 7; do stop_worker "w$i" TERM; done
wait_until 60 "sink6 all on worker 5" all_on 5 sink6 6
"$TOOLS/kafka-create-topic" "$B" "$G-two" 2
post 5 "{\"name\":\"two\",\"config\":{\"connector.class\":\"FileStreamSink\",\"tasks.max\":\"2\",\"topics\":\"$G-two\",\"file\":\"$WORK/two.txt\"}}" ||
        fail "creating two through worker 5"
wait_until 60 "both tasks of two on worker 5" all_on 5 two 2
# Task 1 holds one partition only once both consumers are in the group, and it is partition 1
# (range assignment, members in task order): the record then goes to task 1, not the first task.
wait_until 60 "task 1 of two assigned its partition" grep -q '\[two|task-1\] Assigned 1 partition' "$WORK/w5.log"
echo "to-partition-1" | kcat -b "$B" -P -t "$G-two" -p 1
has_reader() { [ -n "$(reader_of two)" ]; }
# Normally one task reads it; should a rebalance hand the partition over before a commit, both may
# have, and the record names the first.
names_a_reader() {
        for r in $(reader_of two); do
                topic_record_ok "status-topic-$G-two:connector-two" "$G-two" two "$r" && return 0
        done
        return 1
}
wait_until 60 "a task of two read the record" has_reader
wait_until 30 "two's topic record naming the task that read the topic" names_a_reader
info "the topic record of a 2-task sink names the task that read the topic ($(reader_of two | xargs echo task))"
