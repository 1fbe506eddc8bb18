#!/usr/bin/env python3
"""A one-route HTTPS schema registry for test_avro_registry_tls.c: answers GET /schemas/ids/<n> with
{"schema": "\\"string\\""} over TLS with the given certificate and key, and (with a CA file as the
fourth argument) requires a client certificate signed by it. Prints its port, then serves until
killed. Usage: tls_registry.py CERT KEY [CLIENT_CA]"""
import http.server
import ssl
import sys


class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'{"schema": "\\"string\\""}'
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
if len(sys.argv) > 3:
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(sys.argv[3])
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print(srv.server_address[1], flush=True)
srv.serve_forever()
