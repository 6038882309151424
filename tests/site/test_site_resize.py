"""Resizing the window with the results on show: no ResizeObserver loop at the 520 px
breakpoint, and a file's many charts refitted in step, the ones far off screen when they come
near. Counted (layouts, drawings, text measurements), never timed."""

from __future__ import annotations

from typing import Any

import pytest
from pagekit import DATA, open_page, run, terms_csv, upload, upload_path

pytestmark = pytest.mark.browser

BITCOIN = DATA / "en_weekly5y_bitcoin.csv"
TWO_FRAMES = "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"

# Window error events (a ResizeObserver loop is one: neither a console message nor a pageerror).
ERRORS = "window.__errors = []; addEventListener('error', (e) => __errors.push(String(e.message)))"

# Each canvas' drawings (uPlot clears the whole canvas before each) and every measureText.
COUNT = """
    window.__measured = 0;
    const measureText = CanvasRenderingContext2D.prototype.measureText;
    CanvasRenderingContext2D.prototype.measureText = function (...args) {
        window.__measured += 1;
        return measureText.apply(this, args);
    };
    const clearRect = CanvasRenderingContext2D.prototype.clearRect;
    CanvasRenderingContext2D.prototype.clearRect = function (x, y, w, h) {
        const c = this.canvas;
        if (x === 0 && y === 0 && w === c.width && h === c.height) c.__drawn = (c.__drawn || 0) + 1;
        return clearRect.call(this, x, y, w, h);
    };
"""


def test_crossing_520_px_raises_no_resize_observer_loop(
    page: Any, stack: Any, problems: list
) -> None:
    """A chart under 520 px wide is drawn lower (220 px, not 300). Its ResizeObserver watched
    the chart itself and redrew it from the callback: the chart's new height was a change the
    observer could not deliver, and each crossing raised "ResizeObserver loop completed with
    undelivered notifications" (the window's 520 px breakpoint among them)."""
    page.add_init_script(ERRORS)
    open_page(page, stack.urls["site"])
    upload_path(page, BITCOIN)
    run(page)
    heights = set()
    for width in (700, 521, 520, 519, 530, 700, 375, 1280, 520, 640):
        page.set_viewport_size({"width": width, "height": 800})
        page.evaluate(TWO_FRAMES)
        heights.add(page.locator(".chart canvas").first.evaluate("(c) => c.clientHeight"))
        assert page.evaluate("window.__errors") == [], width
    assert heights == {220, 300}  # each side of 520 px was drawn
    assert problems == []


def test_resizing_many_charts_draws_and_measures_the_ones_near_the_window(
    page: Any, stack: Any, problems: list
) -> None:
    """A file's charts were each drawn again, its readout measured (a layout of the page a
    chart) and its axis labels measured, at each step of a window's resize, the charts off
    screen too. Now the charts near the window are refitted together (one layout between
    them), the labels' widths are kept, and a chart far off screen is refitted when it comes
    near: scrolled to, it is drawn at the window's width."""
    terms = 20
    page.add_init_script(COUNT)
    open_page(page, stack.urls["site"])
    upload(page, "twenty.csv", terms_csv(terms))
    run(page)
    assert page.locator(".chart-plot").count() == terms
    page.evaluate(TWO_FRAMES)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")

    def layouts() -> float:
        metrics = cdp.send("Performance.getMetrics")["metrics"]
        return next(m["value"] for m in metrics if m["name"] == "LayoutCount")

    drawn = "[...document.querySelectorAll('.chart canvas')].map((c) => c.__drawn || 0)"
    near = """() => [...document.querySelectorAll('.chart')].filter((c) => {
        const box = c.getBoundingClientRect();
        return box.bottom >= -innerHeight && box.top <= 2 * innerHeight;
    }).length"""
    widths = (1000, 1280, 900, 1100)
    before, counts, measured = layouts(), page.evaluate(drawn), page.evaluate("window.__measured")
    for width in widths:  # a bounded loop: four resizes, each waited for two frames
        page.set_viewport_size({"width": width, "height": 900})
        page.evaluate(TWO_FRAMES)
    per_resize = (layouts() - before) / len(widths)
    redrawn = sum(a > b for a, b in zip(page.evaluate(drawn), counts, strict=True))
    measured = page.evaluate("window.__measured") - measured
    cdp.detach()
    assert per_resize <= 6, f"{per_resize} layouts a resize, {terms} charts"
    assert 0 < redrawn <= page.evaluate(near) < terms, (redrawn, terms)
    assert measured <= redrawn, f"{measured} texts measured in {len(widths)} resizes"
    last = page.locator(".chart").last
    last.scroll_into_view_if_needed()
    page.evaluate(TWO_FRAMES)
    fitted = last.evaluate(
        """(chart) => [chart.querySelector('canvas').getBoundingClientRect().width,
            chart.querySelector('.chart-plot').clientWidth]"""
    )
    assert abs(fitted[0] - fitted[1]) < 1, fitted  # drawn at the window's width
    assert problems == []


def test_a_printout_after_a_resize_has_every_chart_at_the_windows_width(
    browser: Any, stack: Any, problems: list
) -> None:
    """A printout lays the page out at the paper's width without a frame in between, so each
    chart prints as last drawn, scaled into its card. The charts left far off screen by a
    resize (refitted when they come near) printed at the width they had before: widened from
    700 to 1280 px, a chart drawn 618 px wide printed 1.7 times as tall as its neighbours,
    its labels as much larger."""
    context = browser.new_context(viewport={"width": 700, "height": 800})
    page = context.new_page()
    try:
        open_page(page, stack.urls["site"])
        upload(page, "eight.csv", terms_csv(8))
        run(page)
        page.evaluate(TWO_FRAMES)
        page.set_viewport_size({"width": 1280, "height": 800})
        page.evaluate(TWO_FRAMES)
        # Added after the page's own beforeprint listeners: it sees what is printed.
        page.evaluate(
            """window.__printed = [];
            addEventListener('beforeprint', () => {
                for (const chart of document.querySelectorAll('.chart')) __printed.push([
                    Math.round(chart.querySelector('canvas').getBoundingClientRect().width),
                    chart.querySelector('.chart-plot').clientWidth]);
            })"""
        )
        page.pdf()
        printed = page.evaluate("window.__printed")
        assert len(printed) == 8
        assert all(abs(canvas - box) < 1 for canvas, box in printed), printed
    finally:
        context.close()
    assert problems == []


def test_a_file_of_many_terms_draws_its_charts_as_they_come_near(
    page: Any, stack: Any, problems: list
) -> None:
    """Each chart was drawn as its card was added, reading the page's layout after the last
    chart had changed it: 400 terms froze the page for 7 to 12 s at 1280 px (about 40 s on a
    phone), Cancel included. The first 24 charts are drawn at once and the rest when scrolled
    near (each card's words and table are there from the start), or all before a printout."""
    terms = 100
    open_page(page, stack.urls["site"])
    upload(page, "hundred.csv", terms_csv(terms))
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")

    def layouts() -> float:
        metrics = cdp.send("Performance.getMetrics")["metrics"]
        return next(m["value"] for m in metrics if m["name"] == "LayoutCount")

    before = layouts()
    run(page)
    laid_out = layouts() - before
    assert page.locator("article.series").count() == terms
    assert page.locator("table.anomalies").count() + page.locator(".no-anomalies").count() == terms
    assert page.locator(".chart-plot").count() == 24
    assert laid_out < terms, f"{laid_out:.0f} layouts to show {terms} terms"
    # A waiting chart keeps a drawn one's room, so the page does not grow as they are drawn
    # (they kept 44 px of 344 at first: uPlot sizes a chart after the task that made it).
    page.evaluate(TWO_FRAMES)
    tall = "(i) => document.getElementById(`chart-${i}`).offsetHeight"
    assert page.evaluate(tall, 99) == page.evaluate(tall, 0)
    page_height = page.evaluate("document.documentElement.scrollHeight")
    page.locator("#series-99").scroll_into_view_if_needed()
    page.locator("#chart-99 .chart-plot canvas").wait_for()
    page.evaluate("dispatchEvent(new Event('beforeprint'))")
    assert page.locator(".chart-plot").count() == terms
    page.evaluate(TWO_FRAMES)
    grown = page.evaluate("document.documentElement.scrollHeight") - page_height
    assert abs(grown) <= terms, f"the page grew {grown} px as its charts were drawn"
    assert problems == []
