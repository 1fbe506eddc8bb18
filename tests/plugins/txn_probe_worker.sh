# Sourced by the tests of the test plugin tests/plugins/txn_probe.c (exactly_once_boundaries.sh,
# exactly_once_fencing.sh) after tests/lib.sh, with B (the broker) and G (the group) set: builds the
# plugin into $WORK/plugins, starts distributed worker w with exactly.once.source.support=enabled
# and sets U to its REST URL.
mkdir -p "$WORK/plugins"
${CC:-cc} -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter -fPIC -shared \
        -I"$REPO/worker/include" -o "$WORK/plugins/txn_probe.so" "$REPO/tests/plugins/txn_probe.c" ||
        fail "test plugin build failed"
{
        distributed_props "$B" "$G"
        printf '%s\n' "plugin.path=$WORK/plugins" exactly.once.source.support=enabled
} >"$WORK/w.properties"
start_worker w distributed "$WORK/w.properties"
wait_until 60 "worker joined" grep -q "Joined group" "$WORK/w.log"
U="http://$(grep -o 'REST worker id .*' "$WORK/w.log" | tail -1 | awk '{print $4}')"
