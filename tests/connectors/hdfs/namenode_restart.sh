#!/usr/bin/env bash
# HDFS sink across a crash of HDFS itself: 2 partitions x 1500 JSON records, flush.size=50. Once
# a few files are committed, the MiniDFSCluster (NameNode and DataNode) is killed with SIGKILL and
# started again over the same metadata, blocks and ports (hack/services.sh kill, then restart hdfs); the
# NameNode replays its edit log and sits in safe mode until the DataNode reports. The sink must
# ride it out (WebHDFS errors are retriable: it rewinds and writes again) and end with every
# record exactly once in the 60 committed files, read back through WebHDFS: nothing lost, no two
# committed files holding the same offsets.
# services: kafka hdfs
# exclusive: it kills and restarts the shared service
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"

hdfs_root nnrestart
topic=hdfsnn$RANDOM
N=1500
hdfs_topic "$topic" 2
produce_seq "$topic" 2 0 "$N"
cfg=$(hdfs_config "\"topics\":\"$topic\",\"flush.size\":\"50\",\"retry.backoff.ms\":\"500\",\"topics.dir\":\"$ROOT/topics\",\"logs.dir\":\"$ROOT/logs\"")
committed() { hu ls "$ROOT/topics/$topic" 2>/dev/null | grep -vc '/+tmp/' || true; }

start_connect_worker
create_connector hdfs-nn "$cfg"
some() { [ "$(committed)" -ge 6 ]; }
wait_for 60 "6 committed files" some
"$SERVICES" kill hdfs || fail "cannot kill HDFS"
"$SERVICES" restart hdfs >/dev/null || fail "HDFS did not come back"
c1=$(committed)
info "[t=${SECONDS}s] HDFS killed and restarted; $c1 file(s) committed then"
[ "$c1" -lt 60 ] || fail "everything was committed before HDFS went down: nothing was tested"
all() { [ "$(committed)" -ge 60 ]; }
wait_for 90 "all 60 files committed after the restart" all
msg=$(hu exactly-once "$ROOT/topics" "$topic" 2 "$N" .json) || fail "not exactly once: $msg"
grep -qiE 'HDFS|webhdfs' <(grep -iE 'retr|refused|connect|safe ?mode' "$WORK/connect.log") ||
        fail "the worker never saw HDFS go away: $(tail -5 "$WORK/connect.log")"
[ "$(connector_state hdfs-nn 0)" = RUNNING ] || fail "task not RUNNING after the restart"
info "[t=${SECONDS}s] HDFS restart mid-stream: 2 x $N records exactly once in 60 files"
