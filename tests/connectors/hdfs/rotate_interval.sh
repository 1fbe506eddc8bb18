#!/usr/bin/env bash
# HDFS sink rotation by record time (rotate.interval.ms with the TimeBasedPartitioner and
# timestamp.extractor=Record, as Confluent needs it): record o of each partition carries the time
# 2024-03-01T00:00:00Z + o seconds, and rotate.interval.ms=10000 must commit a file each time a
# record is 10 s or more after the first of the open file, whatever the batches or the wall clock:
# offsets 0..9, 10..19, 20..29 in dt=2024-03-01 (flush.size far above), while 30..34 stay open.
# A record of the next day moves to a new directory, which rotates the open file (30..34) too.
# File names are checked exactly and contents read back through WebHDFS.
# services: kafka hdfs
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"

hdfs_root rotint
topic=hdfsrotint$RANDOM
hdfs_topic "$topic" 2
T0=1709251200000 # 2024-03-01T00:00:00Z
# produce_ts FROM TO [DAY]: offsets FROM..TO-1 of both partitions at T0 + o s (+ DAY days)
produce_ts() {
        "$PY" -c '
import sys
t0, lo, hi, day = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
for o in range(lo, hi):
    for p in range(2):
        print("%d\t%d\t\t{\"p\":%d,\"o\":%d}" % (p, t0 + day * 86400000 + o * 1000, p, o))
' "$T0" "$1" "$2" "${3:-0}" | ku produce "$KAFKA" "$topic" || fail "producing to $topic failed"
}
produce_ts 0 35
cfg=$(hdfs_config "\"topics\":\"$topic\",\"flush.size\":\"100000\",\"rotate.interval.ms\":\"10000\",\"partitioner.class\":\"io.confluent.connect.storage.partitioner.TimeBasedPartitioner\",\"path.format\":\"'dt'=YYYY-MM-dd\",\"partition.duration.ms\":\"86400000\",\"locale\":\"en\",\"timezone\":\"UTC\",\"timestamp.extractor\":\"Record\",\"topics.dir\":\"$ROOT/topics\",\"logs.dir\":\"$ROOT/logs\"")
start_connect_worker
create_connector hdfs-rotint "$cfg"
listing() { hu ls "$ROOT/topics/$topic" | grep -v '/+tmp/' | sed "s|^$ROOT/topics/$topic/||" | sort; }
want() {
        local p s
        for p in 0 1; do
                for s in "$@"; do printf '%s/%s+%d+%010d+%010d.json\n' "${s%%:*}" "$topic" "$p" "${s#*:}" $((${s#*:} + 9)); done
        done | sort
}
six() { [ "$(listing | wc -l)" -ge 6 ]; }
wait_for 60 "3 files of each partition" six
[ "$(listing)" = "$(want dt=2024-03-01:0 dt=2024-03-01:10 dt=2024-03-01:20)" ] ||
        fail "files after 35 records: $(listing | tr '\n' ' ')"
for p in 0 1; do
        for s in 0 10 20; do
                f=$ROOT/topics/$topic/dt=2024-03-01/$(printf '%s+%d+%010d+%010d.json' "$topic" "$p" "$s" $((s + 9)))
                got=$(hu cat "$f" | "$PY" -c 'import sys, json; print(" ".join("%d/%d" % (r["p"], r["o"]) for r in map(json.loads, sys.stdin)))')
                exp=$(for o in $(seq "$s" $((s + 9))); do printf '%d/%d ' "$p" "$o"; done)
                [ "$got" = "${exp% }" ] || fail "$f holds $got, not $exp"
        done
done
info "35 records per partition: files of offsets 0-9, 10-19, 20-29 by record time; 30-34 open"
# The next day: a new directory, so the open file 30..34 is committed as well.
produce_ts 35 36 1
eight() { [ "$(listing | wc -l)" -ge 8 ]; }
wait_for 60 "the open file committed when the day changed" eight
exp=$( (want dt=2024-03-01:0 dt=2024-03-01:10 dt=2024-03-01:20; for p in 0 1; do printf 'dt=2024-03-01/%s+%d+%010d+%010d.json\n' "$topic" "$p" 30 34; done) | sort)
[ "$(listing)" = "$exp" ] || fail "files after the next day's record: $(listing | tr '\n' ' ')"
info "record-time rotation: names and contents exact, the day change rotated the open file"
