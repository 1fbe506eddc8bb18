#!/usr/bin/env python3
"""Runs the REST conformance fixtures (tests/conformance/*.json) against a live Kafka Connect REST
API: Ferry (tests/runtime/conformance.sh) or Apache Kafka Connect itself (hack/conformance-java.sh).

A fixture file is a scenario: its fixtures run in order against one worker, each one request and
its expected answer. Format (docs/rest.md has the whole story):

  {"description": "...",
   "files": {"in.txt": "a\\nb\\n"},                      # written under ${tmp} before the scenario
   "fixtures": [
     {"name": "...", "request": {"method": "POST", "path": "/connectors", "body": {...},
                                  "headers": {...}, "raw_body": "..."},
      "status": 201, "headers": {"Location": "${regex:.*/connectors/x}"},
      "body": <expected JSON>, "no_body": true, "absent_text": ["secret"],
      "poll": 30,                                        # retry until it matches, up to 30 s
      "ferry_only": true,                                # not run against Java
      "java": {"status": 500, "body": ...},              # Java's (deliberately different) answer
      "java_distributed": {...},                         # ... of ConnectDistributed, when it differs
      "differs": "why Ferry answers differently"}],
   "cleanup": [{"method": "DELETE", "path": "/connectors/x"}]}

Expected JSON: objects must have exactly the expected keys unless they contain "$partial": true;
arrays must match element by element, or {"$contains": [...]} (each expected element matches some
element) or {"$unordered": [...]}. Strings "${any}", "${string}", "${number}", "${int}", "${bool}",
"${array}", "${object}", "${null}", "${absent}" (key must be missing), "${regex:RE}" (full match),
"${worker_id}", "${version}", "${cluster_id}", "${tmp}", "${run}" (unique per run) and "${contains:TEXT}"
are placeholders; ${tmp}, ${worker_id} and ${run} are also replaced inside requests and expected strings.
Only the standard library is used.
"""
import argparse
import glob
import http.client
import json
import os
import re
import sys
import time
import urllib.parse

ABSENT = object()


class Ctx:
    def __init__(self, args):
        self.base = urllib.parse.urlparse(args.base_url)
        self.target = args.target
        self.java_mode = args.java_mode
        # ${run}: unique per run, for names that must not meet an earlier run's on a shared broker.
        self.vars = {"tmp": args.tmp, "worker_id": args.worker_id, "run": "%x" % (int(time.time() * 1000) % 0xFFFFFFF)}
        self.conn = None
        self.verbose = args.verbose
        self.unreachable = 0  # consecutive refused connections

    def connection(self):
        if self.conn is None:
            host, port = self.base.hostname, self.base.port
            if self.base.scheme == "https":
                import ssl
                self.conn = http.client.HTTPSConnection(host, port, timeout=120,
                                                        context=ssl._create_unverified_context())
            else:
                self.conn = http.client.HTTPConnection(host, port, timeout=120)
        return self.conn

    def request(self, method, path, body=None, headers=None):
        """One request; retries once on a dropped keep-alive connection. -> (status, headers, text)."""
        for attempt in range(2):
            conn = self.connection()
            try:
                conn.request(method, path, body=body, headers=headers or {})
                resp = conn.getresponse()
                data = resp.read()
                return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data.decode("utf-8", "replace")
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    http.client.CannotSendRequest, http.client.BadStatusLine):
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")


def subst(value, ctx):
    """Replaces ${tmp}-style variables inside request strings."""
    if isinstance(value, str):
        return re.sub(r"\$\{(tmp|worker_id|run)\}", lambda m: str(ctx.vars[m.group(1)]), value)
    if isinstance(value, list):
        return [subst(v, ctx) for v in value]
    if isinstance(value, dict):
        return {k: subst(v, ctx) for k, v in value.items()}
    return value


def match(expected, actual, ctx, path="$"):
    """None when actual matches expected, else a message naming the first difference."""
    if isinstance(expected, str) and expected.startswith("${") and expected.endswith("}"):
        ph = expected[2:-1]
        if ph == "absent":
            return None if actual is ABSENT else f"{path}: expected no value, got {json.dumps(actual)}"
        if actual is ABSENT:
            return f"{path}: missing (expected {expected})"
        checks = {
            "any": lambda a: True,
            "string": lambda a: isinstance(a, str),
            "number": lambda a: isinstance(a, (int, float)) and not isinstance(a, bool),
            "int": lambda a: isinstance(a, int) and not isinstance(a, bool),
            "bool": lambda a: isinstance(a, bool),
            "array": lambda a: isinstance(a, list),
            "object": lambda a: isinstance(a, dict),
            "null": lambda a: a is None,
        }
        if ph in checks:
            return None if checks[ph](actual) else f"{path}: {json.dumps(actual)} is not {ph}"
        if ph.startswith("regex:"):
            if isinstance(actual, str) and re.fullmatch(subst(ph[6:], ctx), actual, re.S):
                return None
            return f"{path}: {json.dumps(actual)} does not match /{ph[6:]}/"
        if ph.startswith("contains:"):
            want = subst(ph[9:], ctx)
            if isinstance(actual, str) and want in actual:
                return None
            return f"{path}: {json.dumps(actual)} does not contain {json.dumps(want)}"
        if ph in ctx.vars:
            want = ctx.vars[ph]
            return None if actual == want else f"{path}: {json.dumps(actual)} != {ph} ({json.dumps(want)})"
        # Any other ${...} text is literal, e.g. a config value with a placeholder.
    if actual is ABSENT:
        return f"{path}: missing"
    if isinstance(expected, dict):
        if "$contains" in expected or "$unordered" in expected:
            items = expected.get("$contains", expected.get("$unordered"))
            if not isinstance(actual, list):
                return f"{path}: expected an array, got {json.dumps(actual)[:200]}"
            if "$unordered" in expected and len(actual) != len(items):
                return f"{path}: expected {len(items)} elements, got {len(actual)}"
            used = set()
            for i, want in enumerate(items):
                hit = None
                for k, got in enumerate(actual):
                    if k not in used and match(want, got, ctx, f"{path}[{k}]") is None:
                        hit = k
                        break
                if hit is None:
                    return f"{path}: no element matches {json.dumps(want)[:300]} in {json.dumps(actual)[:600]}"
                used.add(hit)
            return None
        if not isinstance(actual, dict):
            return f"{path}: expected an object, got {json.dumps(actual)[:200]}"
        partial = expected.get("$partial", False)
        for k, want in expected.items():
            if k == "$partial":
                continue
            err = match(want, actual.get(k, ABSENT), ctx, f"{path}.{k}")
            if err:
                return err
        if not partial:
            extra = sorted(set(actual) - set(expected))
            if extra:
                return f"{path}: unexpected keys {extra}"
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return f"{path}: expected an array, got {json.dumps(actual)[:200]}"
        if len(expected) != len(actual):
            return f"{path}: expected {len(expected)} elements, got {len(actual)}: {json.dumps(actual)[:400]}"
        for i, (w, a) in enumerate(zip(expected, actual)):
            err = match(w, a, ctx, f"{path}[{i}]")
            if err:
                return err
        return None
    if isinstance(expected, str):
        expected = subst(expected, ctx)
    if expected != actual or type(expected) is not type(actual):
        return f"{path}: expected {json.dumps(expected)}, got {json.dumps(actual)[:400]}"
    return None


def check(fx, ctx, status, headers, text):
    exp = dict(fx)
    override = None
    if ctx.target == "java":
        override = fx.get("java")
        if ctx.java_mode == "distributed" and "java_distributed" in fx:
            override = fx["java_distributed"]
    if override is not None:
        # Java's recorded answer replaces the expectation as a whole.
        for k in ("status", "body", "no_body", "headers"):
            exp.pop(k, None)
        exp.update(override)
    if "status" in exp and status != exp["status"]:
        return f"status {status}, expected {exp['status']}: {text[:500]}"
    for name, want in exp.get("headers", {}).items():
        got = headers.get(name.lower(), ABSENT)
        err = match(want, got, ctx, f"header {name}")
        if err:
            return err
    for secret in exp.get("absent_text", []):
        if subst(secret, ctx) in text:
            return f"answer contains {secret!r}: {text[:300]}"
    if exp.get("no_body") and text.strip():
        return f"expected no body, got {text[:300]}"
    if "body" in exp:
        try:
            actual = json.loads(text) if text.strip() else ABSENT
        except ValueError:
            return f"body is not JSON: {text[:300]}"
        err = match(exp["body"], actual, ctx)
        if err:
            return f"body {err}"
    return None


def send(ctx, req):
    method = req.get("method", "GET")
    path = subst(req["path"], ctx)
    headers = dict(req.get("headers", {}))
    body = None
    if "raw_body" in req:
        body = subst(req["raw_body"], ctx).encode()
    elif "body" in req:
        body = json.dumps(subst(req["body"], ctx)).encode()
        headers.setdefault("Content-Type", "application/json")
    if body is not None and req.get("repeat_body"):
        body = body * int(req["repeat_body"])
    return ctx.request(method, path, body, headers)


def run_fixture(fx, ctx):
    deadline = time.monotonic() + fx.get("poll", 0)
    while True:
        status, headers, text = send(ctx, fx["request"])
        err = check(fx, ctx, status, headers, text)
        if err is None or time.monotonic() >= deadline:
            return err
        time.sleep(0.2)


def cleanup(ctx, scenario):
    for req in scenario.get("cleanup", []):
        try:
            send(ctx, req)
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--target", choices=["ferry", "java"], default="ferry")
    ap.add_argument("--java-mode", choices=["standalone", "distributed"], default="standalone",
                    help="with --target java: which worker runs (selects \"java_distributed\" answers)")
    ap.add_argument("--worker-id", required=True)
    ap.add_argument("--tmp", required=True, help="scratch directory for connector files")
    ap.add_argument("--only", help="regex on 'file name' to run a subset")
    ap.add_argument("--skip", help="regex on 'file name' of fixtures not to run")
    ap.add_argument("--report", help="write a JSON line per fixture here")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    ctx = Ctx(args)
    files = args.files or sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), "*.json")))
    status, _, text = ctx.request("GET", "/")
    root = json.loads(text)
    ctx.vars["version"] = root.get("version")
    ctx.vars["cluster_id"] = root.get("kafka_cluster_id")
    counts = {"pass": 0, "fail": 0, "skip": 0}
    report = open(args.report, "w") if args.report else None
    for path in files:
        with open(path) as f:
            scenario = json.load(f)
        base = os.path.basename(path)
        for name, content in scenario.get("files", {}).items():
            with open(os.path.join(args.tmp, name), "w") as out:
                out.write(content)
        failed_before = False
        ran = 0
        for i, fx in enumerate(scenario["fixtures"]):
            label = f"{base}#{i + 1} {fx.get('name', '')}"
            if (args.only and not re.search(args.only, label)) or (args.skip and re.search(args.skip, label)):
                continue
            if ctx.target == "java" and fx.get("ferry_only"):
                result, err = "skip", "ferry_only"
            else:
                if ctx.unreachable >= 3:
                    err = "not run: the server stopped answering"
                else:
                    try:
                        err = run_fixture(fx, ctx)
                        ctx.unreachable = 0
                    except (OSError, http.client.HTTPException) as e:
                        err = f"request failed: {e!r}"
                        ctx.conn = None
                        ctx.unreachable += isinstance(e, ConnectionRefusedError)
                result = "fail" if err else "pass"
            counts[result] += 1
            ran += result != "skip"
            if result == "fail":
                failed_before = True
                if err.startswith("not run"):
                    skipped_dead = getattr(ctx, "skipped_dead", 0)
                    ctx.skipped_dead = skipped_dead + 1
                else:
                    print(f"FAIL {label}\n     {err}")
            elif ctx.verbose or result == "skip":
                print(f"{result.upper()} {label}")
            if report:
                report.write(json.dumps({"file": base, "index": i + 1, "name": fx.get("name", ""),
                                         "result": result, "error": err,
                                         "java_override": ctx.target == "java" and
                                         ("java" in fx or (ctx.java_mode == "distributed" and "java_distributed" in fx))})
                             + "\n")
        cleanup(ctx, scenario)
        if ran and not failed_before and not ctx.verbose:
            print(f"ok   {base} ({ran} fixtures)")
    if report:
        report.close()
    if getattr(ctx, "skipped_dead", 0):
        print(f"FAIL {ctx.skipped_dead} more fixtures not run: the server stopped answering")
    print(f"conformance ({ctx.target}): {counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped")
    return 1 if counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
