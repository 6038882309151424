"""Finishing touches seen by an analyst: a wrong setting marked for assistive technology, Reset
zoom dressed as the page's other buttons, a phone's readout without an empty gap above the
chart, y-axis labels clear of their ticks, and a download that keeps the stale-settings notice."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pagekit import ARTIFACTS, DATA, open_page, run, upload_path

pytestmark = pytest.mark.browser

BITCOIN = DATA / "en_weekly5y_bitcoin.csv"
BITCOIN_MONTHLY = DATA / "en_monthly2004_lt1_bitcoin.csv"
HOURLY = DATA / "en_hourly7d_2terms.csv"


def test_a_wrong_setting_is_marked_invalid_and_described_until_corrected(
    page: Any, stack: Any
) -> None:
    """A wrong season length under "More settings" was focused and explained below, but a
    screen reader on the field heard neither that it is wrong nor why: it now says both
    (aria-invalid, and the message among its descriptions) until it is corrected."""
    open_page(page, stack.urls["site"])
    upload_path(page, BITCOIN)
    page.locator("fieldset[data-method=auto] summary").click()
    field = page.locator("#auto-period")
    field.fill("1")
    page.get_by_role("button", name="Detect anomalies").click()
    page.locator("#error").wait_for(state="visible")
    assert page.evaluate("document.activeElement.id") == "auto-period"
    assert field.get_attribute("aria-invalid") == "true"
    described = (field.get_attribute("aria-describedby") or "").split()
    assert "error" in described, described
    assert "auto-period-help" in described, described  # the help is still read too
    assert "Season length must be" in page.locator("#error").text_content()
    node = _accessible(page, "#auto-period")
    assert node["invalid"] == "true", node
    assert node["description"].startswith("Season length must be"), node
    page.screenshot(path=str(ARTIFACTS / "finish-invalid-setting.png"), full_page=False)
    field.fill("52")
    assert field.get_attribute("aria-invalid") is None
    assert field.get_attribute("aria-describedby") == "auto-period-help"
    assert page.locator("#error").is_hidden()  # its message was about the corrected value
    node = _accessible(page, "#auto-period")
    assert node["invalid"] in (None, "false"), node
    assert "must be" not in node["description"], node


def _accessible(page: Any, selector: str) -> dict[str, Any]:
    """What Chromium's accessibility tree says of the element: its description and whether it
    is invalid (what a screen reader reads from)."""
    cdp = page.context.new_cdp_session(page)
    try:
        root = cdp.send("DOM.getDocument")["root"]["nodeId"]
        node_id = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        nodes = cdp.send(
            "Accessibility.getPartialAXTree", {"nodeId": node_id, "fetchRelatives": False}
        )
    finally:
        cdp.detach()
    node = nodes["nodes"][0]
    props = {p["name"]: p["value"].get("value") for p in node.get("properties", [])}
    return {
        "invalid": props.get("invalid"),
        "description": (node.get("description") or {}).get("value", ""),
    }


def _zoomed_reset(page: Any, stack: Any) -> Any:
    open_page(page, stack.urls["site"])
    upload_path(page, BITCOIN_MONTHLY)
    run(page)
    page.locator(".chart-plot").first.focus()
    page.keyboard.press("+")
    reset = page.get_by_role("button", name="Reset zoom").first
    reset.wait_for(state="visible")
    return reset


STYLE = """(el) => { const s = getComputedStyle(el);
    return [s.backgroundColor, s.color, s.borderTopColor, s.borderTopWidth, s.borderTopStyle,
            s.borderRadius, s.fontWeight]; }"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_reset_zoom_looks_like_the_pages_other_secondary_buttons(
    browser: Any, stack: Any, scheme: str
) -> None:
    """Reset zoom was the browser's own grey button, unlike every other button of the page."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    try:
        reset = _zoomed_reset(page, stack)
        download = page.get_by_role("button", name="Download results as CSV")
        assert reset.evaluate(STYLE) == download.evaluate(STYLE)
        reset.scroll_into_view_if_needed()
        reset.screenshot(path=str(ARTIFACTS / f"finish-reset-{scheme}.png"))
    finally:
        context.close()


def test_reset_zoom_is_still_a_button_under_forced_colours(browser: Any, stack: Any) -> None:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, color_scheme="dark", forced_colors="active"
    )
    page = context.new_page()
    try:
        reset = _zoomed_reset(page, stack)
        background, color, border, width, style = reset.evaluate(STYLE)[:5]
        assert style == "solid" and float(width.removesuffix("px")) >= 1, (style, width)
        assert border not in ("rgba(0, 0, 0, 0)", background), (border, background)
        assert color != background
        reset.screenshot(path=str(ARTIFACTS / "finish-reset-forced.png"))
    finally:
        context.close()


MEASURE = """(el) => { const r = document.createRange(); r.selectNodeContents(el);
    const text = r.getBoundingClientRect().height;
    const line = parseFloat(getComputedStyle(el).lineHeight);
    return [text, el.getBoundingClientRect().height, line]; }"""


def test_a_phones_readout_keeps_no_empty_gap_and_the_chart_holds_still(
    phone_page: Any, stack: Any
) -> None:
    """At 375 px the readout kept room for four lines whatever it said: an empty line above
    each chart before a point was touched, where the hint and every point's words take three
    or fewer. Its room now fits the most its words take, so a tapped point still does not move
    the chart."""
    page = phone_page
    open_page(page, stack.urls["site"])
    upload_path(page, HOURLY)
    run(page)
    for chart in range(page.locator(".chart-plot").count()):
        _readout_fits_and_holds_still(page, chart)


def _readout_fits_and_holds_still(page: Any, chart: int) -> None:
    readout = page.locator(".readout").nth(chart)
    plot = page.locator(".chart-plot").nth(chart)
    n = int(re.search(r"(\d+) points", plot.get_attribute("aria-label")).group(1))
    plot.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"finish-phone-readout-{chart}-before.png"))
    text_height, box_height, line_height = readout.evaluate(MEASURE)
    top = plot.bounding_box()["y"]
    area = page.locator(".chart-plot .u-over").nth(chart).bounding_box()
    tallest = text_height
    for i in range(n):
        x = area["x"] + 0.5 + (area["width"] - 1) * i / (n - 1)
        page.touchscreen.tap(x, area["y"] + area["height"] / 2)
        assert plot.bounding_box()["y"] == top, (chart, i, readout.text_content())
        tallest = max(tallest, readout.evaluate(MEASURE)[0])
    page.screenshot(path=str(ARTIFACTS / f"finish-phone-readout-{chart}-tapped.png"))
    assert readout.bounding_box()["height"] == box_height
    # No empty line beyond the most its words take (a text's box is a little under its lines).
    assert box_height - tallest < line_height / 2, (chart, box_height, tallest, line_height)


def test_a_download_after_changed_settings_keeps_the_notice_and_says_whose_results(
    page: Any, stack: Any
) -> None:
    """After a run and a change of settings, a Download replaced "Settings changed: the results
    below are still those of …" with "Downloaded …", as if the file held the new settings'
    results. The status now says whose results the file holds, and keeps the notice."""
    open_page(page, stack.urls["site"])
    upload_path(page, BITCOIN)
    run(page)
    page.locator("#auto-sensitivity").fill("0.9")
    status = page.locator("#status")
    stale = status.text_content()
    assert stale.startswith("Settings changed"), stale
    with page.expect_download() as info:
        page.get_by_role("button", name="Download results as CSV").click()
    name = info.value.suggested_filename
    said = status.text_content()
    page.screenshot(path=str(ARTIFACTS / "finish-download-stale.png"))
    assert f"Downloaded {name}" in said, said
    assert "sensitivity 0.5" in said.split(stale)[0], said  # the file's results: the earlier run's
    assert stale in said, said
    page.locator("#auto-sensitivity").fill("0.5")
    assert status.text_content().startswith("Done: ")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download results as CSV").click()
    assert status.text_content() == f"Downloaded {info.value.suggested_filename}."
