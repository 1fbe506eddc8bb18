#!/usr/bin/env bash
# hack/bench/avro.sh - AvroConverter throughput against JsonConverter (schemas enabled) on the same
# chain: FileStreamSource -> HoistField$Value -> value converter -> a real Kafka broker, with the
# schema registry of hack/services.sh (Apicurio). Prints records/s for each (median of
# BENCH_RUNS), the bytes of one record value, and how many schema versions the registry holds
# afterwards (one per schema: the converter calls the registry once per schema, not per record).
#
# Environment: BENCH_LINES (200000)  BENCH_RUNS (3)  FERRY_WORKER (bin/ferry-worker)  FERRY_CACHE
#   BENCH_BOOTSTRAP  use this broker instead of starting one (hack/bench/run.sh passes its own)
#   BENCH_AVRO_JSON  also write the figures there as JSON (hack/bench/report.py reads it)
# Needs: make all build/tools/kafka-wait-hw
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
N=${BENCH_LINES:-200000}
RUNS=${BENCH_RUNS:-3}
WORKER=${FERRY_WORKER:-$REPO/bin/ferry-worker}
W=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-avro.XXXXXX")
export FERRY_KAFKA_STATE=$W/kafka FERRY_SERVICES_STATE=$W/services
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	hack/services.sh stop schema-registry >/dev/null 2>&1 || true
	[ -n "${BENCH_BOOTSTRAP:-}" ] || hack/kafka.sh stop >/dev/null 2>&1 || true
	rm -rf "$W"
}
trap cleanup EXIT
if [ -n "${BENCH_BOOTSTRAP:-}" ]; then
	B=$BENCH_BOOTSTRAP
else
	B=$(hack/kafka.sh start | tail -1)
fi
SR=$(hack/services.sh start schema-registry | tail -1)
for ((i = 0; i < N; i++)); do printf 'line %d of the benchmark input, some text to carry\n' "$i"; done >"$W/in.txt"

run() { # $1 name, $2 run index, $3.. converter properties; prints seconds
	local name=$1 idx=$2 topic=bench-$1-$2-$$ d=$W/$1-$2
	shift 2
	mkdir -p "$d"
	{
		echo "bootstrap.servers=$B"
		echo "key.converter=org.apache.kafka.connect.storage.StringConverter"
		echo "value.converter=org.apache.kafka.connect.storage.StringConverter"
		echo "offset.storage.file.filename=$d/offsets"
		echo "listeners=http://127.0.0.1:0"
		echo "plugin.path=$REPO/build/plugins"
	} >"$d/worker.properties"
	{
		echo "name=src"
		echo "connector.class=FileStreamSource"
		echo "file=$W/in.txt"
		echo "topic=$topic"
		echo "transforms=hoist"
		echo "transforms.hoist.type=org.apache.kafka.connect.transforms.HoistField\$Value"
		echo "transforms.hoist.field=line"
		for kv in "$@"; do echo "$kv"; done
	} >"$d/source.properties"
	build/tools/kafka-wait-hw "$B" "$topic" "$N" 600 >"$d/done.txt" 2>"$d/wait.err" &
	local waiter=$!
	local t0
	t0=$(date +%s.%N)
	"$WORKER" standalone "$d/worker.properties" "$d/source.properties" >"$d/out.log" 2>"$d/worker.log" &
	PIDS+=($!)
	local wpid=$!
	wait "$waiter" || {
		echo "bench-avro: $name run $idx did not reach $N records: $(cat "$d/wait.err")" >&2
		exit 1
	}
	kill "$wpid" 2>/dev/null || true
	wait "$wpid" 2>/dev/null || true
	python3 -c "print(f'{float(open(\"$d/done.txt\").read()) - $t0:.3f}')"
	kcat -b "$B" -C -t "$topic" -o beginning -c 1 -q -f '%S\n' >"$d/size.txt" 2>/dev/null || true
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A SECS
for conv in json avro; do
	: >"$W/$conv.secs"
	for ((r = 1; r <= RUNS; r++)); do
		if [ "$conv" = json ]; then
			run json "$r" "value.converter=org.apache.kafka.connect.json.JsonConverter" \
				"value.converter.schemas.enable=true" >>"$W/$conv.secs"
		else
			run avro "$r" "value.converter=io.confluent.connect.avro.AvroConverter" \
				"value.converter.schema.registry.url=$SR" >>"$W/$conv.secs"
		fi
	done
	SECS[$conv]=$(median <"$W/$conv.secs")
done
versions=0
for ((r = 1; r <= RUNS; r++)); do
	v=$(curl -sf "$SR/subjects/bench-avro-$r-$$-value/versions" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
	versions=$((versions + v))
done
echo "| converter | records | median seconds | records/s | bytes per value |"
echo "|---|---|---|---|---|"
for conv in json avro; do
	s=${SECS[$conv]}
	echo "| $conv | $N | $s | $(python3 -c "print(int($N / $s))") | $(cat "$W/$conv-1/size.txt") |"
done
echo
echo "schema versions registered over $RUNS Avro runs of $N records: $versions"
if [ -n "${BENCH_AVRO_JSON:-}" ]; then
	python3 - "$BENCH_AVRO_JSON" "$N" "$RUNS" "$versions" "${SECS[json]}" "${SECS[avro]}" \
		"$(cat "$W/json-1/size.txt")" "$(cat "$W/avro-1/size.txt")" "$W/json.secs" "$W/avro.secs" <<'PY'
import json, sys
out, n, runs, versions, js, av, jb, ab, jf, af = sys.argv[1:]
n = int(n)
samples = {k: [n / float(x) for x in open(f).read().split()] for k, f in (("json", jf), ("avro", af))}
doc = {"lines": n, "runs": int(runs), "schema_versions": int(versions),
       "json_records_per_s": n / float(js), "avro_records_per_s": n / float(av),
       "json_value_bytes": int(jb) if jb.strip() else None, "avro_value_bytes": int(ab) if ab.strip() else None,
       "samples": samples}
with open(out, "w") as f:
    json.dump(doc, f, indent=1)
PY
fi
