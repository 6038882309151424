"""Fixtures for the page's browser tests: the real local stack and headless Chromium.

The page under test is the built `site/dist` served by the local stack (`devstack`), so
every request goes page → API stand-in → real Lambda handler → runtime stand-in → real model
server. Nothing on the request path is mocked.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from pagekit import CHROMIUM, CHROMIUM_ARGS, WAIT_MS, require_built_site


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The whole app on free 127.0.0.1 ports, once per session."""
    require_built_site()
    from devstack.stack import start_stack

    log = (tmp_path_factory.mktemp("stack") / "model.log").open("wb")
    # STACK_MODEL=container runs the model from its image, as `make up ARGS="--model container"`.
    model = os.environ.get("STACK_MODEL", "process")
    running = start_stack(model_port=0, api_port=0, site_port=0, model_log=log, model=model)
    try:
        yield running
    finally:
        running.stop()
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("/usr/bin/chromium is missing: run `make chromium` (scripts/ensure-chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class PageProblems(list):
    """Console errors and uncaught exceptions seen while a test ran (CSP violations included)."""


@pytest.fixture
def problems() -> PageProblems:
    return PageProblems()


def _new_page(
    browser: Any,
    problems: PageProblems | _KeptPage,
    init_script: str | None = None,
    **context_args: Any,
) -> Any:
    context = browser.new_context(accept_downloads=True, **context_args)
    page = context.new_page()
    if init_script is not None:
        page.add_init_script(init_script)
    page.set_default_timeout(WAIT_MS)
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: _console(problems, msg))
    return page


def _console(problems: PageProblems | _KeptPage, msg: Any) -> None:
    if msg.type != "error":
        return
    url = (msg.location or {}).get("url", "")
    # An API deployed before GET /health existed answers 404 there; the page takes that as
    # "up" (health.js), and Chromium logs the 404 itself. Nothing else is forgiven.
    if url.endswith("/health") and "404" in msg.text:
        return
    problems.append(f"console.{msg.type}: {msg.text} ({url})")


def _no_csp_refusals(request: pytest.FixtureRequest, problems: PageProblems) -> None:
    """Every browser test checks that the page ran within its Content-Security-Policy: what
    it refused (a console error) is something the page uses and the policy forgot, unless the
    test provokes the refusal on purpose (marker csp_refusal)."""
    if request.node.get_closest_marker("csp_refusal"):
        return
    refused = [p for p in problems if "Content Security Policy" in p]
    if refused:
        pytest.fail(f"the page's Content-Security-Policy refused: {refused}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.failed:
        item.stash[_FAILED] = True
    return report


_FAILED = pytest.StashKey[bool]()


def _has_failed(node: pytest.Item) -> bool:
    """Whether ``node`` (the running test) has failed so far (``pytest_runtest_makereport``)."""
    return node.stash.get(_FAILED, False)


class _KeptPage:
    """The page of the tests marked ``same_page`` with these context options (and init
    script), kept between them. Its listeners report to the running test's problems
    (``sink``)."""

    def __init__(self, context_args: dict[str, Any], init_script: str | None = None) -> None:
        self.context_args = context_args
        self.init_script = init_script
        self.page: Any = None
        self.sink = PageProblems()

    def take(self, browser: Any, problems: PageProblems) -> Any:
        if self.page is not None:
            try:
                # The last test's document unloaded before this test's problems are collected;
                # the mouse where a new page's is, (0, 0) (no :hover rule applies there).
                self.page.goto("about:blank")
                self.page.mouse.move(0, 0)
            except Exception:
                self.drop()
        if self.page is None:
            self.page = _new_page(browser, self, self.init_script, **self.context_args)
        self.sink = problems
        return self.page

    def append(self, problem: str) -> None:
        """What the page's listeners (``_new_page``) report goes to the running test."""
        self.sink.append(problem)

    def drop(self) -> None:
        if self.page is not None:
            page, self.page = self.page, None
            page.context.close()


@pytest.fixture(scope="session")
def _kept_pages() -> Iterator[dict[str, _KeptPage]]:
    kept: dict[str, _KeptPage] = {}
    yield kept
    for one in kept.values():
        one.drop()


def page_for(
    request: pytest.FixtureRequest,
    problems: PageProblems,
    init_script: str | None = None,
    **context_args: Any,
) -> Iterator[Any]:
    """A page with these context options (and ``init_script``, run in every document it
    opens) for the running test (see ``page``): its own, or, for a test marked ``same_page``,
    the one kept for such tests. The CSP check after it."""
    browser = request.getfixturevalue("browser")
    if request.node.get_closest_marker("same_page"):
        kept_pages = request.getfixturevalue("_kept_pages")
        key = repr((sorted(context_args.items()), init_script))
        kept = kept_pages.setdefault(key, _KeptPage(context_args, init_script))
        pg = kept.take(browser, problems)
        try:
            yield pg
        finally:
            kept.sink = PageProblems()
            if _has_failed(request.node):
                kept.drop()
    else:
        pg = _new_page(browser, problems, init_script, **context_args)
        try:
            yield pg
        finally:
            pg.context.close()
    _no_csp_refusals(request, problems)


@pytest.fixture
def page_with(
    problems: PageProblems, request: pytest.FixtureRequest
) -> Callable[..., Iterator[Any]]:
    """`page_for` bound to the running test, for a test module's own page fixture that picks
    the context options (``yield from page_with(**options)``): reached as a fixture, since
    `import conftest` finds whichever test folder's conftest was imported last."""
    return partial(page_for, request, problems)


@pytest.fixture
def page(problems: PageProblems, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh desktop-sized page (own context: no state shared between tests).

    A test marked ``same_page`` may get the page an earlier such test used, its context and
    renderer process kept: a new context and its first page cost Chromium ~1.6 of a test's
    ~3.3 CPU s. The test opens the site anew in it (a new document), and registers nothing
    on the page or its context that would outlive it (no listener, route, init script, media,
    viewport, clock or permission); a failed test's page is not used again."""
    yield from page_for(request, problems, viewport={"width": 1280, "height": 900})


@pytest.fixture
def phone_page(
    browser: Any, problems: PageProblems, request: pytest.FixtureRequest
) -> Iterator[Any]:
    pg = _new_page(
        browser,
        problems,
        viewport={"width": 375, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    try:
        yield pg
    finally:
        pg.context.close()
    _no_csp_refusals(request, problems)


@pytest.fixture
def dist_copy(tmp_path: Path) -> Path:
    """site/dist copied to a temp dir, so a test can serve it with its own config.js."""
    target = tmp_path / "dist"
    shutil.copytree(require_built_site(), target)
    (target / "config.js").unlink(missing_ok=True)
    return target
