#!/usr/bin/env bash
# Departures in distributed mode on the real broker, without Kubernetes: 3 workers with a long
# group session (30 s) share a 6-task sink. POST /ferry/departures (what the operator sends when a
# worker's container ended) moves a killed worker's tasks at once:
#   - kill -9 of a follower, announced to the other follower (forwarded to the leader): all 6 tasks
#     RUNNING on the two survivors within 10 s, well inside the session;
#   - kill -9 of the leader, announced to a survivor: that survivor leads in its place (it logs
#     so), writes an assignment naming itself, and all 6 tasks RUNNING on the survivors within 10 s;
#     writes through the other survivor are forwarded to it and applied;
#   - a departure naming a live worker's own id is refused (400), and one for the leader sent to
#     the leader is refused too.
source "$(dirname "$0")/../lib.sh"
B=$(kafka_bootstrap)
G=dep-$$-$RANDOM
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
session.timeout.ms=30000
P
}
start_dw() { # i
        props "$1"
        : >"$WORK/w$1.log"
        start_worker "w$1" distributed "$WORK/w$1.properties"
        wait_until 60 "worker $1 joined" grep -q "Joined group" "$WORK/w$1.log"
}
wid() { grep -o 'REST worker id .*' "$WORK/w$1.log" | tail -1 | awk '{print $4}'; }
url() { echo "http://$(wid "$1")"; }
status() { curl -sf --max-time 5 "$(url "$1")/connectors/$2/status"; }
tasks_avoid() { # I NAME N WORKER_ID: all N tasks RUNNING and none on WORKER_ID
        status "$1" "$2" | python3 -c 'import json,sys; s=json.load(sys.stdin); t=s["tasks"]; sys.exit(0 if len(t)==int(sys.argv[1]) and all(x["state"]=="RUNNING" and x["worker_id"]!=sys.argv[2] for x in t) else 1)' "$3" "$4"
}
on_three() { # I: 6 tasks RUNNING over 3 workers
        status "$1" sink6 | python3 -c 'import json,sys; t=json.load(sys.stdin)["tasks"]; sys.exit(0 if len(t)==6 and all(x["state"]=="RUNNING" for x in t) and len({x["worker_id"] for x in t})==3 else 1)'
}
# The worker (1..4) whose process last logged that it leads the group.
leader() {
        local i
        for i in 1 2 3 4; do
                [ -f "$WORK/w$i.log" ] || continue
                if worker_alive "w$i" && [[ $(grep -E 'This worker is (now|no longer) the leader' "$WORK/w$i.log" | tail -1) == *"now the leader"* ]]; then
                        echo "$i"
                        return 0
                fi
        done
        return 1
}
depart() { # I WORKER_ID -> HTTP status of POST /ferry/departures sent to worker I
        curl -s -o "$WORK/depart.out" -w '%{http_code}' -XPOST -H 'Content-Type: application/json' \
                "$(url "$1")/ferry/departures" -d "{\"worker_id\":\"$2\",\"reason\":\"test: process killed\"}"
}

# depart_taken I WORKER_ID: sends the departure to worker I until it is accepted (202), for up to
# 10 s. A worker answers 409 while a rebalance is under way, and the operator then sends it again,
# as this does; any other answer fails.
depart_taken() {
        local code deadline=$((SECONDS + 10))
        while code=$(depart "$1" "$2") && [ "$code" = 409 ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
        [ "$code" = 202 ] || fail "the departure of $2 sent to worker $1 was answered $code: $(cat "$WORK/depart.out")"
}

for i in 1 2 3; do start_dw "$i"; done
"$TOOLS/kafka-create-topic" "$B" "$G-six" 6
wait_until 60 "sink6 created" curl -sf -XPOST -H 'Content-Type: application/json' "$(url 1)/connectors" \
        -d "{\"name\":\"sink6\",\"config\":{\"connector.class\":\"FileStreamSink\",\"tasks.max\":\"6\",\"topics\":\"$G-six\",\"file\":\"$WORK/six.txt\"}}" -o /dev/null
wait_until 60 "6 tasks RUNNING on 3 workers" on_three 1
wait_until 30 "a leader" leader
L=$(leader)

# Refusals: a worker's own id, and the leader's id sent to the leader.
[ "$(depart "$L" "$(wid "$L")")" = 400 ] || fail "a departure naming the leader itself was not refused: $(cat "$WORK/depart.out")"

# kill -9 of a follower, announced to the other follower.
followers=()
for i in 1 2 3; do [ "$i" = "$L" ] || followers+=("$i"); done
victim=${followers[0]} told=${followers[1]}
vid=$(wid "$victim")
stop_worker "w$victim" KILL
t0=$(date +%s.%N)
depart_taken "$told" "$vid"
wait_until 10 "all 6 tasks RUNNING on the survivors" tasks_avoid "$told" sink6 6 "$vid"
info "kill -9 of follower $victim, announced: tasks on the survivors after $(echo "$(date +%s.%N) - $t0" | bc) s (session 30 s)"
grep -q "Worker $vid is gone" "$WORK/w$L.log" || fail "the leader did not log the departure"

# Back to three workers, then kill -9 of the leader, announced to a survivor.
start_dw 4
wait_until 90 "6 tasks RUNNING on 3 workers again" on_three "$L"
wait_until 30 "a leader" leader
L=$(leader)
others=()
for i in 1 2 3 4; do [ "$i" = "$L" ] || { worker_alive "w$i" && others+=("$i"); }; done
told=${others[0]} other=${others[1]}
lid=$(wid "$L")
stop_worker "w$L" KILL
t0=$(date +%s.%N)
depart_taken "$told" "$lid"
wait_until 10 "all 6 tasks RUNNING on the survivors" tasks_avoid "$other" sink6 6 "$lid"
info "kill -9 of leader $L, announced: tasks on the survivors after $(echo "$(date +%s.%N) - $t0" | bc) s (session 30 s)"
grep -q "this worker reassigns its connectors and tasks now" "$WORK/w$told.log" || fail "worker $told did not lead in the dead leader's place"
# Writes through the other survivor reach the acting leader and are applied.
wait_until 10 "a write through worker $other applied" curl -sf -XPUT -H 'Content-Type: application/json' \
        "$(url "$other")/connectors/after-leader/config" \
        -d "{\"connector.class\":\"FileStreamSink\",\"topics\":\"$G-six\",\"file\":\"$WORK/after.txt\"}" -o /dev/null
wait_until 10 "after-leader listed by worker $told" sh -c "curl -sf $(url "$told")/connectors | grep -q after-leader"
info "ok"
