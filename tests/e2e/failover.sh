#!/usr/bin/env bash
# Operator-assisted failover end to end: a real kube-apiserver, a real Kafka broker, the operator
# (ASan build) and the local kubelet (tests/e2e/kubelet.py) running two `ferry-worker distributed`
# processes whose group session is long (session.timeout.ms 15 s).
#   kill -9 of the worker that does not lead the group -> the kubelet reports its container
#   terminated (restart count up) -> the operator, from the pod watch event, tells a live worker
#   (POST /ferry/departures) -> the leader moves the dead worker's tasks at once: all 6 RUNNING on
#   the survivor within 3 s of the kubelet seeing the process end (FERRY_FAILOVER_LIMIT_S), never
#   on both workers at once (their own task counts, sampled from the kill until half the session
#   later, the restarted process included); the restarted worker gets work again after the session;
#   kill -9 of the leader -> the same, the survivor leading in its place until the session ends;
#   SIGSTOP of the non-leader (its container keeps running: nothing is certain) -> the operator
#   announces nothing and its tasks stay where they are until the session expires, then move.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
OP=${FERRY_OPERATOR_ASAN:-$REPO/build/asan/ferry-operator}
[ -x "$OP" ] || OP=$FERRY_OPERATOR
use_broker
TOOLS=$REPO/build/tools
SESSION_S=15

install_crds
new_namespace
start_kubelet
mport=$(free_port)
# --unhealthy-after is long so the SIGSTOP case below is decided by the group session alone.
FERRY_OPERATOR=$OP start_operator op --namespace "$NS" --metrics-addr "127.0.0.1:$mport" --resync 3 \
        --restart-unit 1 --connect-timeout 5 --unhealthy-after 300s --health-period 1
metric() { curl -fsS "http://127.0.0.1:$mport/metrics" | sed -n "s/^$1 //p"; }
wait_until 20 "operator ready" curl -fsS "http://127.0.0.1:$mport/readyz"

G=e2e-fo-$$-$RANDOM
PORT=$(free_port)
"$TOOLS/kafka-create-topic" "$B" "$G-data" 6
k -n "$NS" apply -f - >/dev/null <<YAML
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnect
metadata:
  name: fo
  annotations: {connect.ferry.dev/use-connector-resources: "true"}
spec:
  replicas: 2
  bootstrapServers: "$B"
  groupId: $G
  configStorageTopic: $G-configs
  offsetStorageTopic: $G-offsets
  statusStorageTopic: $G-status
  restPort: $PORT
  config:
    config.storage.replication.factor: 1
    offset.storage.replication.factor: 1
    status.storage.replication.factor: 1
    key.converter: org.apache.kafka.connect.storage.StringConverter
    value.converter: org.apache.kafka.connect.storage.StringConverter
    session.timeout.ms: $((SESSION_S * 1000))
    heartbeat.interval.ms: 3000
---
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnector
metadata:
  name: sink
  labels: {connect.ferry.dev/cluster: fo}
spec:
  class: FileStreamSink
  tasksMax: 6
  config: {topics: $G-data, file: "$WORK/out.txt"}
YAML
kc_ready() { field_is kafkaconnect fo '{.status.conditions[?(@.type=="Ready")].status}' True; }
wait_until 90 "KafkaConnect Ready" kc_ready
URL0=$(worker_url fo-worker-0)
URL1=$(worker_url fo-worker-1)
# placement URL: "worker_id:count ..." of the 6 tasks when all are RUNNING, else nothing.
placement() {
        curl -fsS --max-time 3 "$1/connectors/sink/status" 2>/dev/null | python3 -c '
import collections, json, sys
t = json.load(sys.stdin)["tasks"]
if len(t) == 6 and all(x["state"] == "RUNNING" for x in t):
    print(" ".join("%s:%d" % kv for kv in sorted(collections.Counter(x["worker_id"] for x in t).items())))'
}
on_two() { [ "$(placement "$1" | wc -w)" = 2 ]; }
only_on() { [ "$(placement "$1")" = "$2:6" ]; }
wait_until 90 "6 tasks RUNNING on 2 workers" on_two "$URL0"

# The pod whose current process last logged that it leads the group (and not that it stopped).
leader_pod() {
        local p last
        for p in fo-worker-0 fo-worker-1; do
                last=$(awk '/REST worker id/ {l = ""} /This worker is (now|no longer) the leader/ {l = $0} END {print l}' \
                        "$(pod_field "$p" log)" 2>/dev/null)
                if [[ $last == *"now the leader"* ]]; then
                        echo "$p"
                        return 0
                fi
        done
        return 1
}
# Tasks this worker process runs, by its own count (0 when it does not answer: dead or restarting).
local_tasks() {
        curl -fsS --max-time 2 "$1/metrics" 2>/dev/null | sed -n 's/^ferry_worker_task_count //p' | grep . || echo 0
}
# Samples both workers' own task counts until $WORK/sampling goes; a sum above 6 means a task ran
# on two workers at once: written to $WORK/overlap. (Run only while no task is being handed over
# between two live workers: the two counts are read one after the other.)
start_sampler() {
        : >"$WORK/sampling"
        rm -f "$WORK/overlap"
        (
                while [ -f "$WORK/sampling" ]; do
                        a=$(local_tasks "$URL0")
                        b=$(local_tasks "$URL1")
                        [ $((a + b)) -le 6 ] || echo "$(date +%T.%N) fo-worker-0 $a, fo-worker-1 $b" >>"$WORK/overlap"
                        sleep 0.1
                done
        ) &
        SAMPLER=$!
        CLEANUP+=("rm -f $WORK/sampling")
}
stop_sampler() {
        rm -f "$WORK/sampling"
        wait "$SAMPLER" 2>/dev/null || true
        [ ! -s "$WORK/overlap" ] || fail "tasks ran on two workers at once: $(head -3 "$WORK/overlap")"
}
wait_until 30 "a leader logged" leader_pod

# kill_one ROLE: kill -9 of the worker that leads the group (leader) or of the other one
# (follower); all 6 tasks must be RUNNING on the survivor within FAILOVER_LIMIT_S, as soon as the
# API server reports the container ended (for the leader too: the survivor leads in its place),
# and run on one worker at a time throughout; the restarted process gets work again once the old
# session is over.
FAILOVER_LIMIT_S=${FERRY_FAILOVER_LIMIT_S:-3}
kill_one() {
        local role=$1 lead victim victim_id survivor_url survivor_id before t0 t1 took pid waiter seen after
        lead=$(leader_pod)
        if [ "$role" = leader ]; then
                victim=$lead
        elif [ "$lead" = fo-worker-0 ]; then
                victim=fo-worker-1
        else
                victim=fo-worker-0
        fi
        if [ "$victim" = fo-worker-0 ]; then survivor_url=$URL1; else survivor_url=$URL0; fi
        survivor_id=${survivor_url#http://}
        victim_id="$(pod_field "$victim" ip):$PORT"
        before=$(metric ferry_operator_worker_departures_total)
        start_sampler
        # One process polls every 50 ms, started before the kill (a curl and a python per poll, or
        # a python start, take seconds on a busy machine).
        rm -f "$WORK/go" "$WORK/go.ready"
        python3 "$REPO/hack/bench/failover_wait.py" "$survivor_url" sink 6 all-running "$victim_id" \
                $((SESSION_S / 2)) "$WORK/go" >"$WORK/go.out" &
        waiter=$!
        wait_until 30 "the status poller started" test -e "$WORK/go.ready"
        pid=$(pod_field "$victim" pid)
        kill -9 "$pid"
        t0=$(date +%s.%N)
        touch "$WORK/go"
        wait "$waiter" || fail "the 6 tasks did not all run on the survivor $survivor_id within $((SESSION_S / 2))s"
        t1=$(cat "$WORK/go.out")
        only_on "$survivor_url" "$survivor_id" || fail "the tasks are not all on the survivor $survivor_id: $(placement "$survivor_url")"
        took=$(echo "$t1 - $t0" | bc)
        # When the kubelet saw the process end and reported it to the API server: what follows is
        # the operator's and the workers' part (this stand-in kubelet is slow on a busy machine).
        seen=$(sed -n "s/.*process $pid exited .*(seen at \([0-9.]*\))$/\1/p" "$WORK/kubelet.log")
        [ -n "$seen" ] || fail "the kubelet did not log the end of process $pid"
        after=$(echo "$t1 - $seen" | bc)
        [ "$(metric ferry_operator_worker_departures_total)" -gt "$before" ] || fail "no departure announced"
        grep -q "worker $victim .* ended; told the cluster" "$WORK/op.log" || fail "the operator log does not say it announced $victim"
        info "kill -9 of $victim ($role): its tasks RUNNING on $survivor_id after ${took}s, ${after}s after the kubelet saw the process end (group session ${SESSION_S}s)"
        [ "$(echo "$after <= $FAILOVER_LIMIT_S" | bc)" = 1 ] ||
                fail "failover of the $role took ${after}s from the kubelet's report, more than ${FAILOVER_LIMIT_S}s"
        # Until well into the old session the restarted process (same worker id) runs nothing while
        # the survivor runs everything (sampled all along), then it gets work again.
        while [ "$(echo "$(date +%s.%N) - $t0 < $SESSION_S / 2" | bc)" = 1 ]; do
                [ -z "$(placement "$survivor_url")" ] || only_on "$survivor_url" "$survivor_id" ||
                        fail "the tasks moved before the old session was over: $(placement "$survivor_url")"
                sleep 0.5
        done
        stop_sampler
        wait_until $((SESSION_S + 60)) "tasks on the restarted $victim again" on_two "$survivor_url"
        # The next sampler reads the two workers' counts one after the other, so it must not start
        # while tasks are still being handed over: wait until each worker's own count is what the
        # group's placement gives it.
        wait_until 30 "the hand-over to the restarted $victim settled" settled "$survivor_url"
        info "restarted $victim back in the assignment"
}
# settled URL: both workers run tasks, and each runs exactly as many as the placement says.
settled() {
        local p a b
        p=" $(placement "$1") "
        a=$(local_tasks "$URL0")
        b=$(local_tasks "$URL1")
        [ "$a" -gt 0 ] && [ "$b" -gt 0 ] && [ $((a + b)) = 6 ] &&
                [[ $p == *" ${URL0#http://}:$a "* ]] && [[ $p == *" ${URL1#http://}:$b "* ]]
}
kill_one follower
kill_one leader

# SIGSTOP: nothing certain, nothing announced; the tasks wait for the session.
lead=$(leader_pod)
if [ "$lead" = fo-worker-0 ]; then victim=fo-worker-1 survivor_url=$URL0; else victim=fo-worker-0 survivor_url=$URL1; fi
survivor_id=${survivor_url#http://}
before=$(metric ferry_operator_worker_departures_total)
stopped=$(pod_field "$victim" pid)
CLEANUP+=("kill -CONT $stopped 2>/dev/null")
held=$(placement "$survivor_url")
ts=$SECONDS
kill -STOP "$stopped"
# For most of the session the placement stays as it was (the paused worker still holds its tasks).
while [ $((SECONDS - ts)) -lt $((SESSION_S / 2)) ]; do
        now=$(placement "$survivor_url")
        [ -z "$now" ] || [ "$now" = "$held" ] || fail "tasks moved after $((SECONDS - ts))s of a pause, before the session expired: $now"
        sleep 1
done
[ "$(metric ferry_operator_worker_departures_total)" = "$before" ] || fail "a paused worker was announced as gone"
wait_until $((SESSION_S + 60)) "all 6 tasks on $survivor_id after the session" only_on "$survivor_url" "$survivor_id"
took=$((SECONDS - ts))
[ "$took" -ge $((SESSION_S / 2)) ] || fail "tasks moved after ${took}s"
info "SIGSTOP of $victim: nothing announced, tasks moved after ${took}s (the session)"
kill -CONT "$stopped" 2>/dev/null || true

k -n "$NS" delete kafkaconnector sink --wait=false >/dev/null
k -n "$NS" delete kafkaconnect fo --wait=false >/dev/null
stop_operator op
stop_kubelet
info "ok"
