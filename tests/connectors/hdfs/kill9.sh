#!/usr/bin/env bash
# HDFS sink exactly-once across kill -9. 2 partitions x 2000 JSON records, flush.size=100.
# Round 1 kills the worker exactly between a write-ahead-log batch and its rename (the test hook
# FERRY_HDFS_FAILPOINT=after-wal:5 sends SIGKILL there): the temp file and the logged batch are
# left behind. Round 2 restarts it and kills it with SIGKILL at a random point mid-stream. Round 3
# runs to the end. The committed files, listed and read back through WebHDFS, must then hold every
# record exactly once, each file the exact offsets its name says, and no temp file may remain.
# services: kafka hdfs
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"

hdfs_root kill9
topic=hdfskill$RANDOM
N=2000
hdfs_topic "$topic" 2
produce_seq "$topic" 2 0 "$N"
cfg=$(hdfs_config "\"topics\":\"$topic\",\"flush.size\":\"100\",\"topics.dir\":\"$ROOT/topics\",\"logs.dir\":\"$ROOT/logs\"")
name=hdfs-kill-$RANDOM
# A short consumer session, so each restarted worker gets the partitions the killed one held soon.
worker_opts=(consumer.session.timeout.ms=6000 consumer.heartbeat.interval.ms=1000)
committed() { hu ls "$ROOT/topics/$topic" | grep -vc '/+tmp/' || true; }
temps() { hu ls "$ROOT/topics/+tmp" | wc -l; }

# Round 1: crash between the WAL and the rename of the 5th file.
FERRY_HDFS_FAILPOINT=after-wal:5 start_connect_worker "${worker_opts[@]}"
create_connector "$name" "$cfg"
dead() { ! worker_alive connect; }
wait_for 90 "the worker to die at the failpoint" dead
grep -q 'failpoint after-wal:5 reached' "$WORK/connect.log" || fail "the worker died, but not at the failpoint: $(tail -5 "$WORK/connect.log")"
c1=$(committed)
t1=$(temps)
info "[t=${SECONDS}s] round 1: killed between WAL and rename with $c1 committed file(s), $t1 temp file(s)"
[ "$c1" -eq 4 ] || fail "expected 4 committed files at the failpoint, found $c1"
[ "$t1" -ge 1 ] || fail "no temp file left at the failpoint: the crash did not fall between WAL and rename"
mv "$WORK/connect.log" "$WORK/connect-1.log"

# Round 2: recovery renames the logged file; then SIGKILL at a random point.
start_connect_worker "${worker_opts[@]}"
create_connector "$name" "$cfg"
wait_connector_running "$name" 1
replayed() { grep -q 'renaming .* from the write-ahead log' "$WORK/connect.log"; }
wait_for 60 "recovery to replay the WAL batch" replayed
target=$((8 + RANDOM % 15))
more() { [ "$(committed)" -ge "$target" ]; }
wait_for 90 "$target committed files" more
stop_worker connect KILL
c2=$(committed)
info "[t=${SECONDS}s] round 2: killed at random with $c2 committed file(s)"
[ "$c2" -lt 40 ] || fail "everything was committed before the kill: nothing was tested"
mv "$WORK/connect.log" "$WORK/connect-2.log"

# Round 3: to the end.
start_connect_worker "${worker_opts[@]}"
create_connector "$name" "$cfg"
wait_connector_running "$name" 1
all() { [ "$(committed)" -ge 40 ]; }
wait_for 120 "all 40 files committed" all
msg=$(hu exactly-once "$ROOT/topics" "$topic" 2 "$N" .json) || fail "not exactly once: $msg"
[ "$(temps)" -eq 0 ] || fail "temp files left: $(hu ls "$ROOT/topics/+tmp")"
info "[t=${SECONDS}s] every one of 2 x $N records exactly once in 40 committed files after two kills"
