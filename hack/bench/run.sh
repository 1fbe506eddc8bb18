#!/usr/bin/env bash
# `make bench`: starts a real Kafka broker and measures, on the same broker and the same data,
# Ferry's FileStreamSource against kcat -P -l (librdkafka's raw limit), the same source through a
# chain of three SMTs (InsertHeader, SetSchemaMetadata$Value, RegexRouter) against no chain,
# FileStreamSink (topic -> file) against kcat -C -e into a file, plus the worker's memory.
# Prints a markdown table and writes bench/results/latest.json. Medians of BENCH_RUNS runs.
#   BENCH_LINES (default 1000000)  BENCH_RUNS (default 3)
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
N=${BENCH_LINES:-1000000}
RUNS=${BENCH_RUNS:-3}
W=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench.XXXXXX")
export FERRY_KAFKA_STATE=$W/kafka
cleanup() {
        [ -n "${wpid:-}" ] && kill -9 "$wpid" 2>/dev/null || true
        hack/kafka.sh stop >/dev/null 2>&1 || true
        rm -rf "$W"
}
trap cleanup EXIT
B=$(hack/kafka.sh start 2>"$W/kafka-start.log" | tail -1)
echo "broker $B, $N lines, $RUNS runs" >&2
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "%07d %s\n", i, substr("abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789", 1, 20 + i % 50) }' >"$W/in.txt"
BYTES=$(stat -c %s "$W/in.txt")

now() { date +%s.%N; }
hw() { # high watermark of partition 0
        kcat -b "$B" -Q -t "$1:0:-1" 2>/dev/null | awk '{print $NF}'
}
wait_hw() { # topic n
        local deadline=$((SECONDS + 600))
        until [ "$(hw "$1")" = "$2" ]; do
                [ "$SECONDS" -lt "$deadline" ] || { echo "timed out waiting for $1" >&2; exit 1; }
                sleep 0.02
        done
}
cpu_seconds() { # pid: user+system CPU seconds
        awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"
}
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

worker_props() { # file
        cat >"$1" <<P
bootstrap.servers=$B
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$W/offsets-$RANDOM.json
offset.flush.interval.ms=1000
P
}

# file_bytes_at_least FILE BYTES: the file has grown to BYTES.
wait_bytes() {
        local deadline=$((SECONDS + 600))
        until [ -f "$1" ] && [ "$(stat -c %s "$1")" -ge "$2" ]; do
                [ "$SECONDS" -lt "$deadline" ] || { echo "timed out waiting for $1" >&2; exit 1; }
                sleep 0.02
        done
}

declare -a kcat_rate ferry_rate ferry_cpu ferry_peak smt_rate sink_rate kcat_sink_rate
for r in $(seq 1 "$RUNS"); do
        kcat_suffix=$RANDOM
        t=bench-kcat-$r-$kcat_suffix
        s=$(now)
        kcat -b "$B" -P -t "$t" -l "$W/in.txt"
        wait_hw "$t" "$N"
        e=$(now)
        kcat_rate+=("$(echo "$N / ($e - $s)" | bc -l)")

        t=bench-ferry-$r-$RANDOM
        worker_props "$W/w.properties"
        printf 'name=src\nconnector.class=FileStreamSource\nfile=%s\ntopic=%s\n' "$W/in.txt" "$t" >"$W/src.properties"
        s=$(now)
        bin/ferry-worker standalone "$W/w.properties" "$W/src.properties" 2>"$W/worker.log" &
        wpid=$!
        wait_hw "$t" "$N"
        e=$(now)
        ferry_rate+=("$(echo "$N / ($e - $s)" | bc -l)")
        ferry_cpu+=("$(echo "$(cpu_seconds "$wpid") * 1000000 / $N" | bc -l)")
        ferry_peak+=("$(hwm_kb "$wpid")")
        kill -TERM "$wpid"
        wait "$wpid" || true
        wpid=

        # The same source through three SMTs; RegexRouter sends <t>-raw to <t>.
        t=bench-smt-$r-$RANDOM
        worker_props "$W/w.properties"
        cat >"$W/smt.properties" <<C
name=src
connector.class=FileStreamSource
file=$W/in.txt
topic=$t-raw
transforms=hdr,meta,route
transforms.hdr.type=org.apache.kafka.connect.transforms.InsertHeader
transforms.hdr.header=origin
transforms.hdr.value.literal=bench
transforms.meta.type=org.apache.kafka.connect.transforms.SetSchemaMetadata\$Value
transforms.meta.schema.name=bench.Line
transforms.route.type=org.apache.kafka.connect.transforms.RegexRouter
transforms.route.regex=(.*)-raw
transforms.route.replacement=\$1
C
        s=$(now)
        bin/ferry-worker standalone "$W/w.properties" "$W/smt.properties" 2>"$W/worker-smt.log" &
        wpid=$!
        wait_hw "$t" "$N"
        e=$(now)
        smt_rate+=("$(echo "$N / ($e - $s)" | bc -l)")
        kill -TERM "$wpid"
        wait "$wpid" || true
        wpid=

        # Sink: the topic kcat filled above -> a file, Ferry's FileStreamSink against kcat -C -e.
        rm -f "$W/sink-out.txt" "$W/kcat-out.txt"
        s=$(now)
        kcat -b "$B" -C -t "bench-kcat-$r-$kcat_suffix" -e -q -o beginning -f '%s\n' >"$W/kcat-out.txt"
        e=$(now)
        kcat_sink_rate+=("$(echo "$N / ($e - $s)" | bc -l)")
        worker_props "$W/w.properties"
        printf 'name=sink-%s\nconnector.class=FileStreamSink\nfile=%s\ntopics=%s\n' "$r$RANDOM" "$W/sink-out.txt" \
                "bench-kcat-$r-$kcat_suffix" >"$W/sink.properties"
        s=$(now)
        bin/ferry-worker standalone "$W/w.properties" "$W/sink.properties" 2>"$W/worker-sink.log" &
        wpid=$!
        wait_bytes "$W/sink-out.txt" "$BYTES"
        e=$(now)
        sink_rate+=("$(echo "$N / ($e - $s)" | bc -l)")
        kill -TERM "$wpid"
        wait "$wpid" || true
        wpid=
        cmp -s "$W/in.txt" "$W/sink-out.txt" || { echo "sink output differs from the input" >&2; exit 1; }
        echo "run $r: kcat ${kcat_rate[-1]%.*} rec/s, ferry ${ferry_rate[-1]%.*} rec/s, ferry+3 SMTs ${smt_rate[-1]%.*} rec/s," \
                "sink ${sink_rate[-1]%.*} rec/s, kcat -C ${kcat_sink_rate[-1]%.*} rec/s" >&2
done

# Idle memory: a worker with no connectors, and one whose pipeline has gone quiet.
worker_props "$W/idle.properties"
bin/ferry-worker standalone "$W/idle.properties" 2>"$W/idle.log" &
wpid=$!
deadline=$((SECONDS + 30))
until grep -q 'started in' "$W/idle.log"; do [ "$SECONDS" -lt "$deadline" ] || exit 1; sleep 0.05; done
idle_rss=$(rss_kb "$wpid")
kill -TERM "$wpid"; wait "$wpid" || true
t=bench-idle-$RANDOM
head -n 1000 "$W/in.txt" >"$W/small.txt"
printf 'name=src\nconnector.class=FileStreamSource\nfile=%s\ntopic=%s\n' "$W/small.txt" "$t" >"$W/src.properties"
printf 'name=sink\nconnector.class=FileStreamSink\nfile=%s\ntopics=%s\n' "$W/out.txt" "$t" >"$W/sink.properties"
bin/ferry-worker standalone "$W/idle.properties" "$W/src.properties" "$W/sink.properties" 2>"$W/idle2.log" &
wpid=$!
deadline=$((SECONDS + 60))
until [ -f "$W/out.txt" ] && [ "$(wc -l <"$W/out.txt")" -ge 1000 ]; do [ "$SECONDS" -lt "$deadline" ] || exit 1; sleep 0.05; done
pipeline_rss=$(rss_kb "$wpid")
kill -TERM "$wpid"; wait "$wpid" || true
wpid=

k=$(printf '%s\n' "${kcat_rate[@]}" | median)
f=$(printf '%s\n' "${ferry_rate[@]}" | median)
c=$(printf '%s\n' "${ferry_cpu[@]}" | median)
p=$(printf '%s\n' "${ferry_peak[@]}" | median)
sm=$(printf '%s\n' "${smt_rate[@]}" | median)
sk=$(printf '%s\n' "${sink_rate[@]}" | median)
ks=$(printf '%s\n' "${kcat_sink_rate[@]}" | median)
mb() { echo "$1 * $BYTES / $N / 1048576" | bc -l; }
printf '\n| figure (median of %d, %d lines) | Ferry | kcat | Ferry/kcat |\n|---|---|---|---|\n' "$RUNS" "$N"
printf '| source: file -> topic, records/s | %.0f | %.0f | %.2f |\n' "$f" "$k" "$(echo "$f / $k" | bc -l)"
printf '| source: MB/s | %.1f | %.1f | |\n' "$(mb "$f")" "$(mb "$k")"
printf '| source: CPU-seconds per million records | %.2f | | |\n' "$c"
printf '| source + 3 SMTs, records/s (vs no chain) | %.0f | | %.2f of no chain (overhead %.0f%%) |\n' "$sm" "$(echo "$sm / $f" | bc -l)" "$(echo "(1 - $sm / $f) * 100" | bc -l)"
printf '| sink: topic -> file, records/s | %.0f | %.0f (kcat -C -e) | %.2f |\n' "$sk" "$ks" "$(echo "$sk / $ks" | bc -l)"
printf '| worker peak RSS under load, MB | %.1f | | |\n' "$(echo "$p / 1024" | bc -l)"
printf '| worker idle RSS, no connectors, MB | %.1f | | |\n' "$(echo "$idle_rss / 1024" | bc -l)"
printf '| worker idle RSS, source + sink connected, MB | %.1f | | |\n' "$(echo "$pipeline_rss / 1024" | bc -l)"
mkdir -p bench/results
cat >bench/results/latest.json <<J
{"lines": $N, "runs": $RUNS, "source_records_per_s": {"ferry": $f, "kcat": $k, "ferry_3_smts": $sm},
 "sink_records_per_s": {"ferry": $sk, "kcat": $ks},
 "source_cpu_s_per_million": {"ferry": $c}, "peak_rss_kb": {"ferry": $p},
 "idle_rss_kb": {"ferry_no_connectors": $idle_rss, "ferry_pipeline": $pipeline_rss}}
J
