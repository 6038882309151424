"""The web page in real headless Chromium against the real local stack (issue 5, part 4).

Each test drives the built page like a person would and compares what it shows with the answer
the API gives to the same request sent directly.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from contrast import contrast
from pagekit import (
    ARTIFACTS,
    DATA,
    StaticServer,
    after_frames,
    call_api,
    open_page,
    read_csv,
    run,
    short_export,
    upload,
    upload_path,
    wait_done,
    wait_loaded,
    wait_refused,
)

pytestmark = pytest.mark.browser

GLP1 = DATA / "en_weekly5y_3terms_lt1_glp1.csv"
BITCOIN = DATA / "en_weekly5y_bitcoin.csv"
XSS_NAME = "<img src=x onerror=window.__xss=1>"
CLOCK_START = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC)
NO_NUMBERS = b"Week,term\n2020-01-05,a\n2020-01-12,b\n2020-01-19,c\n"


def synthetic_csv(term: str) -> bytes:
    """A small weekly series with one obvious spike, under an arbitrary term name."""
    rows = [
        f"2020-{m:02d}-{d:02d},{(m * 7 + d) % 13 + (90 if (m, d) == (3, 8) else 0)}"
        for m in range(1, 10)
        for d in (1, 8, 15, 22)
    ]
    return (
        "Category: All categories\n\nWeek," + term + ": (Worldwide)\n" + "\n".join(rows)
    ).encode()


def assert_table_matches(page: Any, answer: dict[str, Any]) -> None:
    """Every series has a chart canvas and a table whose rows are exactly the API's anomalies."""
    cards = page.locator("#series-list article.series")
    assert cards.count() == len(answer["series"])
    for i, series in enumerate(answer["series"]):
        card = cards.nth(i)
        assert card.locator("h3").text_content() == series["name"]
        assert card.locator(".chart canvas").count() >= 1
        box = card.locator(".chart canvas").first.bounding_box()
        assert box is not None and box["width"] > 150 and box["height"] > 100
        rows = card.locator("table.anomalies tbody tr")
        expected = series["anomalies"]
        if not expected:
            assert rows.count() == 0
            assert "No anomalies" in card.text_content()
            continue
        assert rows.count() == len(expected)
        for row_index, anomaly in enumerate(expected):
            row = rows.nth(row_index)
            assert row.get_attribute("data-index") == str(anomaly["index"])
            cells = row.locator("td")
            texts = cells.all_text_contents()
            assert cells.nth(0).get_attribute("data-timestamp") == anomaly["timestamp"]
            if anomaly["start"] == anomaly["end"]:
                assert texts[1] == texts[0]  # a single point: its one date
            else:
                assert " – " in texts[1]
            assert float(cells.nth(2).get_attribute("data-value")) == anomaly["value"]
            # Two decimals on the page: half a unit of the last digit, plus float error (11.625
            # is shown as 11.63, and 11.63 - 11.625 is 0.005000000000000782).
            half = 0.005 + 1e-9
            if not texts[2].startswith("<1"):
                assert float(texts[2]) == pytest.approx(anomaly["value"], abs=half)
            assert float(texts[3]) == pytest.approx(anomaly["expected"], abs=half)
            assert float(texts[4]) == pytest.approx(anomaly["score"], abs=half)
            assert texts[5].endswith(anomaly["direction"])
            assert texts[6] == anomaly["kind"].replace("_", " ")


@pytest.mark.same_page
def test_upload_shows_charts_and_the_apis_anomalies(page: Any, stack: Any, problems: list) -> None:
    open_page(page, stack.urls["site"])
    upload_path(page, GLP1)
    status = page.locator("#file-status").text_content()
    assert "en_weekly5y_3terms_lt1_glp1.csv" in status
    assert "3 terms (ozempic, monjauro, wegovy), 262 rows" in status
    with page.expect_request(lambda r: "/detect" in r.url and r.method == "POST") as sent:
        page.get_by_role("button", name="Detect anomalies").click()
    wait_done(page)
    request = sent.value
    # The file is sent unchanged, as a CSV of a binary type (application/csv: the HTTP API
    # passes a text/csv body on as UTF-8 text, which a file in another encoding cannot
    # survive), with the method in the query string.
    assert request.post_data_buffer == GLP1.read_bytes()
    assert request.headers["content-type"] == "application/csv"
    query = parse_qs(urlsplit(request.url).query)
    assert query == {"method": ["auto"], "sensitivity": ["0.5"]}

    status, answer = call_api(stack.urls["api"], GLP1.read_bytes(), "method=auto&sensitivity=0.5")
    assert status == 200
    assert len(answer["series"]) == 3
    assert page.locator("#error").is_hidden()
    assert_table_matches(page, answer)
    total = sum(len(s["anomalies"]) for s in answer["series"])
    assert page.locator("#status").text_content().startswith(f"Done: {total} anomal")
    # The tab (and a screen reader's window list) counts the result, never naming the file:
    # a title is on a shared screen, in the browser's history and wherever that syncs.
    assert page.title() == (
        f"{total} anomal{'y' if total == 1 else 'ies'} in 3 series – Trends anomaly detector"
    )
    # What the shaded range is, said once for the method used (not a confidence interval).
    note = page.locator("#band-note")
    assert note.is_visible()
    assert "would lie if nothing unusual happened, at this sensitivity" in note.text_content()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "result.png"), full_page=True)
    assert problems == []


@pytest.mark.same_page
def test_method_parameters_go_to_the_api(page: Any, stack: Any, problems: list) -> None:
    open_page(page, stack.urls["site"])
    # Only the chosen method's fields are shown; auto is the default.
    assert page.locator("#auto-sensitivity").is_visible()
    assert not page.locator("#auto-alpha").is_visible()  # under "More settings"
    assert not page.locator("#stl-alpha").is_visible()
    page.get_by_label("Detection method").select_option("stl")
    assert not page.locator("#auto-sensitivity").is_visible()
    assert not page.locator("#dbscan-eps").is_visible()
    assert page.locator("#stl-alpha").input_value() == "0.05"
    page.locator("#stl-period").fill("52")
    page.locator("#stl-alpha").fill("0.01")
    upload_path(page, BITCOIN)
    with page.expect_request(lambda r: "/detect" in r.url and r.method == "POST") as sent:
        page.get_by_role("button", name="Detect anomalies").click()
    wait_done(page)
    query = parse_qs(urlsplit(sent.value.url).query)
    assert query == {"method": ["stl"], "period": ["52"], "alpha": ["0.01"]}
    status, answer = call_api(
        stack.urls["api"], BITCOIN.read_bytes(), "method=stl&period=52&alpha=0.01"
    )
    assert status == 200 and answer["method"] == "stl"
    assert_table_matches(page, answer)
    summary = page.locator("#results-summary").text_content()
    assert "STL + generalized ESD, season length 52, significance level 0.01" in summary
    band_note = page.locator("#band-note").text_content()
    assert "trend and season STL found" in band_note and "sensitivity" not in band_note
    assert problems == []


@pytest.mark.same_page
def test_dropping_a_file_loads_it(page: Any, stack: Any, problems: list) -> None:
    open_page(page, stack.urls["site"])
    text = BITCOIN.read_text(encoding="utf-8")
    page.evaluate(
        """(text) => {
            const data = new DataTransfer();
            data.items.add(new File([text], 'dropped.csv', { type: 'text/csv' }));
            const zone = document.getElementById('drop-zone');
            const init = { dataTransfer: data, bubbles: true, cancelable: true };
            zone.dispatchEvent(new DragEvent('dragover', init));
            zone.dispatchEvent(new DragEvent('drop', init));
        }""",
        text,
    )
    wait_loaded(page, "dropped.csv")
    run(page)
    assert page.locator("#error").is_hidden()
    assert page.locator("#series-list article.series h3").all_text_contents() == ["bitcoin"]
    assert problems == []


@pytest.mark.same_page
def test_dropping_several_files_says_only_the_first_is_used(page: Any, stack: Any) -> None:
    """Two exports dropped at once: the page took the first and said nothing of the second,
    so a person who meant both to be analysed could not tell the second was left out."""
    open_page(page, stack.urls["site"])
    page.evaluate(
        """(text) => {
            const data = new DataTransfer();
            data.items.add(new File([text], 'first.csv', { type: 'text/csv' }));
            data.items.add(new File([text], 'second.csv', { type: 'text/csv' }));
            data.items.add(new File([text], 'third.csv', { type: 'text/csv' }));
            const zone = document.getElementById('drop-zone');
            const init = { dataTransfer: data, bubbles: true, cancelable: true };
            zone.dispatchEvent(new DragEvent('dragover', init));
            zone.dispatchEvent(new DragEvent('drop', init));
        }""",
        BITCOIN.read_text(encoding="utf-8"),
    )
    wait_loaded(page, "first.csv")
    said = page.locator("#file-status").text_content()
    assert "2 more files were dropped with it (second.csv, third.csv)" in said, said
    assert "one file at a time" in said, said
    # One file chosen afterwards says nothing of others.
    upload_path(page, BITCOIN)
    assert "dropped with it" not in page.locator("#file-status").text_content()


@pytest.mark.parametrize(
    ("kind", "said"), [("text/plain", "That was text"), ("text/uri-list", "That was a link")]
)
@pytest.mark.same_page
def test_dropping_text_or_a_link_says_a_file_is_needed(
    page: Any, stack: Any, problems: list, kind: str, said: str
) -> None:
    """Text (or a link) dragged onto the file box was ignored without a word: the drop held
    no file, and the page said nothing, as if it had not noticed. A wrong file is named."""
    open_page(page, stack.urls["site"])
    page.evaluate(
        """(kind) => {
            const data = new DataTransfer();
            data.setData(kind, 'Week,bitcoin\\n2020-01-05,10');
            const zone = document.getElementById('drop-zone');
            const init = { dataTransfer: data, bubbles: true, cancelable: true };
            zone.dispatchEvent(new DragEvent('dragover', init));
            zone.dispatchEvent(new DragEvent('drop', init));
        }""",
        kind,
    )
    status = wait_refused(page)
    assert status.startswith(f"✗ {said}, not a file."), status
    assert "Drop the CSV file itself" in status, status
    # Detect then says the same, as for a wrong file.
    page.get_by_role("button", name="Detect anomalies").click()
    assert page.locator("#error").text_content().startswith(f"{said}, not a file.")
    assert problems == []


@pytest.mark.same_page
def test_the_apis_error_message_is_shown(page: Any, stack: Any, problems: list) -> None:
    """An error only the model can know (the series is too short for that season) is shown."""
    body = BITCOIN.read_bytes()
    status, expected = call_api(stack.urls["api"], body, "method=stl&period=200&alpha=0.05")
    assert status == 400 and expected["error"]["code"] == "too_few_points"
    open_page(page, stack.urls["site"])
    page.get_by_label("Detection method").select_option("stl")
    page.locator("#stl-period").fill("200")
    upload(page, "bad.csv", body)
    run(page)
    error = page.locator("#error")
    assert error.is_visible()
    assert error.get_attribute("role") == "alert"
    text = error.text_content()
    assert expected["error"]["message"] in text
    assert expected["error"]["hint"] in text
    assert expected["error"]["code"] in text
    assert page.locator("#results").is_hidden()
    assert page.get_by_role("button", name="Detect anomalies").is_enabled()
    # The browser logs the failed (4xx) fetch itself; nothing else may go wrong.
    assert [p for p in problems if "Failed to load resource" not in p] == []


def test_a_failure_of_the_page_quotes_the_answers_request_id_and_time(
    page: Any, stack: Any
) -> None:
    """The page's "Something went wrong" (it could not show an answer the API gave: a bug of
    the page, which no server log records) said nothing to find the request by. It now quotes
    the answer's request id, which the Lambda's and the model's log lines carry, and the time
    in UTC, the logs' zone."""
    open_page(page, stack.urls["site"])
    upload_path(page, BITCOIN)
    ids: list[str] = []

    def unreadable(route: Any) -> None:
        real = route.fetch()  # through the real stack: its id is in the real logs
        ids.append(real.headers["apigw-requestid"])
        route.fulfill(response=real, body='{"series": [{}]}')  # results the page cannot draw

    page.route(lambda url: "/detect" in url, unreadable)
    run(page)
    text = page.locator("#error").text_content()
    assert text.startswith("Something went wrong: "), text
    assert len(ids) == 1 and f"request id {ids[0]}" in text, (ids, text)
    assert "code page_error" in text
    assert re.search(r" · 20\d\d-\d\d-\d\d \d\d:\d\d:\d\d UTC$", text), text
    assert page.locator("#results").is_hidden()


def test_a_bad_parameter_is_explained_before_anything_is_sent(page: Any, stack: Any) -> None:
    open_page(page, stack.urls["site"])
    page.get_by_label("Detection method").select_option("stl")
    page.locator("#stl-alpha").fill("0.7")
    upload_path(page, BITCOIN)
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if "/detect" in r.url else None)
    page.get_by_role("button", name="Detect anomalies").click()
    error = page.locator("#error")
    error.wait_for(state="visible")
    assert "Significance level must be a number between 0 and 0.5" in error.text_content()
    assert page.evaluate("document.activeElement.id") == "stl-alpha"
    assert sent == []


@pytest.mark.same_page
def test_term_names_are_text_never_html(page: Any, stack: Any, problems: list) -> None:
    body = synthetic_csv(XSS_NAME)
    status, answer = call_api(stack.urls["api"], body, "method=auto&sensitivity=0.5")
    assert status == 200 and answer["series"][0]["name"] == XSS_NAME
    open_page(page, stack.urls["site"])
    upload(page, f"{XSS_NAME}.csv", body)
    run(page)
    assert page.locator("#error").is_hidden()
    assert page.locator("#series-list h3").all_text_contents() == [XSS_NAME]
    assert XSS_NAME in page.locator("#file-status").text_content()
    assert XSS_NAME in page.locator("table.anomalies caption").text_content()
    assert page.locator("img").count() == 0
    # Kept on purpose, a wait for something NOT to happen: an <img src=x> made of the name
    # (even one never added to the page) would fetch x and fire its onerror when that fails,
    # an event that has no "it will not come" to wait for. The checks above (no img, the name
    # as text) and the page's CSP (no inline handler runs; a refusal fails the test) do not
    # depend on this time.
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert_table_matches(page, answer)
    assert problems == []


def test_keyboard_only(page: Any, stack: Any, problems: list) -> None:
    # Listen before anything happens: Playwright turns on file-dialog interception
    # asynchronously, and a dialog opened before that is lost (no event).
    choosers: list[Any] = []
    page.on("filechooser", lambda chooser: choosers.append(chooser))
    open_page(page, stack.urls["site"])

    def tab_to(target: str, limit: int = 20) -> None:
        """Press Tab until the focused element has this id or starts with this text."""
        for _ in range(limit):
            page.keyboard.press("Tab")
            focused = page.evaluate(
                "[document.activeElement.id, document.activeElement.textContent.trim()]"
            )
            if focused[0] == target or focused[1].startswith(target):
                return
        raise AssertionError(f"Tab never reached {target!r}")

    # The drop zone is a focusable button that opens the file dialog with Enter.
    tab_to("drop-zone")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "keyboard focus must be visible"
    # The listener registered before the page loaded (see above) keeps the interception on;
    # the dialog itself is awaited as the event it is.
    with page.expect_file_chooser():
        page.keyboard.press("Enter")
    assert len(choosers) == 1, "Enter on the drop zone must open the file dialog"
    assert choosers[0].element.get_attribute("id") == "file-input"

    tab_to("Bitcoin, weekly")
    page.keyboard.press("Enter")
    wait_loaded(page, "bitcoin")
    tab_to("method")  # past the other examples
    tab_to("Detect anomalies")
    page.keyboard.press("Space")
    wait_done(page)
    assert page.locator("#error").is_hidden()
    status = page.locator("#status")
    assert status.get_attribute("aria-live") == "polite"
    assert re.match(r"Done: \d+ anomal(y|ies) in 1 series\.", status.text_content())
    assert page.evaluate("document.activeElement.id") == "results-heading"
    # The chart is reachable too, and its readout follows the arrow keys.
    tab_to("chart-0-plot")
    page.keyboard.press("ArrowRight")
    assert page.locator(".readout").first.text_content().startswith("12 Jul 2020 · value 15")
    page.keyboard.press("End")
    assert page.locator(".readout").first.text_content().startswith("13 Jul 2025")
    assert problems == []


# The colour of the focus ring and what lies just beside it, for the element with focus. The
# ring is the outline (offset outward, or inward when negative): the point sampled is just past
# it, and its colour is that of the first box with a background there (a gradient: each stop).
FOCUS_RING = r"""() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    const offset = parseFloat(style.outlineOffset), width = parseFloat(style.outlineWidth);
    const r = el.getBoundingClientRect();
    const x = offset >= 0 ? r.left - offset - width - 2 : r.left - offset + 2;
    const y = r.top + Math.min(r.height / 2, 20);
    const beside = [];
    let node = document.elementsFromPoint(Math.max(x, 0), Math.max(y, 0))
        .find((e) => e !== el && !el.contains(e));
    for (; node; node = node.parentElement) {
        const s = getComputedStyle(node);
        const stops = s.backgroundImage.match(/rgba?\([^)]*\)/g);
        if (stops) { beside.push(...stops); break; }
        if (!/rgba\(0, 0, 0, 0\)|transparent/.test(s.backgroundColor)) {
            beside.push(s.backgroundColor); break;
        }
    }
    return { what: el.id || el.className || el.tagName, ring: style.outlineColor, beside };
}"""


@pytest.mark.same_page
def test_the_focus_ring_stands_out_from_what_is_around_it(page: Any, stack: Any) -> None:
    """WCAG 1.4.11: a focus indicator needs 3:1 against the colours next to it. Every stop of
    Tab through the page with a result, the skip link over the header included."""
    open_page(page, stack.urls["site"])
    upload_path(page, BITCOIN)
    run(page)
    page.evaluate("document.activeElement.blur()")
    seen = set()
    weak = []
    for _ in range(40):
        page.keyboard.press("Tab")
        ring = page.evaluate(FOCUS_RING)
        if ring["what"] == "BODY" or ring["what"] in seen:
            continue
        seen.add(ring["what"])
        assert ring["beside"], ring
        worst = min(contrast(ring["ring"], colour) for colour in ring["beside"])
        if worst < 3:
            weak.append((ring["what"], ring["ring"], round(worst, 2)))
    assert {"skip-link", "drop-zone", "method", "run", "download", "chart-0-plot"} <= seen, seen
    assert not weak, weak


@pytest.mark.same_page
def test_field_outlines_and_header_text_have_enoughcontrast(page: Any, stack: Any) -> None:
    """A number field's or a select's border is all that shows it (WCAG 1.4.11: 3:1 on the
    white card); the header's intro text is text (1.4.3: 4.5:1 on the header's lightest blue,
    #2563eb, where its lines end on a phone)."""
    open_page(page, stack.urls["site"])
    borders = page.eval_on_selector_all(
        "select, input[type=number]", "els => els.map(e => getComputedStyle(e).borderTopColor)"
    )
    assert borders
    assert min(contrast(b, "rgb(255, 255, 255)") for b in borders) >= 3.0, borders
    lede = page.eval_on_selector(".lede", "e => getComputedStyle(e).color")
    assert contrast(lede, "rgb(37, 99, 235)") >= 4.5, lede


@pytest.mark.same_page
def test_every_control_has_a_label(page: Any, stack: Any) -> None:
    open_page(page, stack.urls["site"])
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, button')]
            .filter((el) => el.id !== 'file-input')
            .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                            && !el.textContent.trim())
            .map((el) => el.outerHTML.slice(0, 80))"""
    )
    assert unlabelled == []


@pytest.mark.parametrize(("method", "more"), [("stl", False), ("auto", True)])
@pytest.mark.same_page
def test_the_fields_of_a_row_start_level_whatever_their_labels_wrap_to(
    page: Any, stack: Any, method: str, more: bool
) -> None:
    """Side by side at 1280 px, "Significance level" and "Most anomalies per series" wrap to
    two lines and "Season length" does not: its box stood 23 px above the other two."""
    open_page(page, stack.urls["site"])
    page.select_option("#method", method)
    if more:
        page.locator(f"fieldset[data-method={method}] summary").click()
    rows = page.locator(f"fieldset[data-method={method}] .field-row").last
    boxes = [b.bounding_box() for b in rows.locator("input").all()]
    assert len(boxes) == 3
    assert len({round(b["x"]) for b in boxes}) == 3, "the fields stand side by side"
    assert {round(b["y"]) for b in boxes} == {round(boxes[0]["y"])}, boxes


@pytest.mark.same_page
def test_busy_state_while_waiting(page: Any, stack: Any, problems: list) -> None:
    open_page(page, stack.urls["site"])
    upload_path(page, GLP1)
    # Read the state in the same task as the click: the request cannot have answered yet.
    busy = page.evaluate(
        """() => {
            const button = document.getElementById('run');
            button.click();
            return {
                disabled: button.disabled,
                ariaBusy: document.getElementById('detect-form').getAttribute('aria-busy'),
                label: button.textContent.trim(),
                spinner: getComputedStyle(button.querySelector('.spinner')).display !== 'none',
                status: document.getElementById('status').textContent,
            };
        }"""
    )
    assert busy == {
        "disabled": True,
        "ariaBusy": "true",
        "label": "Detecting…",
        "spinner": True,
        "status": "Detecting anomalies in en_weekly5y_3terms_lt1_glp1.csv…",
    }
    wait_done(page)
    button = page.locator("#run")
    assert button.is_enabled()
    assert page.locator("#detect-form").get_attribute("aria-busy") == "false"
    assert button.text_content().strip() == "Detect anomalies"
    assert problems == []


@pytest.mark.same_page
def test_download_results_as_csv(page: Any, stack: Any, problems: list, tmp_path: Path) -> None:
    open_page(page, stack.urls["site"])
    upload_path(page, GLP1)
    run(page)
    note = page.locator("#download-note").text_content()
    assert 'Google Trends writes "<1" for interest under 1; it is read as 0.5.' in note
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download results as CSV").click()
    download = download_info.value
    assert (
        download.suggested_filename
        == "en_weekly5y_3terms_lt1_glp1-anomalies-auto-sensitivity-0.5.csv"
    )
    saved = tmp_path / "results.csv"
    download.save_as(saved)
    rows = read_csv(saved.read_text(encoding="utf-8-sig"))
    below_one = [r for r in rows if r["note"]]
    assert len(below_one) == 147  # the export's "<1" cells, each explained
    assert {r["value"] for r in below_one} == {"0.5"}

    _, answer = call_api(stack.urls["api"], GLP1.read_bytes(), "method=auto&sensitivity=0.5")
    assert len(rows) == sum(len(s["values"]) for s in answer["series"])
    for series in answer["series"]:
        mine = [r for r in rows if r["series"] == series["name"]]
        assert [r["timestamp"] for r in mine] == series["timestamps"]
        assert [float(r["value"]) for r in mine] == series["values"]
        assert [float(r["expected"]) for r in mine] == pytest.approx(series["expected"])
        flagged = [i for i, r in enumerate(mine) if r["anomaly"] == "true"]
        assert flagged == [a["index"] for a in series["anomalies"]]
        for anomaly in series["anomalies"]:
            row = mine[anomaly["index"]]
            assert float(row["score"]) == pytest.approx(anomaly["score"])
            assert (row["direction"], row["kind"]) == (anomaly["direction"], anomaly["kind"])
            assert (row["event_start"], row["event_end"]) == (anomaly["start"], anomaly["end"])
    assert problems == []


@pytest.mark.same_page
def test_download_guards_against_spreadsheet_formulas(
    page: Any, stack: Any, tmp_path: Path
) -> None:
    term = '=HYPERLINK("http://example.invalid","x"),"quoted"'
    body = synthetic_csv(f'"{term.replace(chr(34), chr(34) * 2)}"')
    status, answer = call_api(stack.urls["api"], body, "method=auto&sensitivity=0.5")
    assert status == 200
    name = answer["series"][0]["name"]
    assert name.startswith("=")
    open_page(page, stack.urls["site"])
    upload(page, "f.csv", body)
    run(page)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download results as CSV").click()
    saved = tmp_path / "f.csv"
    download_info.value.save_as(saved)
    rows = read_csv(saved.read_text(encoding="utf-8-sig"))
    assert rows and {r["series"] for r in rows} == {"'" + name}


def test_readable_on_a_phone(phone_page: Any, stack: Any, problems: list) -> None:
    page = phone_page
    open_page(page, stack.urls["site"])
    # A phone has no file to drag onto the page: its box does not offer to take one.
    help_text = page.locator("#drop-help").inner_text()
    assert "drop" not in help_text and help_text.startswith("A Google Trends export"), help_text
    page.get_by_role("button", name="Bitcoin, weekly, 5 years").click()
    wait_loaded(page, "bitcoin")
    run(page)
    assert page.locator("#error").is_hidden()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page is {width}px wide on a 375px screen"
    for box in [c.bounding_box() for c in page.locator(".chart canvas").all()]:
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
    # Every column of every anomaly is on screen: rows stack, labelled, nothing scrolls sideways.
    rows = page.locator("table.anomalies tbody tr")
    assert rows.count() >= 1, "bitcoin weekly has anomalies to show"
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td")
        assert cells.count() == 7
        for j in range(7):
            cell = cells.nth(j)
            cell.scroll_into_view_if_needed()
            box = cell.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
            # What the card shows: the content before its alternative text (`/ ""`, for the
            # eye only; test_site_a11y.py).
            label = cell.evaluate("(td) => getComputedStyle(td, '::before').content")
            assert re.match(r'"([^"]*)"', label).group(1) == cell.get_attribute("data-label")
    assert page.locator("table.anomalies").evaluate("(t) => t.scrollWidth <= t.clientWidth")
    ARTIFACTS.mkdir(exist_ok=True)
    page.mouse.move(0, 0)  # no hover tint in the capture (test_site_screenshots.py says why)
    page.screenshot(path=str(ARTIFACTS / "result-phone.png"), full_page=True)
    assert problems == []


def test_a_wide_table_stays_in_its_card_at_200_percent_zoom(page: Any, stack: Any) -> None:
    """A 1280 px window zoomed to 200 % is 640 CSS px: too wide for the phone layout, too
    narrow for the table of an hourly export (some 970 px). The table scrolls inside its own
    box; the page itself never scrolls sideways, and no column sits outside its card."""
    page.set_viewport_size({"width": 640, "height": 450})
    open_page(page, stack.urls["site"])
    upload_path(page, DATA / "en_hourly7d_2terms.csv")
    run(page)
    assert page.locator("table.anomalies").count() >= 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 640, f"page is {width}px wide in a 640px window"
    for wrap in page.locator(".table-wrap").all():
        card = wrap.evaluate("(w) => w.closest('article').getBoundingClientRect().right")
        box = wrap.bounding_box()
        assert box["x"] + box["width"] <= card + 0.5
        assert wrap.evaluate("(w) => getComputedStyle(w).overflowX") == "auto"


def test_chart_follows_the_window_size(page: Any, stack: Any) -> None:
    open_page(page, stack.urls["site"])
    upload_path(page, BITCOIN)
    run(page)
    wide = page.locator(".chart canvas").first.bounding_box()["width"]
    page.set_viewport_size({"width": 420, "height": 800})
    page.wait_for_function(
        "(wide) => document.querySelector('.chart canvas').getBoundingClientRect().width < wide",
        arg=wide - 100,
    )
    assert page.locator(".chart canvas").first.bounding_box()["width"] <= 420


def test_unreachable_api_is_reported(page: Any, dist_copy: Path, closed_port: int) -> None:
    """The page waits for the API ("Starting…"), says it is not answering, and after 90 s
    offers Detect anyway; a try says it could not be reached. The page's clock is
    fast-forwarded through the wait, and paused in between: running in real time, a loaded
    machine let the 4 s "not answering yet" pass before the first look."""
    api = f"http://127.0.0.1:{closed_port}"
    (dist_copy / "config.js").write_text(f'window.TRENDS_CONFIG = {{"apiUrl": "{api}"}};\n')
    with StaticServer(dist_copy) as server:
        page.clock.install(time=CLOCK_START)
        page.clock.pause_at(CLOCK_START + datetime.timedelta(seconds=1))
        open_page(page, server.url, ready=False)
        assert page.locator("#config-problem").is_hidden()
        button = page.locator("#run")
        assert button.is_disabled() and button.text_content().strip() == "Starting…"
        assert page.locator("#api-status").text_content().startswith("Starting the detector")
        for _ in range(60):
            if button.is_enabled():
                break
            page.clock.run_for(5000)
        status = page.locator("#api-status").text_content()
        assert status.startswith("The detector has not answered for 90 seconds."), status
        assert "you can also try Detect anomalies now" in status, status
        upload_path(page, BITCOIN)
        run(page)
        error = page.locator("#error")
        assert error.is_visible()
        assert f"Could not reach the API at {api}." in error.text_content()
        assert page.get_by_role("button", name="Detect anomalies").is_enabled()


def test_missing_config_is_reported(page: Any, dist_copy: Path) -> None:
    with StaticServer(dist_copy) as server:  # dist_copy has no config.js
        open_page(page, server.url)
        notice = page.locator("#config-problem")
        assert notice.is_visible()
        assert "config.js is missing" in notice.text_content()
        upload_path(page, BITCOIN)
        sent: list[str] = []
        page.on("request", lambda r: sent.append(r.url) if "/detect" in r.url else None)
        page.get_by_role("button", name="Detect anomalies").click()
        page.locator("#error").wait_for(state="visible")
        assert "config.js is missing" in page.locator("#error").text_content()
        assert sent == []


@pytest.mark.same_page
def test_results_never_outlive_their_file(page: Any, stack: Any) -> None:
    open_page(page, stack.urls["site"])
    upload_path(page, BITCOIN)
    run(page)
    assert page.locator("#results").is_visible()
    page.set_input_files(  # a new file: the old results go
        "#file-input", files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": NO_NUMBERS}]
    )
    wait_refused(page)
    assert page.locator("#results").is_hidden()
    assert page.title() == "Trends anomaly detector"
    run(page)
    assert page.locator("#error").is_visible()
    assert page.locator("#results").is_hidden()
    assert page.locator("#series-list canvas").count() == 0


@pytest.mark.same_page
def test_a_file_of_many_terms_lists_them_above_the_charts(page: Any, stack: Any) -> None:
    """Sixteen terms make a page some 12 000 px tall: a list above the charts jumps to each,
    with its count of anomalies; a file of three terms needs none."""
    many = DATA / "more" / "it_monthly_semicolons_16terms.csv"
    open_page(page, stack.urls["site"])
    upload_path(page, many)
    run(page)
    _, answer = call_api(stack.urls["api"], many.read_bytes(), "method=auto")
    links = page.locator("#series-index a")
    assert links.count() == 16
    for k in (0, 9):
        series = answer["series"][k]
        assert links.nth(k).text_content() == f"{series['name']} {len(series['anomalies'])}"
    links.nth(12).click()
    page.wait_for_function("() => location.hash === '#series-12'")
    box = page.locator("#series-12").bounding_box()
    assert -1 <= box["y"] < page.viewport_size["height"] / 2, box  # scrolled to it
    upload_path(page, DATA / "en_weekly5y_3terms_lt1_glp1.csv")
    run(page)
    assert page.locator("#series-index").is_hidden()


def test_an_answer_for_an_earlier_file_is_never_shown_under_a_later_one(
    page: Any, stack: Any, problems: list
) -> None:
    """A file chosen while Detect is on its way: the answer that then arrives describes the
    earlier file. Shown, it would sit under "Ready: <the later file>", be announced as the
    later file's result, and download under the later file's name."""
    open_page(page, stack.urls["site"])
    upload_path(page, BITCOIN)
    held: list[Any] = []

    def is_detect(url: str) -> bool:
        return "/detect" in url

    def later_file_then_answer(route: Any) -> None:
        """The request on its way (held here): the later file chosen, then the request let go."""
        held.append(route)
        upload_path(page, GLP1)
        route.continue_()

    page.route(is_detect, later_file_then_answer)
    page.get_by_role("button", name="Detect anomalies").click()
    page.wait_for_function("() => !document.getElementById('run').disabled")
    assert len(held) == 1
    assert page.locator("#series-list article").count() == 0
    assert page.locator("#results").is_hidden()
    status = page.locator("#status").text_content()
    assert not status.startswith("Done:"), status
    assert BITCOIN.name in status and GLP1.name in status, status
    page.unroute(is_detect)
    run(page)  # Detect now analyses the file on show
    assert page.locator("#series-list h3").all_text_contents() == ["ozempic", "monjauro", "wegovy"]
    assert problems == []


@pytest.mark.same_page
def test_a_file_of_one_row_says_one_point(page: Any, stack: Any) -> None:
    """The line under a term's name counts its points: a one-row export read "1 points"."""
    lines = BITCOIN.read_text().splitlines()
    open_page(page, stack.urls["site"])
    upload(page, "one-row.csv", "\n".join(lines[:4]).encode() + b"\n")
    run(page)
    meta = page.locator(".series-meta").first.text_content()
    assert "· 1 point" in meta and "1 points" not in meta, meta


@pytest.mark.same_page
def test_a_chosen_file_is_announced_once(page: Any, stack: Any) -> None:
    """Two live regions said the same news in other words ("Ready: …" and "… is ready"); the
    file's status box says it once, with the next step for a screen reader."""
    open_page(page, stack.urls["site"])
    upload_path(page, BITCOIN)
    wait_loaded(page, "en_weekly5y_bitcoin.csv")
    live = page.locator("[role=status], [role=alert], [aria-live=polite], [aria-live=assertive]")
    saying = [t for t in live.all_text_contents() if "en_weekly5y_bitcoin.csv" in t]
    assert len(saying) == 1, saying
    assert saying[0].rstrip().endswith("Choose a method and press Detect anomalies."), saying
    page.set_input_files(  # a refused file is said once too
        "#file-input", files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": NO_NUMBERS}]
    )
    refused = wait_refused(page)
    saying = [t for t in live.all_text_contents() if t.strip()]
    assert saying == [refused], saying


# The boxes of the heading's text (each line of it) and of the skip link, once Tab showed it.
SKIP_LINK_AND_TITLE = """() => {
    const link = document.activeElement.getBoundingClientRect();
    const range = document.createRange();
    range.selectNodeContents(document.querySelector('h1'));
    const lines = [...range.getClientRects()].map((r) => [r.left, r.top, r.right, r.bottom]);
    return { focused: document.activeElement.className,
             link: [link.left, link.top, link.right, link.bottom], lines };
}"""


@pytest.mark.parametrize("width", [1280, 375])
def test_the_skip_link_covers_no_part_of_the_heading(page: Any, stack: Any, width: int) -> None:
    """The skip link, shown by the first Tab, sat over the header's top left corner: on the
    heading's first letter ("rends anomaly detector"). Shown, it covers none of the heading's
    text, at a desktop's width and a phone's, is on screen, and moves nothing (a link that
    pushed the page down when shown pulled it back up on the next mouse press, and the click
    landed on whatever had moved under the pointer)."""
    page.set_viewport_size({"width": width, "height": 800})
    open_page(page, stack.urls["site"])
    hidden = page.evaluate(SKIP_LINK_AND_TITLE)["lines"]  # (nothing has focus yet)
    page.keyboard.press("Tab")
    boxes = page.evaluate(SKIP_LINK_AND_TITLE)
    assert boxes["focused"] == "skip-link", boxes
    # Showing it moves nothing: a mouse press that hides it again must land where it aimed.
    assert boxes["lines"] == hidden, (boxes, hidden)
    left, top, right, bottom = boxes["link"]
    assert top >= 0 and left >= 0 and right <= width, boxes
    for x0, y0, x1, y1 in boxes["lines"]:
        apart = right <= x0 or x1 <= left or bottom <= y0 or y1 <= top
        assert apart, (
            f"the skip link {boxes['link']} covers the heading's text at {[x0, y0, x1, y1]}"
        )
    page.keyboard.press("Enter")  # it still skips to the detector
    assert page.evaluate("document.activeElement.id") == "main"


def test_a_printout_is_the_result_not_the_form(page: Any, stack: Any) -> None:
    """Printed, page 1 was the upload form (drop zone, examples, method fields, Detect) and
    the result began below it. On paper: the title, the file's name, the method and its
    sensitivity, each chart and table; no control, nor the hints about pointing or downloading.
    The title is dark on the white paper (a print leaves out the header's blue)."""
    open_page(page, stack.urls["site"])
    upload_path(page, BITCOIN)
    run(page)
    page.emulate_media(media="print")
    for control in (
        "#detect-form",
        "#drop-zone",
        "#run",
        "#status",
        "#download",
        "#download-note",
        ".chart-tools",
        ".param-details",
        ".site-footer",
    ):
        assert page.locator(control).first.is_hidden(), f"{control} is printed"
    for result in (
        "h1",
        "#results-heading",
        "#results-summary",
        ".chart canvas",
        "table.anomalies",
    ):
        assert page.locator(result).first.is_visible(), f"{result} is not printed"
    printed = page.locator("#results").inner_text()
    assert BITCOIN.name in printed, printed[:300]
    assert "Auto, sensitivity 0.5" in printed, printed[:300]
    title = page.locator("h1")
    assert contrast(title.evaluate("(e) => getComputedStyle(e).color"), "rgb(255, 255, 255)") >= 4.5
    # The result starts right under the title: on page 1, not after the form.
    top = page.locator("#results-heading").bounding_box()["y"]
    assert top < title.bounding_box()["y"] + 150, top


@pytest.mark.same_page
def test_one_point_is_said_not_drawn_on_an_invented_axis(
    page: Any, stack: Any, problems: list, tmp_path: Path
) -> None:
    """A one-row file drew an empty chart: a grid from Sep 2020 to Mar 2023 (uPlot's guess
    around one date), no line, no point, and "No anomalies found" under it, as if the week had
    been judged. The card says the one point (its date and value) where the chart would be,
    that nothing was judged, and draws no chart; the rest of the page and the download work."""
    lines = BITCOIN.read_text().splitlines()
    assert lines[3] == "2020-07-12,15"
    open_page(page, stack.urls["site"])
    upload(page, "one-row.csv", "\n".join(lines[:4]).encode() + b"\n")
    run(page)
    assert page.locator("#error").is_hidden()
    card = page.locator("article.series").first
    assert card.locator("canvas").count() == 0
    assert card.locator(".legend-key").count() == 0
    said = card.locator(".one-point").text_content()
    assert "12 Jul 2020" in said and "value 15" in said and "chart needs two" in said, said
    judged = card.locator(".no-anomalies").text_content()
    assert judged.startswith("Not judged") and "No anomalies found" not in judged, judged
    assert card.locator(".badge").text_content() == "not judged"
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download results as CSV").click()
    saved = tmp_path / "one.csv"
    download_info.value.save_as(saved)
    rows = read_csv(saved.read_text(encoding="utf-8-sig"))
    assert [(r["timestamp"], r["value"]) for r in rows] == [("2020-07-12", "15")]
    assert problems == []


@pytest.mark.same_page
def test_a_term_too_short_to_test_is_not_judged_and_says_why(
    page: Any, stack: Any, problems: list
) -> None:
    """A five-row file: the model tests none of its points (band only), and the page said "No
    anomalies found in this series" and "0 anomalies", as if five weeks had been judged normal,
    though the third is nine times the others. Its chart is drawn, the card says why nothing was
    tested, and the badge and table say "not judged"."""
    open_page(page, stack.urls["site"])
    upload(page, "five-rows.csv", short_export((10, 11, 90, 12, 10)))
    run(page)
    assert page.locator("#error").is_hidden()
    card = page.locator("article.series").first
    assert card.locator("canvas").count() >= 1
    note = card.locator(".series-note").inner_text()
    assert "5 points are too few to tell an anomaly from ordinary ups and downs" in note, note
    judged = card.locator(".no-anomalies").text_content()
    assert judged.startswith("Not judged: 5 points are too few"), judged
    assert card.locator(".badge").text_content() == "not judged"
    # Nor does the run's count call it a series without anomalies, or explain a range that is
    # not drawn ("Done: 0 anomalies found in 1 series" and the shaded range's note, before).
    assert page.locator("#status").text_content() == "Done: 1 series not judged: too few points."
    summary = page.locator("#results-summary").text_content()
    assert summary.startswith("1 series not judged: too few points · "), summary
    assert page.locator("#band-note").is_hidden()
    assert problems == []


def test_a_slow_request_can_be_cancelled(page: Any, stack: Any, problems: list) -> None:
    """A slow API showed "Detecting…" for up to 35 s with no way out. Cancel (next to the busy
    button, focused when Detect was) stops the request and leaves the page as it was before:
    the earlier results still shown, under the same title, Detect offered again, no error; the
    status says so."""
    open_page(page, stack.urls["site"])
    upload_path(page, BITCOIN)
    run(page)  # an earlier result on show
    shown = page.locator("#series-list").inner_text()
    title = page.title()
    held: list[Any] = []

    def is_detect(url: str) -> bool:
        return "/detect" in url

    page.route(is_detect, lambda route: held.append(route))  # never answered
    page.locator("#run").focus()
    with page.expect_request(lambda r: is_detect(r.url)):
        page.keyboard.press("Enter")
    cancel = page.get_by_role("button", name="Cancel")
    cancel.wait_for()
    assert page.evaluate("document.activeElement.id") == "cancel"
    assert page.locator("#run").text_content().strip() == "Detecting…"
    # The browser reports the request's end when it gets to it: awaited as the event it is.
    with page.expect_event("requestfailed", lambda r: is_detect(r.url)) as ended:
        page.keyboard.press("Enter")
        page.wait_for_function("() => !document.getElementById('run').disabled")
    assert page.locator("#run").text_content().strip() == "Detect anomalies"
    assert page.locator("#detect-form").get_attribute("aria-busy") == "false"
    assert cancel.is_hidden()
    assert page.evaluate("document.activeElement.id") == "run"
    assert page.locator("#status").text_content() == (
        f"Cancelled: {BITCOIN.name} was not analysed. The results shown are from your earlier run."
    )
    assert page.locator("#error").is_hidden()
    assert page.locator("#series-list").inner_text() == shown
    assert page.title() == title
    failed = ended.value.failure or ""
    assert "ABORTED" in failed.upper(), failed
    page.unroute(is_detect)
    run(page)  # Detect works again
    assert page.locator("#status").text_content().startswith("Done:")
    assert problems == []


def test_escape_cancels_a_request_on_its_way(page: Any, stack: Any, problems: list) -> None:
    """While "Detecting…" shows, Escape did nothing: only a click on Cancel stopped the request.
    Escape is the key people press to back out of a wait; it now does what Cancel does, from
    wherever the focus is (here the file box, then the Cancel button itself), and the button
    says so."""
    open_page(page, stack.urls["site"])
    upload_path(page, BITCOIN)
    held: list[Any] = []

    def is_detect(url: str) -> bool:
        return "/detect" in url

    # Said where it can be found: the button's tooltip, and its shortcut for screen readers.
    cancel = page.locator("#cancel")
    assert cancel.get_attribute("aria-keyshortcuts") == "Escape"
    assert cancel.get_attribute("title") == "Cancel (Esc)"
    page.route(is_detect, lambda route: held.append(route))  # never answered
    for focus in ("#drop-zone", "#cancel"):
        with page.expect_request(lambda r: is_detect(r.url)):  # on its way, held
            page.get_by_role("button", name="Detect anomalies").click()
        page.locator(focus).focus()
        page.keyboard.press("Escape")
        # Within the default wait (30 s): less than the page's own 35 s timeout of a request.
        page.wait_for_function("() => !document.getElementById('run').disabled")
        assert page.locator("#run").text_content().strip() == "Detect anomalies"
        assert page.locator("#status").text_content() == (
            f"Cancelled: {BITCOIN.name} was not analysed."
        )
        assert page.locator("#error").is_hidden()
    page.unroute(is_detect)
    assert problems == []


@pytest.mark.same_page
def test_one_term_compared_across_regions_names_each_region(page: Any, stack: Any) -> None:
    """Trends compares one term across regions (Compare → the same term, another region): the
    columns are "black friday: (United States)", "black friday: (Canada)", ... The page said
    "5 terms (black friday, black friday, black friday and 2 more)", and its list of terms and
    the charts' titles were five identical "black friday": nothing told which chart was which
    country but a grey line under each title. Where names repeat, each now says its region."""
    regions = ["United States", "Canada", "United Kingdom", "Australia", "India"]
    weeks = [line.split(",")[0] for line in BITCOIN.read_text().splitlines()[3:55]]
    head = "Week," + ",".join(f"black friday: ({r})" for r in regions)
    rows = [f"{w},{','.join(str(5 + (k + i) % 4) for k in range(5))}" for i, w in enumerate(weeks)]
    body = "\n".join(["Category: All categories", "", head, *rows]).encode() + b"\n"
    open_page(page, stack.urls["site"])
    upload(page, "multiTimeline.csv", body)
    status = page.locator("#file-status").inner_text()
    assert "5 terms (black friday (United States), black friday (Canada), black friday (United" in (
        status
    ), status
    run(page)
    titles = [f"black friday ({r})" for r in regions]
    assert page.locator("article.series h3").all_text_contents() == titles
    links = page.locator("#series-index a")
    assert [links.nth(k).text_content().rsplit(" ", 1)[0] for k in range(5)] == titles
    # A term that is not repeated keeps its name alone.
    upload_path(page, GLP1)
    assert "(Worldwide)" not in page.locator("#file-status").inner_text()
    run(page)
    assert all("(" not in t for t in page.locator("article.series h3").all_text_contents())


@pytest.mark.same_page
def test_a_download_of_compared_time_ranges_tells_the_ranges_apart(
    page: Any, stack: Any, problems: list, tmp_path: Path
) -> None:
    """One term over two years: both ranges' rows had the same series and header cells, so a
    spreadsheet's filter or pivot on "series" mixed the years. Each row's series is now named
    as its card is headed, with its range."""
    path = DATA / "more" / "pt_weekly1y_compare_time_ranges.csv"
    open_page(page, stack.urls["site"])
    upload_path(page, path)
    run(page)
    titles = page.locator("#series-list article.series h3").all_text_contents()
    assert titles == ["Suicídio (5 Jan 2020 – 27 Dec 2020)", "Suicídio (6 Jan 2019 – 29 Dec 2019)"]
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download results as CSV").click()
    saved = tmp_path / "results.csv"
    download_info.value.save_as(saved)
    rows = read_csv(saved.read_text(encoding="utf-8-sig"))
    by_series = {title: [r for r in rows if r["series"] == title] for title in titles}
    assert [len(mine) for mine in by_series.values()] == [52, 52], {r["series"] for r in rows}
    assert by_series[titles[1]][0]["timestamp"] == "2019-01-06"
    assert {r["header"] for r in rows} == {"Suicídio: (Todo o mundo)"}
    assert problems == []


@pytest.mark.same_page
def test_a_season_too_long_for_the_term_is_said_under_its_chart(
    page: Any, stack: Any, problems: list
) -> None:
    """A season length set in weeks on monthly data (52 on 66 months): Auto uses no season for
    a term too short for it, and the page said nothing of it but "season length 52" in the
    summary, which reads as used. Each card says so now, and what to do."""
    open_page(page, stack.urls["site"])
    upload_path(page, DATA / "it_monthly_quotedterms.csv")
    page.get_by_text("More settings").click()
    page.fill("#auto-period", "52")
    run(page)
    notes = page.locator("article.series").first.locator(".series-note").all_text_contents()
    assert notes == [
        "No season was used: 66 points are too few for the season of 52 points you set. "
        "Leave Season length blank to have it found from the dates."
    ], notes
    meta = page.locator("article.series .series-meta").first.text_content()
    assert "season of" not in meta, meta
    assert problems == []


def test_the_page_keeps_nothing_of_a_file_and_sends_only_its_bytes(page: Any, stack: Any) -> None:
    """What happens to an uploaded file (docs/uploaded-files.md): the page holds it in memory only.
    After a result and an error, no storage, cookie or URL holds the file's name or text, and the
    one request that carries the file sends its bytes alone (the name stays in the browser)."""
    name, term = "zq-name-5d0e.csv", "zq-term-5d0e"
    body = synthetic_csv(term)
    refused = body.replace(b"2020-03-08", b"2020-99-08")  # the API refuses its date
    sent: list[str] = []

    def record(r: Any) -> None:
        data = r.post_data_buffer or b""
        file = data in (body, refused)
        sent.append(f"{r.url} {r.headers} {'<the file>' if file else data!r}")

    page.on("request", record)
    open_page(page, stack.urls["site"])
    upload(page, name, body)
    run(page)
    assert page.locator("#status").text_content().startswith("Done:")
    upload(page, name, refused)
    run(page)
    assert page.locator("#error").is_visible()
    kept = page.evaluate(
        """async () => ({
            local: Object.keys(localStorage), session: Object.keys(sessionStorage),
            cookie: document.cookie, url: location.href,
            idb: (await indexedDB.databases()).map((d) => d.name),
            caches: await caches.keys(),
        })"""
    )
    assert kept == {
        "local": [],
        "session": [],
        "cookie": "",
        "url": f"{stack.urls['site']}/",
        "idb": [],
        "caches": [],
    }
    assert sum("<the file>" in line for line in sent) == 2
    assert not [line for line in sent if "5d0e" in line]  # neither name nor term, anywhere else


def test_a_tap_leaves_no_hover_tint_on_a_phone(phone_page: Any, stack: Any, problems: list) -> None:
    """A phone keeps :hover on whatever was tapped last, until the next tap elsewhere: a tapped
    row of the anomaly table stayed tinted (read as picked out, though nothing follows from
    it), and the drop zone, once a file was chosen through it, kept the tint it has while a file
    is dragged over it (the buttons' tints the same). The hover tints are for a pointer that
    hovers (``hover: hover``); a phone shows none.

    Each colour is read once the page has drawn two frames after the tap and the element's
    transitions ran out: the drop zone's tint fades in over 0.15 s, so a colour read at once
    could be the resting one on its way to the tint (seen: rgb(245, 248, 255), between the two,
    with the page's rule taken away), and a hover state the browser sets a frame later would
    not be seen at all."""
    page = phone_page
    open_page(page, stack.urls["site"])
    assert page.evaluate("matchMedia('(hover: none)').matches"), "the phone says it hovers"
    zone = page.locator(".drop-zone")
    resting = _settled_background(page, zone)
    with page.expect_file_chooser() as chooser:
        zone.tap()
    chooser.value.set_files(str(BITCOIN))
    wait_loaded(page, BITCOIN.name)
    assert _settled_background(page, zone) == resting
    assert zone.evaluate("(e) => e.matches(':hover')"), "the tap left no :hover on the zone"
    run(page)
    row = page.locator("table.anomalies tbody tr").first
    card = _settled_background(page, row)
    row.tap()
    assert _settled_background(page, row) == card
    assert row.evaluate("(e) => e.matches(':hover')"), "the tap left no :hover on the row"
    assert problems == []


def _settled_background(page: Any, element: Any) -> str:
    """The element's background colour once the page drew two frames and the element's
    transitions (a hover tint fading in) ran out."""
    after_frames(page)
    return element.evaluate(
        """async (e) => {
            await Promise.all(e.getAnimations().map((a) => a.finished.catch(() => null)));
            return getComputedStyle(e).backgroundColor;
        }"""
    )


@pytest.mark.same_page
def test_a_mouse_still_tints_what_it_is_over(page: Any, stack: Any) -> None:
    """The other side of the phone's rule: with a mouse, the row under it and the buttons are
    tinted while it is over them."""
    open_page(page, stack.urls["site"])
    page.set_input_files("#file-input", str(BITCOIN))
    wait_loaded(page, BITCOIN.name)
    run(page)
    row = page.locator("table.anomalies tbody tr").first
    before = row.evaluate("(e) => getComputedStyle(e).backgroundColor")
    row.hover()
    assert row.evaluate("(e) => getComputedStyle(e).backgroundColor") != before


@pytest.mark.same_page
def test_changed_settings_say_the_results_shown_are_for_the_earlier_ones(
    page: Any, stack: Any, problems: list
) -> None:
    """An analyst who moved Sensitivity (or picked another method) after a run saw the same
    charts and "Done: 3 anomalies found" under the new settings, as if they had been applied:
    nothing said the results are those of the earlier settings until Detect is pressed again.
    The status line under Detect now says so (once, not at each step of the slider), and goes
    back to the run's "Done" when the settings are set back; a new run applies them."""
    open_page(page, stack.urls["site"])
    upload_path(page, GLP1)
    run(page)
    status = page.locator("#status")
    done = status.text_content()
    assert done.startswith("Done: ")
    page.locator("#auto-sensitivity").fill("0.9")
    stale = status.text_content()
    assert "sensitivity 0.5" in stale and "Detect anomalies" in stale, stale
    assert "Done:" not in stale
    page.locator("#auto-sensitivity").fill("0.5")
    assert status.text_content() == done
    page.select_option("#method", "dbscan")
    assert "Auto, sensitivity 0.5" in status.text_content()
    run(page)
    assert status.text_content().startswith("Done: ")
    assert "DBSCAN" in page.locator("#results-summary").text_content()
    assert problems == []


@pytest.mark.same_page
def test_downloads_at_two_settings_are_told_apart_by_name(page: Any, stack: Any) -> None:
    """An analyst comparing sensitivities downloads a run at 0.5 and another at 0.9: both were
    "…-anomalies-auto.csv" (the second saved as "… (1).csv"), and nothing in either file says
    which settings made it. Each name now carries the settings the run used."""
    open_page(page, stack.urls["site"])
    upload_path(page, BITCOIN)
    names = []
    for sensitivity in ("0.5", "0.9"):
        page.locator("#auto-sensitivity").fill(sensitivity)
        run(page)
        with page.expect_download() as download_info:
            page.get_by_role("button", name="Download results as CSV").click()
        names.append(download_info.value.suggested_filename)
    assert names == [
        "en_weekly5y_bitcoin-anomalies-auto-sensitivity-0.5.csv",
        "en_weekly5y_bitcoin-anomalies-auto-sensitivity-0.9.csv",
    ], names


@pytest.mark.same_page
def test_the_file_box_offers_a_drop_where_a_mouse_can_drag(page: Any, stack: Any) -> None:
    """On a computer the file box takes a dropped file, and says so (a phone's does not)."""
    open_page(page, stack.urls["site"])
    assert page.locator("#drop-help").inner_text().startswith("or drop it here. A Google Trends")


# An image from a blob: URL, made in the page, and what became of it: "loaded", or the
# directive of the Content-Security-Policy that refused it.
BLOB_IMAGE = """async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>';
    const url = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
    return await new Promise((resolve) => {
        document.addEventListener("securitypolicyviolation",
            (e) => resolve(`refused by ${e.effectiveDirective}`), { once: true });
        const img = new Image();
        img.onload = () => resolve("loaded");
        img.src = url;
    });
}"""


@pytest.mark.csp_refusal
@pytest.mark.same_page
def test_the_pages_policy_refuses_images_it_never_makes(page: Any, dist_copy: Path) -> None:
    """img-src allowed blob: images, which nothing on the page makes (its only image is the
    data: favicon; the download's blob: URL is a link, not an image): an injected <img> could
    show content the page built from a file. The policy allows what the page uses, no more."""
    with StaticServer(dist_copy) as server:
        open_page(page, server.url)
        assert page.evaluate(BLOB_IMAGE) == "refused by img-src"


# The page's own index.html in a frame, and whether it loaded there ("loaded": a same-origin
# document with its title) or was refused (Chromium leaves an inaccessible error page).
SELF_FRAME = """async () => {
    const frame = document.createElement("iframe");
    frame.src = "/index.html";
    const loaded = new Promise((done) => frame.addEventListener("load", done, { once: true }));
    document.body.append(frame);
    await loaded;
    let title = "";
    try { title = frame.contentDocument ? frame.contentDocument.title : ""; } catch { title = ""; }
    return title ? "loaded" : "refused";
}"""


@pytest.mark.csp_refusal
@pytest.mark.same_page
def test_the_pages_policy_starts_from_nothing(page: Any, dist_copy: Path) -> None:
    """default-src was 'self': anything the page never uses (a frame, a font, media, a worker
    of its own origin) was allowed by fallback. It is 'none' now, with a directive for each
    thing the page does use: even its own page cannot be framed into it."""
    with StaticServer(dist_copy) as server:
        open_page(page, server.url)
        assert page.evaluate(SELF_FRAME) == "refused"
