#!/usr/bin/env bash
# HDFS sink with a damaged write-ahead log: after 5 files are committed the worker is killed, the
# partition's WAL is overwritten with garbage and the consumer group's committed offset is set
# back to 0 (so only the files can tell where the data ends). On restart the sink must not block
# (Confluent's sink fails the partition on a corrupt WAL): it logs that the WAL is corrupt, takes
# the last end offset from the committed file names and goes on, so that once more records arrive
# the committed files, read back through WebHDFS, hold every record exactly once.
# services: kafka hdfs
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"

hdfs_root corrupt
topic=hdfswal$RANDOM
name=hdfs-wal-$RANDOM
hdfs_topic "$topic" 1
produce_seq "$topic" 1 0 520
worker_opts=(consumer.session.timeout.ms=6000 consumer.heartbeat.interval.ms=1000)
cfg=$(hdfs_config "\"topics\":\"$topic\",\"flush.size\":\"100\",\"topics.dir\":\"$ROOT/topics\",\"logs.dir\":\"$ROOT/logs\"")
committed() { hu ls "$ROOT/topics/$topic" | grep -vc '/+tmp/' || true; }

start_connect_worker "${worker_opts[@]}"
create_connector "$name" "$cfg"
wait_connector_running "$name" 1
five() { [ "$(committed)" -ge 5 ]; }
wait_for 90 "5 committed files" five
stop_worker connect KILL
mv "$WORK/connect.log" "$WORK/connect-1.log"

log=$ROOT/logs/$topic/0/log
hu cat "$log" | head -c 300 >/dev/null || fail "no write-ahead log at $log"
# A WALFile header, then a record whose key length exceeds its length: damaged.
printf 'WAL\x000123456789abcdef\x00\x00\x00\x09garbage that is no WALEntry' | hu put "$log" || fail "cannot overwrite $log"
hu kafka-rewind "$KAFKA" "connect-$name" "$topic" 1 || fail "cannot rewind the consumer group"
info "WAL $log overwritten with garbage, group offsets set back to 0"

start_connect_worker "${worker_opts[@]}"
create_connector "$name" "$cfg"
wait_connector_running "$name" 1
recovered() { grep -q 'resumes after offset 499 (from the committed file names)' "$WORK/connect.log"; }
wait_for 60 "recovery from the committed file names" recovered
grep -q 'write-ahead log .* is corrupt' "$WORK/connect.log" || fail "no log line about the corrupt WAL"
produce_seq "$topic" 1 520 1000
ten() { [ "$(committed)" -ge 10 ]; }
wait_for 90 "10 committed files" ten
msg=$(hu exactly-once "$ROOT/topics" "$topic" 1 1000 .json) || fail "not exactly once: $msg"
[ "$(connector_state "$name" 0)" = RUNNING ] || fail "task not RUNNING"
info "corrupt WAL: recovered from the file names, 1000 records exactly once in 10 files"
