#!/usr/bin/env bash
# Connector context in distributed mode on the real broker, two workers: a task reconfiguration
# request of the connector instance (wherever it runs) makes the leader compute the task configs
# again, and the new tasks are visible and RUNNING through both workers; raiseError fails the
# connector, with its message as the trace, as both workers report it. Uses the probe plugin of
# tests/plugins/sdk_probe.c, loaded through plugin.path.
source "$(dirname "$0")/../lib.sh"
B=$(kafka_bootstrap)
G=sdkrc-$$-$RANDOM

mkdir -p "$WORK/plugins"
${CC:-cc} -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter -fPIC -shared -pthread \
        -I"$REPO/worker/include" -o "$WORK/plugins/sdk_probe.so" "$REPO/tests/plugins/sdk_probe.c" ||
        fail "test plugin build failed"

start_dw() { # i
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
plugin.path=$WORK/plugins
P
        start_worker "w$1" distributed "$WORK/w$1.properties"
        wait_until 60 "worker $1 joined" grep -q "Joined group" "$WORK/w$1.log"
}
url() { echo "http://$(grep -o 'REST worker id .*' "$WORK/w$1.log" | tail -1 | awk '{print $4}')"; }
task_counts_are() { # I EXPECTED: the task.count of every task config, as worker I shows them
        [ "$(curl -sf "$(url "$1")/connectors/src/tasks" |
                python3 -c "import json,sys; print(' '.join(t['config'].get('task.count','?') for t in json.load(sys.stdin)))")" = "$2" ]
}
running_tasks_are() { # I N
        [ "$(curl -sf "$(url "$1")/connectors/src/status" |
                python3 -c 'import json,sys; print(sum(t["state"]=="RUNNING" for t in json.load(sys.stdin)["tasks"]))')" = "$2" ]
}
failed_with() { # I TEXT
        curl -sf "$(url "$1")/connectors/src/status" | python3 -c "
import json,sys
c=json.load(sys.stdin)['connector']
sys.exit(0 if c['state']=='FAILED' and sys.argv[1] in c.get('trace','') else 1)" "$2"
}
set_tasks() { echo "$1" >"$WORK/tasks.tmp" && mv "$WORK/tasks.tmp" "$WORK/tasks"; }

start_dw 1
start_dw 2
set_tasks 1
create_src() { # until the group has a leader (409 meanwhile)
        curl -sf -XPOST -H 'Content-Type: application/json' "$(url 2)/connectors" -d "{\"name\":\"src\",\"config\":{
        \"connector.class\":\"dev.ferry.test.ProbeSourceConnector\",\"tasks.max\":\"4\",
        \"probe.tasks.file\":\"$WORK/tasks\",\"probe.topic\":\"$G-out\",\"probe.records\":\"3\",
        \"probe.acks\":\"$WORK/acks\"}}" >/dev/null || curl -sf "$(url 2)/connectors/src" >/dev/null
}
wait_until 60 "the connector created" create_src
wait_until 60 "one task config" task_counts_are 1 "1"
wait_until 60 "one RUNNING task" running_tasks_are 1 1

set_tasks 3
for i in 1 2; do
        wait_until 60 "three task configs seen through worker $i" task_counts_are "$i" "3 3 3"
done
wait_until 60 "three RUNNING tasks" running_tasks_are 2 3
wait_until 60 "task 2 produced its records" sh -c "grep -c '^ack t2-' '$WORK/acks' | grep -qx 3"
grep -q 'requested a task reconfiguration' "$WORK/w1.log" "$WORK/w2.log" || fail "no request logged"

# The count stays 3: a leader that takes over now computes the task configs again from the file.
set_tasks "3 fail: probe failure requested"
for i in 1 2; do
        wait_until 60 "connector FAILED with the raised message through worker $i" failed_with "$i" \
                "probe failure requested"
done
running_tasks_are 1 3 || fail "tasks should keep running after raiseError"

for i in 1 2; do
        stop_worker "w$i" TERM
        [ "$WORKER_RC" -eq 0 ] || fail "worker $i exited with $WORKER_RC"
done
