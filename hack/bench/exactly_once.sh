#!/usr/bin/env bash
# Exactly-once source throughput: one distributed Ferry worker runs FileStreamSource over N lines
# (default batch.size) into a 1-partition topic, once with exactly.once.source.support=disabled and
# once enabled with transaction.boundary=poll (and =interval, 1 s). Each run is timed from the
# connector's creation until a read_committed reader's end offset reaches N (kafka-wait-hw), and
# the exactly-once runs are checked line by line with a read_committed kcat. Prints records/s and
# the ratio to the run without exactly-once.
#   BENCH_EOS_LINES (default 1000000), BENCH_BOOTSTRAP (use this broker instead of starting one),
#   BENCH_EOS_POLL_EXTRA (more connector config for the poll run, e.g. ,"producer.override.linger.ms":"0")
set -euo pipefail
cd "$(dirname "$0")/../.."
W=$(mktemp -d "${TMPDIR:-/tmp}/ferry-eos-bench.XXXXXX")
export FERRY_KAFKA_STATE=${FERRY_KAFKA_STATE:-$W/kafka}
N=${BENCH_EOS_LINES:-1000000}
cleanup() {
        [ -f "$W/pid" ] && kill -9 "$(cat "$W/pid")" 2>/dev/null || true
        [ -n "${BENCH_BOOTSTRAP:-}" ] || hack/kafka.sh stop >/dev/null 2>&1 || true
        rm -rf "$W"
}
trap cleanup EXIT
if [ -n "${BENCH_BOOTSTRAP:-}" ]; then
        B=$BENCH_BOOTSTRAP
else
        B=$(hack/kafka.sh start 2>"$W/kafka.log" | tail -1)
fi
make -s build/tools/kafka-create-topic build/tools/kafka-wait-hw >/dev/null
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "bench-%09d\n", i }' >"$W/in.txt"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# run NAME EOS EXTRA-CONFIG-JSON -> prints records/s
run() {
        local name=$1 eos=$2 extra=$3 g="eosb-$1-$$" port
        port=$(free_port)
        cat >"$W/$name.properties" <<P
bootstrap.servers=$B
group.id=$g
config.storage.topic=$g-configs
offset.storage.topic=$g-offsets
status.storage.topic=$g-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
listeners=http://127.0.0.1:$port
exactly.once.source.support=$eos
P
        bin/ferry-worker distributed "$W/$name.properties" >/dev/null 2>"$W/$name.log" &
        echo $! >"$W/pid"
        local deadline=$((SECONDS + 60))
        until grep -q "Joined group" "$W/$name.log"; do
                [ "$SECONDS" -lt "$deadline" ] || { echo "worker did not join" >&2; exit 1; }
                sleep 0.1
        done
        build/tools/kafka-create-topic "$B" "$g-data" 1 >/dev/null
        local t0
        t0=$(date +%s.%N)
        curl -sf -XPOST -H 'Content-Type: application/json' "http://127.0.0.1:$port/connectors" \
                -d "{\"name\":\"src\",\"config\":{\"connector.class\":\"FileStreamSource\",\"topic\":\"$g-data\",\"file\":\"$W/in.txt\"$extra}}" >/dev/null
        local t1
        t1=$(build/tools/kafka-wait-hw "$B" "$g-data" "$N" 600)
        if [ "$eos" = enabled ]; then
                local got
                got=$(kcat -b "$B" -C -t "$g-data" -e -q -o beginning -X isolation.level=read_committed | cmp -s - "$W/in.txt" && echo ok || echo bad)
                [ "$got" = ok ] || { echo "$name: read_committed output differs from the input" >&2; exit 1; }
        fi
        kill "$(cat "$W/pid")"
        wait "$(cat "$W/pid")" 2>/dev/null || true
        rm -f "$W/pid"
        python3 -c "print(round($N / ($t1 - $t0)))"
}
base=$(run plain disabled "")
poll=$(run poll enabled "${BENCH_EOS_POLL_EXTRA:-},\"exactly.once.support\":\"required\",\"transaction.boundary\":\"poll\"")
interval=$(run interval enabled ',"transaction.boundary":"interval","transaction.boundary.interval.ms":"1000"')
echo "| FileStreamSource, $N lines, default batch.size | records/s | vs. without |"
echo "|---|---|---|"
echo "| exactly.once.source.support=disabled | $base | 1.00 |"
python3 -c "print('| enabled, transaction.boundary=poll | $poll | %.2f |' % ($poll / $base))"
python3 -c "print('| enabled, transaction.boundary=interval (1 s) | $interval | %.2f |' % ($interval / $base))"
