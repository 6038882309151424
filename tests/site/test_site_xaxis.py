"""The time axis' labels, as drawn on the chart's canvas, keep clear of each other at a phone's
and a desktop's width, for series of the lengths and steps Google Trends exports.

uPlot spaced the ticks 50 px apart whatever their labels said: at 375 px a 6-week series drew
"12 Jul 2020" into "19 Jul" ("12 Jul 202019 Jul"), and at 1280 px a 36-week one "27 Dec" into
"10 Jan 2021". Each label's extent is measured where it is drawn (fillText, with the canvas'
own measureText), so the test sees what a person sees."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from pagekit import (
    ARTIFACTS,
    DATA,
    call_api,
    open_page,
    run,
    sized,
    upload,
    wait_drawn_at_width,
)

pytestmark = [pytest.mark.browser, pytest.mark.same_page]

# Clear CSS px between two labels: a word space inside a label is about 3 px at the axis' font,
# so labels closer than this read as one ("27 Dec10 Jan 2021").
MIN_GAP = 8

# Every text drawn on each canvas, by drawing: uPlot clears the whole canvas before each one.
RECORD = """
    const fillText = CanvasRenderingContext2D.prototype.fillText;
    const clearRect = CanvasRenderingContext2D.prototype.clearRect;
    CanvasRenderingContext2D.prototype.clearRect = function (x, y, w, h) {
        const c = this.canvas;
        if (x === 0 && y === 0 && w === c.width && h === c.height) (c.__frames ||= []).push([]);
        return clearRect.call(this, x, y, w, h);
    };
    CanvasRenderingContext2D.prototype.fillText = function (text, x, y, ...rest) {
        const c = this.canvas;
        const frames = (c.__frames ||= [[]]);
        const width = this.measureText(String(text)).width;
        frames[frames.length - 1].push({ text: String(text), x, y, width, align: this.textAlign });
        return fillText.call(this, text, x, y, ...rest);
    };
"""

# The first chart's time-axis labels in its last drawing (the lowest texts: below the plot),
# left to right, with their left and right ends in CSS px from the canvas' left edge.
X_LABELS = """(canvas) => {
    const frame = (canvas.__frames || []).at(-1) || [];
    const scale = canvas.width / canvas.getBoundingClientRect().width;
    const bottom = Math.max(...frame.map((t) => t.y));
    const left = (t) => (t.align === 'center' ? t.x - t.width / 2
        : t.align === 'right' || t.align === 'end' ? t.x - t.width : t.x);
    return frame.filter((t) => t.y === bottom)
        .map((t) => ({ text: t.text, left: left(t) / scale, right: (left(t) + t.width) / scale }))
        .sort((a, b) => a.left - b.left)
        .concat([{ canvas: canvas.width / scale }]);
}"""


@pytest.fixture
def recording_page(
    page_with: Callable[..., Iterator[Any]], problems: list[str]
) -> Iterator[Callable[[int], Any]]:
    """``recording_page(width)``: a page at ``width`` px (``sized``) that records each canvas'
    texts (RECORD). The tests of this module are marked ``same_page``: each gets the page kept
    for its width (conftest's ``page_for``), opens the page anew in it (a new document:
    nothing of the last test's page is left, its canvases and their records gone), and keeps
    only the browser context and its renderer process, whose start cost as much of Chromium's
    CPU as the rest of a test (a new context and its first page: 1.6 of 3.3 CPU s). The tests
    given one only draw a file and read the drawing (no pointer, no route, no listener on the
    page), with keys at most. As every page of the page tests: a failed test's page is not used
    again, what the Content-Security-Policy refused fails the test; and here, any error the
    page threw or logged does too."""
    opened: list[Iterator[Any]] = []

    def at(width: int) -> Any:
        kept = page_with(RECORD, **sized(width))
        opened.append(kept)
        return next(kept)

    yield at
    for kept in opened:
        next(kept, None)  # its teardown: dropped after a failure, the CSP check
    assert problems == [], problems


def _export(header: str, stamps: list[str]) -> bytes:
    """A Google Trends export of one term with these timestamps (a wave, never flat)."""
    rows = [f"{s},{round(50 + 40 * math.sin(k / 3))}" for k, s in enumerate(stamps)]
    lines = ["Category: All categories", "", f"{header},term: (Worldwide)", *rows]
    return "\n".join(lines).encode() + b"\n"


def _cut(path: Path, rows: int | None = None) -> bytes:
    """A real export cut to its first ``rows`` data rows (its preamble and header kept)."""
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(r"\d{4}-\d{2}", line))
    return "\n".join(lines[: start + rows] if rows else lines).encode() + b"\n"


def _days(n: int) -> list[str]:
    return [(date(2020, 11, 3) + timedelta(days=k)).isoformat() for k in range(n)]


SERIES = {
    "hourly-1day": lambda: _cut(DATA / "en_hourly7d_2terms.csv", 24),
    "8min-1day": lambda: _cut(DATA / "more" / "en_oneday_8min_tz_3terms_nopreamble.csv"),
    "hourly-7days": lambda: _cut(DATA / "en_hourly7d_2terms.csv"),
    "daily-90": lambda: _export("Day", _days(90)),
    "weekly-6": lambda: _cut(DATA / "en_weekly5y_bitcoin.csv", 6),
    "weekly-12": lambda: _cut(DATA / "en_weekly5y_bitcoin.csv", 12),
    "weekly-36": lambda: _cut(DATA / "en_weekly5y_bitcoin.csv", 36),
    "weekly-261": lambda: _cut(DATA / "en_weekly5y_bitcoin.csv"),
    # Its last week (3 Feb 2019) two days after the 1st: "Feb 2019" centred there ran off the
    # canvas ("Feb 201" and half a 9).
    "weekly-260-to-feb": lambda: _cut(DATA / "heldout3" / "16_MoistFingers_Data-Project.csv"),
    "monthly-20y": lambda: _cut(DATA / "en_monthly2004_lt1_bitcoin.csv"),
}


@pytest.mark.parametrize("width", [320, 375, 1280])
@pytest.mark.parametrize("name", list(SERIES))
def test_the_time_axis_labels_do_not_run_into_each_other(
    recording_page: Callable[[int], Any], stack: Any, width: int, name: str
) -> None:
    page = recording_page(width)
    open_page(page, stack.urls["site"])
    upload(page, f"{name}.csv", SERIES[name]())
    run(page)
    chart = page.locator(".chart-plot").first
    chart.scroll_into_view_if_needed()
    wait_drawn_at_width(chart)  # a resize after the first drawing draws it again
    chart.screenshot(path=str(ARTIFACTS / f"xaxis-{name}-{width}.png"))
    *labels, edge = chart.locator("canvas").evaluate(X_LABELS)
    said = [(t["text"], round(t["left"]), round(t["right"])) for t in labels]
    assert len(labels) >= 2, said
    gaps = [b["left"] - a["right"] for a, b in pairwise(labels)]
    assert min(gaps) >= MIN_GAP, (min(gaps), said)
    # Each label whole on the canvas: none cut at the chart's edges.
    assert labels[0]["left"] >= 0 and labels[-1]["right"] <= edge["canvas"], (edge, said)


@pytest.mark.parametrize(
    ("name", "width", "least"), [("weekly-12", 375, 3), ("weekly-36", 1280, 8)]
)
def test_a_short_weekly_series_ticks_on_its_weeks_not_on_months(
    recording_page: Callable[[int], Any], stack: Any, name: str, width: int, least: int
) -> None:
    """36 weeks at 1280 px, whose ticks 2 weeks apart crowd at the new year ("27 Dec",
    "10 Jan 2021"), jumped to month ticks (8, on the 1st: days no point has); 12 weeks at
    375 px to two. Ticks 4 weeks apart come first: each on one of the data's weeks."""
    page = recording_page(width)
    open_page(page, stack.urls["site"])
    body = SERIES[name]()
    upload(page, f"{name}.csv", body)
    run(page)
    chart = page.locator(".chart-plot").first
    chart.scroll_into_view_if_needed()
    wait_drawn_at_width(chart)  # a resize after the first drawing draws it again
    chart.screenshot(path=str(ARTIFACTS / f"xaxis-weeks-{name}-{width}.png"))
    said = _x_labels(chart)
    assert len(said) >= least, said
    assert _off_the_data(said, body) == [], said


def _x_labels(chart: Any) -> list[str]:
    *labels, _ = chart.locator("canvas").evaluate(X_LABELS)
    return [t["text"] for t in labels]


def _off_the_data(said: list[str], body: bytes) -> list[str]:
    """The day labels ("9 Aug", "27 Dec 2020") naming a day that no row of ``body`` has."""
    days = [
        date.fromisoformat(line[:10])
        for line in body.decode().splitlines()
        if re.match(r"\d{4}-\d{2}-\d{2},", line)
    ]
    weeks = {f"{d.day} {d:%b}" for d in days}
    return [text for text in said if " ".join(text.split()[:2]) not in weeks]


@pytest.mark.parametrize("how", ["drag", "keys"])
def test_a_zoomed_weekly_series_ticks_on_its_weeks(browser: Any, stack: Any, how: str) -> None:
    """uPlot starts a tick step of days at the scale's first day: a zoom dragged from a Tuesday
    put 36 weeks of Sundays' ticks on Tuesdays ("21 Jul 2020", "28 Jul", ...), days no point
    has. A zoom now spans from a point to a point, and its ticks fall on the data's weeks."""
    context = browser.new_context(**sized(1280))
    page = context.new_page()
    page.add_init_script(RECORD)
    try:
        open_page(page, stack.urls["site"])
        body = SERIES["weekly-36"]()
        upload(page, "weekly-36.csv", body)
        run(page)
        chart = page.locator(".chart-plot").first
        chart.scroll_into_view_if_needed()
        area = chart.locator(".u-over").bounding_box()
        canvas = chart.locator("canvas")
        before = canvas.evaluate("(c) => (c.__frames || []).length")
        if how == "drag":
            # From a third of a week past point 8 to two-thirds of a week before point 20.
            step = area["width"] / 35
            y = area["y"] + area["height"] / 2
            page.mouse.move(area["x"] + step * 8.3, y)
            page.mouse.down()
            page.mouse.move(area["x"] + step * 19.4, y, steps=5)
            page.mouse.up()
        else:
            chart.focus()
            page.keyboard.press("Home")
            for _ in range(10):
                page.keyboard.press("ArrowRight")
            page.keyboard.press("+")  # 18 of the 35 weeks, around point 10
        page.locator(".reset-zoom").first.wait_for(state="visible")
        # The zoom's drawing: one more than before it (a drag or the keys move the cursor on
        # uPlot's overlay, which never draws the canvas).
        page.wait_for_function(
            "([c, n]) => (c.__frames || []).length > n", arg=[canvas.element_handle(), before]
        )
        said = _x_labels(chart)
        chart.screenshot(path=str(ARTIFACTS / f"xaxis-weeks-zoomed-{how}.png"))
        assert len(said) >= 3, said
        assert _off_the_data(said, body) == [], said
    finally:
        context.close()


def _pasted_twice() -> bytes:
    """The weekly bitcoin export (261 weeks) with its row of 6 Jun 2021 (its 48th) pasted twice:
    the model keeps both rows, with a warning."""
    lines = (DATA / "en_weekly5y_bitcoin.csv").read_text().splitlines()
    assert lines[50].startswith("2021-06-06,"), lines[50]
    return "\n".join([*lines[:51], lines[50], *lines[51:]]).encode() + b"\n"


# A time-axis label as tickWords writes it: "2021", "Jan 2021", "Apr", "6 Jun", "6 Jun 2021".
DATE_LABEL = re.compile(r"(\d{4}|[A-Z][a-z]{2}( \d{4})?|\d{1,2} [A-Z][a-z]{2}( \d{4})?)")


def _drawn_labels(page: Any, stack: Any, width: int, name: str, body: bytes) -> list[str]:
    """The first chart's time-axis labels for ``body`` at ``width`` px (``page`` is that of
    ``recording_page``), with a screenshot."""
    open_page(page, stack.urls["site"])
    upload(page, f"{name}.csv", body)
    run(page)
    chart = page.locator(".chart-plot").first
    chart.scroll_into_view_if_needed()
    wait_drawn_at_width(chart)
    chart.screenshot(path=str(ARTIFACTS / f"xaxis-{name}-{width}.png"))
    return _x_labels(chart)


@pytest.mark.parametrize("width", [375, 1280])
def test_a_date_given_twice_keeps_the_time_axis(
    recording_page: Callable[[int], Any], stack: Any, width: int
) -> None:
    """One row pasted twice (the model keeps both, and says so): the chart's axis read
    "0, 20, 40 … 260", point numbers, under a chart whose readout and table said dates, since
    the dates no longer rose strictly. The axis reads as the file's without the pasted row."""
    page = recording_page(width)
    said = _drawn_labels(page, stack, width, "pasted-twice", _pasted_twice())
    assert len(said) >= 2, said
    assert [t for t in said if not DATE_LABEL.fullmatch(t)] == [], said
    assert said == _drawn_labels(page, stack, width, "weekly-261", SERIES["weekly-261"]())


def test_the_readout_says_a_date_given_twice_at_both_its_points(browser: Any, stack: Any) -> None:
    """The keys step onto each of the two rows of 6 Jun 2021 in turn (points 48 and 49), and
    the readout says that date and each row's values at both, then 13 Jun 2021 after them."""
    context = browser.new_context(**sized(1280))
    page = context.new_page()
    try:
        open_page(page, stack.urls["site"])
        upload(page, "pasted-twice.csv", _pasted_twice())
        run(page)
        chart = page.locator(".chart-plot").first
        chart.scroll_into_view_if_needed()
        chart.focus()
        page.keyboard.press("Home")
        for _ in range(47):
            page.keyboard.press("ArrowRight")
        when = page.locator(".readout .readout-when").first
        value = page.locator(".readout .readout-value").first
        readout = page.locator(".readout").first
        seen = []
        for k in range(3):
            seen.append((when.text_content(), value.text_content(), readout.text_content()))
            if k == 1:  # the readout above the chart, at the second row of 6 Jun 2021
                shot = ARTIFACTS / "xaxis-pasted-twice-readout.png"
                chart.locator("xpath=..").screenshot(path=str(shot))
            page.keyboard.press("ArrowRight")
        assert [(w, v) for w, v, _ in seen] == [
            ("6 Jun 2021", "value 55"),
            ("6 Jun 2021", "value 55"),
            ("13 Jun 2021", "value 43"),
        ], seen
        # The second row's own readout (the model expects another value there), not the
        # first's again: the keys reach both points of the date.
        assert seen[0][2] != seen[1][2], seen
    finally:
        context.close()


def _fall_back_one_day() -> bytes:
    """A one-day export (8-minute steps, the exporter's time with its offset, as Trends writes
    it) over the night the US clocks went back, 2 Nov 2025 in Chicago: 01:56 CDT is followed by
    01:04 CST. The model sorts by the instant, and its `times` (the time of day each row
    writes) go back 52 minutes at that one place."""
    rows, t = [], datetime(2025, 11, 1, 23, 36, tzinfo=UTC)  # 18:36 CDT
    for k in range(180):
        offset = -5 if t < datetime(2025, 11, 2, 7, tzinfo=UTC) else -6
        local = (t + timedelta(hours=offset)).replace(tzinfo=None)
        rows.append(f"{local.isoformat()}{offset:+03d}:00,{round(50 + 40 * math.sin(k / 9))}")
        t += timedelta(minutes=8)
    return ("Time,trump: (United States)\n" + "\n".join(rows) + "\n").encode()


# A sub-day time-axis label (tickWords): "18:36", or a day's midnight "2 Nov".
TIME_LABEL = re.compile(r"\d{2}:\d{2}|\d{1,2} [A-Z][a-z]{2}")


@pytest.mark.parametrize("width", [375, 1280])
def test_a_clock_going_back_an_hour_keeps_the_time_axis(
    recording_page: Callable[[int], Any], stack: Any, width: int
) -> None:
    """The times going back at a daylight-saving change (01:56, then 01:04): the axis read
    "0, 20, 40 … 160", point numbers, as for a file in no order at all. It reads times."""
    body = _fall_back_one_day()
    status, answer = call_api(stack.urls["api"], body, "method=auto&sensitivity=0.5")
    assert status == 200, answer
    times = answer["series"][0]["times"]
    back = [(a, b) for a, b in pairwise(times) if b < a]
    assert back == [("2025-11-02T01:56:00", "2025-11-02T01:04:00")], back  # the case itself
    said = _drawn_labels(recording_page(width), stack, width, "clock-back", body)
    assert len(said) >= 2, said
    assert [t for t in said if not TIME_LABEL.fullmatch(t)] == [], said
    assert "2 Nov" in said, said


def _basic_form(body: bytes, tail: str) -> bytes:
    """An export whose dates (2021-06-02T14) are written in ISO 8601's basic form with ``tail``
    after the hour: "00" gives 20210602T1400, as long as the extended form's cell."""
    extended = re.compile(rb"^(\d{4})-(\d{2})-(\d{2})T(\d{2})", re.MULTILINE)
    return extended.sub(rb"\g<1>\g<2>\g<3>T\g<4>" + tail.encode(), body)


def _shown(page: Any, stack: Any, width: int, name: str, body: bytes) -> dict[str, Any]:
    """What the page says of ``body`` at ``width`` px (``page`` is that of ``recording_page``):
    the file's line when chosen, the first chart's time-axis labels, the table's rows and the
    readout at point 16, after Detect."""
    open_page(page, stack.urls["site"])
    page.set_input_files(
        "#file-input", files=[{"name": "hourly.csv", "mimeType": "text/csv", "buffer": body}]
    )
    status = page.locator("#file-status.file-ok, #file-status.file-bad")
    status.wait_for()
    seen: dict[str, Any] = {"chosen": status.text_content()}
    if "file-bad" in (status.get_attribute("class") or ""):
        return seen  # refused when chosen: nothing to detect
    run(page)
    chart = page.locator(".chart-plot").first
    chart.scroll_into_view_if_needed()
    wait_drawn_at_width(chart)
    seen["axis"] = _x_labels(chart)
    seen["table"] = page.locator("table tbody tr").all_text_contents()
    chart.focus()
    page.keyboard.press("Home")
    for _ in range(16):
        page.keyboard.press("ArrowRight")
    seen["readout"] = page.locator(".readout").first.text_content()
    page.screenshot(path=str(ARTIFACTS / f"basic-form-{name}-{width}.png"), full_page=True)
    return seen


@pytest.mark.parametrize("width", [375, 1280])
def test_an_export_in_iso_basic_form_reads_as_the_extended_form(
    recording_page: Callable[[int], Any], stack: Any, width: int
) -> None:
    """The hourly export re-saved with 20210602T1400 for 2021-06-02T14 (ISO 8601's basic form,
    which the model reads as the same instants): the page said "This file has no column of
    dates" when it was chosen. It is ready as the extended form's file is, and after Detect its
    axis, table and readout say the same dates ("2 Jun 2021, 14:00"), not point numbers."""
    extended = _cut(DATA / "en_hourly7d_2terms.csv")
    basic = _basic_form(extended, "00")
    assert len(basic) == len(extended) and b"\n20210602T1400," in basic  # the case itself
    status, answer = call_api(stack.urls["api"], basic, "method=auto&sensitivity=0.5")
    assert status == 200, answer
    page = recording_page(width)
    expected = _shown(page, stack, width, "extended", extended)
    assert expected["chosen"].startswith("✓ Ready: hourly.csv2 terms"), expected
    assert len(expected["axis"]) >= 2, expected
    dates = [t for t in expected["axis"] if TIME_LABEL.fullmatch(t) or DATE_LABEL.fullmatch(t)]
    assert dates == expected["axis"], expected
    assert expected["table"] and "Jun 2021, " in expected["table"][0], expected
    assert expected["readout"].startswith("3 Jun 2021, 06:00"), expected
    assert _shown(page, stack, width, "basic", basic) == expected
