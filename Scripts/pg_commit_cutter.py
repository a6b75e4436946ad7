#!/usr/bin/env python3
"""A TCP proxy in front of PostgreSQL that leaves COMMITs unanswered, for the processor's test of a
checkpoint whose outcome it cannot know.

    python3 Scripts/pg_commit_cutter.py LISTEN_PORT PG_HOST PG_PORT CUTS AFTER_SECONDS [MARKER]

Passes every connection through, except that the first CUTS times (once AFTER_SECONDS have gone by)
a client sends COMMIT for a transaction whose statements contained MARKER (any transaction without
one), the proxy forwards it, waits for the server's answer (the transaction has then committed) and
drops both connections without passing the answer on. Prints a line per cut."""
import socket
import sys
import threading
import time

listen_port, pg_host, pg_port, cuts, after = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
marker = sys.argv[6].encode() if len(sys.argv) > 6 else b""
started = time.monotonic()
lock = threading.Lock()
remaining = [cuts]


def close(*sockets):
    for s in sockets:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()


def serve(client):
    server = socket.create_connection((pg_host, pg_port))
    cutting = threading.Event()
    marked = [False]

    def to_client():
        try:
            while True:
                data = server.recv(65536)
                if not data:
                    break
                if cutting.is_set():
                    print("cut after COMMIT", flush=True)
                    break
                client.sendall(data)
        except OSError:
            pass
        close(client, server)

    threading.Thread(target=to_client, daemon=True).start()
    try:
        while True:
            data = client.recv(65536)
            if not data:
                break
            if marker in data:
                marked[0] = True
            # Decided before the COMMIT goes on, so that its answer is never passed back.
            if b"COMMIT\x00" in data:
                if marked[0] and time.monotonic() - started > after:
                    with lock:
                        if remaining[0] > 0:
                            remaining[0] -= 1
                            cutting.set()
                marked[0] = False
            server.sendall(data)
    except OSError:
        pass
    if not cutting.is_set():
        close(client, server)


listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", listen_port))
listener.listen(64)
print(f"proxy on {listen_port} to {pg_host}:{pg_port}, {cuts} cuts after {after} s", flush=True)
while True:
    connection, _ = listener.accept()
    threading.Thread(target=serve, args=(connection,), daemon=True).start()
