"""The static site as files to sync: content hash, Content-Type, Cache-Control, upload order.

Pure apart from reading the local directory; the S3 calls live in the executor.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path

from deploy.config import SiteCacheConfig

CONFIG_JS = "config.js"
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".txt": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".webmanifest": "application/manifest+json",
}
# esbuild/vite style content-hashed names: app-5QZ3YVJK.js, main.3f2a9c1d.css
_HASHED = re.compile(r"[.-](?=[A-Za-z0-9_]*\d)[A-Za-z0-9_]{8,}\.[A-Za-z0-9]+$")


@dataclass(frozen=True)
class SiteFile:
    """One object to have in the bucket."""

    key: str
    md5: str
    content_type: str
    cache_control: str
    path: str | None = None  # local file, or
    body: bytes | None = None  # generated content (config.js)

    @property
    def is_html(self) -> bool:
        return self.content_type.startswith("text/html")


def content_type(key: str) -> str:
    suffix = Path(key).suffix.lower()
    return _TYPES.get(suffix) or mimetypes.guess_type(key)[0] or "application/octet-stream"


def cache_control(key: str, ctype: str, cache: SiteCacheConfig) -> str:
    """HTML and config.js must be revalidated; hashed assets can be cached for a year."""
    if ctype.startswith("text/html") or key == CONFIG_JS:
        return cache.html
    if key.startswith("assets/") or _HASHED.search(key):  # the page's build hashes assets/
        return cache.hashed_assets
    return cache.other


def config_js(api_url: str) -> bytes:
    """The page's runtime configuration (loaded before the bundle)."""
    return f"window.TRENDS_CONFIG = {json.dumps({'apiUrl': api_url})};\n".encode()


def scan(source: str | Path, cache: SiteCacheConfig) -> list[SiteFile]:
    """Every file under source (sorted by key); config.js is generated, never taken from disk."""
    root = Path(source)
    if not root.is_dir():
        raise FileNotFoundError(
            f"{root}: site directory not found: build it first (`make site`) or set site.source"
        )
    out = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        key = path.relative_to(root).as_posix()
        if key == CONFIG_JS or any(part.startswith(".") for part in key.split("/")):
            continue
        ctype = content_type(key)
        md5 = hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()
        out.append(SiteFile(key, md5, ctype, cache_control(key, ctype, cache), path=str(path)))
    if not any(f.key == "index.html" for f in out):
        raise FileNotFoundError(f"{root}: no index.html; is this the built site (site/dist)?")
    return out


def generated_config(api_url: str | None, cache: SiteCacheConfig) -> SiteFile:
    """config.js; with the API not yet created its hash is unknown (it will differ)."""
    body = config_js(api_url) if api_url else None
    md5 = hashlib.md5(body, usedforsecurity=False).hexdigest() if body else "(known after apply)"
    ctype = content_type(CONFIG_JS)
    return SiteFile(CONFIG_JS, md5, ctype, cache_control(CONFIG_JS, ctype, cache), body=body)


def upload_order(keys: list[str]) -> list[str]:
    """Assets first, then config.js, HTML last: a page never references a missing asset."""

    def rank(key: str) -> tuple[int, str]:
        if content_type(key).startswith("text/html"):
            return (2, key)
        return (1 if key == CONFIG_JS else 0, key)

    return sorted(keys, key=rank)
