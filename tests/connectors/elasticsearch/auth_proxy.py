"""A basic-auth gate in front of the test OpenSearch (which runs without its security plugin):
answers 401 with Elasticsearch's security_exception body unless the request carries the user and
password given on the command line, and forwards everything else to the server. Used by
tests/connectors/elasticsearch/outage_auth.sh to see how the sink reports wrong credentials.

Usage: python3 auth_proxy.py PORT_FILE UPSTREAM USER PASSWORD (writes the port it listens on)."""
import base64
import http.client
import http.server
import sys
import urllib.parse

port_file, upstream, user, password = sys.argv[1:5]
want = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
up = urllib.parse.urlparse(upstream)


class Gate(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.headers.get("Authorization") != want:
            out = (b'{"error":{"root_cause":[{"type":"security_exception","reason":"unable to authenticate user '
                   b'for REST request"}],"type":"security_exception","reason":"unable to authenticate user for '
                   b'REST request"},"status":401}')
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="security" charset="UTF-8"')
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(out)
            return
        c = http.client.HTTPConnection(up.hostname, up.port, timeout=60)
        headers = {"Content-Type": self.headers.get("Content-Type", "application/json")}
        c.request(self.command, self.path, body=body if body else None, headers=headers)
        r = c.getresponse()
        out = r.read()
        self.send_response(r.status)
        self.send_header("Content-Type", r.getheader("Content-Type", "application/json"))
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(out)
        c.close()

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = handle_any


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Gate)
with open(port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os  # noqa: E402

os.rename(port_file + ".tmp", port_file)
srv.serve_forever()
