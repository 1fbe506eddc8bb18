#!/usr/bin/env python3
"""A small local kubelet for the operator e2e tests (Python 3 stdlib only).

Registers the Node ferry-test-node on the test kube-apiserver (which has no scheduler and no
controller manager), binds unscheduled pods to it, and runs each pod's first container as a local
process:
  - the image is ignored; `ferry-worker` resolves to --worker-bin (a PATH entry, and argv[0] when
    the command names it directly);
  - configMap, secret and emptyDir volumes (any other source: an empty directory) become
    directories under --state, a mount's subPath a directory inside one; every mountPath found
    in command, args and env values is rewritten to that directory, and (where `unshare --mount`
    works, as root) the process runs in a private mount namespace with each directory bound at its
    mountPath, so paths that reach it otherwise (connector configs) resolve too; mount points it had
    to create on the host are removed at exit;
  - env values from fieldRef, secretKeyRef and configMapKeyRef;
  - each pod gets its own loopback address (--ip-prefix + N, e.g. 127.0.100.2) as its pod IP, exported
    as FERRY_LISTEN_HOST (the worker pods listen there instead of 0.0.0.0: all "pods" share the host
    network) and through the downward API (fieldRef status.podIP, metadata.name, ...);
  - readinessProbe httpGet is probed every second; status (phase, podIP, conditions, container
    ready/restartCount/state) is written through the status subresource when it changes;
  - restartPolicy Always: an exited process is started again (backoff 0.5 s doubling to 8 s) and
    restartCount goes up; a pod being deleted gets SIGTERM, SIGKILL after its grace period, then is
    removed (DELETE with gracePeriodSeconds 0); a pod deleted outright is killed at once.
Every process runs in its own process group; SIGTERM/SIGINT to the kubelet kills them all.
--state DIR/pods.json maps namespace/name to {uid, pid, ip, restarts, log} for tests.

Usage: kubelet.py --kubeconfig PATH --state DIR [--namespace NS] [--node NAME]
                  [--worker-bin PATH] [--kubectl PATH] [--ip-prefix 127.0.100.]
"""
import argparse
import base64
import http.client
import json
import os
import queue
import shutil
import shlex
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def log(msg):
    sys.stderr.write("kubelet: %s %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


def now_rfc3339():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Api:
    """Minimal HTTPS client for the API server, from `kubectl config view --raw -o json`."""

    def __init__(self, kubeconfig, kubectl, tmpdir):
        raw = subprocess.run([kubectl, "--kubeconfig", kubeconfig, "config", "view", "--raw", "--minify",
                              "-o", "json"], check=True, capture_output=True).stdout
        cfg = json.loads(raw)
        cluster = cfg["clusters"][0]["cluster"]
        user = cfg["users"][0]["user"]
        u = urllib.parse.urlparse(cluster["server"])
        self.host, self.port = u.hostname, u.port or 443
        self.ctx = ssl.create_default_context()
        if "certificate-authority-data" in cluster:
            self.ctx.load_verify_locations(cadata=base64.b64decode(cluster["certificate-authority-data"]).decode())
        elif "certificate-authority" in cluster:
            self.ctx.load_verify_locations(cafile=cluster["certificate-authority"])
        if cluster.get("insecure-skip-tls-verify"):
            self.ctx.check_hostname = False
            self.ctx.verify_mode = ssl.CERT_NONE
        self.token = user.get("token")
        if "client-certificate-data" in user:
            cert = os.path.join(tmpdir, "client.crt")
            key = os.path.join(tmpdir, "client.key")
            for path, data in ((cert, user["client-certificate-data"]), (key, user["client-key-data"])):
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write(base64.b64decode(data))
            self.ctx.load_cert_chain(cert, key)
        elif "client-certificate" in user:
            self.ctx.load_cert_chain(user["client-certificate"], user["client-key"])

    def conn(self, timeout=30):
        return http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=timeout)

    def headers(self, ctype=None):
        h = {"Accept": "application/json"}
        if ctype:
            h["Content-Type"] = ctype
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        return h

    def call(self, method, path, body=None, ctype="application/json"):
        c = self.conn()
        try:
            data = json.dumps(body).encode() if body is not None else None
            c.request(method, path, body=data, headers=self.headers(ctype if data is not None else None))
            r = c.getresponse()
            raw = r.read()
            try:
                obj = json.loads(raw) if raw else None
            except ValueError:
                obj = None
            return r.status, obj
        finally:
            c.close()


def pod_path(ns, name, sub=None):
    p = "/api/v1/namespaces/%s/pods/%s" % (ns, name)
    return p + "/" + sub if sub else p


class Pod:
    def __init__(self, obj):
        self.obj = obj
        md = obj["metadata"]
        self.ns, self.name, self.uid = md["namespace"], md["name"], md["uid"]
        self.key = self.ns + "/" + self.name
        self.ip = None
        self.proc = None
        self.restarts = 0
        self.started_at = None
        self.start_time = now_rfc3339()
        self.last_term = None
        self.next_start = 0.0
        self.fast_exits = 0
        self.probe_ok = False
        self.terminating = False
        self.kill_at = None
        self.dir = None
        self.sent = None
        self.waiting_reason = "ContainerCreating"
        self.stop_probe = threading.Event()
        self.delete_sent = False

    def container(self):
        cs = self.obj["spec"].get("containers") or []
        return cs[0] if cs else None


class Kubelet:
    def __init__(self, a):
        self.a = a
        self.events = queue.Queue()
        self.pods = {}
        self.stop = threading.Event()
        os.makedirs(a.state, exist_ok=True)
        self.tmp = tempfile.mkdtemp(prefix="kubelet-", dir=a.state)
        self.api = Api(a.kubeconfig, a.kubectl, self.tmp)
        self.bindir = os.path.join(self.tmp, "bin")
        os.makedirs(self.bindir)
        os.symlink(os.path.abspath(a.worker_bin), os.path.join(self.bindir, "ferry-worker"))
        self.used_ips = set()
        self.state_written = None
        self.made_dirs = []  # mount points created on the host, removed at shutdown
        self.unshare = shutil.which("unshare")
        if self.unshare and subprocess.run([self.unshare, "--mount", "true"], capture_output=True).returncode:
            self.unshare = None
        if not self.unshare:
            log("no private mount namespaces (unshare --mount): volumes only through path rewriting")

    # ---- node ----
    def register_node(self):
        status = {
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                            "message": "ferry e2e kubelet", "lastHeartbeatTime": now_rfc3339(),
                            "lastTransitionTime": now_rfc3339()}],
            "addresses": [{"type": "InternalIP", "address": "127.0.0.1"},
                          {"type": "Hostname", "address": self.a.node}],
            "capacity": {"cpu": "64", "memory": "256Gi", "pods": "250"},
            "allocatable": {"cpu": "64", "memory": "256Gi", "pods": "250"},
            "nodeInfo": {"kubeletVersion": "ferry-e2e", "operatingSystem": "linux", "architecture": "amd64",
                         "machineID": "", "systemUUID": "", "bootID": "", "kernelVersion": "",
                         "osImage": "", "containerRuntimeVersion": "local://", "kubeProxyVersion": ""},
        }
        node = {"apiVersion": "v1", "kind": "Node",
                "metadata": {"name": self.a.node, "labels": {"kubernetes.io/hostname": self.a.node,
                                                             "kubernetes.io/os": "linux"}},
                "status": status}
        st, body = self.api.call("POST", "/api/v1/nodes", node)
        if st not in (201, 409):
            raise RuntimeError("registering node: %s %s" % (st, body))
        st, body = self.api.call("PATCH", "/api/v1/nodes/%s/status" % self.a.node, {"status": status},
                                 "application/merge-patch+json")
        if st != 200:
            raise RuntimeError("node status: %s %s" % (st, body))
        log("node %s registered" % self.a.node)

    # ---- watch ----
    def pods_url(self):
        if self.a.namespace:
            return "/api/v1/namespaces/%s/pods" % self.a.namespace
        return "/api/v1/pods"

    def watch_loop(self):
        while not self.stop.is_set():
            try:
                st, lst = self.api.call("GET", self.pods_url())
                if st != 200:
                    raise RuntimeError("list pods: %s" % st)
                self.events.put(("SYNC", lst["items"]))
                rv = lst["metadata"]["resourceVersion"]
                while not self.stop.is_set():
                    rv = self.watch_once(rv)
                    if rv is None:
                        break
            except Exception as e:  # noqa: BLE001 - reconnect on anything
                if not self.stop.is_set():
                    log("watch: %s; relisting" % e)
                    time.sleep(0.5)

    def watch_once(self, rv):
        c = self.api.conn(timeout=60)
        try:
            q = "?watch=1&allowWatchBookmarks=true&timeoutSeconds=30&resourceVersion=" + rv
            c.request("GET", self.pods_url() + q, headers=self.api.headers())
            r = c.getresponse()
            if r.status != 200:
                return None
            while not self.stop.is_set():
                line = r.readline()
                if not line:
                    return rv
                ev = json.loads(line)
                t, obj = ev["type"], ev["object"]
                if t == "ERROR":
                    return None  # 410 Gone and friends: relist
                rv = obj.get("metadata", {}).get("resourceVersion", rv)
                if t != "BOOKMARK":
                    self.events.put((t, obj))
            return rv
        finally:
            c.close()

    # ---- events ----
    def handle(self, t, obj):
        if t == "SYNC":
            seen = set()
            for o in obj:
                seen.add(o["metadata"]["namespace"] + "/" + o["metadata"]["name"])
                self.handle("MODIFIED", o)
            for key in [k for k in self.pods if k not in seen]:
                self.forget(self.pods[key], "gone after relist")
            return
        md, spec = obj["metadata"], obj.get("spec", {})
        key = md["namespace"] + "/" + md["name"]
        p = self.pods.get(key)
        if t == "DELETED":
            if p and p.uid == md["uid"]:
                self.forget(p, "deleted")
            return
        node = spec.get("nodeName")
        if not node:
            if not md.get("deletionTimestamp"):
                self.bind(md["namespace"], md["name"])
            return
        if node != self.a.node:
            return
        if p and p.uid != md["uid"]:
            self.forget(p, "replaced")
            p = None
        if not p:
            if md.get("deletionTimestamp"):
                self.api.call("DELETE", pod_path(md["namespace"], md["name"]),
                              {"gracePeriodSeconds": 0, "preconditions": {"uid": md["uid"]}})
                return
            p = Pod(obj)
            p.ip = self.alloc_ip()
            self.pods[key] = p
            threading.Thread(target=self.probe_loop, args=(p,), daemon=True).start()
            log("pod %s assigned IP %s" % (key, p.ip))
        p.obj = obj
        if md.get("deletionTimestamp") and not p.terminating:
            p.terminating = True
            grace = md.get("deletionGracePeriodSeconds")
            grace = 30 if grace is None else grace
            p.kill_at = time.monotonic() + grace
            log("pod %s terminating (grace %ss)" % (key, grace))
            self.signal(p, signal.SIGTERM)

    def bind(self, ns, name):
        st, body = self.api.call("POST", pod_path(ns, name, "binding"),
                                 {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": name},
                                  "target": {"apiVersion": "v1", "kind": "Node", "name": self.a.node}})
        if st not in (201, 409):
            log("binding %s/%s: %s %s" % (ns, name, st, body and body.get("message")))

    def alloc_ip(self):
        for n in range(2, 255):
            ip = self.a.ip_prefix + str(n)
            if ip not in self.used_ips:
                self.used_ips.add(ip)
                return ip
        raise RuntimeError("no free pod IP")

    def forget(self, p, why):
        p.stop_probe.set()
        self.signal(p, signal.SIGKILL)
        if p.proc:
            try:
                p.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
        self.used_ips.discard(p.ip)
        self.pods.pop(p.key, None)
        log("pod %s %s" % (p.key, why))

    def signal(self, p, sig):
        if p.proc and p.proc.poll() is None:
            try:
                os.killpg(p.proc.pid, sig)
            except ProcessLookupError:
                pass

    # ---- processes ----
    def source(self, p, kind, name):
        """The data of Secret or ConfigMap name (as text), or None when it is missing."""
        st, body = self.api.call("GET", "/api/v1/namespaces/%s/%s/%s" % (p.ns, kind, name))
        if st != 200:
            return None
        if kind == "secrets":
            data = {k: base64.b64decode(v).decode() for k, v in (body.get("data") or {}).items()}
            data.update(body.get("stringData") or {})
            return data
        return body.get("data") or {}

    def prepare(self, p):
        """Volumes -> directories; returns {mountPath: local dir} or None (not ready yet)."""
        if not p.dir:
            p.dir = os.path.join(self.tmp, "pods", "%s_%s_%s" % (p.ns, p.name, p.uid[:8]))
            os.makedirs(p.dir, exist_ok=True)
        vols = {}
        for v in p.obj["spec"].get("volumes") or []:
            d = os.path.join(p.dir, "volumes", v["name"])
            src = None
            if "configMap" in v:
                src, kind, what = v["configMap"], "configmaps", v["configMap"]["name"]
            elif "secret" in v:
                src, kind, what = v["secret"], "secrets", v["secret"]["secretName"]
            if src is not None:
                data = self.source(p, kind, what)
                if data is None:
                    if src.get("optional"):
                        data = {}
                    else:
                        p.waiting_reason = "ConfigMapMissing" if kind == "configmaps" else "SecretMissing"
                        return None
                os.makedirs(d, exist_ok=True)
                items = src.get("items")
                pairs = [(i["key"], i["path"]) for i in items] if items else [(k, k) for k in data]
                for k, rel in pairs:
                    if k in data:
                        f = os.path.join(d, rel)
                        os.makedirs(os.path.dirname(f), exist_ok=True)
                        with open(f, "w") as fh:
                            fh.write(data[k])
            else:  # emptyDir and anything else: a plain directory
                os.makedirs(d, exist_ok=True)
            vols[v["name"]] = d
        mounts = {}
        c = p.container()
        for m in (c.get("volumeMounts") or []) if c else []:
            if m["name"] in vols:
                d = vols[m["name"]]
                sub = m.get("subPath")
                if sub:  # a directory inside the volume, created when missing (as the kubelet does)
                    if os.path.isabs(sub) or ".." in sub.split("/"):
                        p.waiting_reason = "CreateContainerConfigError"
                        return None
                    d = os.path.join(d, sub)
                    os.makedirs(d, exist_ok=True)
                mounts[m["mountPath"].rstrip("/")] = d
        return mounts

    def env_from(self, p, ref):
        """The value of a secretKeyRef/configMapKeyRef env entry; None when it cannot be had."""
        for key, kind in (("secretKeyRef", "secrets"), ("configMapKeyRef", "configmaps")):
            if key in ref:
                data = self.source(p, kind, ref[key]["name"]) or {}
                if ref[key]["key"] in data:
                    return data[ref[key]["key"]]
                return "" if ref[key].get("optional") else None
        return None

    def rewrite(self, s, mounts):
        for mp in sorted(mounts, key=len, reverse=True):
            s = s.replace(mp + "/", mounts[mp] + "/")
            if s == mp:
                s = mounts[mp]
        return s

    def field(self, p, path):
        return {"status.podIP": p.ip, "status.hostIP": "127.0.0.1", "metadata.name": p.name,
                "metadata.namespace": p.ns, "metadata.uid": p.uid, "spec.nodeName": self.a.node,
                "spec.serviceAccountName": p.obj["spec"].get("serviceAccountName", "default")}.get(path, "")

    def start(self, p):
        c = p.container()
        if not c:
            return
        mounts = self.prepare(p)
        if mounts is None:
            p.next_start = time.monotonic() + 1
            return
        argv = [self.rewrite(x, mounts) for x in (c.get("command") or []) + (c.get("args") or [])]
        if not argv:
            p.waiting_reason = "NoCommand"
            p.next_start = time.monotonic() + 5
            return
        if os.path.basename(argv[0]) == "ferry-worker":
            argv[0] = os.path.join(self.bindir, "ferry-worker")
        env = dict(os.environ)
        env["PATH"] = self.bindir + os.pathsep + env.get("PATH", "/usr/bin:/bin")
        env["HOSTNAME"] = p.name
        env["FERRY_LISTEN_HOST"] = p.ip
        for e in c.get("env") or []:
            vf = e.get("valueFrom") or {}
            if "value" in e:
                env[e["name"]] = self.rewrite(e["value"], mounts)
            elif "fieldRef" in vf:
                env[e["name"]] = self.field(p, vf["fieldRef"]["fieldPath"])
            else:
                val = self.env_from(p, vf)
                if val is None:
                    p.waiting_reason = "CreateContainerConfigError"
                    p.next_start = time.monotonic() + 1
                    return
                env[e["name"]] = val
        if self.unshare and mounts:
            for mp in sorted(mounts):
                if not os.path.isdir(mp):
                    missing = mp
                    while not os.path.isdir(os.path.dirname(missing)):
                        missing = os.path.dirname(missing)
                    os.makedirs(mp, exist_ok=True)
                    self.made_dirs.append(missing)
            # A private mount namespace with each volume bound at its real mountPath, so paths
            # that reach the process another way (connector configs over REST) resolve too.
            script = "".join('mount --bind %s %s && ' % (shlex.quote(d), shlex.quote(mp))
                             for mp, d in sorted(mounts.items()))
            argv = [self.unshare, "--mount", "--propagation", "private", "/bin/sh", "-c",
                    script + 'exec "$@"', "sh"] + argv
        logf = open(os.path.join(p.dir, c["name"] + ".log"), "ab")
        try:
            p.proc = subprocess.Popen(argv, env=env, cwd=p.dir, stdin=subprocess.DEVNULL, stdout=logf,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        except OSError as e:
            p.waiting_reason = "StartError"
            p.next_start = time.monotonic() + 5
            log("pod %s: cannot start %s: %s" % (p.key, argv[0], e))
            return
        finally:
            logf.close()
        p.started_at = now_rfc3339()
        p.started_mono = time.monotonic()
        p.probe_ok = False
        log("pod %s started pid %d (restart %d)" % (p.key, p.proc.pid, p.restarts))

    def tick(self):
        now = time.monotonic()
        for p in list(self.pods.values()):
            running = p.proc is not None and p.proc.poll() is None
            if p.terminating:
                if running and p.kill_at is not None and now >= p.kill_at:
                    log("pod %s: grace period over, SIGKILL" % p.key)
                    self.signal(p, signal.SIGKILL)
                elif not running and not p.delete_sent:
                    p.delete_sent = True
                    self.api.call("DELETE", pod_path(p.ns, p.name),
                                  {"gracePeriodSeconds": 0, "preconditions": {"uid": p.uid}})
                continue
            if p.proc is not None and not running:
                rc = p.proc.returncode
                p.last_term = {"exitCode": rc if rc >= 0 else 128 - rc,
                               "reason": "Completed" if rc == 0 else "Error",
                               "startedAt": p.started_at, "finishedAt": now_rfc3339()}
                if rc < 0:
                    p.last_term["signal"] = -rc
                ran = now - p.started_mono
                p.fast_exits = p.fast_exits + 1 if ran < 10 else 0
                delay = min(8.0, 0.5 * (2 ** max(0, p.fast_exits - 1)))
                log("pod %s: process %d exited (%s) after %.1fs; restart in %.1fs (seen at %.3f)"
                    % (p.key, p.proc.pid, rc, ran, delay, time.time()))
                p.proc = None
                policy = p.obj["spec"].get("restartPolicy", "Always")
                if policy == "Never" or (policy == "OnFailure" and rc == 0):
                    p.waiting_reason = None
                    p.next_start = float("inf")
                else:
                    p.restarts += 1
                    p.waiting_reason = "CrashLoopBackOff" if p.fast_exits > 1 else "Restarting"
                    p.next_start = now + delay
            if p.proc is None and now >= p.next_start:
                self.start(p)
            self.report(p)
        self.write_state()

    def report(self, p):
        c = p.container() or {"name": "c", "image": ""}
        running = p.proc is not None and p.proc.poll() is None
        has_probe = bool((c.get("readinessProbe") or {}).get("httpGet"))
        ready = running and (p.probe_ok or not has_probe)
        phase = "Running" if (running or p.restarts) else "Pending"
        if p.proc is None and p.next_start == float("inf"):
            phase = "Succeeded" if p.last_term and p.last_term["exitCode"] == 0 else "Failed"
        if running:
            state = {"running": {"startedAt": p.started_at}}
        else:
            state = {"waiting": {"reason": p.waiting_reason or "Waiting"}}
        cs = {"name": c["name"], "image": c.get("image", ""), "imageID": "", "ready": ready,
              "started": running, "restartCount": p.restarts, "state": state,
              "containerID": "local://%d" % p.proc.pid if running else ""}
        if p.last_term:
            cs["lastState"] = {"terminated": p.last_term}
        t = now_rfc3339()
        conds = [("PodScheduled", True), ("Initialized", True), ("ContainersReady", ready), ("Ready", ready)]
        status = {"phase": phase, "hostIP": "127.0.0.1", "podIP": p.ip, "podIPs": [{"ip": p.ip}],
                  "startTime": p.start_time, "containerStatuses": [cs],
                  "conditions": [{"type": k, "status": "True" if v else "False"} for k, v in conds]}
        if status == p.sent:
            return
        for cd in status["conditions"]:
            cd["lastTransitionTime"] = t
        st, body = self.api.call("PATCH", pod_path(p.ns, p.name, "status"), {"status": status},
                                 "application/merge-patch+json")
        if st == 200:
            for cd in status["conditions"]:
                del cd["lastTransitionTime"]
            p.sent = status
        elif st != 404:
            log("status of %s: %s %s" % (p.key, st, body and body.get("message")))

    def probe_loop(self, p):
        while not p.stop_probe.wait(1.0):
            c = p.container() or {}
            hg = (c.get("readinessProbe") or {}).get("httpGet")
            proc = p.proc
            if not hg or proc is None or proc.poll() is not None:
                continue
            port = hg.get("port")
            if isinstance(port, str):
                port = next((x["containerPort"] for x in c.get("ports") or [] if x.get("name") == port), 0)
            ok = False
            try:
                conn = http.client.HTTPConnection(p.ip, port, timeout=1)
                conn.request("GET", hg.get("path", "/"))
                ok = 200 <= conn.getresponse().status < 400
                conn.close()
            except (OSError, http.client.HTTPException):
                ok = False
            if ok != p.probe_ok:
                p.probe_ok = ok
                self.events.put(("PROBE", None))

    def write_state(self):
        st = {p.key: {"uid": p.uid, "ip": p.ip, "pid": p.proc.pid if p.proc and p.proc.poll() is None else None,
                      "restarts": p.restarts, "ready": p.sent is not None and p.sent["conditions"][3]["status"] == "True",
                      "log": os.path.join(p.dir, (p.container() or {"name": "c"})["name"] + ".log") if p.dir else None}
              for p in self.pods.values()}
        if st == self.state_written:
            return
        path = os.path.join(self.a.state, "pods.json")
        with open(path + ".tmp", "w") as f:
            json.dump(st, f, indent=1, sort_keys=True)
        os.replace(path + ".tmp", path)
        self.state_written = st

    def run(self):
        self.register_node()
        threading.Thread(target=self.watch_loop, daemon=True).start()
        while not self.stop.is_set():
            try:
                t, obj = self.events.get(timeout=0.2)
                if t != "PROBE":
                    self.handle(t, obj)
                while True:  # drain what is queued
                    t, obj = self.events.get_nowait()
                    if t != "PROBE":
                        self.handle(t, obj)
            except queue.Empty:
                pass
            self.tick()

    def shutdown(self):
        self.stop.set()
        procs = [p for p in self.pods.values() if p.proc and p.proc.poll() is None]
        for p in procs:
            p.stop_probe.set()
            self.signal(p, signal.SIGTERM)
        deadline = time.monotonic() + 5
        for p in procs:
            try:
                p.proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            self.signal(p, signal.SIGKILL)
            try:
                p.proc.wait(5)
            except subprocess.TimeoutExpired:
                log("pod %s: pid %d did not die" % (p.key, p.proc.pid))
        log("stopped %d processes" % len(procs))
        for d in reversed(self.made_dirs):  # empty on the host: the binds were private
            for root, dirs, _ in os.walk(d, topdown=False):
                for x in dirs:
                    try:
                        os.rmdir(os.path.join(root, x))
                    except OSError:
                        pass
            try:
                os.rmdir(d)
            except OSError:
                pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kubeconfig", required=True)
    ap.add_argument("--state", required=True)
    ap.add_argument("--namespace")
    ap.add_argument("--node", default="ferry-test-node")
    ap.add_argument("--worker-bin", default=os.path.join(REPO, "bin", "ferry-worker"))
    ap.add_argument("--kubectl", default=os.environ.get("KUBECTL_BIN") or os.path.join(
        os.environ.get("FERRY_CACHE") or os.path.join(REPO, ".cache"), "envtest", "bin", "kubectl"))
    ap.add_argument("--ip-prefix", default="127.0.100.")
    a = ap.parse_args()
    k = Kubelet(a)

    def on_signal(signum, frame):
        k.stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        k.run()
    finally:
        k.shutdown()
        shutil.rmtree(os.path.join(k.tmp, "bin"), ignore_errors=True)


if __name__ == "__main__":
    main()
