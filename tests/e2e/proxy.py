#!/usr/bin/env python3
"""A small HTTP CONNECT proxy for the e2e tests (Python 3 stdlib): tunnels each CONNECT to its
target and appends "CONNECT host:port" to --log, so a test can see that requests went through it.
--map HOST=ADDR connects to ADDR for HOST (names the test machine cannot resolve). Prints
"listening PORT" on stdout once it accepts connections."""
import argparse
import select
import socket
import sys
import threading


def pump(a, b):
    socks = [a, b]
    try:
        while True:
            r, _, _ = select.select(socks, [], [], 600)
            if not r:
                return
            for s in r:
                data = s.recv(65536)
                if not data:
                    return
                (b if s is a else a).sendall(data)
    except OSError:
        return
    finally:
        a.close()
        b.close()


def handle(conn, args, mapping, lock):
    try:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = conn.recv(4096)
            if not chunk or len(head) > 65536:
                conn.close()
                return
            head += chunk
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = line.split()
        if len(parts) < 2 or parts[0] != "CONNECT":
            conn.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            conn.close()
            return
        target = parts[1]
        host, _, port = target.rpartition(":")
        host = host.strip("[]")
        with lock:
            with open(args.log, "a") as f:
                f.write("CONNECT %s\n" % target)
        try:
            up = socket.create_connection((mapping.get(host, host), int(port)), timeout=10)
            up.settimeout(None)
        except OSError as e:
            conn.sendall(("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n").encode())
            conn.close()
            with lock:
                with open(args.log, "a") as f:
                    f.write("FAILED %s %s\n" % (target, e))
            return
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        rest = head.split(b"\r\n\r\n", 1)[1]
        if rest:
            up.sendall(rest)
        pump(conn, up)
    except OSError:
        conn.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--log", required=True)
    p.add_argument("--map", action="append", default=[])
    args = p.parse_args()
    mapping = dict(m.split("=", 1) for m in args.map)
    lock = threading.Lock()
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", args.port))
    srv.listen(64)
    print("listening %d" % srv.getsockname()[1], flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn, args, mapping, lock), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
