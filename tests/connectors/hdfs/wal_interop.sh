#!/usr/bin/env bash
# HDFS sink write-ahead log in Confluent's WALFile bytes, checked with Hadoop's own client
# (tests/connectors/hdfs/java/FerryWalTool.java, no Ferry code):
# 1. Ferry writes 4 files; the Java reader reads Ferry's log (header, sync marks, Texts) and finds
#    a BEGIN, (temp, committed) pair, END batch per file, the names full hdfs:// URLs as
#    Confluent writes them.
# 2. A Java task "dies" between its WAL append and its rename: the Java writer appends a batch for
#    a temp file of offsets 200..249 to the same log. Ferry's recovery must rename that file from
#    the log and resume after offset 249 (the consumer group says 200); the committed files then
#    hold 300 records exactly once, and the log Ferry appended to (after the Java batch) still
#    reads whole (hdfsutil.py wal, a third reader).
# services: kafka hdfs
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"

hdfs_root interop
topic=hdfsinter$RANDOM
name=hdfs-inter-$RANDOM
hdfs_topic "$topic" 1
produce_seq "$topic" 1 0 200
cfg=$(hdfs_rpc_config "\"topics\":\"$topic\",\"flush.size\":\"50\",\"topics.dir\":\"$ROOT/topics\",\"logs.dir\":\"$ROOT/logs\"")
committed() { hu ls "$ROOT/topics/$topic" | grep -vc '/+tmp/' || true; }
log=$ROOT/logs/$topic/0/log
dir=$ROOT/topics/$topic/partition=0
fname() { printf '%s+0+%010d+%010d.json' "$topic" "$1" "$2"; }

start_connect_worker
create_connector "$name" "$cfg"
four() { [ "$(committed)" -ge 4 ]; }
wait_for 60 "4 committed files" four
stop_worker connect
mv "$WORK/connect.log" "$WORK/connect-1.log"

# A Java task's leftovers: its temp file written, its WAL batch appended, no rename. The Java tool
# reads Ferry's log first, then appends to it.
tmp=$ROOT/topics/+tmp/$topic/partition=0/0badcafe-0000-4000-8000-000000000000_tmp.json
"$PY" -c 'import sys; [print("{\"p\":0,\"o\":%d}" % o) for o in range(200, 250)]' | hu put "$tmp" || fail "cannot write $tmp"
walt read-append "$log" "$HDFS_RPC_URL$tmp" "$HDFS_RPC_URL$dir/$(fname 200 249)" >"$WORK/wal-1.txt" ||
        fail "the Java tool cannot read or append to Ferry's log: $(tail -3 "$WORK/waltool.log")"
[ "$(grep -c '^BEGIN$' "$WORK/wal-1.txt")" -eq 4 ] && [ "$(grep -c '^END$' "$WORK/wal-1.txt")" -eq 4 ] ||
        fail "expected 4 BEGIN/END batches: $(cat "$WORK/wal-1.txt")"
for s in 0 50 100 150; do
        line=$(grep -F "	$HDFS_RPC_URL$dir/$(fname "$s" $((s + 49)))" "$WORK/wal-1.txt") ||
                fail "no WAL pair for offsets $s..$((s + 49)): $(cat "$WORK/wal-1.txt")"
        [[ $line == "$HDFS_RPC_URL$ROOT/topics/+tmp/$topic/partition=0/"*_tmp.json$'\t'* ]] || fail "bad temp name in: $line"
done
info "the Java reader read Ferry's log: 4 batches with Confluent's hdfs:// names; it appended one"
produce_seq "$topic" 1 200 300

start_connect_worker
create_connector "$name" "$cfg"
replayed() { grep -q "renaming $tmp to $dir/$(fname 200 249) from the write-ahead log" "$WORK/connect.log"; }
wait_for 60 "recovery to rename the Java task's file" replayed
resumed() { grep -q "resumes after offset 249 (from the write-ahead log)" "$WORK/connect.log"; }
wait_for 30 "recovery to resume after offset 249, the Java batch's end" resumed
six() { [ "$(committed)" -ge 6 ]; }
wait_for 60 "6 committed files" six
msg=$(hu exactly-once "$ROOT/topics" "$topic" 1 300 .json) || fail "not exactly once: $msg"
hu wal "$log" >"$WORK/wal-2.txt" || fail "the log after Ferry appended to the Java batch is unreadable"
grep -q "^$HDFS_RPC_URL$tmp	" "$WORK/wal-2.txt" || fail "the Java batch is gone from the log: $(cat "$WORK/wal-2.txt")"
grep -q "	$HDFS_RPC_URL$dir/$(fname 250 299)\$" "$WORK/wal-2.txt" || fail "Ferry's batch after the Java one is missing: $(cat "$WORK/wal-2.txt")"
info "Java log recovered by Ferry, 300 records exactly once, the shared log whole"
