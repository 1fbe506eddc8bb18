"""A fault injector in front of the test search server: forwards every request to the server and
passes its answer back, except for the first N `_bulk` answers. In mode `reject` (the default)
each item the server indexed is turned into a 429 es_rejected_execution_exception (the server's
"too busy" answer, which the sink retries); items the server refused (malformed documents) keep
their own error. In mode `delay:S` the answer is held back S seconds (the server has indexed the
documents; the client sees a slow server). Every `_bulk` request is logged with its number of
items and bytes ("bulk ITEMS BYTES").
Used by tests/connectors/elasticsearch/dlq_retry.sh and options.sh.

Usage: python3 fault_proxy.py PORT_FILE UPSTREAM N [reject|delay:S] (writes the port it listens
on)."""
import http.client
import http.server
import json
import os
import sys
import threading
import time
import urllib.parse

port_file, upstream, budget = sys.argv[1], sys.argv[2], [int(sys.argv[3])]
mode = sys.argv[4] if len(sys.argv) > 4 else "reject"
up = urllib.parse.urlparse(upstream)
lock = threading.Lock()


def take():
    with lock:
        if budget[0] <= 0:
            return False
        budget[0] -= 1
        return True


def busy(out):
    if mode != "reject" or not take():
        return out
    d = json.loads(out)
    for item in d.get("items", []):
        for res in item.values():
            if res.get("status", 0) < 300:
                res["status"] = 429
                res["error"] = {"type": "es_rejected_execution_exception", "reason": "rejected by the test proxy"}
                d["errors"] = True
    print("rejected a bulk request (%d more)" % budget[0], flush=True)
    return json.dumps(d).encode()


class Relay(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        c = http.client.HTTPConnection(up.hostname, up.port, timeout=60)
        headers = {"Content-Type": self.headers.get("Content-Type", "application/json")}
        c.request(self.command, self.path, body=body if body else None, headers=headers)
        r = c.getresponse()
        out = r.read()
        if self.command == "POST" and self.path.split("?")[0].endswith("/_bulk"):
            print("bulk %d %d" % (body.count(b"\n") // 2, len(body)), flush=True)
            if r.status == 200:
                out = busy(out)
            if mode.startswith("delay:") and take():
                print("holding a bulk answer back (%d more)" % budget[0], flush=True)
                time.sleep(float(mode[6:]))
        self.send_response(r.status)
        self.send_header("Content-Type", r.getheader("Content-Type", "application/json"))
        self.send_header("Content-Length", str(len(out)))
        try:
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(out)
        except OSError:
            pass  # the client gave up waiting (a delayed answer)
        c.close()

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = handle_any


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Relay)
with open(port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(port_file + ".tmp", port_file)
srv.serve_forever()
