"""Finishing touches seen by an analyst: a wrong setting marked for assistive technology, Reset
zoom dressed as the page's other buttons, a phone's readout without an empty gap above the
chart, y-axis labels clear of their ticks, and a download that keeps the stale-settings notice."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pagekit import (
    ARTIFACTS,
    DATA,
    open_page,
    run,
    short_export,
    sized,
    terms_csv,
    upload,
    upload_path,
)

pytestmark = pytest.mark.browser

BITCOIN = DATA / "en_weekly5y_bitcoin.csv"
BITCOIN_MONTHLY = DATA / "en_monthly2004_lt1_bitcoin.csv"
HOURLY = DATA / "en_hourly7d_2terms.csv"
# Small value ranges, too short to test (values alone), which uPlot ticks in steps of 0.25 at
# each width (labels "12.25", wider than "12.5"; the chart is shorter on a phone).
SMALL_RANGES = {
    375: (12.0, 13.0, 12.2, 12.8, 12.4, 12.6),
    1280: (12.0, 13.5, 12.2, 13.2, 12.6, 12.8),
}


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


# The chart's top (its box's, in the viewport) and the readout's text height (MEASURE's first).
TOP_AND_TEXT = """(plot, el) => { const r = document.createRange(); r.selectNodeContents(el);
    return [plot.getBoundingClientRect().y, r.getBoundingClientRect().height]; }"""


def _readout_fits_and_holds_still(page: Any, chart: int) -> None:
    readout = page.locator(".readout").nth(chart)
    plot = page.locator(".chart-plot").nth(chart)
    n = int(re.search(r"(\d+) points", plot.get_attribute("aria-label")).group(1))
    plot.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"finish-phone-readout-{chart}-before.png"))
    text_height, box_height, line_height = readout.evaluate(MEASURE)
    area = page.locator(".chart-plot .u-over").nth(chart).bounding_box()
    tallest = text_height
    # After each tap, the chart's top and the readout's text height in one round trip (a
    # locator's bounding_box and evaluate were four, for each of the ~340 taps).
    plot_el, readout_el = plot.element_handle(), readout.element_handle()
    top = plot_el.evaluate(TOP_AND_TEXT, readout_el)[0]
    for i in range(n):
        x = area["x"] + 0.5 + (area["width"] - 1) * i / (n - 1)
        page.touchscreen.tap(x, area["y"] + area["height"] / 2)
        now, text = plot_el.evaluate(TOP_AND_TEXT, readout_el)
        assert now == top, (chart, i, readout.text_content())
        tallest = max(tallest, text)
    page.screenshot(path=str(ARTIFACTS / f"finish-phone-readout-{chart}-tapped.png"))
    assert readout.bounding_box()["height"] == box_height
    # No empty line beyond the most its words take (a text's box is a little under its lines).
    assert box_height - tallest < line_height / 2, (chart, box_height, tallest, line_height)


@pytest.mark.parametrize("width", [375, 1280])
def test_y_axis_labels_keep_clear_of_their_ticks(browser: Any, stack: Any, width: int) -> None:
    """On a small value range the y-axis kept its fixed 44 px: "12.5" crowded the chart's edge
    and "12.25" was cut there ("2.25"). The axis now takes the width its labels need: clear
    ground between each label and its tick, and none cut at the chart's edge."""
    context = browser.new_context(**sized(width))
    page = context.new_page()
    try:
        open_page(page, stack.urls["site"])
        upload(page, "small-range.csv", short_export(SMALL_RANGES[width]))
        run(page)
        chart = page.locator(".chart-plot").first
        chart.scroll_into_view_if_needed()
        png = ARTIFACTS / f"finish-y-axis-{width}.png"
        chart.screenshot(path=str(png))
        gaps = _label_tick_gaps(page)
        assert gaps, "no labelled ticks found"
        assert min(g for g, _ in gaps) >= 3, gaps  # CSS px of clear ground
        assert min(left for _, left in gaps) >= 1, gaps  # not cut at the left edge
    finally:
        context.close()


GAPS = """(plot) => {
    // The chart's own canvas, in device px: for each y tick, the clear px between its label's
    // right end and the tick mark, and the label's left end (CSS px from the chart's edge).
    const canvas = plot.querySelector('canvas');
    const scale = canvas.width / canvas.getBoundingClientRect().width;
    const over = plot.querySelector('.u-over').getBoundingClientRect();
    const left = canvas.getBoundingClientRect();
    const g = canvas.getContext('2d');
    const { data, width } = g.getImageData(0, 0, canvas.width, canvas.height);
    const ink = (x, y) => data[(y * width + x) * 4 + 3] > 60;  // drawn on (the ground is CSS)
    const plotLeft = Math.round((over.left - left.left) * scale);
    const top = Math.round((over.top - left.top) * scale);
    const bottom = Math.round((over.bottom - left.top) * scale);
    const gaps = [];
    for (let y = top; y < bottom; y++) {
        let tick = true;
        for (let k = 2; k < Math.round(4 * scale); k++) tick = tick && ink(plotLeft - k, y);
        if (!tick) continue;
        let x = plotLeft - 2;
        while (x > 0 && ink(x, y)) x--;
        let right = -1, leftmost = Infinity;
        for (let r = Math.max(0, y - Math.round(6 * scale)); r < y + Math.round(6 * scale); r++) {
            for (let c = 0; c <= x; c++) {
                if (ink(c, r)) { right = Math.max(right, c); leftmost = Math.min(leftmost, c); }
            }
        }
        if (right >= 0) gaps.push([(x - right) / scale, leftmost / scale]);
        y += Math.round(8 * scale);
    }
    return gaps;
}"""


def _label_tick_gaps(page: Any) -> list[tuple[float, float]]:
    """Each y tick's clear ground to its label, and the label's left end (GAPS)."""
    return page.locator(".chart-plot").first.evaluate(GAPS)


@pytest.mark.same_page
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


def test_resizing_many_charts_lays_the_page_out_once_or_twice_a_chart(
    page: Any, stack: Any
) -> None:
    """Each chart fits its readout's room again when its width changes: it measured its 9
    texts one after another, a layout of the whole page each (50 charts: 500 layouts, about
    a second, every step of a window's resize). Counted (Chromium's LayoutCount), not timed."""
    terms = 20
    open_page(page, stack.urls["site"])
    upload(page, "twenty.csv", terms_csv(terms))
    run(page)
    assert page.locator(".chart-plot").count() == terms
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")

    def layouts() -> float:
        metrics = cdp.send("Performance.getMetrics")["metrics"]
        return next(m["value"] for m in metrics if m["name"] == "LayoutCount")

    widths = (1000, 1280, 900, 1280)
    before = layouts()
    for width in widths:  # a bounded loop: four resizes, each waited for two frames
        page.set_viewport_size({"width": width, "height": 900})
        page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    per_resize = (layouts() - before) / len(widths)
    cdp.detach()
    assert per_resize <= 3 * terms, f"{per_resize} layouts a resize, {terms} charts"


def test_zooming_on_a_phone_refits_the_readout_without_a_resize_observer_loop(
    page: Any, stack: Any
) -> None:
    """Reset appearing narrows the readout: refitting its room from the ResizeObserver that
    watched the readout changed what it watched, and Chromium raised "ResizeObserver loop
    completed with undelivered notifications" (an error event, on every zoom on a phone). At
    700 px the readout shares its line with the zoom buttons, and narrows; at 375 px the
    buttons have a line of their own below it, and it keeps its width (the test at 375 px
    alone, its first version, read that as no refit)."""
    page.set_viewport_size({"width": 700, "height": 800})
    page.add_init_script(
        "window.__errors = []; addEventListener('error', (e) => __errors.push(String(e.message)))"
    )
    readout = page.locator(".readout").first

    def room() -> list[Any]:
        return readout.evaluate("(e) => [e.style.minHeight, e.clientWidth]")

    open_page(page, stack.urls["site"])
    upload_path(page, BITCOIN_MONTHLY)
    run(page)
    before = room()
    page.locator(".chart-plot").first.focus()
    page.keyboard.press("+")
    page.get_by_role("button", name="Reset zoom").first.wait_for(state="visible")
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    after = room()
    assert after[1] < before[1] and after[0] != before[0], (before, after)  # narrower: refitted
    assert page.evaluate("window.__errors") == []
    page.get_by_role("button", name="Reset zoom").first.click()
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    assert room() == before  # Reset gone: the room as before the zoom
    assert page.evaluate("window.__errors") == []
    page.set_viewport_size({"width": 375, "height": 800})
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    phone = room()
    page.locator(".chart-plot").first.focus()
    page.keyboard.press("+")
    page.get_by_role("button", name="Reset zoom").first.wait_for(state="visible")
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    assert room() == phone  # the buttons below the readout: its room unchanged
    assert page.evaluate("window.__errors") == []
