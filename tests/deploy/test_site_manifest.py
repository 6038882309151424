"""The built page as objects: content types, cache policies, upload order, config.js."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from deploy.config import SiteCacheConfig
from deploy.site_manifest import (
    cache_control,
    config_js,
    content_type,
    md5_hex,
    pin_connect_src,
    scan,
    upload_order,
)


def test_content_types_and_cache_policies() -> None:
    cache = SiteCacheConfig()
    assert content_type("index.html") == "text/html; charset=utf-8"
    assert content_type("assets/app-5QZ3YVJK.js") == "text/javascript; charset=utf-8"
    assert content_type("x.unknownext") == "application/octet-stream"
    assert cache_control("index.html", "text/html; charset=utf-8", cache) == "no-cache"
    assert cache_control("config.js", "text/javascript", cache) == "no-cache"
    assert "immutable" in cache_control("assets/app-5QZ3YVJK.js", "text/javascript", cache)
    assert "immutable" in cache_control("main.3f2a9c1d.css", "text/css", cache)
    # esbuild hashes may hold no digit at all; everything the build puts in assets/ is hashed
    assert "immutable" in cache_control("assets/main-QZYVJKAB.js", "text/javascript", cache)
    assert cache_control("favicon.svg", "image/svg+xml", cache) == "public, max-age=300"
    assert cache_control("app.js", "text/javascript", cache) == "public, max-age=300"


def test_upload_order_puts_html_last() -> None:
    assert upload_order(["index.html", "config.js", "a.css", "about.html", "z.js"]) == [
        "a.css",
        "z.js",
        "config.js",
        "about.html",
        "index.html",
    ]


def test_config_js_names_the_api_and_the_upload_limit() -> None:
    text = config_js("https://abc.execute-api.us-east-1.amazonaws.com", 4194304).decode()
    assert text == (
        'window.TRENDS_CONFIG = {"apiUrl": "https://abc.execute-api.us-east-1.amazonaws.com", '
        '"maxUploadBytes": 4194304};\n'
    )
    settings = json.loads(text.removeprefix("window.TRENDS_CONFIG = ").removesuffix(";\n"))
    assert settings == {
        "apiUrl": "https://abc.execute-api.us-east-1.amazonaws.com",
        "maxUploadBytes": 4194304,
    }


def test_scan_reads_the_bytes_skips_config_js_and_dotfiles(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<html>")
    (tmp_path / "config.js").write_text("stale")
    (tmp_path / ".DS_Store").write_text("x")
    (tmp_path / "assets" / "app-5QZ3YVJK.js").write_text("1")
    files = scan(tmp_path, SiteCacheConfig())
    assert [f.key for f in files] == ["assets/app-5QZ3YVJK.js", "index.html"]
    assert files[1].body == b"<html>" and files[1].md5 == md5_hex(b"<html>")


def test_scan_says_how_to_build_the_site(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="make site"):
        scan(tmp_path / "missing", SiteCacheConfig())
    (tmp_path / "a.js").write_text("1")
    with pytest.raises(FileNotFoundError, match=r"no index\.html"):
        scan(tmp_path, SiteCacheConfig())


def test_a_page_older_than_its_sources_is_said_to_be_stale(tmp_path: Path) -> None:
    """A plan run by hand after editing site/src would upload the page as last built."""
    import os

    from deploy.site_manifest import stale_build

    site = tmp_path / "site"
    (site / "src").mkdir(parents=True)
    (site / "dist").mkdir()
    (site / "src" / "main.js").write_text("x")
    (site / "package.json").write_text("{}")
    (site / "dist" / "index.html").write_text("<html>")
    old, new = 1_700_000_000, 1_700_000_100
    for f in (site / "src" / "main.js", site / "package.json"):
        os.utime(f, (old, old))
    os.utime(site / "dist" / "index.html", (new, new))
    assert stale_build(site / "dist") is None  # built after its sources
    os.utime(site / "src" / "main.js", (new + 5, new + 5))
    said = stale_build(site / "dist")
    assert said is not None and "is older than site/src/main.js" in said and "make site" in said
    assert stale_build(tmp_path / "elsewhere") is None  # no built page: scan says so


REPO = Path(__file__).resolve().parents[2]
API = "https://a1.execute-api.us-east-1.amazonaws.com"


def _csp(html: bytes) -> dict[str, str]:
    """The directives of the page's CSP meta tag, by name."""
    content = re.search(rb'http-equiv="Content-Security-Policy" content="([^"]*)"', html)
    assert content, html
    parts = [p.strip().split(" ", 1) for p in content.group(1).decode().split(";") if p.strip()]
    return {name: value for name, value in parts}


def test_the_deployed_page_may_connect_only_to_itself_and_its_api() -> None:
    """The page's source CSP lets it fetch from any https: origin (and localhost, for `make
    up`): deploy pins connect-src to the page's own origin and this deployment's API."""
    source = (REPO / "site" / "src" / "index.html").read_bytes()
    before = _csp(source)
    pinned = pin_connect_src(source, API)
    assert pinned is not None
    after = _csp(pinned)
    assert after["connect-src"] == f"'self' {API}"
    assert {k: v for k, v in after.items() if k != "connect-src"} == {
        k: v for k, v in before.items() if k != "connect-src"
    }
    # Only the CSP changed: the rest of the page is byte for byte the same.
    assert pinned.replace(f"connect-src 'self' {API}".encode(), b"") == source.replace(
        f"connect-src {before['connect-src']}".encode(), b""
    )


def test_a_page_without_a_connect_src_is_left_as_it_is() -> None:
    assert pin_connect_src(b"<html>", API) is None
    other = b'<meta http-equiv="Content-Security-Policy" content="default-src \'self\'">'
    assert pin_connect_src(other, API) is None


def test_pin_refuses_an_api_url_that_is_not_an_https_origin() -> None:
    source = (REPO / "site" / "src" / "index.html").read_bytes()
    for bad in ("http://a1.example", "https://a1.example/path", 'https://a"b.example'):
        with pytest.raises(ValueError, match="origin"):
            pin_connect_src(source, bad)
