#!/usr/bin/env bash
# JDBC source in timestamp mode on PostgreSQL when transactions commit out of timestamp order: a
# transaction inserts 'early' (its timestamp now() is the transaction's start) and stays open while
# 'later' is inserted and committed. With ferry.timestamp.watermark (the default) the source holds
# its upper bound at the open transaction's start (it says so in its log) and writes nothing yet;
# once the transaction commits, both rows arrive, early first. With the watermark off the source
# behaves as Confluent's: 'later' is written at once, its offset passes 'early', and 'early' is
# skipped for good (a row committed afterwards arrives, 'early' never does).
# services: kafka postgres
source "$(dirname "$0")/../lib.sh"
use_kafka
use_service postgres
PSQL=(psql -X -q -t -A -v ON_ERROR_STOP=1 "$POSTGRES_URL")
JURL="jdbc:postgresql://$POSTGRES_HOST:$POSTGRES_PORT/$POSTGRES_DB"
SUF=$RANDOM$RANDOM
PFX=pg-late-$SUF-
start_connect_worker

# open_txn FD NAME TABLE: a psql session (its input the fifo on FD) inserts 'early' into TABLE in a
# transaction it keeps open until commit_txn.
open_txn() {
        mkfifo "$WORK/$2.fifo"
        psql -X -q -v ON_ERROR_STOP=1 "$POSTGRES_URL" <"$WORK/$2.fifo" >"$WORK/$2.out" 2>&1 &
        printf '%s\n' "$!" >"$WORK/$2.pid"
        CLEANUP+=("kill $! 2>/dev/null")
        eval "exec $1>\"\$WORK/$2.fifo\""
        echo "BEGIN; INSERT INTO $3 (v) VALUES ('early');" >&"$1"
        TXN_TABLE=$3
        wait_for 30 "the transaction inserting into $3 open" in_txn
}
in_txn() { # the session of open_txn is idle in its transaction, its row inserted
        [ "$("${PSQL[@]}" -c "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction'
                AND backend_xid IS NOT NULL AND query LIKE '%$TXN_TABLE%'")" = 1 ]
}
commit_txn() { # FD NAME
        echo "COMMIT;" >&"$1"
        eval "exec $1>&-"
        local pid
        pid=$(cat "$WORK/$2.pid")
        wait_for 30 "psql $2 committing and ending" sh -c "! kill -0 $pid 2>/dev/null"
        grep -q . "$WORK/$2.out" && fail "psql $2: $(cat "$WORK/$2.out")"
        return 0
}
has_records() { [ "$(topic_count "$1" || true)" -ge "$2" ]; }
values() { # topic n
        wait_for 60 "$2 record(s) in $1" has_records "$1" "$2"
        read_records "$1" "$2" 60 | python3 -c 'import json,sys; print(" ".join(json.loads(l)["v"] for l in sys.stdin))'
}
source_config() { # table watermark
        printf '%s' "{\"connector.class\":\"io.confluent.connect.jdbc.JdbcSourceConnector\",\"connection.url\":\"$JURL\",
  \"connection.user\":\"$POSTGRES_USER\",\"connection.password\":\"$POSTGRES_PASSWORD\",\"mode\":\"timestamp\",
  \"timestamp.column.name\":\"ts\",\"table.whitelist\":\"$1\",\"topic.prefix\":\"$PFX\",\"poll.interval.ms\":\"200\",
  \"ferry.timestamp.watermark\":\"$2\",\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",
  \"value.converter.schemas.enable\":\"false\"}"
}

# --- the watermark on (default) ---
A=late_$SUF
"${PSQL[@]}" -c "CREATE TABLE $A (id serial PRIMARY KEY, v text NOT NULL, ts timestamp NOT NULL DEFAULT now())"
open_txn 7 a "$A"
"${PSQL[@]}" -c "INSERT INTO $A (v) VALUES ('later')"
create_connector late "$(source_config "$A" true)"
wait_connector_running late 1
held() { grep -q "\[late|task-0\].*rows newer than .* wait: a transaction open since then" "$WORK/connect.log"; }
wait_for 60 "the source saying an open transaction holds its upper bound" held
n=$(topic_count "$PFX$A" || true) # (no topic yet when nothing was written)
[ "$n" = 0 ] || fail "$n record(s) written while an earlier transaction was open"
commit_txn 7 a
got=$(values "$PFX$A" 2)
[ "$got" = "early later" ] || fail "watermark on: rows arrived as '$got', want 'early later'"
info "watermark: nothing written while an older transaction was open; then early, later"

# --- the watermark off: Confluent's behaviour, the late row is skipped ---
B=skip_$SUF
"${PSQL[@]}" -c "CREATE TABLE $B (id serial PRIMARY KEY, v text NOT NULL, ts timestamp NOT NULL DEFAULT now())"
open_txn 8 b "$B"
"${PSQL[@]}" -c "INSERT INTO $B (v) VALUES ('later')"
create_connector skip "$(source_config "$B" false)"
wait_connector_running skip 1
[ "$(values "$PFX$B" 1)" = later ] || fail "watermark off: the committed row did not come first"
commit_txn 8 b
"${PSQL[@]}" -c "INSERT INTO $B (v) VALUES ('last')"
got=$(values "$PFX$B" 2)
[ "$got" = "later last" ] || fail "watermark off: rows arrived as '$got', want 'later last' (early skipped)"
info "without the watermark the row committed late is skipped, as with Confluent's connector"
