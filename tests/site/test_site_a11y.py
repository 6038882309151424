"""The page for an analyst without a mouse, with a screen reader, at 400 % zoom or in a forced
(high-contrast) colour theme, checked in real Chromium on the GLP-1 export (three terms, one
with three anomalies): the Tab order through a result, what each chart says it shows, the
contrast of every text from computed styles, reflow at 320 px, and the charts under forced
colours."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from contrast import luminance, ratio, rgb
from pagekit import DATA, call_api, open_page, run, upload_path

pytestmark = pytest.mark.browser

GLP1 = DATA / "en_weekly5y_3terms_lt1_glp1.csv"

# Each text node's element, its colour and the colours it lies on (its nearest backgrounds,
# translucent ones laid over what is under them; a gradient: each stop). Hidden and
# visually-hidden text, and disabled buttons (WCAG 1.4.3 exempts them), are left out.
TEXT_COLOURS = r"""() => {
    const parse = (c) => {
        const m = (c.match(/[\d.]+/g) || [0, 0, 0, 0]).map(Number);
        return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1];
    };
    const over = (top, under) =>
        [0, 1, 2].map((k) => top[k] * top[3] + under[k] * (1 - top[3])).concat(1);
    const backgrounds = (el) => {
        const layers = [];
        for (let n = el; n; n = n.parentElement) {
            const s = getComputedStyle(n);
            const image = s.backgroundImage;
            const stops = image !== "none" && image.match(/rgba?\([^)]*\)/g);
            if (stops) { layers.push(stops.map(parse)); break; }
            const c = parse(s.backgroundColor);
            if (c[3] > 0) { layers.push([c]); if (c[3] === 1) break; }
        }
        const page = parse(getComputedStyle(document.documentElement).backgroundColor);
        let under = [page[3] === 1 ? page : [255, 255, 255, 1]];
        for (const layer of layers.reverse()) {
            under = layer.flatMap((l) => under.map((u) => over(l, u)));
        }
        return under;
    };
    const seen = new Set();
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const el = walker.currentNode.parentElement;
        if (!walker.currentNode.textContent.trim() || seen.has(el)) continue;
        seen.add(el);
        if (el.closest("[hidden], .visually-hidden, option, button:disabled")) continue;
        if (!el.getClientRects().length || getComputedStyle(el).visibility === "hidden") continue;
        const fg = parse(getComputedStyle(el).color);
        const under = backgrounds(el);
        const text = el.textContent.trim().slice(0, 40);
        out.push({ text, fg: under.map((u) => over(fg, u)), bg: under });
    }
    return out;
}"""


def low_contrast_text(page: Any) -> list[tuple[str, float]]:
    """Every visible text under 4.5:1 against what lies under it (WCAG 1.4.3)."""
    found = []
    for text in page.evaluate(TEXT_COLOURS):
        worst = min(ratio(fg, bg) for fg, bg in zip(text["fg"], text["bg"], strict=True))
        if worst < 4.5:
            found.append((text["text"], round(worst, 2)))
    return found


def glp1_result(page: Any, stack: Any) -> None:
    open_page(page, stack.urls["site"])
    upload_path(page, GLP1)
    run(page)
    assert page.locator("#error").is_hidden()


def focus_stops(page: Any, presses: int, key: str = "Tab") -> list[dict[str, Any]]:
    """What each press of ``key`` focused: its id, role, name and whether a ring shows."""
    stops = []
    for _ in range(presses):
        page.keyboard.press(key)
        stops.append(
            page.evaluate(
                """() => {
                    const e = document.activeElement, s = getComputedStyle(e);
                    const named = e.getAttribute('aria-labelledby');
                    return {
                        id: e.id, tag: e.tagName, cls: String(e.className),
                        role: e.getAttribute('role') || '',
                        name: (named ? document.getElementById(named).textContent
                               : e.getAttribute('aria-label') || (e.caption || e).textContent
                        ).trim(),
                        ring: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,
                    };
                }"""
            )
        )
    return stops


@pytest.mark.same_page
def test_tab_reaches_every_control_and_each_table_of_a_result(page: Any, stack: Any) -> None:
    """From the top, Tab goes through the file picker, the method, the sensitivity, Detect, the
    download, each chart and each anomaly table, in reading order, with a ring on each. The
    table's box scrolls sideways when the window is narrow (200 % zoom), so a keyboard must be
    able to reach it: it was no tab stop, and at 1280 px nothing after the charts was."""
    glp1_result(page, stack)
    page.locator(".skip-link").focus()  # the page's first stop: Tab on from the top
    stops = focus_stops(page, 30)
    order = [s["id"] or s["role"] or s["tag"] for s in stops]
    wanted = [
        "drop-zone",
        "method",
        "auto-sensitivity",
        "run",
        "download",
        "chart-0-plot",
        "chart-1-plot",
        "chart-2-plot",
        "table",
    ]
    at = [order.index(w) for w in wanted if w in order]
    assert len(at) == len(wanted) and at == sorted(at), order
    table = stops[order.index("table")]
    assert table["name"] == "Anomalies in wegovy", table
    assert all(s["ring"] for s in stops if s["tag"] != "BODY"), [s for s in stops if not s["ring"]]


def test_a_table_too_wide_for_a_zoomed_window_scrolls_from_the_keyboard(
    page: Any, stack: Any
) -> None:
    """At 200 % zoom (640 CSS px) an hourly export's table scrolls in its box; focused, the
    arrow keys scroll it."""
    page.set_viewport_size({"width": 640, "height": 700})
    open_page(page, stack.urls["site"])
    upload_path(page, DATA / "en_hourly7d_2terms.csv")
    run(page)
    wrap = page.locator(".table-wrap").first
    assert wrap.evaluate("(w) => w.scrollWidth > w.clientWidth")
    table = wrap.locator("table")
    assert table.get_attribute("tabindex") == "0" and table.get_attribute("role") == "table"
    table.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("(w) => w.scrollLeft > 0", arg=wrap.element_handle())


@pytest.mark.same_page
def test_a_zoomed_chart_is_reset_from_the_keyboard(page: Any, stack: Any) -> None:
    """Zoomed with +, the chart's buttons are the stops before it, Reset zoom first of them
    (Shift+Tab past + and −: "+" stays at their right end), and Enter on it shows every point
    again, the focus back on the chart."""
    glp1_result(page, stack)
    plot = page.locator("#chart-2-plot")
    plot.focus()
    page.keyboard.press("+")
    reset = page.locator("#chart-2 .reset-zoom")
    reset.wait_for()
    stops = []
    for _ in range(3):
        page.keyboard.press("Shift+Tab")
        stops.append(page.evaluate("document.activeElement.textContent"))
    assert stops == ["+", "\u2212", "Reset zoom"], stops
    page.keyboard.press("Enter")
    reset.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.id") == "chart-2-plot"


@pytest.mark.same_page
def test_each_chart_says_its_term_its_points_and_its_anomalies(page: Any, stack: Any) -> None:
    """The chart's tab stop is what a screen reader names when Tab lands on it: it said how to
    use the keys, not what the chart shows. It now starts with the term, its points and its
    anomalies (the dots), in words that do not lean on colour, and points to the table only
    where there is one."""
    glp1_result(page, stack)
    for i, (term, count) in enumerate([("ozempic", 0), ("monjauro", 0), ("wegovy", 3)]):
        label = page.locator(f"#chart-{i}-plot").get_attribute("aria-label")
        anomalies = "no anomalies" if count == 0 else f"{count} anomalies"
        assert label.startswith(f"Chart of {term}: 262 points, {anomalies}"), label
        assert "Arrow keys move along it" in label, label
        assert ("table below" in label) == (count > 0), label
        canvas = page.locator(f"#chart-{i}-plot canvas").get_attribute("aria-label")
        assert not re.search(r"\bred\b", canvas) and ("table below" in canvas) == (count > 0), (
            canvas
        )


@pytest.mark.parametrize("width", [1280, 320])
def test_every_text_has_enough_contrast_and_320_px_needs_no_sideways_scroll(
    page: Any, stack: Any, width: int
) -> None:
    """Contrast of each visible text from its computed colours (4.5:1, WCAG 1.4.3), with a
    result on show; 320 px is a 1280 px window at 400 % (WCAG 1.4.10 reflow): the page itself
    never scrolls sideways."""
    page.set_viewport_size({"width": width, "height": 800})
    glp1_result(page, stack)
    assert low_contrast_text(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_forced_colours_keep_the_charts_and_their_key_readable(browser: Any, stack: Any) -> None:
    """Under forced colours (Windows high contrast) the page takes the theme's colours, but a
    canvas keeps its own: the charts' grey axis labels and blue line were drawn on the theme's
    black (some 2:1), and the key's dot for an anomaly, a background, vanished. The chart and
    its key keep their own white ground there, as they were designed on."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, color_scheme="dark", forced_colors="active"
    )
    try:
        page = context.new_page()
        glp1_result(page, stack)
        looks = page.evaluate(
            """() => {
                const style = (sel, pseudo) =>
                    getComputedStyle(document.querySelector(sel), pseudo);
                return {
                    plot: style('#chart-2-plot').backgroundColor,
                    key: style('#series-2 .legend-key').backgroundColor,
                    keyText: style('#series-2 .legend-key').color,
                    dot: style('#series-2 .key-anomaly', '::before').backgroundColor,
                };
            }"""
        )
        assert looks["plot"] == "rgb(255, 255, 255)", looks
        assert looks["key"] == "rgb(255, 255, 255)", looks
        assert ratio(rgb(looks["keyText"]), [255, 255, 255]) >= 4.5, looks
        assert ratio(rgb(looks["dot"]), [255, 255, 255]) >= 3, looks
    finally:
        context.close()


def test_dark_mode_is_followed_with_readable_text_fields_and_focus(
    browser: Any, stack: Any
) -> None:
    """An analyst who asks for dark pages (the system's preference) got the light page: a
    bright screen, for some a migraine. The page now follows it, and everything stays
    readable from computed styles: each text 4.5:1 (an error, a refused file's notice and a
    result on show), the fields' borders and the focus ring 3:1 on the cards, and the charts
    on a dark ground (a white panel was a bright block in the dark page; how they are drawn
    there: test_site_chart.py), the ring 3:1 on it, their key's swatches 3:1 on the card."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    try:
        page = context.new_page()
        open_page(page, stack.urls["site"])
        assert (
            luminance(rgb(page.evaluate("getComputedStyle(document.body).backgroundColor"))) < 0.05
        )
        page.get_by_role("button", name="Detect anomalies").click()  # no file yet: an error
        page.locator("#error").wait_for()
        upload_path(page, DATA / "en_weekly5y_bitcoin.csv")
        page.set_input_files(
            "#file-input",
            files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": b"Week,a\nx,y\n"}],
        )
        page.locator("#file-status.file-bad").wait_for()
        page.get_by_role("button", name="Detect anomalies").click()  # the refusal, again
        assert low_contrast_text(page) == []
        glp1_result(page, stack)
        assert low_contrast_text(page) == []
        card = page.eval_on_selector(".card", "e => getComputedStyle(e).backgroundColor")
        borders = page.eval_on_selector_all(
            "select, input[type=number]", "els => els.map(e => getComputedStyle(e).borderTopColor)"
        )
        assert borders and min(ratio(rgb(b), rgb(card)) for b in borders) >= 3, (borders, card)
        page.locator("#method").focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")  # a keyboard focus: the ring shows
        ring = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
        assert ratio(rgb(ring), rgb(card)) >= 3, (ring, card)
        page.locator("#chart-2-plot").focus()
        plot = page.eval_on_selector(
            "#chart-2-plot",
            "e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).outlineColor]",
        )
        assert luminance(rgb(plot[0])) < 0.05 and ratio(rgb(plot[1]), rgb(plot[0])) >= 3, plot
        swatches = page.evaluate(
            """() => ['.key-value', '.key-band', '.key-anomaly', '.key-extent'].map((k) => {
                const s = getComputedStyle(document.querySelector('#series-2 ' + k), '::before');
                return { key: k, colour: k === '.key-anomaly' ? s.backgroundColor
                    : k === '.key-value' ? s.borderTopColor
                    : k === '.key-band' ? s.borderTopColor : s.borderLeftColor };
            })"""
        )
        for swatch in swatches:
            assert ratio(rgb(swatch["colour"]), rgb(card)) >= 3, (swatch, card)
    finally:
        context.close()


SPINNER_LOOK = """() => {
    const s = document.querySelector('#run .spinner');
    const box = s.getBoundingClientRect();
    return {
        shown: box.width > 0 && box.height > 0,
        moving: s.getAnimations().length > 0 || getComputedStyle(s).animationName !== 'none',
        label: document.querySelector('#run .run-label').textContent,
    };
}"""


def _busy(page: Any, stack: Any) -> Any:
    """``page`` with a run started and held at the API (never answered): Detect shows busy."""
    held: list[Any] = []  # the requests, never answered
    page.route("**/detect?*", lambda route: held.append(route))
    open_page(page, stack.urls["site"])
    upload_path(page, DATA / "en_weekly5y_bitcoin.csv")
    page.get_by_role("button", name="Detect anomalies").click()
    page.wait_for_function("() => document.querySelector('#run').classList.contains('is-busy')")
    return page


@pytest.mark.parametrize("motion", ["reduce", "no-preference"])
def test_the_busy_indicator_holds_still_when_motion_is_reduced(
    browser: Any, stack: Any, motion: str
) -> None:
    """Under "reduce motion" (vestibular disorders: a spinning thing can bring on nausea) the
    Detect button's spinner still span, only slower. It now shows a still sign while busy; with
    no such preference it spins as before. Seen while a run is held at the API."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, reduced_motion=motion)
    try:
        page = _busy(context.new_page(), stack)
        look = page.evaluate(SPINNER_LOOK)
        assert look["shown"] and look["label"] == "Detecting…", look
        assert look["moving"] == (motion == "no-preference"), look
        page.get_by_role("button", name="Cancel").click()
        page.wait_for_function(
            "() => !document.querySelector('#run').classList.contains('is-busy')"
        )
    finally:
        context.close()


@pytest.mark.same_page
def test_each_table_is_named_once(page: Any, stack: Any) -> None:
    """A screen reader said each anomaly table's name twice ("Anomalies in wegovy, region;
    Anomalies in wegovy, table"): its scrolling box was a region named as the table's caption.
    In the accessibility tree each table now has its caption as its one name and nothing around
    it says the same again; the table itself is the tab stop that scrolls its box (above)."""
    glp1_result(page, stack)
    tree = page.locator("#series-list").aria_snapshot()
    named = re.findall(r'^\s*- (\w+) "([^"]*)"', tree, flags=re.M)
    tables = [name for role, name in named if role == "table"]
    assert tables == ["Anomalies in wegovy"], tree
    assert [name for _, name in named].count("Anomalies in wegovy") == 1, tree


# A PNG's pixels (rows of [r, g, b]), decoded by the browser on a blank page (the site's
# Content-Security-Policy keeps data: images out of its own).
PNG_PIXELS = """async (b64) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + b64;
    await img.decode();
    const canvas = document.createElement('canvas');
    [canvas.width, canvas.height] = [img.width, img.height];
    const g = canvas.getContext('2d');
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, img.width, img.height).data;
    const rows = [];
    for (let y = 0; y < img.height; y++) {
        const row = [];
        for (let x = 0; x < img.width; x++) {
            const k = 4 * (y * img.width + x);
            row.push([d[k], d[k + 1], d[k + 2]]);
        }
        rows.push(row);
    }
    return rows;
}"""


@pytest.mark.parametrize("forced", ["none", "active"])
def test_the_still_busy_sign_shows_its_hands_under_forced_colours_too(
    browser: Any, stack: Any, forced: str
) -> None:
    """The still sign's hands were painted as backgrounds, which forced colours (Windows high
    contrast) repaint in the button's own ground: the clock face lost its hands, an empty ring.
    Inside the ring, the hands stand out 3:1 or more from the ground, with forced colours or
    without. Seen while a run is held at the API."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        reduced_motion="reduce",
        forced_colors=forced,
        device_scale_factor=4,
    )
    try:
        page = _busy(context.new_page(), stack)
        spinner = page.locator("#run .spinner")
        shot = base64.b64encode(spinner.screenshot(animations="disabled")).decode()
        rows = context.new_page().evaluate(PNG_PIXELS, shot)
        size = len(rows)  # 18 CSS px: a 3 px ring around the face, whose centre the hands meet
        middle = slice(size // 3, 2 * size // 3)
        inside = [p for row in rows[middle] for p in row[middle]]
        lightest = max(inside, key=luminance)
        darkest = min(inside, key=luminance)
        assert ratio(lightest, darkest) >= 3, (forced, lightest, darkest)
        page.get_by_role("button", name="Cancel").click()
    finally:
        context.close()


@pytest.mark.same_page
def test_the_list_of_terms_says_what_each_count_counts(page: Any, stack: Any) -> None:
    """The links above the charts (a file of four terms or more) were named "Digital Nest 0"
    to a screen reader: the number's meaning is in the line above the list ("Jump to a term
    (anomalies):"), which a list of links (NVDA's Insert+F7, VoiceOver's rotor) leaves out.
    Each link's name now says it ("Romolo 0 anomalies", "Cesare-Romolo 1 anomaly"), starting
    with the words and number it shows (WCAG 2.5.3), for the counts the API gave (16 terms)."""
    path = DATA / "more" / "it_monthly_semicolons_16terms.csv"
    open_page(page, stack.urls["site"])
    upload_path(page, path)
    run(page)
    _, answer = call_api(stack.urls["api"], path.read_bytes(), "method=auto")
    tree = page.locator("#series-index").aria_snapshot()
    names = re.findall(r'^\s*- link "([^"]*)"', tree, flags=re.M)
    wanted = []
    for series in answer["series"]:
        count = len(series["anomalies"])
        wanted.append(f"{series['name']} {count} {'anomaly' if count == 1 else 'anomalies'}")
    assert names == wanted, tree
    shown = page.locator("#series-index a").all_inner_texts()
    for name, text in zip(names, shown, strict=True):
        assert name.startswith(" ".join(text.split())), (name, text)


@pytest.mark.same_page
def test_a_sensitivity_step_is_said_once(page: Any, stack: Any) -> None:
    """The value beside "Sensitivity" is an <output>, which Chromium exposes as a status (a
    polite live region): each arrow-key step of the slider was said twice, as the slider's
    value and again by the status. The slider says its value; the number beside it is for the
    eye (and still follows the slider)."""
    open_page(page, stack.urls["site"])
    slider = page.locator("#auto-sensitivity")
    slider.focus()
    page.keyboard.press("ArrowRight")
    method = page.locator("section[aria-labelledby=method-heading]")
    tree = method.aria_snapshot()
    assert re.search(r'slider "Sensitivity": "0\.55"', tree), tree
    assert "status" not in tree, tree
    assert page.locator("#auto-sensitivity-out").inner_text() == "0.55"


def test_a_phone_card_says_each_column_name_once(phone_page: Any, stack: Any) -> None:
    """On a phone each anomaly is a card of "name value" lines, the names drawn by CSS from each
    cell's data-label. Generated text is part of what a screen reader reads, so each cell said
    its column twice: the header the table gives it, then its own "Value 14" (the aria snapshot
    at 375 px). The names are for the eye; each cell says its value, as it does at 1280 px."""
    glp1_result(phone_page, stack)
    table = phone_page.locator("#series-2 table")
    shown = table.locator("td").first.evaluate("e => getComputedStyle(e, '::before').content")
    assert shown.startswith('"Date"'), shown  # the card still shows the column's name
    heads = table.locator("th").all_text_contents()
    rows = re.findall(
        r"^\s*- row \"([^\"]*)\":\n((?:\s+- cell .*\n?)+)", table.aria_snapshot(), re.M
    )
    assert len(rows) == 3, table.aria_snapshot()
    for _, cells in rows:
        names = re.findall(r'- cell "([^"]*)"', cells)
        assert len(names) == len(heads), cells
        said_twice = [n for n, h in zip(names, heads, strict=True) if n.startswith(h)]
        assert said_twice == [], said_twice


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_blank_fields_placeholder_is_readable(browser: Any, stack: Any, scheme: str) -> None:
    """STL's blank fields say "auto" (blank: the model chooses): text that tells what a blank
    does, so 4.5:1 on the field (WCAG 1.4.3). The browser's own grey (#757575) was 4.6:1 on
    the light field and 3.9:1 on the dark one. Read from computed styles, each scheme."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    try:
        page = context.new_page()
        open_page(page, stack.urls["site"])
        page.select_option("#method", "stl")
        looks = page.eval_on_selector_all(
            "#method-fields input[placeholder]",
            """els => els.filter((e) => e.offsetParent).map((e) => [e.id,
                getComputedStyle(e, '::placeholder').color,
                getComputedStyle(e, '::placeholder').opacity,
                getComputedStyle(e).backgroundColor])""",
        )
        assert looks, "STL has blank fields"
        for field, colour, opacity, ground in looks:
            assert float(opacity) == 1, (field, opacity)
            assert ratio(rgb(colour), rgb(ground)) >= 4.5, (field, colour, ground)
    finally:
        context.close()
