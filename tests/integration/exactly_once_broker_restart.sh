#!/usr/bin/env bash
# Exactly-once source across a broker restart: two distributed workers with
# exactly.once.source.support=enabled run a FileStreamSource; the broker is killed (SIGKILL) in
# the middle of the stream, the source file grows while it is away, and it comes back on the same
# port with the same data. A read_committed reader then sees every line exactly once, in order.
source "$(dirname "$0")/../lib.sh"
B=$(kafka_bootstrap)
G=eosb-$$-$RANDOM
N=${FERRY_TEST_EOS_LINES:-200000}
OUTAGE=${FERRY_TEST_OUTAGE:-8}
TOOLS=$REPO/build/tools

for i in 1 2; do
        {
                distributed_props "$B" "$G"
                echo exactly.once.source.support=enabled
        } >"$WORK/w$i.properties"
        start_worker "w$i" distributed "$WORK/w$i.properties"
        wait_until 60 "worker $i joined" grep -q "Joined group" "$WORK/w$i.log"
done
url() { echo "http://$(grep -o 'REST worker id .*' "$WORK/w$1.log" | tail -1 | awk '{print $4}')"; }
committed_at_least() {
        [ "$(kcat -b "$B" -C -t "$G-data" -e -q -o beginning -X isolation.level=read_committed -f '%s\n' | wc -l)" -ge "$1" ]
}

awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "brk-%07d\n", i }' >"$WORK/all.txt"
head -n $((N / 2)) "$WORK/all.txt" >"$WORK/in.txt"
"$TOOLS/kafka-create-topic" "$B" "$G-data" 1
curl -sf -XPOST -H 'Content-Type: application/json' "$(url 1)/connectors" -d "{\"name\":\"src\",\"config\":{\"connector.class\":\"FileStreamSource\",\"topic\":\"$G-data\",\"file\":\"$WORK/in.txt\",\"batch.size\":\"500\"}}" >/dev/null ||
        fail "creating the source"
wait_until 120 "a quarter of the lines committed" committed_at_least $((N / 4))
info "taking the broker away for ${OUTAGE}s"
"$REPO/hack/kafka.sh" kill
tail -n +$((N / 2 + 1)) "$WORK/all.txt" >>"$WORK/in.txt"
outage_end=$((SECONDS + OUTAGE))
while [ "$SECONDS" -lt "$outage_end" ]; do
        for i in 1 2; do worker_alive "w$i" || fail "worker $i died while the broker was down"; done
        sleep 1
done
"$REPO/hack/kafka.sh" restart >/dev/null
info "broker back"
wait_until 240 "all $N lines committed" committed_at_least "$N"
kcat -b "$B" -C -t "$G-data" -e -q -o beginning -X isolation.level=read_committed -f '%s\n' >"$WORK/committed.txt"
cmp -s "$WORK/all.txt" "$WORK/committed.txt" ||
        fail "read_committed sees $(wc -l <"$WORK/committed.txt") lines, not the $N lines once each in order"
info "broker restart mid-stream: every line exactly once under read_committed"
