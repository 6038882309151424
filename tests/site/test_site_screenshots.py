"""Screenshots of real exports at 1280 px and 375 px, for people to look at (issue 12's closing
note): bitcoin monthly, football monthly, the GLP-1 file and an hourly file. Each run also
checks what a person would: one chart per term, the readout over the strongest point, the page
no wider than the screen. The PNGs go to tests/site/artifacts/ (not committed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pagekit import ARTIFACTS, DATA, StaticServer, call_api, open_page, run, sized, upload_path

pytestmark = pytest.mark.browser

FILES = {
    "bitcoin-monthly": "en_monthly2004_lt1_bitcoin.csv",
    "football-monthly": "en_monthly2004_2terms_football.csv",
    "glp1-weekly": "en_weekly5y_3terms_lt1_glp1.csv",
    "hourly": "en_hourly7d_2terms.csv",
}


@pytest.fixture(params=[1280, 375], ids=["1280px", "375px"])
def sized_page(request: Any, page_with: Any) -> Any:
    """A page ``request.param`` px wide: for a test marked ``same_page``, the one kept for such
    tests at that width (conftest ``page``), else its own."""
    width = request.param
    yield from page_with(**sized(width, 740 if width < 500 else 900))


@pytest.mark.same_page
@pytest.mark.parametrize("what", list(FILES))
def test_screenshot(sized_page: Any, stack: Any, problems: list, what: str) -> None:
    page = sized_page
    path = DATA / FILES[what]
    width = page.viewport_size["width"]
    open_page(page, stack.urls["site"])
    upload_path(page, path)
    run(page)
    assert page.locator("#error").is_hidden()
    _, answer = call_api(stack.urls["api"], path.read_bytes(), "method=auto&sensitivity=0.5")
    assert page.locator(".chart canvas").count() >= len(answer["series"])
    # Put the readout on the first series' highest point (bitcoin: December 2017).
    series = answer["series"][0]
    i = series["values"].index(max(series["values"]))
    # With the keys (a phone has no hover, and a full-page capture moves no mouse).
    page.locator(".chart-plot").first.focus()
    page.keyboard.press("Home")
    for _ in range(i):
        page.keyboard.press("ArrowRight")
    readout = page.locator(".readout").first.text_content()
    assert " · value " in readout and "expected range" in readout
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    ARTIFACTS.mkdir(exist_ok=True)
    # The pointer off the results: a full-page capture lays the page out again as if for a
    # mouse, and the row still under the spot last clicked (Detect) showed a hover tint a
    # phone never shows (test_a_tap_leaves_no_hover_tint_on_a_phone).
    page.mouse.move(0, 0)
    page.screenshot(path=str(ARTIFACTS / f"{what}-{width}.png"), full_page=True)
    assert problems == []


@pytest.mark.parametrize("where", ["site", "local"])
def test_screenshot_waking_up(
    sized_page: Any, stack: Any, dist_copy: Path, problems: list, where: str
) -> None:
    """The page while a slow API wakes up (its /health held unanswered): what it says under
    "Starting…", whole and no wider than the screen, for a deployed site (its API named by a
    config.js as deploy writes it; .invalid never resolves, and the route answers first) and
    for `make up`'s API on 127.0.0.1."""
    page = sized_page
    width = page.viewport_size["width"]
    page.route("**/health", lambda route: None)  # held: the try waits
    page.clock.install()
    api = "https://trends-api.invalid" if where == "site" else stack.urls["api"]
    (dist_copy / "config.js").write_text(f"window.TRENDS_CONFIG = {json.dumps({'apiUrl': api})};\n")
    with StaticServer(dist_copy) as server:
        open_page(page, server.url, ready=False)
        page.clock.run_for(5000)
        status = page.locator("#api-status")
        said = status.text_content()
        assert said.startswith("The detector is waking up"), said
        assert ("after a quiet spell" in said) == (where == "site"), said
        assert page.get_by_role("button", name="Starting…").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        box = status.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box
        ARTIFACTS.mkdir(exist_ok=True)
        status.scroll_into_view_if_needed()  # a phone shows Detect below the first screen
        page.screenshot(path=str(ARTIFACTS / f"waking-up-{where}-{width}.png"))
    assert problems == []
