#!/usr/bin/env bash
# The connector-test helpers (tests/connectors/lib.sh) against the shared real broker, with the
# built-in FileStream connectors standing in for a connector family:
#  - start_connect_worker + create_connector + wait_connector_running bring up a source through REST;
#  - read_records returns exactly the source's N lines from its topic (kcat);
#  - produce_records feeds a sink connector (named with a '/', reached as %2F) whose file fills up;
#  - connector_state reads connector and task states.
# services: kafka
source "$(dirname "$0")/lib.sh"
use_kafka
IN=$(unique_topic helpers)
N=50
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "line-%03d\n", i }' >"$WORK/in.txt"

start_connect_worker
create_connector src "{\"connector.class\":\"FileStreamSource\",\"file\":\"$WORK/in.txt\",\"topic\":\"$IN\"}"
wait_connector_running src 1 60
read_records "$IN" "$N" 60 >"$WORK/got.txt"
cmp "$WORK/in.txt" "$WORK/got.txt" || fail "records in $IN: $(head -3 "$WORK/got.txt")"

OUT=$(unique_topic helpers-out)
create_connector "team/sink one" "{\"connector.class\":\"FileStreamSink\",\"file\":\"$WORK/out.txt\",\"topics\":\"$OUT\"}"
wait_connector_running "team/sink one" 1 60
[ "$(connector_state "team/sink one" 0)" = RUNNING ] || fail "task state of team/sink one"
printf 'k%d:v%d\n' 1 1 2 2 3 3 | produce_records "$OUT" :
wait_for 60 "3 lines in the sink file" has_at_least "$WORK/out.txt" 3
[ "$(cat "$WORK/out.txt")" = "$(printf 'v1\nv2\nv3')" ] || fail "sink file: $(cat "$WORK/out.txt")"
[ "$(topic_count "$OUT")" = 3 ] || fail "topic_count $OUT: $(topic_count "$OUT")"

stop_worker connect TERM
[ "$WORKER_RC" -eq 0 ] || fail "worker exited with $WORKER_RC"
info "ok: worker via REST, source records read back, sink fed, connector states"
