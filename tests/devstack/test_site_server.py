"""The page's server for `make up`: the built site plus a config.js for the local API."""

from __future__ import annotations

from pathlib import Path

from devstack.site_server import SiteServer
from tests.devstack.test_stack import request


def test_a_missing_site_build_says_to_run_make_site(tmp_path: Path) -> None:
    site = SiteServer(tmp_path / "dist", "http://127.0.0.1:1", 1024).start()
    try:
        status, _, body = request(site.url, "GET", "/")
    finally:
        site.stop()
    assert status == 503 and b"make site" in body


def test_headers_like_the_bucket_and_config_js_with_the_upload_limit(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<!doctype html>")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "app-5QZ3YVJK.js").write_text("1")
    site = SiteServer(tmp_path, "http://127.0.0.1:9", 4194304).start()
    try:
        status, headers, body = request(site.url, "GET", "/config.js")
        assert status == 200 and headers["content-type"] == "text/javascript; charset=utf-8"
        assert body == (
            b'window.TRENDS_CONFIG = {"apiUrl": "http://127.0.0.1:9", "maxUploadBytes": 4194304};\n'
        )
        status, headers, _ = request(site.url, "GET", "/assets/app-5QZ3YVJK.js")
        assert status == 200 and headers["cache-control"] == "no-store"
        assert request(site.url, "GET", "/assets/")[0] == 404  # no listings, like a bucket
    finally:
        site.stop()
