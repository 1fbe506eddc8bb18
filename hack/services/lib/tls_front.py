"""HTTPS in front of the plain-HTTP search node of hack/services (opensearch.sh,
elasticsearch.sh; lib/search_runner.sh starts it in the node's session, so `stop` ends both).
The codelibs runners have no security plugin, so the node itself cannot serve TLS; this relay
terminates TLS with a certificate of the service's own CA and passes the bytes through to the
node unchanged (keep-alive and all). Two ports: one checks the server only, the other also
requires a client certificate signed by that CA (mutual TLS).

Usage: tls_front.py CERT KEY CA UPSTREAM_PORT_FILE TLS_PORT MTLS_PORT"""
import socket
import ssl
import sys
import threading

cert, key, ca, port_file = sys.argv[1:5]
tls_port, mtls_port = int(sys.argv[5]), int(sys.argv[6])


def context(mutual):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    if mutual:
        ctx.load_verify_locations(ca)
        ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(conn, ctx):
    try:
        tls = ctx.wrap_socket(conn, server_side=True)
        with open(port_file) as f:
            up = socket.create_connection(("127.0.0.1", int(f.read().strip())))
    except (OSError, ValueError) as e:
        print("tls_front: %s" % e, file=sys.stderr, flush=True)
        conn.close()
        return
    threading.Thread(target=pump, args=(up, tls), daemon=True).start()
    pump(tls, up)


def listen(port, ctx):
    srv = socket.create_server(("127.0.0.1", port))
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, ctx), daemon=True).start()


threading.Thread(target=listen, args=(mtls_port, context(True)), daemon=True).start()
listen(tls_port, context(False))
