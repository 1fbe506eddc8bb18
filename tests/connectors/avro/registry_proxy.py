"""A schema registry guarded by HTTP Basic authentication, for tests/connectors/avro/registry_client.sh:
forwards every request that carries the expected credentials to the real registry (Apicurio's
Confluent-compatible API) and passes its answer back; any other request gets 401 with a
Confluent-style error body. Each request is logged on stdout as
`METHOD PATH-WITH-QUERY USER` (USER: the Basic user name sent, or `-`).

Usage: python3 registry_proxy.py PORT_FILE UPSTREAM USER:PASSWORD (writes the port it listens on)."""
import base64
import http.client
import http.server
import os
import sys
import urllib.parse

port_file, upstream, creds = sys.argv[1], sys.argv[2], sys.argv[3]
up = urllib.parse.urlparse(upstream)
want = "Basic " + base64.b64encode(creds.encode()).decode()


class Guard(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def relay(self):
        auth = self.headers.get("Authorization", "")
        user = "-"
        if auth.startswith("Basic "):
            try:
                user = base64.b64decode(auth[6:]).decode().split(":", 1)[0]
            except ValueError:
                user = "?"
        print("%s %s %s" % (self.command, self.path, user), flush=True)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
        if auth != want:
            out = b'{"error_code":401,"message":"Unauthorized"}'
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="registry"')
            self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)
            return
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "authorization")}
        conn.request(self.command, self.path, body=body or None, headers=headers)
        res = conn.getresponse()
        out = res.read()
        self.send_response(res.status)
        for k, v in res.getheaders():
            if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
        conn.close()

    do_GET = do_POST = do_PUT = do_DELETE = relay


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Guard)
tmp = port_file + ".tmp"
with open(tmp, "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(tmp, port_file)
srv.serve_forever()
