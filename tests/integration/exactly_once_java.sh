#!/usr/bin/env bash
# Exactly-once interop with Apache Kafka Connect (jars from Maven Central, hack/connect-java-jars.sh)
# on the real broker: a Ferry worker and a Java worker, both with exactly.once.source.support=enabled,
# take turns on the same group and internal topics (one Java start), each resuming the other's
# FileStreamSource from the offsets it committed inside its transactions:
#   Ferry streams lines 1-1000 -> its offset record and tasks-fencing-src record, in Connect's bytes;
#   Java (Ferry stopped) streams lines 1001-2000: a read_committed reader sees 2000 lines once each, in
#   order (Java read Ferry's offset); Java's offset record has the very key bytes Ferry wrote; a config
#   change makes Java's leader fence and write tasks-fencing-src, byte for byte Ferry's format;
#   Ferry again (Java stopped) streams lines 2001-3000: 3000 lines once each, in order (Ferry read
#   Java's offset), and Ferry writes no task configs and no task count record of its own (it read
#   Java's task count record as covering the current task generation, so no fencing was pending);
#   every offset record of the file, Ferry's and Java's, is in the one offsets-topic partition Java's
#   partitioner (murmur2) picks for its key.
source "$(dirname "$0")/../lib.sh"
B=$(kafka_bootstrap)
G=eos-java-$$-$RANDOM
JARS=$("$REPO/hack/connect-java-jars.sh") || fail "cannot resolve the Kafka Connect jars (mvn)"
LOG4J=$REPO/hack/conformance/connect-log4j.properties
IN=$WORK/in.txt
lines() { awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i <= b; i++) printf "eos-java-line-%05d\n", i }'; }

props() { # port
        cat <<P
bootstrap.servers=$B
group.id=$G
config.storage.topic=$G-configs
offset.storage.topic=$G-offsets
status.storage.topic=$G-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
offset.storage.partitions=5
status.storage.partitions=5
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
exactly.once.source.support=enabled
scheduled.rebalance.max.delay.ms=0
listeners=http://127.0.0.1:$1
P
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
committed() { kcat -b "$B" -C -t "$G-data" -e -q -o beginning -f '%s\n' -X isolation.level=read_committed 2>/dev/null; }
has_lines() { [ "$(committed | wc -l)" -ge "$1" ]; }
records() { kcat -b "$B" -C -t "$1" -e -q -o beginning -f '%k\t%s\n' -X isolation.level=read_committed 2>/dev/null; }
# Connect's bytes for FileStreamSource's partition and offset (JsonConverter, no schemas, compact).
KEY="[\"src\",{\"filename\":\"$IN\"}]"
offset_is() { records "$G-offsets" | grep -qxF "$KEY	{\"position\":$(stat -c %s "$IN")}"; }
fencing_records() { records "$G-configs" | grep -c '^tasks-fencing-src	' || true; }
start_ferry() { # name
        local port
        port=$(free_port)
        props "$port" >"$WORK/$1.properties"
        start_worker "$1" distributed "$WORK/$1.properties"
        wait_until 60 "$1 joined" grep -q "Joined group" "$WORK/$1.log"
        URL=http://127.0.0.1:$port
}
t0=$SECONDS

# --- Ferry: lines 1-1000 ---
lines 1 1000 >"$IN"
"$REPO/build/tools/kafka-create-topic" "$B" "$G-data" 1
start_ferry f1
wait_until 30 "connector created on Ferry" curl -sf -XPOST -H 'Content-Type: application/json' "$URL/connectors" \
        -d "{\"name\":\"src\",\"config\":{\"connector.class\":\"FileStreamSource\",\"topic\":\"$G-data\",\"file\":\"$IN\",\"exactly.once.support\":\"required\",\"transaction.boundary\":\"poll\"}}" -o /dev/null
wait_until 60 "Ferry's 1000 lines under read_committed" has_lines 1000
wait_until 30 "Ferry's offset record $KEY" offset_is
[ "$(records "$G-configs" | grep '^tasks-fencing-src	')" = 'tasks-fencing-src	{"task-count":1}' ] ||
        fail "Ferry's task count record: $(records "$G-configs" | grep tasks-fencing || echo none)"
stop_worker f1
info "Ferry: 1000 lines, offset and task count records written ($((SECONDS - t0)) s)"

# --- Java Connect: lines 1001-2000, then a new task generation ---
lines 1001 2000 >>"$IN"
JPORT=$(free_port)
props "$JPORT" >"$WORK/java.properties"
java -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.net.preferIPv4Stack=true \
        -Dlog4j.configuration="file:$LOG4J" -cp "$JARS/*" org.apache.kafka.connect.cli.ConnectDistributed \
        "$WORK/java.properties" >"$WORK/java.log" 2>&1 &
echo $! >"$WORK/java.pid"
CLEANUP+=("kill -9 $! 2>/dev/null")
JURL=http://127.0.0.1:$JPORT
java_task_running() {
        curl -sf "$JURL/connectors/src/status" | python3 -c 'import json,sys; t=json.load(sys.stdin)["tasks"]; sys.exit(0 if t and t[0]["state"]=="RUNNING" else 1)'
}
wait_until 90 "Java worker runs Ferry's connector" java_task_running
info "Java worker up, task running ($((SECONDS - t0)) s)"
wait_until 60 "2000 lines under read_committed" has_lines 2000
[ "$(committed)" = "$(lines 1 2000)" ] ||
        fail "after Java: read_committed holds $(committed | wc -l) lines, not lines 1-2000 once each in order (Java did not resume from Ferry's offset)"
wait_until 30 "Java's offset record, Ferry's key bytes" offset_is
# A changed config is a new task generation: Java's leader fences it and writes the task count record.
before_put=$(fencing_records)
curl -sf -XPUT -H 'Content-Type: application/json' "$JURL/connectors/src/config" -o /dev/null \
        -d "{\"connector.class\":\"FileStreamSource\",\"topic\":\"$G-data\",\"file\":\"$IN\",\"exactly.once.support\":\"required\",\"transaction.boundary\":\"poll\",\"batch.size\":\"500\"}" ||
        fail "PUT config on the Java worker"
# (Java's leader may also have fenced once when it took the group over: count from the PUT on.)
more_fencings() { [ "$(fencing_records)" -gt "$before_put" ]; }
wait_until 30 "Java's task count record" more_fencings
[ "$(records "$G-configs" | grep '^tasks-fencing-src	' | tail -1)" = 'tasks-fencing-src	{"task-count":1}' ] ||
        fail "Java's task count record differs from Connect's bytes as Ferry writes them: $(records "$G-configs" | grep tasks-fencing | tail -1)"
wait_until 30 "Java's new task generation running" java_task_running
kill -TERM "$(cat "$WORK/java.pid")"
wait_until 30 "Java worker exits" bash -c "! kill -0 $(cat "$WORK/java.pid") 2>/dev/null"
info "Java: resumed at Ferry's offset, wrote Connect's offset and task count records ($((SECONDS - t0)) s)"

# --- Ferry again: lines 2001-3000 ---
n_java=$(fencing_records)
lines 2001 3000 >>"$IN"
start_ferry f2
wait_until 60 "3000 lines under read_committed" has_lines 3000
[ "$(committed)" = "$(lines 1 3000)" ] ||
        fail "after Ferry again: read_committed holds $(committed | wc -l) lines, not lines 1-3000 once each in order (Ferry did not resume from Java's offset)"
wait_until 30 "Ferry's offset record after Java's" offset_is
! grep -E "Connector src: (wrote [0-9]+ task config|fenced)" "$WORK/f2.log" ||
        fail "Ferry rewrote task configs or fenced again: it did not take Java's task configs and task count record as current"
[ "$(fencing_records)" -eq "$n_java" ] ||
        fail "Ferry wrote a task count record of its own ($n_java before it started, $(fencing_records) after)"
# Java's partitioner places a key: both workers' offset records for it share one topic partition.
parts=$(kcat -b "$B" -C -t "$G-offsets" -e -q -o beginning -f '%p %k\n' -X isolation.level=read_committed | grep -F " $KEY" | cut -d' ' -f1 | sort -u)
[ "$(wc -l <<<"$parts")" -eq 1 ] || fail "offset records of one source partition spread over topic partitions $(echo $parts)"
stop_worker f2
info "ok: Ferry -> Java -> Ferry on the same internal topics, 3000 lines once each ($((SECONDS - t0)) s)"
