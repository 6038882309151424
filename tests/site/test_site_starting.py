""" "Starting…": the page offers Detect only once GET {apiUrl}/health answers (issue 12, item 7).

The API's side (lambda/handler.py, devstack) is built under issue 13; here a stand-in answers
/health through Playwright's routing, so the page's waiting is tested on its own, and one test
runs against the real local stack.
"""

from __future__ import annotations

from typing import Any

import pytest
from pagekit import open_page

pytestmark = pytest.mark.browser


def test_detect_waits_until_the_api_answers(page: Any, stack: Any, problems: list) -> None:
    calls: list[str] = []

    def health(route: Any) -> None:
        calls.append(route.request.url)
        if len(calls) < 3:
            route.fulfill(status=503, json={"message": "Service Unavailable"})
        else:
            route.fulfill(status=200, json={"status": "ok"})

    page.route("**/health", health)
    open_page(page, stack.urls["site"], ready=False)
    button = page.locator("#run")
    starting = page.evaluate(
        "[run.disabled, run.textContent.trim(), document.querySelector('#api-status').textContent]"
    )
    assert starting[:2] == [True, "Starting…"]
    assert starting[2].startswith("Starting the detector")
    page.get_by_role("button", name="Detect anomalies").wait_for()
    assert button.is_enabled()
    assert page.locator("#api-status").is_hidden()
    assert calls == [f"{stack.urls['api']}/health"] * 3
    assert [p for p in problems if "503" not in p] == []


def test_the_real_stack_is_ready(page: Any, stack: Any, problems: list) -> None:
    answers: list[int] = []
    page.on("response", lambda r: answers.append(r.status) if r.url.endswith("/health") else None)
    open_page(page, stack.urls["site"])
    assert answers and answers[-1] in (200, 404)
    assert page.locator("#run").is_enabled()
    assert problems == []
