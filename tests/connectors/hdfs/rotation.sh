#!/usr/bin/env bash
# HDFS sink rotation other than by record count: with flush.size far above the data,
# rotate.schedule.interval.ms=2000 (wall clock) must still commit the records of both partitions
# within a few seconds, and what is committed, read back through WebHDFS, holds each record
# exactly once in files whose names give their exact offsets. More records later go to new files
# after the next scheduled rotation.
# services: kafka hdfs
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"

hdfs_root rotation
topic=hdfsrot$RANDOM
hdfs_topic "$topic" 2
produce_seq "$topic" 2 0 10
cfg=$(hdfs_config "\"topics\":\"$topic\",\"flush.size\":\"100000\",\"rotate.schedule.interval.ms\":\"2000\",\"timezone\":\"UTC\",\"topics.dir\":\"$ROOT/topics\",\"logs.dir\":\"$ROOT/logs\"")
start_connect_worker
create_connector hdfs-rot "$cfg"
wait_connector_running hdfs-rot 1
once() { hu exactly-once "$ROOT/topics" "$topic" 2 "$1" .json >/dev/null; }
wait_for 60 "the first 10 records of each partition committed by the schedule" once 10
n1=$(hu ls "$ROOT/topics/$topic" | grep -vc '/+tmp/')
produce_seq "$topic" 2 10 25
wait_for 60 "all 25 records of each partition committed by the schedule" once 25
n2=$(hu ls "$ROOT/topics/$topic" | grep -vc '/+tmp/')
[ "$n2" -gt "$n1" ] || fail "the later records did not go to new files ($n1 then $n2 files)"
msg=$(hu exactly-once "$ROOT/topics" "$topic" 2 25 .json) || fail "$msg"
info "scheduled rotation: $n1 then $n2 files, every record exactly once"
