# Shared helpers for shell-driven tests (integration, runtime, e2e). Sourced by each test script.
# A test script exits 0 on success; `fail` ends it with a message. Servers a test starts are
# stopped by its EXIT trap. Waiting is always polling with a deadline, never a bare sleep.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FERRY_WORKER=${FERRY_WORKER:-$REPO/bin/ferry-worker}
TEST_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ferry-$TEST_NAME.XXXXXX")
declare -a CLEANUP=()

fail() {
        echo "FAIL [$TEST_NAME]: $*" >&2
        exit 1
}

info() {
        echo "[$TEST_NAME] $*" >&2
}

on_exit() {
        local rc=$?
        for ((i = ${#CLEANUP[@]} - 1; i >= 0; i--)); do
                eval "${CLEANUP[$i]}" >/dev/null 2>&1 || true
        done
        if [ "$rc" -eq 0 ] && [ -z "${KEEP_WORK:-}" ]; then
                rm -rf "$WORK"
        else
                echo "[$TEST_NAME] work dir kept: $WORK" >&2
        fi
}
trap on_exit EXIT

# wait_until SECONDS DESCRIPTION CMD...: runs CMD every 100 ms until it succeeds or time runs out.
wait_until() {
        local secs=$1 what=$2
        shift 2
        local deadline=$((SECONDS + secs))
        until "$@" >/dev/null 2>&1; do
                if [ "$SECONDS" -ge "$deadline" ]; then
                        fail "timed out after ${secs}s waiting for: $what"
                fi
                sleep 0.1
        done
}

# Bootstrap address of the shared real broker started by tests/run.sh (or start one).
kafka_bootstrap() {
        if [ -n "${FERRY_KAFKA_BOOTSTRAP:-}" ]; then
                echo "$FERRY_KAFKA_BOOTSTRAP"
        else
                "$REPO/hack/kafka.sh" start | tail -1
        fi
}

# start_worker NAME ARGS...: starts ferry-worker in the background; pid in $WORK/NAME.pid,
# log in $WORK/NAME.log.
start_worker() {
        local name=$1
        shift
        ${FERRY_WORKER_WRAPPER:-} "$FERRY_WORKER" "$@" >"$WORK/$name.out" 2>"$WORK/$name.log" &
        echo $! >"$WORK/$name.pid"
        CLEANUP+=("kill -9 $! 2>/dev/null")
}

worker_pid() {
        cat "$WORK/$1.pid"
}

worker_alive() {
        kill -0 "$(worker_pid "$1")" 2>/dev/null
}

# stop_worker NAME [SIGNAL]: signals the worker and waits (deadline 60 s) for it to exit; returns
# its exit status in $WORKER_RC.
stop_worker() {
        local pid
        pid=$(worker_pid "$1")
        kill -"${2:-TERM}" "$pid" 2>/dev/null || true
        local deadline=$((SECONDS + 60))
        while kill -0 "$pid" 2>/dev/null; do
                [ "$SECONDS" -lt "$deadline" ] || fail "worker $1 did not exit within 60 s"
                sleep 0.1
        done
        set +e
        wait "$pid" 2>/dev/null
        WORKER_RC=$?
        set -e
}

# Lines in a topic, read to its end with kcat.
topic_dump() {
        local bootstrap=$1 topic=$2
        kcat -b "$bootstrap" -C -t "$topic" -e -q -f '%s\n' -o beginning
}

file_lines() {
        if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi
}

# has_at_least FILE N: FILE has N lines or more.
has_at_least() {
        [ "$(file_lines "$1")" -ge "$2" ]
}

# A fresh topic name per test run.
unique_topic() {
        echo "$1-$$-$RANDOM"
}

# distributed_props BOOTSTRAP GROUP: the properties of a distributed worker of GROUP (internal
# topics GROUP-configs, GROUP-offsets with 5 partitions, GROUP-status, replication factor 1;
# string converters; an ephemeral REST port). Callers append their own lines.
distributed_props() {
        cat <<P
bootstrap.servers=$1
group.id=$2
config.storage.topic=$2-configs
offset.storage.topic=$2-offsets
status.storage.topic=$2-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
offset.storage.partitions=5
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
listeners=http://127.0.0.1:0
P
}
