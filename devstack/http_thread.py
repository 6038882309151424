"""Start and stop a stdlib ThreadingHTTPServer in a daemon thread (every stand-in uses it)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def serve_in_thread(
    host: str, port: int, handler: type[BaseHTTPRequestHandler], name: str
) -> ThreadingHTTPServer:
    """Bind (port 0 = a free one; OSError when taken) and serve until ``shutdown``."""
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name=name, daemon=True).start()
    return server


def stop_server(server: ThreadingHTTPServer | None) -> None:
    """Stop serving and close the listening socket (safe to call twice)."""
    if server is not None:
        server.shutdown()
        server.server_close()
