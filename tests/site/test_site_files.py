"""Files checked when chosen, in real Chromium: a bad file is refused at once with words for a
person (never "✓"), and spreadsheet re-saves of real exports go through (issue 12, items 5, 7)."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pagekit import (
    DATA,
    StaticServer,
    call_api,
    open_page,
    run,
    upload,
    upload_path,
    wait_done,
    wait_refused,
)

pytestmark = pytest.mark.browser

RESAVED = DATA / "resaved"
PNG = bytes([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + bytes(range(64))
XLSX = b"PK\x03\x04\x14\x00\x06\x00" + bytes(200)
# Google Trends' other downloads, written by hand in their formats (no dates in any).
GEO_MAP = (
    b"Category: All categories\n\nRegion,bitcoin: (12/2/25 - 12/2/26)\nWyoming,100\nNevada,83\n"
)
RELATED = b"Category: All categories\n\nTOP\nbitcoin price,100\n\nRISING\nbitcoin etf,Breakout\n"
TRENDING_NOW = (
    b'"Trends","Search volume","Started","Ended","Trend breakdown","Explore link"\n'
    b'"snow day","50K+","December 2, 2026 at 4:10:00 AM UTC-8","","snow day","https://x"\n'
)


def choose(page: Any, name: str, body: bytes) -> None:
    page.set_input_files("#file-input", files=[{"name": name, "mimeType": "", "buffer": body}])


@pytest.mark.parametrize(
    ("name", "body", "said"),
    [
        ("empty.csv", b"", "empty.csv is empty."),
        ("blank.csv", b"\r\n \r\n", "holds only blank lines"),
        ("chart.png", PNG, "chart.png is a PNG image, not a CSV file."),
        ("trends.xlsx", XLSX, "an Excel workbook (.xlsx)"),
        ("data.bin", bytes([7, 0, 1, 2]) * 50, "is not a text file"),
        ("notes.csv", b"Dear analyst,\nhere are my notes.\n", "has no column of dates"),
        ("time.csv", b"Time,Popularity\n0.0,0.23\n0.0059171597633136,0.21\n", "holds numbers"),
        ("names.csv", b"Week,term\n2020-01-05,a\n2020-01-12,b\n", "no column of numbers"),
        # Trends' other downloads, each told it "cannot be a Google Trends export"
        ("geoMap.csv", GEO_MAP, "This is Google Trends' Interest by region (geoMap.csv)"),
        ("relatedQueries.csv", RELATED, "This is Google Trends' Related queries or Related"),
        ("trending_now.csv", TRENDING_NOW, "This is a Google Trends Trending now list"),
    ],
    ids=[
        "empty",
        "blank",
        "png",
        "xlsx",
        "binary",
        "no-dates",
        "numbers-first",
        "no-numbers",
        "geomap",
        "related-queries",
        "trending-now",
    ],
)
def test_a_bad_file_is_refused_when_chosen(
    page: Any, stack: Any, problems: list, name: str, body: bytes, said: str
) -> None:
    open_page(page, stack.urls["site"])
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if "/detect" in r.url else None)
    choose(page, name, body)
    text = wait_refused(page)
    assert said in text
    if said.startswith("This is"):  # what it is, then which download to use instead
        assert "Interest over time (multiTimeline.csv)" in text, text
        assert "cannot be a Google Trends export" not in text, text
    assert "✓" not in text and "Ready" not in text
    assert page.locator("#file-status").get_attribute("role") == "alert"
    for jargon in ("Content-Type", "body", "HTTP", "JSON", "bad_csv"):
        assert jargon not in text
    page.get_by_role("button", name="Detect anomalies").click()
    error = page.locator("#error")
    error.wait_for(state="visible")
    assert said in error.text_content()
    assert sent == []
    assert problems == []


def test_a_file_over_the_deployments_limit_is_refused(page: Any, dist_copy: Path) -> None:
    """config.js carries the deployment's limit (api.max_payload_mb, at most 4 MB)."""
    config = {"apiUrl": "http://127.0.0.1:9", "maxUploadBytes": 2048}
    (dist_copy / "config.js").write_text(f"window.TRENDS_CONFIG = {json.dumps(config)};\n")
    with StaticServer(dist_copy) as server:
        page.route("**/health", lambda route: route.fulfill(json={"status": "ok"}))
        open_page(page, server.url)
        assert "Up to 2.0 KB." in page.locator("#drop-help").text_content()
        page.set_input_files("#file-input", str(DATA / "en_weekly5y_bitcoin.csv"))
        text = wait_refused(page)
        assert "en_weekly5y_bitcoin.csv is 3.6 KB; this site accepts files up to 2.0 KB." in text
        assert "shorter time range" in text


@pytest.mark.parametrize(
    "name",
    [
        "excel-mac-en-us_en_weekly5y_3terms_lt1_glp1.csv",  # 11/22/20, '<1' kept
        "excel-win-de-de_de_monthly2004_3terms.csv",  # ';' and 01.01.2004
        "excel-win-de-de-unicode_en_weekly5y_3terms_lt1_glp1.txt",  # UTF-16, tabs
        "excel-win-en-us_en_monthly2004_2terms_football.csv",  # Jan-04
        "trends-fr_zhcat_fr_weekly2y_lt1_covid.csv",  # '<\u00a01'
        "excel-mac-en-us-shortdate-12months_en_monthly2004_2terms_football.csv",  # ambiguous
    ],
)
@pytest.mark.same_page
def test_spreadsheet_resaves_go_through(page: Any, stack: Any, problems: list, name: str) -> None:
    path = RESAVED / name
    open_page(page, stack.urls["site"])
    upload_path(page, path)
    with page.expect_request(lambda r: "/detect" in r.url and r.method == "POST") as sent:
        page.get_by_role("button", name="Detect anomalies").click()
    page.wait_for_function(
        "() => document.querySelector('#status').textContent.startsWith('Done:')"
        " || !document.querySelector('#error').hidden"
    )
    assert sent.value.post_data_buffer == path.read_bytes()  # sent as saved, not re-encoded
    assert page.locator("#error").is_hidden()
    status, answer = call_api(stack.urls["api"], path.read_bytes(), "method=auto&sensitivity=0.5")
    assert status == 200
    cards = page.locator("#series-list article.series h3")
    assert cards.all_text_contents() == [s["name"] for s in answer["series"]]
    shown = page.locator("#warnings li").all_text_contents()
    assert shown == general_warnings(answer)
    if "12months" in name:
        assert any(
            "read month-first (MM/DD/YY) because the export is in English" in w for w in shown
        )
    assert problems == []


@pytest.mark.same_page
def test_an_excel_export_saved_on_turkish_windows_keeps_its_letters(
    page: Any, stack: Any, problems: list
) -> None:
    """A real export in Windows-1254 (Excel's CSV on Turkish Windows): the page names its terms
    as the model will, the charts are headed with them, and the warning says how it was read."""
    path = DATA / "encodings" / "tr_monthly2004_2terms_cp1254_nopreamble_crlf.csv"
    open_page(page, stack.urls["site"])
    upload_path(page, path)
    assert "2 terms (işkur, zam)" in page.locator("#file-status").text_content()
    page.get_by_role("button", name="Detect anomalies").click()
    page.wait_for_function(
        "() => document.querySelector('#status').textContent.startsWith('Done:')"
        " || !document.querySelector('#error').hidden"
    )
    assert page.locator("#error").is_hidden()
    assert page.locator("#series-list article.series h3").all_text_contents() == ["işkur", "zam"]
    assert any(
        "Windows-1254 (Turkish)" in w for w in page.locator("#warnings li").all_text_contents()
    )
    assert problems == []


ENCODING_CASES = json.loads((DATA / "encodings" / "cases.json").read_text(encoding="utf-8"))


def _term_of(text: str) -> str:
    """The term a case's header names: the cell after the date column's, without its region."""
    header = next(line for line in text.splitlines() if "," in line and ":" not in line[:1])
    return header.split(",")[1].split(": (")[0]


@pytest.mark.same_page
def test_every_code_page_case_is_read_as_the_model_reads_it(page: Any, stack: Any) -> None:
    """tests/data/encodings/cases.json in the browser itself: Node's unit test skips the cases
    with Windows-1252's own letters (Ž, Œ, €...), which Node 20.18.3+ decodes as Latin-1 and
    Chromium as the Encoding Standard says, as the model does."""
    open_page(page, stack.urls["site"])
    for k, case in enumerate(ENCODING_CASES["cases"]):
        name = f"case{k}-{case['saved_in']}.csv"
        choose(page, name, bytes.fromhex(case["hex"]))
        term = _term_of(case["text"])
        page.wait_for_function(
            "n => document.querySelector('#file-status').textContent.includes(n)",
            arg=name,
        )
        said = page.locator("#file-status").text_content()
        assert f"1 term ({term})" in said, (case["saved_in"], case["text"][:60], said)


@pytest.mark.same_page
def test_a_csv_whose_first_cell_starts_with_a_bracket_is_read_as_a_csv(
    page: Any, stack: Any, problems: list
) -> None:
    """A CSV whose header names its columns in brackets ("[Week],[sales]", as a Power BI or
    SQL Server export writes them) passes the page's check and was read by the model as a CSV
    while the page sent text/csv. Sent as application/octet-stream, the API reads a body that
    starts with "[" as JSON, and the page showed "The body is not valid JSON" for the CSV it
    had accepted: the page says what it sends, a CSV."""
    rows = [
        "[Week],[sales]",
        *(f"2024-{m:02d}-{d:02d},{40 + (m * d) % 23}" for m in (1, 2, 3) for d in (7, 14, 21, 28)),
    ]
    open_page(page, stack.urls["site"])
    page.set_input_files(
        "#file-input",
        files=[{"name": "sales.csv", "mimeType": "text/csv", "buffer": "\n".join(rows).encode()}],
    )
    page.locator("#file-status.file-ok").wait_for()
    page.get_by_role("button", name="Detect anomalies").click()
    page.wait_for_function(
        "() => document.querySelector('#status').textContent.startsWith('Done:')"
        " || !document.querySelector('#error').hidden"
    )
    assert page.locator("#error").is_hidden(), page.locator("#error").text_content()
    assert page.locator("#series-list article.series h3").all_text_contents() == ["[sales]"]
    assert problems == []


def general_warnings(answer: dict) -> list[str]:
    """The answer's warnings the page lists above the charts: all but each term's own notes,
    which it says under that term's chart."""
    said = {note for s in answer["series"] for note in s["notes"]}
    names = [s["name"] for s in answer["series"]]
    return [as_sentence(w, names) for w in answer["warnings"] if w not in said]


def as_sentence(text: str, names: list[str]) -> str:
    """A warning as the page lists it: a capital first letter (not of a term's name, which
    stays as written) and a full stop."""
    text = text.strip()
    stop = "" if text.endswith((".", "!", "?")) else "."
    if any(name and text.startswith(f"{name}:") for name in names):
        return text + stop
    return text[:1].upper() + text[1:] + stop


@pytest.mark.same_page
def test_a_low_volume_term_is_explained_under_its_chart(
    page: Any, stack: Any, problems: list
) -> None:
    """Three TV shows searched in Cyprus, years of lone values between zeros: each chart says
    where its values are sampling noise (why tall spikes have no dot and the range is wide),
    and the list above the charts does not say it again."""
    path = DATA / "heldout2" / "34_LoizosKo_loizosko.github.io.csv"
    open_page(page, stack.urls["site"])
    upload_path(page, path)
    page.get_by_role("button", name="Detect anomalies").click()
    page.wait_for_function(
        "() => document.querySelector('#status').textContent.startsWith('Done:')"
        " || !document.querySelector('#error').hidden"
    )
    assert page.locator("#error").is_hidden()
    status, answer = call_api(stack.urls["api"], path.read_bytes(), "method=auto&sensitivity=0.5")
    assert status == 200
    notes = page.locator("#series-list article.series .series-note").all_text_contents()
    assert len(notes) == 3
    assert notes[0].startswith("From Jan 2004 to Jan 2010 the term reads mostly 0")
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    for note, series in zip(notes, answer["series"], strict=True):
        # The model's note, its dates (2004-01) written as the page writes them (Jan 2004).
        said = re.sub(
            r"\b(\d{4})-(\d{2})\b", lambda m: f"{months[int(m[2]) - 1]} {m[1]}", series["notes"][0]
        )
        assert said == f"{series['name']}: {note[0].lower()}{note[1:-1]}"
        assert "sampling noise" in note
    shown = page.locator("#warnings li").all_text_contents()
    assert shown == general_warnings(answer)
    assert not any("sampling noise" in w for w in shown)
    assert problems == []


@pytest.mark.same_page
def test_a_file_comparing_time_ranges_names_its_term_once(
    page: Any, stack: Any, problems: list
) -> None:
    """Trends' comparison of one term over two years: the file has the term's column twice,
    each after its own dates. The ready line said "2 terms (Suicídio, Suicídio)"; it names the
    term once and says over how many ranges."""
    open_page(page, stack.urls["site"])
    upload_path(page, DATA / "more" / "pt_weekly1y_compare_time_ranges.csv")
    facts = page.locator("#file-status .file-facts").text_content()
    assert facts == "1 term over 2 time ranges (Suicídio), 52 rows, 1.5\u00a0KB.", facts
    assert problems == []


@pytest.mark.same_page
def test_a_warning_about_the_file_writes_its_dates_as_the_page_does(
    page: Any, stack: Any, problems: list
) -> None:
    """The model says which dates the second range was read on as the file writes them
    ("2019-01-06 to 2019-12-29"); the list above the charts wrote them so, the one place on the
    page with ISO dates beside the cards' "6 Jan 2019 – 29 Dec 2019"."""
    open_page(page, stack.urls["site"])
    upload_path(page, DATA / "more" / "pt_weekly1y_compare_time_ranges.csv")
    page.get_by_role("button", name="Detect anomalies").click()
    page.locator("#warnings li").first.wait_for()
    shown = page.locator("#warnings li").all_text_contents()
    assert shown == [
        "Suicídio: read on the dates of its own column (6 Jan 2019 to 29 Dec 2019): the file "
        "compares time ranges."
    ], shown
    assert problems == []


@pytest.mark.same_page
def test_a_warning_about_a_date_given_twice_writes_it_as_the_page_does(
    page: Any, stack: Any, problems: list
) -> None:
    """An export with one week's row pasted twice: the warning ends its clause on the date
    ("the same date, 2021-06-06: both are kept"), and the colon kept it from being written as
    the charts and the table beside it write dates ("6 Jun 2021")."""
    lines = (DATA / "en_weekly5y_bitcoin.csv").read_text().splitlines()
    body = "\n".join([*lines[:51], lines[50], *lines[51:]]).encode() + b"\n"
    open_page(page, stack.urls["site"])
    upload(page, "twice.csv", body)
    page.get_by_role("button", name="Detect anomalies").click()
    page.locator("#warnings li").first.wait_for()
    shown = page.locator("#warnings li").all_text_contents()
    assert shown[0].startswith("Two rows have the same date, 6 Jun 2021: both are kept"), shown
    assert problems == []


def _compact_weekly(drop: slice = slice(0, 0), cell: tuple[int, str] | None = None) -> bytes:
    """The weekly bitcoin export as a spreadsheet re-saves it with yyyymmdd dates (20200712),
    less the rows in ``drop``; ``cell``: (row, first cell) to write in place of one row's date."""
    lines = (DATA / "en_weekly5y_bitcoin.csv").read_text().splitlines()
    rows = [f"{line[:10].replace('-', '')}{line[10:]}" for line in lines[3:]]
    if cell is not None:
        row, first = cell
        rows[row] = f"{first},{rows[row].split(',')[1]}"
    del rows[drop]
    return "\n".join([*lines[:3], *rows]).encode() + b"\n"


def _warnings_for(page: Any, stack: Any, name: str, body: bytes) -> list[str]:
    open_page(page, stack.urls["site"])
    upload(page, name, body)
    page.get_by_role("button", name="Detect anomalies").click()
    page.locator("#warnings li").first.wait_for()
    return page.locator("#warnings li").all_text_contents()


@pytest.mark.same_page
def test_a_warning_writes_yyyymmdd_dates_as_the_page_does(
    page: Any, stack: Any, problems: list
) -> None:
    """A re-saved export with yyyymmdd dates and two weeks missing: the gap's warning said
    "No rows between 20210530 and 20210620" while the charts, readout and table beside it
    say "30 May 2021"; an ISO export's says "30 May 2021 and 20 Jun 2021"."""
    shown = _warnings_for(page, stack, "gap.csv", _compact_weekly(drop=slice(47, 49)))
    assert shown[0].startswith("No rows between 30 May 2021 and 20 Jun 2021 (2 weekly"), shown
    assert problems == []


def _hourly_gap(basic: bool) -> bytes:
    """The hourly export less six hours (4 Jun 2021, 03:00 to 08:00); with ``basic``, its dates
    written in ISO 8601's basic form (20210604T0200 for 2021-06-04T02), which the model reads
    as the same instants."""
    lines = (DATA / "en_hourly7d_2terms.csv").read_text().splitlines()
    rows = lines[3:]
    del rows[37:43]
    if basic:
        rows = [f"{r[:10].replace('-', '')}{r[10:13]}00{r[13:]}" for r in rows]
    return "\n".join([*lines[:3], *rows]).encode() + b"\n"


@pytest.mark.same_page
def test_a_warning_writes_iso_basic_form_times_as_the_page_does(
    page: Any, stack: Any, problems: list
) -> None:
    """An hourly export in ISO 8601's basic form with six hours missing: the gap's warning said
    "No rows between 20210604T0200 and 20210604T0900" where the same file in the extended form
    says "4 Jun 2021, 02:00", as the charts, readout and table beside it do."""
    basic = _hourly_gap(basic=True)
    assert b"\n20210604T0200," in basic and b"\n20210604T0900," in basic  # the case itself
    extended = _warnings_for(page, stack, "gap.csv", _hourly_gap(basic=False))
    assert extended[0].startswith("No rows between 4 Jun 2021, 02:00 and 4 Jun 2021, 09:00 ("), (
        extended
    )
    assert _warnings_for(page, stack, "gap.csv", basic) == extended
    assert problems == []


@pytest.mark.same_page
def test_two_spellings_of_one_date_stay_as_the_file_writes_them(
    page: Any, stack: Any, problems: list
) -> None:
    """A yyyymmdd column with one ISO cell pasted in on a date it already has: the warning names
    the two cells, and writing one of them as "20 Jun 2021" beside the other's "20210620" hid
    which cells they are; both stay as the file writes them."""
    body = _compact_weekly(cell=(47, "2021-06-20"))
    shown = _warnings_for(page, stack, "pasted.csv", body)
    same = [w for w in shown if w.startswith("Two rows have the same date")]
    assert same and same[0].startswith("Two rows have the same date, 2021-06-20 and 20210620"), (
        shown
    )
    assert problems == []


@pytest.mark.same_page
def test_results_too_large_to_send_back_are_told_in_words_for_the_file(
    page: Any, stack: Any, problems: list
) -> None:
    """A file the site takes (1.6 MB, 25 daily terms of 20 000 days) whose STL results are over
    the 6 MB an answer can hold: the model's 413 result_too_large speaks to programs ("at least
    13499875 bytes, more than SageMaker can return ...", "ask for Accept: text/csv"), which a
    person on the page can neither read nor do; the page says what it means for the file."""
    header = "Day," + ",".join(f"term{i}: (Worldwide)" for i in range(25))
    start = date(1970, 1, 1)
    rows = (
        f"{start + timedelta(days=k):%Y%m%d}," + ",".join(str((k * 7 + i) % 101) for i in range(25))
        for k in range(20_000)
    )
    body = "\n".join([header, *rows]).encode() + b"\n"
    open_page(page, stack.urls["site"])
    upload(page, "big.csv", body)
    page.select_option("#method", "stl")
    # The page's own answer gives the sizes below (this file's STL over 25 terms computed
    # once, not again by a direct call): its request is this file with method=stl.
    with page.expect_response(lambda r: "/detect" in r.url and r.request.method == "POST") as got:
        run(page)
    wait_done(page)
    response = got.value
    assert "method=stl" in response.url.split("?", 1)[1].split("&"), response.url
    assert response.request.post_data_buffer == body
    status, answer = response.status, response.json()
    said = page.locator("#error").text_content()
    assert "HTTP 413" in said and "result_too_large" in said, said
    for words in ("bytes", "SageMaker", "Accept", "text/csv"):
        assert words not in said, said
    assert "shorter time range" in said, said
    # How much smaller, from the sizes the answer gives as numbers: the page said only "split
    # the file", though the model's answer says the results would be over 3 times too large.
    error = answer["error"]
    assert status == 413 and error["result_bytes"] > error["limit_bytes"], answer
    parts = -(-error["result_bytes"] // error["limit_bytes"])
    rows_each = f"{20_000 // parts:,} rows or fewer each"
    assert f"Split it into {parts} parts or more ({rows_each})" in said, said
    # Chromium logs the 413 itself ("Failed to load resource"); nothing else may be logged.
    assert [p for p in problems if "status of 413" not in p] == [], problems


def _log_rows(dates: list[str]) -> bytes:
    """A two-column log with the given first cells: what a spreadsheet re-save or a hand-made
    file looks like."""
    return ("Time,visits\n" + "".join(f"{d},{k % 7 + 1}\n" for k, d in enumerate(dates))).encode()


def _us_log() -> list[str]:
    """An irregular log that Excel en-US re-saved (m/d/yyyy h:mm:ss), 120 rows, written 17 ways
    (which of day, hour, minute, second are above 12): the model's case (2ae950c)."""
    t, cells = datetime(2020, 1, 2), []
    for _ in range(120):
        cells.append(f"{t.month}/{t.day}/{t.year} {t.hour}:{t.minute:02d}:{t.second:02d}")
        t += timedelta(hours=5, minutes=7, seconds=11)
    return cells


_MIXED = {
    "day-first-row": _log_rows([*_us_log(), "13/1/2020 6:00:00"]),  # a day-first row pasted
    "iso-and-two-digit-year": _log_rows(
        [(date(2015, 1, 4) + timedelta(weeks=k)).isoformat() for k in range(30)] + ["5/17/15"]
    ),
}


@pytest.mark.parametrize("name", list(_MIXED))
def test_dates_in_two_formats_are_refused_when_chosen_as_the_model_says(
    page: Any, stack: Any, problems: list, name: str
) -> None:
    """A date column mixing formats showed "✓ Ready" and only Detect's 400 said the formats
    conflict: the page says it when the file is chosen, in the model's words, naming the same
    two cells, and sends nothing."""
    body = _MIXED[name]
    status, answer = call_api(stack.urls["api"], body, "method=auto&sensitivity=0.5")
    assert status == 400
    said = answer["error"]["message"]
    assert said.startswith("The first column's dates are not in one format: '"), said
    open_page(page, stack.urls["site"])
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if "/detect" in r.url else None)
    choose(page, f"{name}.csv", body)
    text = wait_refused(page)
    assert said in text, text
    assert answer["error"]["hint"] in text, text
    assert "✓" not in text and "Ready" not in text
    page.get_by_role("button", name="Detect anomalies").click()
    page.locator("#error").wait_for(state="visible")
    assert said in page.locator("#error").text_content()
    assert sent == []
    assert problems == []


_WEEKS = [date(2020, 1, 5) + timedelta(weeks=k) for k in range(30)]
# Columns the model reads: one day/month order for the whole column (a field above 12 settles
# it, else the regular step), two-digit years, '.', '/' or '-'.
_READ = {
    "month-first-slash": [f"{d.month}/{d.day}/{d.year}" for d in _WEEKS],
    "day-first-dot-two-digit-year": [f"{d.day:02}.{d.month:02}.{d.year % 100:02}" for d in _WEEKS],
    "day-first-dash": [f"{d.day}-{d.month}-{d.year}" for d in _WEEKS],
    "ambiguous-month-first-by-step": [f"{m}/1/2020" for m in range(1, 13)],
    "iso-dates-and-times": ["2021-06-02", "2021-06-02T14", "2021-06-02T15:00", "20210602"],
}


@pytest.mark.parametrize("name", list(_READ))
@pytest.mark.same_page
def test_a_date_column_the_model_reads_is_ready(
    page: Any, stack: Any, problems: list, name: str
) -> None:
    body = _log_rows(_READ[name])
    status, answer = call_api(stack.urls["api"], body, "method=auto&sensitivity=0.5")
    assert status == 200, answer
    open_page(page, stack.urls["site"])
    upload(page, f"{name}.csv", body)
    assert "Ready" in page.locator("#file-status").text_content()
    assert problems == []
