#!/usr/bin/env bash
# Exactly-once source throughput: one distributed Ferry worker runs FileStreamSource over N lines
# (default batch.size) into a 1-partition topic, once with exactly.once.source.support=disabled and
# once enabled with transaction.boundary=poll (and =interval, 1 s). Each run is timed from the
# connector's creation until a read_committed reader's end offset reaches N (kafka-wait-hw), and
# the exactly-once runs are checked line by line with a read_committed kcat. The three cases run
# in turn BENCH_EOS_RUNS times (the machine's load drifts: alternating keeps the cases comparable)
# and each figure is the median. Prints records/s from creation to the last record, records/s
# from the first record to the last (steady state, without the start-up), the start-up, and the
# ratios to the run without exactly-once.
#   BENCH_EOS_LINES (default 1000000), BENCH_EOS_RUNS (default 3), BENCH_BOOTSTRAP (use this
#   broker instead of starting one), FERRY_WORKER (default bin/ferry-worker),
#   BENCH_EOS_POLL_EXTRA (more connector config for the poll run, e.g. ,"producer.override.linger.ms":"0")
set -euo pipefail
cd "$(dirname "$0")/../.."
W=$(mktemp -d "${TMPDIR:-/tmp}/ferry-eos-bench.XXXXXX")
export FERRY_KAFKA_STATE=${FERRY_KAFKA_STATE:-$W/kafka}
N=${BENCH_EOS_LINES:-1000000}
RUNS=${BENCH_EOS_RUNS:-3}
WORKER=${FERRY_WORKER:-bin/ferry-worker}
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

# run NAME EOS EXTRA-CONFIG-JSON -> prints "total-records/s steady-records/s start-up-s"
run() {
        local name=$1 eos=$2 extra=$3 g="eosb-$1-$$-$RANDOM" port
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
        "$WORKER" distributed "$W/$name.properties" >/dev/null 2>"$W/$name.log" &
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
        local t1 tf
        tf=$(build/tools/kafka-wait-hw "$B" "$g-data" 1 600)
        t1=$(build/tools/kafka-wait-hw "$B" "$g-data" "$N" 600)
        if [ "$eos" = enabled ]; then
                local got
                got=$(kcat -b "$B" -C -t "$g-data" -e -q -o beginning -X isolation.level=read_committed | cmp -s - "$W/in.txt" && echo ok || echo bad)
                [ "$got" = ok ] || { echo "$name: read_committed output differs from the input" >&2; exit 1; }
        fi
        kill "$(cat "$W/pid")"
        wait "$(cat "$W/pid")" 2>/dev/null || true
        rm -f "$W/pid"
        python3 -c "print(round($N / ($t1 - $t0)), round($N / ($t1 - $tf)), round($tf - $t0, 2))"
}
: >"$W/results"
for r in $(seq "$RUNS"); do
        echo "exactly_once.sh: run $r of $RUNS" >&2
        echo "plain $(run plain disabled "")" >>"$W/results"
        echo "poll $(run poll enabled "${BENCH_EOS_POLL_EXTRA:-},\"exactly.once.support\":\"required\",\"transaction.boundary\":\"poll\"")" >>"$W/results"
        echo "interval $(run interval enabled ',"transaction.boundary":"interval","transaction.boundary.interval.ms":"1000"')" >>"$W/results"
done
python3 - "$W/results" "$N" "$RUNS" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, total, steady, start = line.split()
    rows.setdefault(name, []).append((float(total), float(steady), float(start)))
med = {k: [statistics.median(x[i] for x in v) for i in range(3)] for k, v in rows.items()}
b = med["plain"]
print(f"| FileStreamSource, {int(sys.argv[2]):,} lines, default batch.size, median of {sys.argv[3]} | records/s | vs. without | steady records/s | vs. without | start-up s |")
print("|---|---|---|---|---|---|")
for k, label in (("plain", "exactly.once.source.support=disabled"), ("poll", "enabled, transaction.boundary=poll"),
                 ("interval", "enabled, transaction.boundary=interval (1 s)")):
    t, s, u = med[k]
    print(f"| {label} | {t:,.0f} | {t / b[0]:.2f} | {s:,.0f} | {s / b[1]:.2f} | {u:.2f} |")
PY
