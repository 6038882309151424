"""The built page as a manifest of objects: key, bytes, MD5, Content-Type, Cache-Control, order.

Pure apart from reading the local directory. The same rules serve `make up` (devstack's site
server) and the S3 upload (deploy's site resource), so the page gets the same headers from both.
`config.js` is never read from disk: it is generated for the deployment it runs against.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from deploy.config import ORIGIN_RE, SiteCacheConfig

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
    """One object to have in the bucket, with the exact bytes to upload."""

    key: str
    body: bytes = field(repr=False)
    content_type: str
    cache_control: str

    @property
    def md5(self) -> str:
        """What S3 reports as the ETag of a single-part upload."""
        return md5_hex(self.body)


def md5_hex(body: bytes) -> str:
    return hashlib.md5(body, usedforsecurity=False).hexdigest()


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


def config_js(api_url: str, max_upload_bytes: int) -> bytes:
    """The page's runtime configuration (loaded before the bundle): where the API is and the
    largest upload every hop of this deployment accepts (`Config.max_payload_bytes`)."""
    settings = {"apiUrl": api_url, "maxUploadBytes": max_upload_bytes}
    return f"window.TRENDS_CONFIG = {json.dumps(settings)};\n".encode()


# The page's Content-Security-Policy, as site/src/index.html writes it (a meta tag: the bucket
# and CloudFront serve no CSP header).
_CSP_META = re.compile(
    rb'(<meta\s+http-equiv="Content-Security-Policy"\s+content=")([^"]*)(")', re.I
)


def pin_connect_src(html: bytes, api_origin: str) -> bytes | None:
    """``html`` with its CSP's connect-src narrowed to the page itself and ``api_origin``.

    The source page allows any https: origin (and localhost, for `make up`), because the
    same build serves every stage and the API's address is known only at deploy time; the
    deployed page then cannot send what it reads to anywhere else. None: the page has no CSP
    meta tag with a connect-src (nothing to narrow)."""
    shape = ORIGIN_RE.fullmatch(api_origin)
    if shape is None or shape.group(1) != "https":
        raise ValueError(f"{api_origin!r} is not an https origin (https://host[:port])")
    csp = _csp(html)
    if csp is None:
        return None
    meta, directives = csp
    pinned = [
        f"connect-src 'self' {api_origin}" if _directive(d) == "connect-src" else d
        for d in directives
    ]
    return html[: meta.start(2)] + "; ".join(pinned).encode() + html[meta.end(2) :]


def _csp(html: bytes) -> tuple[re.Match[bytes], list[str]] | None:
    """The page's CSP meta tag and its directives, when it has a connect-src (else None)."""
    meta = _CSP_META.search(html)
    if meta is None:
        return None
    directives = [d.strip() for d in meta.group(2).decode().split(";") if d.strip()]
    if not any(_directive(d) == "connect-src" for d in directives):
        return None
    return meta, directives


def _directive(text: str) -> str:
    return text.split(" ", 1)[0]


def has_connect_src(html: bytes) -> bool:
    """Whether the page's CSP meta tag has a connect-src directive to narrow."""
    return _csp(html) is not None


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
        out.append(SiteFile(key, path.read_bytes(), ctype, cache_control(key, ctype, cache)))
    if not any(f.key == "index.html" for f in out):
        raise FileNotFoundError(f"{root}: no index.html; is this the built site (site/dist)?")
    return out


# Beside a built page's directory (site/dist), what it is built from (make site).
_BUILT_FROM = ("src", "package.json", "package-lock.json", "build.mjs")


def stale_build(source: str | Path) -> str | None:
    """A warning when the built page (``source``, e.g. site/dist) is older than what it is
    built from beside it (site/src, package.json, ...): a local plan or apply would upload the
    old page. None when it is current, or when nothing it is built from is beside it. CI runs
    `make site` first; this is for a plan run by hand."""
    root = Path(source)
    index = root / "index.html"
    if not index.is_file():
        return None
    built = index.stat().st_mtime
    newer: list[str] = []
    top = root.parent.parent  # the names are said from here: site/src/main.js
    for name in _BUILT_FROM:
        there = root.parent / name
        files = [there] if there.is_file() else sorted(p for p in there.rglob("*") if p.is_file())
        newer += [os.path.relpath(f, top) for f in files if f.stat().st_mtime > built]
    if not newer:
        return None
    more = f" and {len(newer) - 1} more" if len(newer) > 1 else ""
    return (
        f"{root} is older than {newer[0]}{more}: the plan uploads the page as last built; run "
        "`make site` first"
    )


def upload_order(keys: list[str]) -> list[str]:
    """Assets first, then config.js, HTML last: a page never references a missing asset."""

    def rank(key: str) -> tuple[int, str]:
        if content_type(key).startswith("text/html"):
            return (2, key)
        return (1 if key == CONFIG_JS else 0, key)

    return sorted(keys, key=rank)
