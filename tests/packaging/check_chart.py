#!/usr/bin/env python3
"""Checks of the rendered Helm chart, called by tests/packaging/helm.sh with the repository and a
work directory holding the renders as JSON (yaml2json): defaults.json, all.json (every value set,
tests/packaging/all-values.yaml), ns.json (watchNamespaces, no leader election), norbac.json;
values.json and all-values.json. Prints one line per failed check; exits 1 if any failed."""
import glob
import json
import os
import re
import sys

repo, work = sys.argv[1], sys.argv[2]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what)
    return cond


def load(name):
    with open(os.path.join(work, name)) as f:
        return json.load(f)


def objs(render, kind):
    return [o for o in render if o.get("kind") == kind]


def one(render, kind, name=None):
    found = [o for o in objs(render, kind) if name is None or o["metadata"]["name"] == name]
    check(len(found) == 1, "exactly one %s %s (found %d)" % (kind, name or "", len(found)))
    return found[0] if found else {}


def container(render):
    dep = one(render, "Deployment")
    cs = dep.get("spec", {}).get("template", {}).get("spec", {}).get("containers", [{}])
    return dep, dep.get("spec", {}).get("template", {}).get("spec", {}), cs[0]


def arg(c, flag):
    """The value after FLAG in the container args (None if absent; True for a bare flag)."""
    a = c.get("args", [])
    if flag not in a:
        return None
    i = a.index(flag)
    return a[i + 1] if i + 1 < len(a) and not a[i + 1].startswith("--") else True


def env(c, name, missing=None):
    for e in c.get("env", []):
        if e["name"] == name:
            return e.get("value")
    return missing


with open(os.path.join(repo, "helm/ferry/Chart.yaml")) as f:
    app_version = re.search(r'^appVersion: "?([^"\n]+)"?', f.read(), re.M).group(1)

# ---- defaults ----
d = load("defaults.json")
kinds = sorted(o["kind"] for o in d)
check(kinds == sorted(["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
                       "Service", "Deployment"]), "default kinds: %s" % kinds)
for o in d:
    if o["kind"] not in ("ClusterRole", "ClusterRoleBinding"):
        check(o["metadata"].get("namespace") == "ferry-system", "%s %s in the release namespace" %
              (o["kind"], o["metadata"]["name"]))
dep, pod, c = container(d)
check(c.get("image") == "ghcr.io/ferry/ferry-operator:" + app_version, "default image tag is appVersion")
check(env(c, "FERRY_WORKER_IMAGE") == "ghcr.io/ferry/ferry-worker:" + app_version,
      "default worker image tag is appVersion")
check(arg(c, "--metrics-addr") == ":8080", "default --metrics-addr :8080")
check(arg(c, "--leader-elect") is True, "leader election on by default")
check(arg(c, "--lease-namespace") == "ferry-system", "lease in the release namespace")
check(arg(c, "--identity") == "$(POD_NAME)", "lease identity is the pod name")
check(arg(c, "--namespace") is None, "all namespaces by default")
check(all(not a.startswith("--") or "=" not in a for a in c.get("args", [])),
      "no --flag=value arguments (ferry-operator takes the value as the next argument)")
check(pod.get("serviceAccountName") == one(d, "ServiceAccount")["metadata"]["name"], "pod runs as the chart's SA")
check(pod.get("securityContext", {}).get("runAsNonRoot") is True, "runAsNonRoot")
check(c.get("securityContext", {}).get("readOnlyRootFilesystem") is True, "read-only root filesystem")
check(c.get("livenessProbe", {}).get("httpGet", {}).get("path") == "/healthz", "liveness /healthz")
check(c.get("readinessProbe", {}).get("httpGet", {}).get("path") == "/readyz", "readiness /readyz")
sel = dep["spec"]["selector"]["matchLabels"]
tl = dep["spec"]["template"]["metadata"]["labels"]
check(all(tl.get(k) == v for k, v in sel.items()), "Deployment selector matches its pod labels")
svc = one(d, "Service")
check(all(tl.get(k) == v for k, v in svc["spec"]["selector"].items()), "metrics Service selects the operator pod")
crb = one(d, "ClusterRoleBinding")
sa = one(d, "ServiceAccount")["metadata"]
check(crb.get("subjects") == [{"kind": "ServiceAccount", "name": sa["name"], "namespace": "ferry-system"}],
      "ClusterRoleBinding binds the SA")
check(crb["roleRef"]["name"] == one(d, "ClusterRole")["metadata"]["name"], "ClusterRoleBinding -> ClusterRole")
lease_role = one(d, "Role")
names = [n for r in lease_role.get("rules", []) for n in r.get("resourceNames", [])]
check(names == [arg(c, "--lease-name")], "lease Role limited to the lease name the operator uses")

# ---- RBAC resources = what operator/src uses ----
src = ""
for p in sorted(glob.glob(os.path.join(repo, "operator/src/**/*.[ch]"), recursive=True)):
    with open(p) as f:
        src += f.read()
macros = dict(re.findall(r'#define\s+(OP_GROUP|OP_VERSION)\s+"([^"]*)"', src))
used = set()
for g, v, r in re.findall(r'\{\s*("[^"]*"|OP_GROUP)\s*,\s*("v[0-9a-z]*"|OP_VERSION)\s*,\s*"([a-z]+)"\s*\}', src):
    used.add((macros.get(g, g.strip('"')), r))
check(("connect.ferry.dev", "kafkaconnectors") in used and ("", "pods") in used,
      "found the resources in operator/src (%s)" % sorted(used))
rules = one(d, "ClusterRole").get("rules", []) + lease_role.get("rules", [])
granted = {}
for rule in rules:
    for g in rule["apiGroups"]:
        for r in rule["resources"]:
            granted.setdefault((g, r), set()).update(rule["verbs"])
top = {(g, r.split("/")[0]) for g, r in granted}
check(top == used, "chart RBAC resources %s = resources operator/src uses %s" % (sorted(top), sorted(used)))
for g, r in sorted(used):
    if re.search(r'kube_informer_new\([^;]*' + {"kafkaconnects": "op_gvr_connect", "kafkaconnectors":
                                                 "op_gvr_connector"}.get(r, r + "_gvr") + r'\b', src):
        check({"list", "watch"} <= granted.get((g, r), set()), "list+watch on %s (an informer watches it)" % r)
for r in ("kafkaconnects/status", "kafkaconnectors/status"):
    check("patch" in granted.get(("connect.ferry.dev", r), set()), "patch on " + r)
# Secrets: only get, for the ones a KafkaConnect's spec.tls/spec.authentication names (no list/watch).
check(granted.get(("", "secrets"), set()) <= {"get"}, "secrets: get only")
check(all("*" not in rule["verbs"] and "*" not in rule["resources"] for rule in rules), "no wildcards in RBAC")

# ---- every documented value ----
values, allv = load("values.json")[0], load("all-values.json")[0]
documented = []
stack = []  # (indent, key)
pending = False
with open(os.path.join(repo, "helm/ferry/values.yaml")) as f:
    for line in f:
        s = line.strip()
        if s.startswith("# --"):
            pending = True
            continue
        if s.startswith("#") or not s:
            continue
        m = re.match(r'^( *)([A-Za-z0-9_]+):', line)
        if not m:
            continue
        ind = len(m.group(1))
        while stack and stack[-1][0] >= ind:
            stack.pop()
        stack.append((ind, m.group(2)))
        if pending:
            documented.append(".".join(k for _, k in stack))
        pending = False


def get(tree, path):
    for k in path.split("."):
        if not isinstance(tree, dict) or k not in tree:
            raise KeyError(path)
        tree = tree[k]
    return tree


def leaves(tree, prefix=""):
    for k, v in tree.items():
        p = prefix + k
        yield p
        if isinstance(v, dict):
            yield from leaves(v, p + ".")


for p in leaves(values):
    ok = (p in documented or any(dp.startswith(p + ".") for dp in documented)
          or any(p.startswith(dp + ".") for dp in documented))
    check(ok, "value %s has a '# --' description in values.yaml" % p)
with open(os.path.join(repo, "helm/ferry/README.md")) as f:
    readme = f.read()
for p in documented:
    try:
        get(values, p)
        check(True, "")
    except KeyError:
        check(False, "documented value %s exists in values.yaml" % p)
    check("`%s`" % p in readme, "value %s is in helm/ferry/README.md" % p)
    try:
        check(get(allv, p) != get(values, p) or p in ("rbac.create", "serviceAccount.create",
                                                      "leaderElection.enabled", "metrics.service.enabled"),
              "all-values.yaml sets %s to a non-default" % p)
    except KeyError:
        check(False, "all-values.yaml sets %s" % p)

a = load("all.json")
dep, pod, c = container(a)
name = "ferry-all-operator"
sm = (objs(a, "ServiceMonitor") or [{}])[0]
svc = (objs(a, "Service") or [{}])[0]
roles = {(o["metadata"]["namespace"], o["metadata"]["name"]) for o in objs(a, "Role")}
bindings = objs(a, "RoleBinding")
landed = {
    "image.repository": c.get("image", "").startswith("registry.example.com/ferry/ferry-operator:"),
    "image.tag": c.get("image", "").endswith(":9.8.7-test"),
    "image.pullPolicy": c.get("imagePullPolicy") == "Always",
    "workerImage.repository": env(c, "FERRY_WORKER_IMAGE", "").startswith("registry.example.com/ferry/ferry-worker:"),
    "workerImage.tag": env(c, "FERRY_WORKER_IMAGE", "").endswith(":9.8.6-worker"),
    "imagePullSecrets": pod.get("imagePullSecrets") == [{"name": "pull-secret-a"}],
    "nameOverride": all(o["metadata"]["labels"].get("app.kubernetes.io/name") == "ferrytest" for o in a),
    "fullnameOverride": dep.get("metadata", {}).get("name") == name,
    "replicaCount": dep.get("spec", {}).get("replicas") == 2,
    "watchNamespaces": arg(c, "--namespace") == "team-a" and ("team-a", name) in roles
    and not objs(a, "ClusterRole") and not objs(a, "ClusterRoleBinding"),
    "leaderElection.enabled": arg(c, "--leader-elect") is True and ("ferry-system", name + "-leader-election") in roles,
    "leaderElection.leaseDuration": arg(c, "--lease-duration") == "31",
    "leaderElection.renewDeadline": arg(c, "--renew-deadline") == "21",
    "leaderElection.retryPeriod": arg(c, "--retry-period") == "7",
    "logLevel": env(c, "FERRY_LOG_LEVEL") == "DEBUG",
    "reconcile.workers": arg(c, "--workers") == "6",
    "reconcile.resyncSeconds": arg(c, "--resync") == "45",
    "reconcile.connectTimeoutSeconds": arg(c, "--connect-timeout") == "12",
    "extraArgs": c.get("args", [])[-2:] == ["--restart-unit", "30"],
    "extraEnv": env(c, "EXTRA_ENV_A") == "a-value",
    "metrics.port": arg(c, "--metrics-addr") == ":9191" and c.get("ports", [{}])[0].get("containerPort") == 9191,
    "metrics.service.enabled": svc.get("metadata", {}).get("name") == name + "-metrics",
    "metrics.service.type": svc.get("spec", {}).get("type") == "NodePort",
    "metrics.service.port": svc.get("spec", {}).get("ports", [{}])[0].get("port") == 9292,
    "metrics.service.annotations": svc.get("metadata", {}).get("annotations") == {"prometheus.io/scrape": "true"},
    "metrics.serviceMonitor.enabled": sm.get("apiVersion") == "monitoring.coreos.com/v1"
    and sm.get("spec", {}).get("endpoints", [{}])[0].get("port") == "metrics"
    and sm.get("spec", {}).get("selector", {}).get("matchLabels", {}).items() <= svc.get("metadata", {}).get("labels", {}).items(),
    "metrics.serviceMonitor.interval": sm.get("spec", {}).get("endpoints", [{}])[0].get("interval") == "17s",
    "metrics.serviceMonitor.scrapeTimeout": sm.get("spec", {}).get("endpoints", [{}])[0].get("scrapeTimeout") == "9s",
    "metrics.serviceMonitor.labels": sm.get("metadata", {}).get("labels", {}).get("release") == "prom-test",
    "serviceAccount.create": [o["metadata"]["name"] for o in objs(a, "ServiceAccount")] == ["sa-test"],
    "serviceAccount.name": pod.get("serviceAccountName") == "sa-test"
    and all(b["subjects"][0]["name"] == "sa-test" for b in bindings),
    "serviceAccount.annotations": (objs(a, "ServiceAccount") or [{}])[0].get("metadata", {}).get("annotations")
    == {"example.com/sa": "sa-annotation"},
    "rbac.create": len(bindings) == 2,
    "resources": c.get("resources") == allv["resources"],
    "nodeSelector": pod.get("nodeSelector") == allv["nodeSelector"],
    "tolerations": pod.get("tolerations") == allv["tolerations"],
    "affinity": pod.get("affinity") == allv["affinity"],
    "priorityClassName": pod.get("priorityClassName") == "prio-test",
    "podAnnotations": dep.get("spec", {}).get("template", {}).get("metadata", {}).get("annotations")
    == allv["podAnnotations"],
    "podLabels": dep.get("spec", {}).get("template", {}).get("metadata", {}).get("labels", {}).get("pod-label-test") == "yes",
    "podSecurityContext": pod.get("securityContext") == allv["podSecurityContext"],
    "securityContext": c.get("securityContext") == allv["securityContext"],
}
for p in documented:
    check(p in landed, "the test checks where value %s lands" % p)
for p, ok in landed.items():
    check(p in documented, "checked value %s is documented" % p)
    check(ok, "value %s landed in the render" % p)

# ---- watchNamespaces without leader election; no RBAC ----
n = load("ns.json")
dep, pod, c = container(n)
check(not objs(n, "ClusterRole") and not objs(n, "ClusterRoleBinding"), "namespaced: no cluster-wide RBAC")
check({(o["kind"], o["metadata"]["namespace"]) for o in objs(n, "Role") + objs(n, "RoleBinding")}
      == {("Role", "team-b"), ("RoleBinding", "team-b")}, "namespaced: Role+RoleBinding in team-b only")
check(arg(c, "--namespace") == "team-b" and arg(c, "--leader-elect") is None, "namespaced args")
check(dep["spec"]["strategy"]["type"] == "Recreate", "no leader election: Recreate strategy")
r = load("norbac.json")
check(not [o for o in r if o["kind"] in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ServiceAccount")],
      "rbac.create=false and serviceAccount.create=false render no RBAC and no SA")
check(container(r)[1].get("serviceAccountName") == "existing-sa", "serviceAccount.name with create=false")

# ---- examples: the Strimzi conversion differs only in apiVersion and the cluster label ----
ex = os.path.join(repo, "deploy/examples")
if check(os.path.exists(os.path.join(work, "strimzi.json")), "examples rendered to JSON"):
    s, fy = load("strimzi.json")[0], load("ferry-kc.json")[0]
    check(s["apiVersion"].startswith("kafka.strimzi.io/") and fy["apiVersion"] == "connect.ferry.dev/v1alpha1",
          "apiVersions of the Strimzi and Ferry KafkaConnectors")
    sl, fl = s["metadata"].pop("labels"), fy["metadata"].pop("labels")
    check(sl == {"strimzi.io/cluster": "my-connect"} and fl == {"connect.ferry.dev/cluster": "my-connect"},
          "cluster labels: %s -> %s" % (sl, fl))
    s.pop("apiVersion")
    fy.pop("apiVersion")
    check(s == fy, "Strimzi and Ferry KafkaConnectors differ only in apiVersion and the cluster label")

print("%d chart checks failed" % len(failures) if failures else "chart checks: ok (%d documented values)" % len(documented))
sys.exit(1 if failures else 0)
