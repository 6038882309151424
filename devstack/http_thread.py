"""Start and stop a stdlib ThreadingHTTPServer in a daemon thread (every stand-in uses it)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# How often serve_forever looks for a `shutdown` between requests (the stdlib's default is
# 0.5 s): each stop waited up to that long, so `make up`'s three servers took up to 1.5 s to
# stop on Ctrl-C, and every test that starts a stand-in paid it. A select() every 50 ms is
# nothing on an idle server.
POLL_S = 0.05


def serve_in_thread(
    host: str, port: int, handler: type[BaseHTTPRequestHandler], name: str
) -> ThreadingHTTPServer:
    """Bind (port 0 = a free one; OSError when taken) and serve until ``shutdown``."""
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(POLL_S,), name=name, daemon=True).start()
    return server


def stop_server(server: ThreadingHTTPServer | None) -> None:
    """Stop serving and close the listening socket (safe to call twice)."""
    if server is not None:
        server.shutdown()
        server.server_close()
