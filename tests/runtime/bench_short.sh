#!/usr/bin/env bash
# The benchmark harness in its short mode (BENCH_SHORT=1: 2000 lines, 1 run, no Java, no failover)
# so that `make bench` cannot rot: hack/bench/run.sh starts its own real Kafka broker, runs the
# source, SMT-chain, sink, start-up and memory measurements of Ferry and kcat, and this test checks
# that the output is well formed - the markdown table has its rows, latest.json parses and holds a
# positive figure for every measured row, the PNG chart is written. It never asserts speed.
source "$(dirname "$0")/../lib.sh"
cd "$REPO"
command -v kcat >/dev/null || fail "kcat is not installed (make deps)"
command -v gnuplot >/dev/null || fail "gnuplot is not installed (make deps)"
OUT=$WORK/results
BENCH_SHORT=1 BENCH_OUT=$OUT FERRY_WORKER=$FERRY_WORKER hack/bench/run.sh >"$WORK/table.md" 2>"$WORK/bench.log" ||
        fail "hack/bench/run.sh failed: $(tail -30 "$WORK/bench.log")"
cat "$WORK/table.md" >&2

for row in '^\| figure \(median of 1 run, 2000 lines' '^\|---' \
        '^\| source: file -> topic, records/s \| [0-9]' '^\| source: file -> topic, MB/s \|' \
        '^\| source: file -> topic, CPU-seconds per million records \|' \
        '^\| Ferry source \+ 3 SMTs .*\| [0-9][0-9 ]* \|.* of no chain' \
        '^\| sink: topic -> file, records/s \| [0-9]' '^\| sink: topic -> file, CPU-seconds per million records \|' \
        '^\| worker RSS idle, no connectors, MB \| [0-9]' '^\| worker RSS idle after a 1000-record' \
        '^\| worker peak RSS under load' '^\| start-up: process start to first 200 from GET /, s \| [0-9]'; do
        grep -Eq "$row" "$WORK/table.md" || fail "no table row matching /$row/"
done
# every table row has the 6 columns of the header
awk -F'|' '/^\|/ && NF != 8 { print "malformed row: " $0; bad = 1 } END { exit bad }' "$WORK/table.md" >&2 ||
        fail "malformed table"

python3 - "$OUT/latest.json" <<'PY' || fail "latest.json is not what the harness promises"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["short"] is True and d["lines"] == 2000 and d["runs"] == 1, d
f = d["figures"]
for name, systems in (("source_records_per_s", ("ferry", "kcat")), ("sink_records_per_s", ("ferry", "kcat")),
                      ("source_mb_per_s", ("ferry", "kcat")), ("source_3_smts_records_per_s", ("ferry",)),
                      ("idle_rss_mb", ("ferry",)), ("pipeline_idle_rss_mb", ("ferry",)), ("peak_rss_mb", ("ferry",)),
                      ("startup_s", ("ferry",))):
    for s in systems:
        v = f[name]["values"][s]
        assert isinstance(v, (int, float)) and v > 0, (name, s, v)
assert "java" not in f["source_records_per_s"]["values"]
assert f["source_records_per_s"]["ferry_ratio"]["kcat"] > 0
assert "source_cpu_s_per_million" in f and "sink_cpu_s_per_million" in f
assert d["failover"] == {}
assert d["table_markdown"].count("\n") >= 10
PY
[ -s "$OUT/latest.png" ] || fail "no PNG chart"
[ "$(head -c 8 "$OUT/latest.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "latest.png is not a PNG"
info "table, JSON and chart are well formed"
