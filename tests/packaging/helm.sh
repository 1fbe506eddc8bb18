#!/usr/bin/env bash
# The Helm chart without an API server: helm lint; helm template with the default values and with
# every documented value set (tests/packaging/all-values.yaml), parsed and checked value by value
# (check_chart.py); the namespaced-RBAC and no-RBAC variants; refusals of impossible values; the
# chart's RBAC resources against the resources operator/src uses; every value documented in
# values.yaml and README.md; and no drift of helm/ferry/crds, Chart.yaml's version and deploy/
# from crds/, VERSION and the chart (hack/packaging.sh check).
source "$(dirname "$0")/../lib.sh"

HELM=$("$REPO/hack/tools.sh" helm | tail -1)
Y2J=$("$REPO/hack/tools.sh" yaml2json | tail -1)
CHART=$REPO/helm/ferry
info "$("$HELM" version --short)"

"$HELM" lint --strict "$CHART" >"$WORK/lint.log" 2>&1 || { cat "$WORK/lint.log"; fail "helm lint (defaults)"; }
"$HELM" lint --strict "$CHART" -f "$REPO/tests/packaging/all-values.yaml" >"$WORK/lint-all.log" 2>&1 ||
        { cat "$WORK/lint-all.log"; fail "helm lint (all values)"; }
info "helm lint: ok"

render() { # render NAME ARGS...: helm template into $WORK/NAME.json
        local name=$1
        shift
        "$HELM" template ferry "$CHART" --namespace ferry-system "$@" >"$WORK/$name.yaml" ||
                fail "helm template $name failed"
        "$Y2J" <"$WORK/$name.yaml" >"$WORK/$name.json" || fail "rendered $name is not valid YAML"
}
render defaults
render all -f "$REPO/tests/packaging/all-values.yaml"
render ns --set 'watchNamespaces[0]=team-b' --set leaderElection.enabled=false
render norbac --set rbac.create=false --set serviceAccount.create=false --set serviceAccount.name=existing-sa
"$Y2J" <"$CHART/values.yaml" >"$WORK/values.json"
"$Y2J" <"$REPO/tests/packaging/all-values.yaml" >"$WORK/all-values.json"
"$Y2J" <"$REPO/deploy/examples/strimzi-kafkaconnector.yaml" >"$WORK/strimzi.json"
"$Y2J" <"$REPO/deploy/examples/ferry-kafkaconnector.yaml" >"$WORK/ferry-kc.json"

# refused VALUES... MESSAGE: the chart must refuse to render, naming the problem.
refused() {
        local msg=${*: -1} out
        if out=$("$HELM" template ferry "$CHART" "${@:1:$#-1}" 2>&1); then
                fail "rendered although it should be refused: ${*:1:$#-1}"
        fi
        grep -qF "$msg" <<<"$out" || fail "refused without the message '$msg': $out"
}
refused --set 'watchNamespaces={a,b}' "install one release per namespace"
refused --set replicaCount=2 --set leaderElection.enabled=false "needs leaderElection.enabled=true"
refused --set logLevel=LOUD "logLevel must be one of"
refused --set metrics.service.enabled=false --set metrics.serviceMonitor.enabled=true "needs metrics.service.enabled"
refused --set serviceAccount.create=false "serviceAccount.name is required"
info "refusals: ok"

python3 "$REPO/tests/packaging/check_chart.py" "$REPO" "$WORK" || fail "chart checks failed"

"$REPO/hack/packaging.sh" check || fail "helm/ferry or deploy/ drifted from crds/, VERSION or the chart (run make deploy)"
info "no drift: helm/ferry/crds = crds/, Chart.yaml = VERSION, deploy/ = helm template"
