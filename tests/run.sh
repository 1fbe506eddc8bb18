#!/usr/bin/env bash
# Runs every test suite and prints one summary: unit (Criterion, ASan/UBSan), runtime (worker
# against the embedded broker, and under valgrind), integration (real Kafka broker started here),
# connectors (real Kafka and the real systems of hack/services.sh, started once for the section),
# e2e (operator against a real kube-apiserver started here once for all e2e scripts).
# Exits non-zero when anything failed. Set FERRY_TEST_FILTER to a regex to run matching scripts only.
set -uo pipefail
cd "$(dirname "$0")/.."
export FERRY_CACHE="${FERRY_CACHE:-$PWD/.cache}"

passed=0
failed=0
failures=()
filter=${FERRY_TEST_FILTER:-.}
logdir=$(mktemp -d "${TMPDIR:-/tmp}/ferry-tests.XXXXXX")

record() { # name rc
        if [ "$2" -eq 0 ]; then
                passed=$((passed + 1))
                echo "PASS $1"
        else
                failed=$((failed + 1))
                failures+=("$1")
                echo "FAIL $1 (log: $logdir/$(echo "$1" | tr '/ ' '__').log)"
        fi
}

run_script() { # path
        local name=${1#tests/}
        [[ $name =~ $filter ]] || return 0
        local log=$logdir/$(echo "$name" | tr '/ ' '__').log
        local start=$SECONDS
        timeout --kill-after=10 "${FERRY_TEST_TIMEOUT:-900}" bash "$1" >"$log" 2>&1
        local rc=$?
        record "$name ($((SECONDS - start))s)" "$rc"
        if [ "$rc" -ne 0 ]; then
                tail -30 "$log" | sed 's/^/    | /'
        fi
}

# The connectors section runs FERRY_TEST_JOBS scripts at a time (default 2: they mostly wait on
# the services). A script with a header line `# exclusive` (it freezes or restarts a shared
# service) runs alone. Each background script's verdict is recorded when it ends.
declare -A bg_name=() bg_start=()
run_bg() { # path
        local name=${1#tests/}
        local log=$logdir/$(echo "$name" | tr '/ ' '__').log
        timeout --kill-after=10 "${FERRY_TEST_TIMEOUT:-900}" bash "$1" >"$log" 2>&1 &
        bg_name[$!]=$name
        bg_start[$!]=$SECONDS
}
reap_one() { # waits for one background script and records it
        local pid rc
        wait -n -p pid
        rc=$?
        [ -n "${pid:-}" ] || return 0
        record "${bg_name[$pid]} ($((SECONDS - bg_start[$pid]))s)" "$rc"
        [ "$rc" -eq 0 ] || tail -30 "$logdir/$(echo "${bg_name[$pid]}" | tr '/ ' '__').log" | sed 's/^/    | /'
        unset "bg_name[$pid]" "bg_start[$pid]"
}
reap_all() { while [ "${#bg_name[@]}" -gt 0 ]; do reap_one; done; }

echo "== lint"
hack/lint.sh >"$logdir/lint.log" 2>&1
record lint $?
[ -s "$logdir/lint.log" ] && sed 's/^/    | /' "$logdir/lint.log" | head -20

echo "== unit (Criterion, ASan+UBSan)"
if [[ unit =~ $filter ]] || [ "$filter" = . ]; then
        timeout --kill-after=10 900 build/asan/unit-tests --jobs 2 --full-stats >"$logdir/unit.log" 2>&1
        rc=$?
        grep -E 'Synthesis|FAIL|Assertion|CRASH|error' "$logdir/unit.log" | head -40
        unit_pass=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' "$logdir/unit.log" | tail -1)
        unit_fail=$(sed -n 's/.*Failing: \([0-9]*\).*/\1/p' "$logdir/unit.log" | tail -1)
        unit_crash=$(sed -n 's/.*Crashing: \([0-9]*\).*/\1/p' "$logdir/unit.log" | tail -1)
        passed=$((passed + ${unit_pass:-0}))
        failed=$((failed + ${unit_fail:-0} + ${unit_crash:-0}))
        if [ "$rc" -ne 0 ] && [ $((${unit_fail:-0} + ${unit_crash:-0})) -eq 0 ]; then
                failed=$((failed + 1))
                failures+=("unit (exit $rc)")
                tail -20 "$logdir/unit.log"
        elif [ $((${unit_fail:-0} + ${unit_crash:-0})) -gt 0 ]; then
                failures+=("unit")
        fi
fi

if [[ unit =~ $filter ]] || [ "$filter" = . ]; then
        timeout --kill-after=10 600 build/asan/operator-unit-tests --jobs 2 --full-stats >"$logdir/operator-unit.log" 2>&1
        rc=$?
        grep -E 'Synthesis|FAIL|Assertion|CRASH|error' "$logdir/operator-unit.log" | sed 's/^/operator: /' | head -40
        op_pass=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' "$logdir/operator-unit.log" | tail -1)
        op_fail=$(sed -n 's/.*Failing: \([0-9]*\).*/\1/p' "$logdir/operator-unit.log" | tail -1)
        op_crash=$(sed -n 's/.*Crashing: \([0-9]*\).*/\1/p' "$logdir/operator-unit.log" | tail -1)
        passed=$((passed + ${op_pass:-0}))
        failed=$((failed + ${op_fail:-0} + ${op_crash:-0}))
        if [ "$rc" -ne 0 ] && [ $((${op_fail:-0} + ${op_crash:-0})) -eq 0 ]; then
                failed=$((failed + 1))
                failures+=("operator unit (exit $rc)")
                tail -20 "$logdir/operator-unit.log"
        elif [ $((${op_fail:-0} + ${op_crash:-0})) -gt 0 ]; then
                failures+=("operator unit")
        fi
fi

echo "== runtime (embedded broker; worker built with ASan+UBSan)"
for t in tests/runtime/*.sh; do
        [ -e "$t" ] && FERRY_WORKER=$PWD/build/asan/ferry-worker run_script "$t"
done

echo "== integration (real Kafka broker)"
shopt -s nullglob
integ=(tests/integration/*.sh)
selected=()
for t in "${integ[@]}"; do
        [[ ${t#tests/} =~ $filter ]] && selected+=("$t")
done
if [ "${#selected[@]}" -gt 0 ]; then
        export FERRY_KAFKA_STATE="$FERRY_CACHE/kafka/run-tests-$$"
        if FERRY_KAFKA_BOOTSTRAP=$(hack/kafka.sh start 2>"$logdir/kafka-start.log" | tail -1) &&
                [ -n "$FERRY_KAFKA_BOOTSTRAP" ]; then
                export FERRY_KAFKA_BOOTSTRAP
                echo "broker: $FERRY_KAFKA_BOOTSTRAP"
                for t in "${selected[@]}"; do
                        run_script "$t"
                done
        else
                record "integration: start Kafka broker" 1
                tail -30 "$logdir/kafka-start.log"
        fi
        hack/kafka.sh stop >/dev/null 2>&1
fi

echo "== connectors (real Kafka + real systems)"
# Each script names what it needs in a header line `# services: kafka postgres ...`; the union is
# started ONCE here (Kafka by hack/kafka.sh, the rest by hack/services.sh) and stopped after the
# section. A script whose system did not start is recorded as failed without running.
selected=()
for t in tests/connectors/*/*.sh tests/connectors/*.sh; do
        [ "$(basename "$t")" = lib.sh ] && continue
        [[ ${t#tests/} =~ $filter ]] && selected+=("$t")
done
script_needs() { sed -n 's/^# services:[[:space:]]*//p' "$1" | tr ' ,' '\n\n' | sed '/^$/d'; }
if [ "${#selected[@]}" -gt 0 ]; then
        export FERRY_SERVICES_STATE="$FERRY_CACHE/services/run-tests-$$"
        needs=$(for t in "${selected[@]}"; do script_needs "$t"; done | sort -u)
        down=()
        started=()
        for s in $needs; do
                if [ "$s" = kafka ]; then
                        export FERRY_KAFKA_STATE="$FERRY_CACHE/kafka/connectors-tests-$$"
                        if FERRY_KAFKA_BOOTSTRAP=$(hack/kafka.sh start 2>"$logdir/connectors-kafka-start.log" | tail -1) &&
                                [ -n "$FERRY_KAFKA_BOOTSTRAP" ]; then
                                export FERRY_KAFKA_BOOTSTRAP
                                echo "broker: $FERRY_KAFKA_BOOTSTRAP"
                                started+=(kafka)
                        else
                                down+=(kafka)
                                record "connectors: start Kafka broker" 1
                                tail -30 "$logdir/connectors-kafka-start.log"
                        fi
                elif addr=$(hack/services.sh start "$s" 2>"$logdir/connectors-$s-start.log" | tail -1) && [ -n "$addr" ]; then
                        export "FERRY_SERVICE_$(echo "$s" | tr 'a-z-' 'A-Z_')_URL=$addr"
                        echo "$s: ${addr%%://*}://127.0.0.1:${addr##*:}"
                        started+=("$s")
                else
                        down+=("$s")
                        record "connectors: start $s" 1
                        tail -30 "$logdir/connectors-$s-start.log"
                fi
        done
        for t in "${selected[@]}"; do
                missing=
                for s in $(script_needs "$t"); do
                        [[ " ${down[*]} " == *" $s "* ]] && missing+=" $s"
                done
                if [ -n "$missing" ]; then
                        record "${t#tests/} (not run:$missing did not start)" 1
                elif grep -q '^# exclusive' "$t"; then
                        reap_all
                        run_script "$t"
                else
                        while [ "${#bg_name[@]}" -ge "${FERRY_TEST_JOBS:-2}" ]; do reap_one; done
                        run_bg "$t"
                fi
        done
        reap_all
        for s in "${started[@]}"; do
                if [ "$s" = kafka ]; then
                        hack/kafka.sh stop >/dev/null 2>&1
                else
                        hack/services.sh stop "$s" >/dev/null 2>&1
                        unset "FERRY_SERVICE_$(echo "$s" | tr 'a-z-' 'A-Z_')_URL"
                fi
        done
        rm -rf "$FERRY_SERVICES_STATE"
        unset FERRY_SERVICES_STATE FERRY_KAFKA_STATE FERRY_KAFKA_BOOTSTRAP
fi

# ---- packaging: Helm chart, deploy/, Dockerfiles (no server; tests/e2e/packaging.sh does the
# API-server part). helm is built once from Go modules (hack/tools.sh, ~4 min cold, cached).
echo "== packaging (helm chart, deploy/, Dockerfiles)"
selected=()
for t in tests/packaging/*.sh; do
        [[ ${t#tests/} =~ $filter ]] && selected+=("$t")
done
if [ "${#selected[@]}" -gt 0 ] || [[ e2e/packaging =~ $filter ]]; then
        hack/tools.sh build >"$logdir/tools-build.log" 2>&1 ||
                { record "packaging: build helm (hack/tools.sh)" 1; tail -30 "$logdir/tools-build.log"; }
fi
for t in "${selected[@]}"; do
        run_script "$t"
done

echo "== e2e (real kube-apiserver + etcd, the operator, live workers)"
selected=()
for t in tests/e2e/*.sh; do
        [ "$(basename "$t")" = lib.sh ] && continue
        [[ ${t#tests/} =~ $filter ]] && selected+=("$t")
done
if [ "${#selected[@]}" -gt 0 ]; then
        # A real broker for the scripts that run worker clusters (cluster.sh); stopped below.
        export FERRY_KAFKA_STATE="$FERRY_CACHE/kafka/e2e-tests-$$"
        if FERRY_KAFKA_BOOTSTRAP=$(hack/kafka.sh start 2>"$logdir/e2e-kafka-start.log" | tail -1) &&
                [ -n "$FERRY_KAFKA_BOOTSTRAP" ]; then
                export FERRY_KAFKA_BOOTSTRAP
        else
                unset FERRY_KAFKA_BOOTSTRAP
                record "e2e: start Kafka broker" 1
                tail -30 "$logdir/e2e-kafka-start.log"
        fi
        export FERRY_ENVTEST_STATE="$FERRY_CACHE/envtest/state/run-tests-$$"
        if FERRY_KUBECONFIG=$(hack/envtest.sh start 2>"$logdir/envtest-start.log" | tail -1) &&
                [ -n "$FERRY_KUBECONFIG" ]; then
                export FERRY_KUBECONFIG
                echo "kube-apiserver: $FERRY_KUBECONFIG"
                for t in "${selected[@]}"; do
                        run_script "$t"
                done
        else
                record "e2e: start kube-apiserver" 1
                tail -30 "$logdir/envtest-start.log"
        fi
        hack/envtest.sh stop >/dev/null 2>&1
        hack/kafka.sh stop >/dev/null 2>&1
        unset FERRY_ENVTEST_STATE FERRY_KUBECONFIG FERRY_KAFKA_STATE FERRY_KAFKA_BOOTSTRAP
fi

echo
if [ "${#failures[@]}" -gt 0 ]; then
        echo "Failed: ${failures[*]}"
fi
echo "logs: $logdir"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
