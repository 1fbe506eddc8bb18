#!/usr/bin/env bash
# Two tasks writing one partition (WebHDFS has no lease to keep the first out, as Confluent's HDFS
# lease on the WAL does): connector A commits files by wall-clock schedule
# (rotate.schedule.interval.ms, so file boundaries depend on timing); then connector B, another
# consumer group on the same topic, topics.dir and logs.dir, opens the partition. B's recovery
# takes the log over (appends a sync mark, as a reopening Java writer does); A's next WAL append
# finds the log changed and A commits nothing more ("written by another task"), B goes on from
# A's last committed offset. Without fencing both would commit files with different boundaries
# over the same offsets. The committed files must hold every record exactly once.
# services: kafka hdfs
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"

hdfs_root fencing
topic=hdfsfence$RANDOM
hdfs_topic "$topic" 1
produce_seq "$topic" 1 0 100
cfg=$(hdfs_config "\"topics\":\"$topic\",\"flush.size\":\"100000\",\"rotate.schedule.interval.ms\":\"1000\",\"timezone\":\"UTC\",\"retry.backoff.ms\":\"300\",\"topics.dir\":\"$ROOT/topics\",\"logs.dir\":\"$ROOT/logs\"")
committed() { hu ls "$ROOT/topics/$topic" | grep -vc '/+tmp/' || true; }

start_connect_worker
create_connector hdfs-fence-a "$cfg"
first() { hu exactly-once "$ROOT/topics" "$topic" 1 100 .json >/dev/null; }
wait_for 60 "A to commit the first 100 records" first
create_connector hdfs-fence-b "$cfg"
fenced() { grep -q '\[hdfs-fence-a|task-0\] .*another task writes this partition now' "$WORK/connect.log"; }
# Records arrive over a few seconds, so both tasks try to commit several times.
for i in 1 2 3 4 5 6; do
        produce_seq "$topic" 1 $((i * 100)) $((i * 100 + 100))
        fenced && [ "$i" -ge 3 ] && break
        sleep 1 # spreads the records over time (not a synchronisation)
done
wait_for 60 "A to find the log taken over and stop committing" fenced
total=$((i * 100 + 100))
done_all() { hu exactly-once "$ROOT/topics" "$topic" 1 "$total" .json >/dev/null; }
wait_for 60 "every one of $total records exactly once" done_all
grep -q '\[hdfs-fence-b|task-0\] .*another task writes' "$WORK/connect.log" && fail "B was fenced too"
info "A fenced after B took the log over; $total records exactly once ($(committed) files)"
