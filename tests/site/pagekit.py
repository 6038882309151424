"""Helpers for the page's tests: paths, the reference API call, a plain static server."""

from __future__ import annotations

import csv
import io
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from devstack.http_thread import POLL_S

REPO = Path(__file__).resolve().parents[2]
DIST = REPO / "site" / "dist"
DATA = REPO / "tests" / "data"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT_MS = 30_000


# What make rebuilds site/dist from (the Makefile's SITE_SOURCES; *.tmp files are ignored).
SITE = REPO / "site"
SITE_SOURCES = (SITE / "src", SITE / "package.json", SITE / "package-lock.json", SITE / "build.mjs")


def require_built_site() -> Path:
    """The tests exercise the real build; say how to make it instead of skipping, and say when
    the build is older than its sources (a page test run after editing site/src would check
    the old page and fail for what the edit already changed)."""
    built = DIST / "index.html"
    if not built.is_file():
        pytest.fail("site/dist is not built: run `make site` (npm ci && npm run build in site/)")
    newer = newer_source(built.stat().st_mtime)
    if newer is not None:
        pytest.fail(
            f"site/dist is older than {newer.relative_to(REPO)}: run `make site` to rebuild the "
            "page before its tests"
        )
    return DIST


def newer_source(built: float, sources: tuple[Path, ...] = SITE_SOURCES) -> Path | None:
    """A source of the page modified after ``built`` (a modification time), as make would
    rebuild the page for it; None when the build is current."""
    for source in sources:
        files = sorted(source.rglob("*")) if source.is_dir() else [source]
        for path in files:
            if path.suffix != ".tmp" and path.is_file() and path.stat().st_mtime > built:
                return path
    return None


def call_api(api_url: str, body: bytes, query: str) -> tuple[int, dict[str, Any]]:
    """The same request the page makes, sent directly: the reference for what it must show."""
    request = urllib.request.Request(
        f"{api_url}/detect?{query}",
        data=body,
        headers={"Content-Type": "application/csv"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


class StaticServer:
    """A plain static server for a copy of dist (e.g. without config.js)."""

    def __init__(self, directory: Path) -> None:
        handler = partial(_QuietHandler, directory=str(directory))
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, args=(POLL_S,), daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> StaticServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Quiet test output."""


# --- driving the page like a person -------------------------------------------------------


def short_export(values: tuple[float, ...]) -> bytes:
    """The weekly bitcoin export cut to ``len(values)`` rows with these values: its preamble and
    header, its first weeks (a term too short to test: 2-7 points)."""
    lines = (DATA / "en_weekly5y_bitcoin.csv").read_text().splitlines()
    weeks = [line.split(",")[0] for line in lines[3 : 3 + len(values)]]
    rows = [*lines[:3], *(f"{week},{v}" for week, v in zip(weeks, values, strict=True))]
    return "\n".join(rows).encode() + b"\n"


def sized(width: int, height: int = 800) -> dict[str, Any]:
    """A browser context's options for a screen ``width`` px wide: below 500 px a phone (touch,
    twice the pixels), as the page's phone layout is meant for."""
    phone = width < 500
    return {
        "viewport": {"width": width, "height": height},
        "device_scale_factor": 2 if phone else 1,
        "is_mobile": phone,
        "has_touch": phone,
    }


def upload(page: Any, name: str, body: bytes) -> None:
    files = [{"name": name, "mimeType": "text/csv", "buffer": body}]
    page.set_input_files("#file-input", files=files)
    wait_loaded(page, name)


def upload_path(page: Any, path: Path) -> None:
    page.set_input_files("#file-input", str(path))
    wait_loaded(page, path.name)


def open_page(page: Any, url: str, ready: bool = True) -> None:
    """Open the page; with ``ready``, wait until it stopped "Starting…" (the API answered)."""
    page.goto(f"{url}/")
    page.wait_for_function("() => document.readyState === 'complete'")
    if ready:
        page.get_by_role("button", name="Detect anomalies").wait_for()


def wait_loaded(page: Any, name: str) -> None:
    """Wait until the page says the file whose name contains `name` is ready."""
    page.locator("#file-status.file-ok").filter(has_text=name).wait_for()


def wait_refused(page: Any) -> str:
    """Wait until the page refused the chosen file; returns what it said."""
    status = page.locator("#file-status.file-bad")
    status.wait_for()
    return status.text_content()


def wait_done(page: Any) -> None:
    """Wait until the run finished: results announced or an error shown."""
    try:
        page.wait_for_function(
            "() => document.querySelector('#status').textContent.startsWith('Done:')"
            " || !document.querySelector('#error').hidden",
            timeout=WAIT_MS,
        )
    except Exception:
        # By id: a bare `status` is the window's own (window.status), not the page's #status.
        state = page.evaluate(
            "['status', 'error', 'run'].map((id) => document.getElementById(id))"
            ".map((e) => (e === null ? null : e.id === 'run' ? e.disabled : e.textContent))"
        )
        print(f"run did not finish: status/error/busy = {state}")
        raise


def after_frames(page: Any) -> None:
    """Wait until the page has drawn its next two frames: whatever it put off to a frame
    (requestAnimationFrame) is done, however late a loaded machine draws them. A fixed wait
    of some milliseconds is not: a late frame comes after it."""
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def wait_until(page: Any, done: Callable[[], object], what: str) -> None:
    """Wait until ``done()`` holds: state that one of Playwright's handlers in this test sets
    (a route that holds a request, a response seen), which no page event says. Playwright
    runs those handlers only while the test waits in one of its calls, so each look is 20 ms
    of its waiting; the whole is bounded by the tests' one wait (WAIT_MS), not by a guess of
    how soon the handler comes."""
    for _ in range(WAIT_MS // 20):
        if done():
            return
        page.wait_for_timeout(20)
    assert done(), f"{what} (waited {WAIT_MS // 1000} s)"


# A chart's canvas as wide as its gauge (the block it follows, sizing.js): drawn at its width.
DRAWN_AT_WIDTH = """(plot) => {
    const gauge = plot.parentElement.querySelector('.chart-gauge');
    const canvas = plot.querySelector('canvas');
    return Boolean(gauge && canvas)
        && Math.round(canvas.getBoundingClientRect().width) === Math.max(gauge.clientWidth, 200);
}"""


def wait_drawn_at_width(chart: Any) -> None:
    """Wait until the chart (a ``.chart-plot`` locator) is drawn at its card's width now. A
    chart whose width changed after its first drawing is drawn again when its ResizeObserver
    says so (at a frame), or, far from the window, when it comes near (sizing.js); a look
    before that reads a drawing of another width. uPlot sizes the canvas and draws it in one
    go, so a canvas as wide as its gauge holds the drawing of that width."""
    chart.page.wait_for_function(DRAWN_AT_WIDTH, arg=chart.element_handle())


def run(page: Any) -> None:
    page.get_by_role("button", name="Detect anomalies").click()
    wait_done(page)


def terms_csv(terms: int) -> bytes:
    """The weekly bitcoin export with ``terms`` terms (each its values shifted): many charts."""
    lines = (DATA / "en_weekly5y_bitcoin.csv").read_text().splitlines()
    cols = ",".join(f"term {j}: (Worldwide)" for j in range(terms))
    rows = [*lines[:2], f"Week,{cols}"]
    for row in lines[3:]:
        week, value = row.split(",")[:2]
        v = int(value) if value.isdigit() else 1
        rows.append(",".join([week, *(str((v + 7 * j) % 101) for j in range(terms))]))
    return ("\n".join(rows) + "\n").encode()
