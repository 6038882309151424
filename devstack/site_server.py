"""Serve the built page (`site/dist`) plus a generated `config.js`, like the S3 website does.

Content types and `config.js` come from deploy/site_manifest.py, so the page gets exactly what
the bucket serves, except that `config.js` names the local API. When the site is not built yet,
every page says how to build it.
"""

from __future__ import annotations

import html
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from deploy.site_manifest import CONFIG_JS, config_js, content_type
from devstack.http_thread import serve_in_thread, stop_server


def not_built_page(site_dir: Path) -> bytes:
    return (
        "<!doctype html><meta charset='utf-8'><title>Site not built</title>"
        f"<h1>The page is not built yet</h1><p>{html.escape(str(site_dir))} is missing. "
        "Run <code>make site</code> (npm ci + build), then reload.</p>"
    ).encode()


class SiteServer:
    """Static files from ``site_dir`` on 127.0.0.1:``port`` (0 = a free one)."""

    def __init__(self, site_dir: Path, api_url: str, max_upload_bytes: int, port: int = 0) -> None:
        self.site_dir = site_dir
        self.api_url = api_url
        self.max_upload_bytes = max_upload_bytes
        self.port = port
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def built(self) -> bool:
        return (self.site_dir / "index.html").is_file()

    def start(self) -> SiteServer:
        self._server = serve_in_thread("127.0.0.1", self.port, _make_handler(self), "site")
        self.port = self._server.server_address[1]
        return self

    def stop(self) -> None:
        stop_server(self._server)
        self._server = None


def _make_handler(site: SiteServer) -> type[SimpleHTTPRequestHandler]:
    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(site.site_dir), **kwargs)

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path == f"/{CONFIG_JS}":
                body = config_js(site.api_url, site.max_upload_bytes)
                self._send_bytes(body, content_type(CONFIG_JS))
            elif not site.built:
                self._send_bytes(not_built_page(site.site_dir), content_type("index.html"), 503)
            else:
                super().do_GET()

        def guess_type(self, path: str | Any) -> str:
            return content_type(str(path))

        def list_directory(self, path: str | Any) -> None:
            self.send_error(404, "Not Found")  # like a website bucket: no listings

        def end_headers(self) -> None:
            self.send_header("Cache-Control", "no-store")  # a rebuild shows up on reload
            self.send_header("X-Content-Type-Options", "nosniff")
            super().end_headers()

        def _send_bytes(self, body: bytes, content_type: str, status: int = 200) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: page loads are not interesting locally."""

    return Handler
