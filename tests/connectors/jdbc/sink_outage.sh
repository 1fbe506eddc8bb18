#!/usr/bin/env bash
# JDBC sink in insert mode on PostgreSQL (COPY) while its database session is cut mid-stream and
# the worker is killed with -9: 200,000 records stream in; three times, at different points,
# pg_terminate_backend() ends the sink's session (found by its ApplicationName); the task stays
# RUNNING (the batch that failed is rolled back and retried on a new connection) and every
# record's row arrives, checked with psql. Then more records, kill -9 of the worker while they
# load, a new worker: again every row is there (at-least-once: a batch whose COMMIT went through
# just before the kill may come twice).
# services: kafka postgres
source "$(dirname "$0")/../lib.sh"
use_kafka
use_service postgres
SUF=$RANDOM$RANDOM
APP=ferry-outage-$SUF
JURL="jdbc:postgresql://$POSTGRES_HOST:$POSTGRES_PORT/$POSTGRES_DB?user=$POSTGRES_USER&password=$POSTGRES_PASSWORD&sslmode=disable&ApplicationName=$APP"
T=outage_$SUF
N=200000
psqlq() { psql -X -q -t -A "$POSTGRES_URL" -c "$1" 2>/dev/null; }
count() { psqlq "SELECT count(DISTINCT id) FROM $T" || echo 0; }
CONF="{\"connector.class\":\"io.confluent.connect.jdbc.JdbcSinkConnector\",\"connection.url\":\"$JURL\",\"topics\":\"$T\",\"insert.mode\":\"insert\",\"pk.mode\":\"none\",\"auto.create\":\"true\",\"max.retries\":\"30\",\"retry.backoff.ms\":\"200\",\"consumer.override.max.poll.records\":\"100\",\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"false\"}"

start_connect_worker
create_connector "outage-$SUF" "$CONF"
wait_connector_running "outage-$SUF" 1 60
# Produced while the cuts happen, so they fall early, in the middle and late in the stream.
awk -v n=$N 'BEGIN { for (i = 1; i <= n; i++) printf "{\"id\":%d,\"v\":\"r%d\"}\n", i, i }' | produce_records "$T" &
producer=$!

# Cut the sink's session once rows are arriving, and twice more further on (100 records per put(),
# so per transaction: the stream lasts long enough to be cut three times).
sessions() { psqlq "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$APP'"; }
cuts=0
for at in 1 60000 140000; do
        past() { [ "$(count)" -ge "$at" ] && [ "$(sessions)" -ge 1 ]; }
        wait_for 120 "$at rows in $T and the sink connected" past
        n=$(psqlq "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '$APP'")
        [ "${n:-0}" -ge 1 ] && cuts=$((cuts + 1))
        info "cut the sink's session with $(count) rows in (terminated: ${n:-0})"
done
wait "$producer" || fail "producing the records failed"
[ "$cuts" = 3 ] || fail "the sink's session was cut only $cuts time(s): it was not connected"
all() { [ "$(count)" = "$N" ]; }
wait_for 180 "all $N records in $T after the cuts" all
[ "$(connector_state "outage-$SUF" 0)" = RUNNING ] || fail "task not RUNNING after the cuts: $(curl -s "$REST/connectors/outage-$SUF/status")"
grep -q "Write of [0-9]* records failed" "$WORK/connect.log" ||
        fail "no batch was written again after the cuts: $(grep -i 'warn' "$WORK/connect.log" | tail -5)"
dups=$(psqlq "SELECT count(*) - count(DISTINCT id) FROM $T")
info "every record's row arrived despite $cuts cut session(s) ($dups written twice); the task kept RUNNING"

# kill -9 while the next records load: a new worker writes what was not committed.
awk -v n=$N 'BEGIN { for (i = n + 1; i <= 2 * n; i++) printf "{\"id\":%d,\"v\":\"r%d\"}\n", i, i }' | produce_records "$T"
some() { [ "$(count)" -gt "$((N + 10000))" ]; }
wait_for 120 "the second half arriving" some
stop_worker connect KILL
at=$(count)
[ "$at" -lt $((2 * N)) ] || info "all rows were in before the kill (the test is weaker this run)"
start_connect_worker
create_connector "outage-$SUF" "$CONF"
all2() { [ "$(count)" = "$((2 * N))" ]; }
wait_for 180 "all $((2 * N)) records in $T after kill -9" all2
info "kill -9 with $at of $((2 * N)) rows in: every row there after the restart ($(psqlq "SELECT count(*) - count(DISTINCT id) FROM $T") written twice)"
psqlq "DROP TABLE $T" >/dev/null
stop_worker connect TERM
echo PASS
