"""A recording relay in front of a test S3 store: forwards every request unchanged (its Host
header included, so SigV4 signatures still match) and passes the store's answer back, headers
and all. Each request is logged as one line,

    METHOD PATH host=HOST [name=value ...] -> STATUS

with the request headers the S3 sink tests look at (If-None-Match, x-amz-acl and the server-side
encryption ones) when present. Used by tests/connectors/s3/options.sh.

Usage: python3 record_proxy.py PORT_FILE UPSTREAM_HOST:PORT LOG (writes the port it listens on)."""
import http.client
import http.server
import os
import sys
import threading

port_file, upstream, log_path = sys.argv[1], sys.argv[2], sys.argv[3]
up_host, up_port = upstream.rsplit(":", 1)
WATCHED = ("if-none-match", "x-amz-acl", "x-amz-server-side-encryption",
           "x-amz-server-side-encryption-aws-kms-key-id")
lock = threading.Lock()
log = open(log_path, "a", buffering=1)


class Relay(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        c = http.client.HTTPConnection(up_host, int(up_port), timeout=60)
        c.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for name, value in self.headers.items():
            if name.lower() not in ("connection", "content-length"):
                c.putheader(name, value)
        c.putheader("Content-Length", str(len(body)))
        c.endheaders(body)
        r = c.getresponse()
        out = r.read()
        seen = " ".join("%s=%s" % (h, self.headers[h]) for h in WATCHED if self.headers.get(h) is not None)
        with lock:
            log.write("%s %s host=%s%s -> %d\n" % (self.command, self.path, self.headers.get("Host"),
                                                   " " + seen if seen else "", r.status))
        self.send_response_only(r.status)
        for name, value in r.getheaders():
            if name.lower() not in ("connection", "transfer-encoding", "content-length", "date", "server"):
                self.send_header(name, value)
        length = r.getheader("Content-Length", "0") if self.command == "HEAD" else str(len(out))
        self.send_header("Content-Length", length)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(out)
        c.close()

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = handle_any


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Relay)
with open(port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(port_file + ".tmp", port_file)
srv.serve_forever()
