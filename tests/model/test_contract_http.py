"""The /invocations contract, spoken over HTTP to ``model/serve`` running as a real process."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bench.reference.reference_detectors import reference_dbscan
from tests.model.conftest import read_data
from tests.support.model_server import log_with


def weekly_csv(values, start="2020-01-05", header="Week,term: (Worldwide)") -> bytes:
    dates = np.datetime64(start) + np.arange(len(values)) * np.timedelta64(7, "D")
    rows = "\n".join(f"{d},{v}" for d, v in zip(dates, values, strict=True))
    return f"Category: All categories\n\n{header}\n{rows}\n".encode()


def test_ping(client):
    status, _headers, body = client.request("GET", "/ping")
    assert status == 200
    assert json.loads(body) == {"status": "healthy"}


def test_trends_export_as_text_csv(client):
    status, answer = client.json(read_data("en_weekly5y_3terms_lt1_glp1.csv"))
    assert status == 200
    assert answer["method"] == "auto"
    assert answer["frequency"] == "weekly"
    assert [s["name"] for s in answer["series"]] == ["ozempic", "monjauro", "wegovy"]
    for s in answer["series"]:
        n = len(s["timestamps"])
        assert n == 262
        assert len(s["values"]) == len(s["expected"]) == len(s["lower"]) == len(s["upper"]) == n
        assert s["geo"] == "United States"
        assert "period" in s["parameters"]
        for a in s["anomalies"]:
            assert set(a) == {
                "index",
                "timestamp",
                "value",
                "expected",
                "score",
                "direction",
                "kind",
                "start",
                "end",
                "peak",
                "start_index",
                "end_index",
                "peak_index",
            }
            assert s["timestamps"][a["index"]] == a["timestamp"]
            assert s["values"][a["index"]] == a["value"]
            assert a["direction"] in ("up", "down")
            assert a["start_index"] <= a["index"] <= a["end_index"]
            assert a["start_index"] <= a["peak_index"] <= a["end_index"]
            for key in ("start", "end", "peak"):
                assert s["timestamps"][a[f"{key}_index"]] == a[key]


def test_custom_attributes_choose_method_and_parameters(client):
    status, answer = client.json(
        read_data("en_weekly5y_bitcoin.csv"),
        **{"X-Amzn-SageMaker-Custom-Attributes": "method=stl;period=26;alpha=0.01"},
    )
    assert status == 200
    assert answer["parameters"]["method"] == "stl"
    assert answer["parameters"]["alpha"] == 0.01
    assert answer["series"][0]["parameters"]["period"] == 26
    assert answer["series"][0]["parameters"]["period_source"] == "parameter"


def test_parameters_in_the_url_are_refused_not_silently_ignored(client):
    """SageMaker passes no query string; a person calling the container with ?method=stl got
    the defaults without a word."""
    status, _headers, data = client.request(
        "POST",
        "/invocations?method=stl&period=52",
        read_data("en_weekly5y_bitcoin.csv"),
        {"Content-Type": "text/csv"},
    )
    error = json.loads(data)["error"]
    assert status == 400
    assert error["code"] == "bad_parameter"
    assert "?method=stl&period=52" in error["message"]
    assert "X-Amzn-SageMaker-Custom-Attributes: method=stl;period=52" in error["hint"]
    # Without a query string the same request is answered.
    assert client.json(read_data("en_weekly5y_bitcoin.csv"))[0] == 200


def test_stl_infers_the_period_and_finds_a_planted_spike(client):
    rng = np.random.default_rng(3)
    t = np.arange(261)
    values = np.round(50 + 20 * np.sin(2 * np.pi * t / 52) + rng.normal(0, 2, 261)).astype(int)
    values[140] = 100
    status, answer = client.json(
        weekly_csv(values), **{"X-Amzn-SageMaker-Custom-Attributes": "method=stl"}
    )
    assert status == 200
    s = answer["series"][0]
    assert s["parameters"]["period"] == 52
    assert s["parameters"]["period_source"] == "timestamps"
    assert 140 in [a["index"] for a in s["anomalies"]]
    assert s["lower"][140] < s["expected"][140] < s["upper"][140] < 100


def test_json_with_csv_and_parameters(client):
    body = json.dumps(
        {"csv": read_data("de_monthly2004_3terms.csv").decode(), "method": "dbscan", "eps": 0.2}
    ).encode()
    status, answer = client.json(body, "application/json")
    assert status == 200
    assert answer["parameters"] == {"method": "dbscan", "eps": 0.2, "min_pts": 4}
    assert [s["name"] for s in answer["series"]] == ["R", "SPSS", "Stata"]


def test_json_series_with_and_without_timestamps(client):
    series = [
        {
            "name": "a",
            "timestamps": [f"2024-01-{d:02d}" for d in range(1, 29)],
            "values": [5.0] * 13 + [50.0] + [5.0] * 14,
        },
        {"name": "b", "values": [1, 2, None, 4] * 7},
    ]
    status, answer = client.json(json.dumps({"series": series}).encode(), "application/json")
    assert status == 200
    assert [s["name"] for s in answer["series"]] == ["a", "b"]
    assert answer["series"][1]["values"][2] == 3.0  # null interpolated
    assert answer["series"][1]["timestamps"][:2] == ["0", "1"]


def test_anomaly_table_as_csv_when_asked(client):
    status, headers, body = client.invoke(read_data("en_weekly5y_bitcoin.csv"), Accept="text/csv")
    assert status == 200
    assert headers["Content-Type"].startswith("text/csv")
    assert (
        body.decode().splitlines()[0]
        == "series,index,timestamp,value,expected,score,direction,kind,start,end"
    )


def test_anomaly_table_as_csv_guards_formula_terms(client):
    """A term that a spreadsheet would run (=HYPERLINK) is written as text, as the page does."""
    term = '=HYPERLINK("http://example.invalid","x")'
    values = [5, 6, 5, 7, 6, 5, 6, 90, 6, 5, 6, 7, 5, 6, 5, 6, 7, 5, 6, 5]
    body = weekly_csv(values, header=f'Week,"{term.replace(chr(34), chr(34) * 2)}: (X)"')
    status, _, data = client.invoke(body, Accept="text/csv")
    assert status == 200
    rows = list(csv.DictReader(io.StringIO(data.decode(), newline="")))
    assert rows, "the planted spike is an anomaly"
    assert {r["series"] for r in rows} == {"'" + term}
    status, answer = client.json(body)
    assert [a["index"] for a in answer["series"][0]["anomalies"]] == [int(r["index"]) for r in rows]
    assert [a["start"] for a in answer["series"][0]["anomalies"]] == [r["start"] for r in rows]


def legacy_body(csv: bytes, **params) -> bytes:
    doc = {"data": csv.decode(), "eps": 0.1, "min_pts": 4, "seasonality": True, "period": 12}
    doc.update(params)
    return json.dumps(doc).encode()


def test_legacy_request_gets_the_old_text_answer(client):
    status, headers, body = client.invoke(
        legacy_body(read_data("en_monthly2004_2terms_football.csv")), "application/json"
    )
    assert status == 200
    assert headers["Content-Type"].startswith("text/csv")
    lines = body.decode().splitlines()
    assert lines, "a seasonal 17-year series has some anomalous months"
    rows = [int(x) for x in lines]
    assert rows == sorted(set(rows))
    assert all(0 <= r < 210 for r in rows)
    assert body.endswith(b"\n")


def test_legacy_dbscan_is_exactly_the_original(client):
    """seasonality=false answers exactly what the original DBSCAN answered."""
    for name in (
        "de_monthly2004_3terms.csv",
        "en_weekly5y_bitcoin.csv",
        "uk_weekly1y_pandemic.csv",
    ):
        raw = read_data(name)
        status, _, body = client.invoke(legacy_body(raw, seasonality=False), "application/json")
        assert status == 200
        frame = pd.read_csv(DATA_DIR / name, skiprows=2)  # all three have the 2-line preamble
        expected = reference_dbscan(frame, eps=0.1, min_pts=4)
        assert [int(x) for x in body.decode().split()] == expected, name


def test_legacy_rows_are_the_callers_rows_when_the_file_is_newest_first(client):
    """The original app numbered the rows as the file had them; the rows are sorted by time
    for detection (with a warning the text answer has no room for), so a newest-first file
    was answered with positions in the sorted rows, which name other dates in the caller's
    file. Its answer is the same dates as oldest-first, numbered as the file has them, and
    DBSCAN's is still exactly the original's on that file."""
    raw = read_data("en_weekly5y_bitcoin.csv").decode()
    preamble, header, *rows = raw.replace("\r\n", "\n").strip("\n").split("\n")[1:]
    assert not preamble and rows
    forward = "\n".join([header, *rows]) + "\n"
    newest_first = "\n".join([header, *rows[::-1]]) + "\n"
    answers = {}
    for seasonality in (True, False):
        for name, text in (("forward", forward), ("reversed", newest_first)):
            doc = {"data": text, "seasonality": seasonality, "period": 52}
            status, _, body = client.invoke(json.dumps(doc).encode(), "application/json")
            assert status == 200, body
            answers[name, seasonality] = [int(x) for x in body.split()]
        n = len(rows)
        found = answers["forward", seasonality]
        assert found, "bitcoin's five years have anomalies"
        assert answers["reversed", seasonality] == sorted(n - 1 - r for r in found)
    frame = pd.read_csv(io.StringIO(newest_first))
    assert answers["reversed", False] == reference_dbscan(frame, eps=0.1, min_pts=4)


@pytest.mark.parametrize("order", ["in order", "newest first", "shuffled", "two swapped"])
def test_legacy_dbscan_is_the_originals_whatever_the_order_of_the_dates(client, order):
    """The original app's DBSCAN read the rows in file order, the row number a feature beside
    the values. The rows were sorted by date first and the noise mapped back to the file's
    rows: the same points for a file in order or newest first (a mirror), other points for a
    file whose dates are out of order elsewhere (shuffled, two rows swapped)."""
    n = 60
    values = np.random.default_rng(4).integers(0, 101, n)
    days = [str(np.datetime64("2020-01-01") + i) for i in range(n)]
    dates = {
        "in order": days,
        "newest first": days[::-1],
        "shuffled": [days[i] for i in np.random.default_rng(5).permutation(n)],
        "two swapped": [*days[:29], days[30], days[29], *days[31:]],
    }[order]
    text = "Day,x\n" + "".join(f"{d},{v}\n" for d, v in zip(dates, values, strict=True))
    body = json.dumps({"data": text, "seasonality": False}).encode()
    status, _, answer = client.invoke(body, "application/json")
    assert status == 200, answer
    original = reference_dbscan(pd.read_csv(io.StringIO(text)), eps=0.1, min_pts=4)
    assert indices(answer.decode()) == original


DATA_DIR = Path(__file__).resolve().parents[1] / "data"


def original_example(rows: int = 170) -> str:
    """The original app's own example: ``Time,Popularity`` with a numeric time axis
    (0.0, 0.0059..., ...) and popularity shares, seasonal with one spike."""
    rng = np.random.default_rng(12)
    t = np.arange(rows)
    values = 0.22 + 0.06 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.01, rows)
    values[[0, 1]] = [0.23, 0.21]
    values[97] = 0.9
    lines = [f"{i / (rows - 1)!r},{v:.4f}" for i, v in zip(range(rows), values, strict=True)]
    return "Time,Popularity\n" + "\n".join(lines) + "\n"


def with_dates(text: str) -> str:
    """The same rows with monthly ISO dates in the first column."""
    _header, *rows = text.splitlines()
    months = np.datetime64("2004-01") + np.arange(len(rows))
    body = [f"{m},{r.split(',', 1)[1]}" for m, r in zip(months, rows, strict=True)]
    return "\n".join(["Month,Popularity", *body]) + "\n"


@pytest.mark.parametrize("seasonality", [True, False])
def test_legacy_numeric_time_axis_answers_as_before(client, seasonality):
    """The first column is a time axis the original app ignored: rows are row positions, and
    the answer is what the same values with dates get, exactly."""
    example = original_example()
    assert example.splitlines()[1:3] == ["0.0,0.2300", "0.005917159763313609,0.2100"]
    answers = []
    for text in (example, with_dates(example)):
        doc = {"data": text, "eps": 0.1, "min_pts": 4, "seasonality": seasonality, "period": 12}
        status, headers, body = client.invoke(json.dumps(doc).encode(), "application/json")
        assert status == 200, body
        assert headers["Content-Type"].startswith("text/csv")
        answers.append(body)
    assert answers[0] == answers[1]
    rows = [int(x) for x in answers[0].split()]
    if seasonality:
        assert 97 in rows  # the spike
    else:  # the original DBSCAN itself, on the example as the original app read it
        assert rows == reference_dbscan(pd.read_csv(io.StringIO(example)), eps=0.1, min_pts=4)
    status, answer = client.json(
        json.dumps({"data": example, "seasonality": seasonality}).encode(),
        "application/json",
        Accept="application/json",
    )
    assert status == 200
    assert answer["series"][0]["timestamps"][:2] == ["0.0", "0.005917159763313609"]
    assert answer["frequency"] == "unknown"


def with_first_column(text: str, cells: list[str]) -> str:
    """The same rows and header with ``cells`` as the first column."""
    header, *rows = text.splitlines()
    body = [f"{c},{r.split(',', 1)[1]}" for c, r in zip(cells, rows, strict=True)]
    return "\n".join([header, *body]) + "\n"


_ROWS = 170


def legacy_answers(client, data: str) -> dict[bool, str]:
    """The legacy CSV answer (the indices, as text) to `data` with and without seasonality:
    the equivalence tests compare two files' answers on both of the original app's paths."""
    answers = {}
    for seasonality in (True, False):
        doc = {"data": data, "seasonality": seasonality, "period": 12, "eps": 0.1, "min_pts": 4}
        status, headers, body = client.invoke(json.dumps(doc).encode(), "application/json")
        assert status == 200, body
        assert headers["Content-Type"].startswith("text/csv"), headers
        answers[seasonality] = body
    return answers


def indices(body: str) -> list[int]:
    """A legacy CSV answer's indices."""
    return [int(x) for x in body.split()]


# Plain integers in a legacy first column, which numpy would read as years (1 is 0001).
LEGACY_INTEGER_AXES = {
    "shuffled": [str(p + 1) for p in np.random.default_rng(1).permutation(_ROWS)],
    "counting": [str(i) for i in range(1, _ROWS + 1)],
    "repeated": [str(i // 2 + 1) for i in range(_ROWS)],
    "years": [str(2004 + i) for i in range(_ROWS)],
    "years newest first": [str(2004 + _ROWS - i) for i in range(_ROWS)],
    "leading zeros": [f"{i:04d}" for i in range(1, _ROWS + 1)],
    "signed": [f"+{i}" for i in range(1, _ROWS + 1)],
    "negative": [str(-i) for i in range(_ROWS)],
}


@pytest.mark.parametrize("kind", LEGACY_INTEGER_AXES)
def test_a_legacy_first_column_of_integers_answers_as_row_positions(client, kind):
    """Integers are plain numbers too: the original app ignored the column, so the answer is
    the one the example's own row-position axis (0.0, 0.0059...) gets, in both media types;
    never the rows re-ordered by the years numpy reads the integers as."""
    example = original_example(_ROWS)
    cells = LEGACY_INTEGER_AXES[kind]
    text = with_first_column(example, cells)
    assert legacy_answers(client, text) == legacy_answers(client, example)
    body = json.dumps({"data": text, "seasonality": True, "period": 12}).encode()
    status, answer = client.json(body, "application/json", Accept="application/json")
    assert status == 200, answer
    assert answer["frequency"] == "unknown"
    assert answer["warnings"] == []
    (series,) = answer["series"]
    assert series["times"] is None
    assert series["timestamps"] == cells
    for a in series["anomalies"]:  # its labels are the cells of its rows
        assert [a[k] for k in _LABELS] == [cells[a[f"{k}_index"]] for k in _LABELS]
    body = json.dumps({"data": example, "seasonality": True, "period": 12}).encode()
    _, rows = client.json(body, "application/json", Accept="application/json")
    assert _unlabelled(series) == _unlabelled(rows["series"][0])


_LABELS = ("start", "end", "peak")  # an anomaly's labels, beside its "timestamp"


def _unlabelled(series: dict) -> dict:
    """A series' answer without the labels its input writes (its timestamps)."""
    cut = {"timestamp", *_LABELS}
    anomalies = [{k: v for k, v in a.items() if k not in cut} for a in series["anomalies"]]
    return {**{k: v for k, v in series.items() if k != "timestamps"}, "anomalies": anomalies}


def test_a_numeric_time_axis_outside_legacy_requests_is_a_clear_400(client):
    status, answer = client.json(original_example().encode())
    assert status == 400
    assert answer["error"]["code"] == "bad_csv"
    assert "holds numbers" in answer["error"]["message"]


RESAVED = DATA_DIR / "resaved"


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in RESAVED.iterdir() if p.suffix in {".csv", ".txt"}),
)
def test_spreadsheet_resaved_exports_are_answered_like_their_source(client, name):
    from tests.data.resaved.resave import VARIANTS

    variant = next(v for v in VARIANTS if v.name == name)
    status, answer = client.json((RESAVED / name).read_bytes())
    assert status == 200, answer
    if variant.rows is not None:  # a cut: its own answer, with the assumption said
        assert any("day-first or month-first" in w for w in answer["warnings"])
        return
    _, source = client.json(read_data(variant.source))
    assert answer["frequency"] == source["frequency"]
    for mine, theirs in zip(answer["series"], source["series"], strict=True):
        assert mine["values"] == theirs["values"]
        # However the spreadsheet spells the dates, they read as the source's (a page places
        # and formats them from `times`).
        assert [np.datetime64(t) for t in mine["times"]] == [
            np.datetime64(t) for t in theirs["times"]
        ]
        assert [a["index"] for a in mine["anomalies"]] == [a["index"] for a in theirs["anomalies"]]
        assert mine["expected"] == theirs["expected"]


def test_times_are_the_timestamps_read_in_iso(client):
    """`times`: each timestamp as the parser read it, dates alone when every one is at
    midnight, to the second otherwise; the labels stay as written."""
    _, monthly = client.json(read_data("en_monthly2004_2terms_football.csv"))
    s = monthly["series"][0]
    assert s["timestamps"][:2] == ["2004-01", "2004-02"]
    assert s["times"] == s["timestamps"]  # ISO already: repeated as written
    _, resaved = client.json((RESAVED / "excel-win-de-de_de_monthly2004_3terms.csv").read_bytes())
    s = resaved["series"][0]
    assert s["timestamps"][:2] == ["01.01.2004", "01.02.2004"]
    assert s["times"][:2] == ["2004-01-01", "2004-02-01"]
    # A one-day export writes its zone: `times` keep the time of day it writes (18:36), not
    # the same instant in UTC (23:36).
    _, one_day = client.json(read_data("more/en_oneday_8min_tz_3terms_nopreamble.csv"))
    s = one_day["series"][0]
    assert s["timestamps"][:2] == ["2025-09-15T18:36:00-05:00", "2025-09-15T18:44:00-05:00"]
    assert s["times"][:2] == ["2025-09-15T18:36:00", "2025-09-15T18:44:00"]
    _, hourly = client.json(read_data("en_hourly7d_2terms.csv"))
    first = hourly["series"][0]
    assert first["times"] == first["timestamps"]  # "2021-06-02T14": ISO already
    _, hand = client.json(read_data("more/daily_handedited_ymd_slashes_crlf.csv"))
    s = hand["series"][0]
    assert s["timestamps"][0] == "2009/6/1" and s["times"][0] == "2009-06-01"


def test_a_numeric_time_axis_has_no_times(client):
    status, answer = client.json(
        json.dumps({"data": original_example()}).encode(),
        "application/json",
        Accept="application/json",
    )
    assert status == 200, answer
    assert answer["series"][0]["times"] is None


@pytest.mark.parametrize(
    ("body", "content_type", "code", "message"),
    [
        (b"Day,x\n2020-01-12,5\n2020-01-13,1e20\n", "text/csv", "bad_csv", "value 1e+20 at row 2"),
        (
            json.dumps({"series": [{"name": "x", "values": [1, 2, 1e308, 3]}]}).encode(),
            "application/json",
            "bad_json",
            "series[0]: value 1e+308 at values[2]",
        ),
    ],
)
def test_an_absurd_value_is_named_as_the_user_wrote_it(client, body, content_type, code, message):
    """No numpy spelling (``np.float64(1e+20)``) in a message for a person, and a JSON body's
    error is a JSON error, naming the list index."""
    status, answer = client.json(body, content_type)
    assert status == 400
    assert answer["error"]["code"] == code
    assert message in answer["error"]["message"], answer
    assert "np." not in answer["error"]["message"]


@pytest.mark.parametrize("attributes", ["period=26", "method=auto", "bogus=1"])
def test_legacy_request_refuses_parameters_it_would_ignore(client, attributes):
    """A legacy body takes its parameters in the body (seasonality, period, eps, min_pts):
    query or header parameters beside it were dropped without a word (?method=auto answered
    STL, ?period=26 used 12, ?bogus=1 was a 200)."""
    status, _, data = client.invoke(
        legacy_body(read_data("en_weekly5y_bitcoin.csv")),
        "application/json",
        **{"X-Amzn-SageMaker-Custom-Attributes": attributes},
    )
    assert status == 400, data[:300]
    error = json.loads(data)["error"]
    assert error["code"] == "bad_parameter"
    assert attributes.split("=")[0] in error["message"] and "legacy" in error["message"]
    assert '"csv"' in error["hint"]


@pytest.mark.parametrize("period", ["absent", None, "", 8])
def test_legacy_request_too_short_for_stl_speaks_of_its_body(client, period):
    """A legacy request too short for STL was told of "the season of 12 points you set" when
    it set none (12 is the original app's default; a null or an empty string sets none
    either: an empty one was a 500), and pointed to the page's Season length and
    method=auto, which a legacy body refuses. It is told of its body's keys."""
    rows = "\n".join(f"{i},{(i % 7) / 10}" for i in range(10))
    doc = {"data": f"Time,Popularity\n{rows}", "seasonality": True}
    if period != "absent":
        doc["period"] = period
    status, answer = client.json(json.dumps(doc).encode(), "application/json")
    assert status == 400, answer
    error = answer["error"]
    assert error["code"] == "too_few_points"
    season = period if period == 8 else 12
    assert f"{2 * season} points" in error["message"] and "has 10" in error["message"]
    if period == 8:
        assert '"period": 8' in error["message"]
    else:
        assert "you set" not in error["message"] and "default" in error["message"]
    assert '"seasonality": false' in error["hint"] and '"period"' in error["hint"]
    assert "page" not in error["hint"] and "method=auto" not in error["hint"]


def test_legacy_request_can_ask_for_json(client):
    status, answer = client.json(
        legacy_body(read_data("en_weekly5y_bitcoin.csv")),
        "application/json",
        Accept="application/json",
    )
    assert status == 200
    assert answer["method"] == "stl"
    assert answer["series"][0]["parameters"]["period"] == 12


def test_legacy_dbscan_over_time_ranges_of_different_lengths_says_so(client):
    """A legacy DBSCAN request ("seasonality": false) reads every term row by row, as the
    original app did; a file that compares time ranges of different lengths has no such rows
    (the terms' points do not line up) and was a 500 (numpy could not broadcast 25 values
    into 40). It is a 400 that says what to send instead, each of which answers."""
    weeks = np.datetime64("2020-01-05") + np.arange(40) * np.timedelta64(7, "D")
    rows = [
        f"{weeks[i]},{i % 9},"
        + (f"{weeks[i] + np.timedelta64(700, 'D')},{i % 5}" if i < 25 else ",")
        for i in range(40)
    ]
    text = "Week,a: (Worldwide),Week,b: (Worldwide)\n" + "\n".join(rows) + "\n"
    status, answer = client.json(
        json.dumps({"data": text, "seasonality": False}).encode(), "application/json"
    )
    assert status == 400, answer
    error = answer["error"]
    assert error["code"] == "bad_parameter"
    assert "40" in error["message"] and "25" in error["message"], error
    assert '"seasonality": true' in error["hint"] and "Accept: application/json" in error["hint"]
    for body, accept in (
        ({"data": text, "seasonality": True}, ""),
        ({"data": text, "seasonality": False}, "application/json"),
    ):
        status, _, _ = client.invoke(json.dumps(body).encode(), "application/json", Accept=accept)
        assert status == 200


@pytest.mark.parametrize("blank", [None, ""])
@pytest.mark.parametrize("key", ["period", "eps", "min_pts"])
def test_a_legacy_null_is_the_legacy_default(client, key, blank):
    """A legacy body's `null` or `""` is the legacy default (period 12, eps 0.1, min_pts 4),
    as a key left out is; not the new API's default (an inferred season for stl). An empty
    period was a 500: the new API reads a blank as not given, and the legacy check then
    multiplied that None."""
    seasonal = key == "period"
    raw = read_data("en_weekly5y_bitcoin.csv")
    answers = [
        client.json(
            legacy_body(raw, seasonality=seasonal, **{key: value}),
            "application/json",
            Accept="application/json",
        )
        for value in (blank, {"period": 12, "eps": 0.1, "min_pts": 4}[key])
    ]
    assert [status for status, _ in answers] == [200, 200], answers
    (_, null), (_, default) = answers
    assert null["series"][0]["parameters"] == default["series"][0]["parameters"]
    assert null["series"][0]["anomalies"] == default["series"][0]["anomalies"]


@pytest.mark.parametrize("shape", ["series", "csv"])
def test_a_zoned_time_past_the_calendars_end_is_a_400(client, shape):
    """A time whose zone offset moves it before year 1 in UTC had no date to read: a 500
    (datetime's OverflowError), in a JSON series and in a file alike. It is not a date here."""
    stamps = ["0001-01-01T00:00+05:00", "0001-01-01T01:00+05:00", "0001-01-01T02:00+05:00"]
    if shape == "series":
        body = json.dumps({"series": [{"timestamps": stamps, "values": [1, 2, 3]}]}).encode()
        status, answer = client.json(body, "application/json")
    else:
        rows = "\n".join(f"{t},{v}" for v, t in enumerate(stamps))
        status, answer = client.json(f"time,load\n{rows}\n".encode())
    assert status == 400, answer
    error = answer["error"]
    assert error["code"] == ("bad_json" if shape == "series" else "bad_csv")
    assert f"'{stamps[0]}'" in error["message"] and "not" in error["message"]
    assert "2024-01-31" in error["hint"]


def test_same_input_same_bytes(client):
    body = read_data("en_weekly5y_3terms_lt1_glp1.csv")
    first = client.invoke(body)[2]
    assert all(client.invoke(body)[2] == first for _ in range(3))


@pytest.mark.parametrize(
    ("body", "content_type", "headers", "status", "code"),
    [
        (b"just some words", "text/csv", {}, 400, "bad_csv"),
        (b"", "text/csv", {}, 400, "bad_csv"),
        (b"{not json", "application/json", {}, 400, "bad_json"),
        (b"[1, 2]", "application/json", {}, 400, "bad_json"),
        (b'{"rows": []}', "application/json", {}, 400, "bad_json"),
        (b'{"series": [{"values": ["x"]}]}', "application/json", {}, 400, "bad_json"),
        (b"date,name\n2024-01-01,a\n2024-01-02,b\n", "text/csv", {}, 400, "no_numeric_column"),
        (
            None,
            "text/csv",
            {"X-Amzn-SageMaker-Custom-Attributes": "sensitivity=2"},
            400,
            "bad_parameter",
        ),
        (
            None,
            "text/csv",
            {"X-Amzn-SageMaker-Custom-Attributes": "method=magic"},
            400,
            "bad_parameter",
        ),
        (
            None,
            "text/csv",
            {"X-Amzn-SageMaker-Custom-Attributes": "colour=red"},
            400,
            "bad_parameter",
        ),
        (
            None,
            "text/csv",
            {"X-Amzn-SageMaker-Custom-Attributes": "method=auto;eps=0.2"},
            400,
            "bad_parameter",
        ),
        (
            None,
            "text/csv",
            {"X-Amzn-SageMaker-Custom-Attributes": "method=stl;period=200"},
            400,
            "too_few_points",
        ),
        (None, "application/xml", {}, 415, "unsupported_media_type"),
        (None, "", {}, 415, "unsupported_media_type"),
        (None, "text/csv", {"Accept": "image/png"}, 406, "not_acceptable"),
        # q=0 is "not acceptable" (RFC 9110, 12.4.2): it was answered in that very type.
        (None, "text/csv", {"Accept": "text/csv;q=0"}, 406, "not_acceptable"),
        (None, "text/csv", {"Accept": "text/csv;q=0, image/png"}, 406, "not_acceptable"),
        # Two bodies at once: 'series' was dropped without a word ('csv' was read).
        (
            json.dumps({"csv": "t,v\n2024-01-01,1\n", "series": []}).encode(),
            "application/json",
            {},
            400,
            "bad_json",
        ),
        # Python's float() reads '1_0' as 10: no caller means that.
        (
            None,
            "text/csv",
            {"X-Amzn-SageMaker-Custom-Attributes": "max_anomalies=1_0"},
            400,
            "bad_parameter",
        ),
    ],
)
def test_errors_are_clear_json(client, body, content_type, headers, status, code):
    body = read_data("en_weekly5y_bitcoin.csv") if body is None else body
    got_status, got_headers, data = client.invoke(body, content_type, **headers)
    assert got_status == status, data
    assert got_headers["Content-Type"] == "application/json"
    error = json.loads(data)["error"]
    assert error["code"] == code
    assert error["message"]
    assert error["hint"]


def test_an_empty_file_is_explained_in_words_for_a_person(client):
    status, answer = client.json(b" \r\n")
    assert status == 400
    error = answer["error"]
    assert error["message"] == "The file is empty: it has no rows to analyse."
    assert "Content-Type" not in error["message"] + error["hint"]
    assert "Download CSV" in error["hint"]


def test_bad_parameter_names_the_allowed_range(client):
    status, answer = client.json(
        read_data("en_weekly5y_bitcoin.csv"),
        **{"X-Amzn-SageMaker-Custom-Attributes": "sensitivity=2"},
    )
    assert status == 400
    assert "sensitivity" in answer["error"]["message"]
    # In words, not the interval notation it was written in ("[0, 1]", "(0, ∞]").
    assert "must be a number from 0 to 1; got '2'" in answer["error"]["message"]
    status, answer = client.json(
        read_data("en_weekly5y_bitcoin.csv"),
        **{"X-Amzn-SageMaker-Custom-Attributes": "method=dbscan;eps=1e308"},
    )
    assert status == 400
    message = answer["error"]["message"]
    assert "must be a number above 0; got '1e308', more than the largest value taken" in message
    assert "∞" not in message and "9,007,199,254,740,991" in message


def test_body_over_six_megabytes_is_413(client):
    body = b"date,v\n" + b"2024-01-01,1\n" * (6 * 1024 * 1024 // 13 + 10)
    status, _, data = client.invoke(body)
    assert status == 413
    assert json.loads(data)["error"]["code"] == "payload_too_large"


def test_unknown_path_and_method(client):
    assert client.request("GET", "/nope")[0] == 404
    status, headers, data = client.request("GET", "/invocations")
    assert status == 405
    assert json.loads(data)["error"]["code"] == "method_not_allowed"
    # RFC 9110: a 405 must say which methods the resource takes.
    assert {m.strip() for m in headers["Allow"].split(",")} >= {"POST"}


@pytest.mark.parametrize("method", ["auto", "stl", "dbscan"])
@pytest.mark.parametrize(
    "values",
    [[7] * 120, [0] * 120, [3], [1, 2], [5, 5, 6], [0] * 60 + [1] * 60, list(range(120))],
    ids=["constant", "zeros", "one", "two", "three", "step", "ramp"],
)
def test_degenerate_series_answer_or_400_never_500(client, method, values):
    status, _, data = client.invoke(
        weekly_csv(values), **{"X-Amzn-SageMaker-Custom-Attributes": f"method={method}"}
    )
    assert status in (200, 400), data
    if status == 200:
        answer = json.loads(data)
        assert len(answer["series"][0]["expected"]) == len(values)
        assert all(np.isfinite(answer["series"][0]["expected"]))


def test_gappy_series(client):
    body = (
        b"date,v\n2024-01-01,1\n2024-01-02,2\n2024-01-09,30\n2024-01-10,2\n2024-02-01,1\n"
        + b"".join(f"2024-03-{d:02d},{d % 3}\n".encode() for d in range(1, 29))
    )
    for method in ("auto", "stl", "dbscan"):
        status, _, data = client.invoke(
            body, **{"X-Amzn-SageMaker-Custom-Attributes": f"method={method}"}
        )
        assert status in (200, 400), data


def test_one_json_log_line_per_request_without_the_body(client, model_server):
    marker = "zz-unique-term-zz"
    client.invoke(weekly_csv([1, 2, 3, 4, 5, 6, 7, 8], header=f"Week,{marker}: (X)"))
    client.invoke(b"garbage", "text/csv", **{"X-Request-Id": "req-log-check"})
    log = log_with(model_server, '"request_id":"req-log-check"')
    assert marker not in log
    lines = [json.loads(x) for x in log.splitlines() if x.startswith("{")]
    mine = [x for x in lines if x.get("request_id") == "req-log-check"]
    assert len(mine) == 1
    assert mine[0]["status"] == 400 and mine[0]["error_code"] == "bad_csv"
    # The Lambda's line names the same things alike (lambda/handler.py): one query for both.
    assert mine[0]["level"] == "INFO"
    assert {"latency_ms", "bytes_in", "bytes_out", "path"} <= set(mine[0])
    assert "MonkeyPatchWarning" not in log


def test_band_of_a_trends_export_stays_on_its_0_to_100_scale(client):
    # Ozempic's sustained rise drew an upper bound of ~140 and the quiet Wegovy term a lower
    # one below zero, before the band was kept within the scale.
    status, answer = client.json(read_data("en_weekly5y_3terms_lt1_glp1.csv"))
    assert status == 200
    for s in answer["series"]:
        assert min(s["lower"]) >= 0 and min(s["expected"]) >= 0
        assert max(s["upper"]) <= 100 and max(s["expected"]) <= 100
        bands = zip(s["lower"], s["expected"], s["upper"], strict=True)
        assert all(lo <= e <= up for lo, e, up in bands)


@pytest.mark.parametrize(
    ("body", "message", "hint"),
    [
        (b'{"csv": 5}', "'csv' must be the CSV text as a string", "Content-Type: text/csv"),
        (b'{"data": [1, 2]}', "'data' must be the CSV text as a string", "one JSON string"),
        (b'{"csv": "Week,x\xff\xfe"}', "not valid JSON: it is not UTF-8 text", "UTF-8"),
        # Empty as a raw body is "The file is empty"; as 'csv' it said "No data rows found:
        # no line of the file starts with a date", as if a file had been read.
        (b'{"csv": ""}', "'csv' is empty: it has no rows to analyse", 'file\'s text in "csv"'),
        (b'{"csv": " \\r\\n"}', "'csv' is empty: it has no rows to analyse", "Google Trends"),
    ],
)
def test_a_bad_json_body_says_what_to_send(client, body, message, hint):
    """Every 400 says how to fix it: no empty hint, no decoder jargon ("surrogates")."""
    status, answer = client.json(body, "application/json")
    assert status == 400
    assert message in answer["error"]["message"]
    assert hint in answer["error"]["hint"]
    assert "surrogate" not in answer["error"]["message"]


def test_stl_on_a_year_of_weeks_says_the_season_came_from_the_dates(client):
    """A 12-month weekly export, the commonest, is one year: STL's season from its dates (a
    year, 52 weeks) needs two. The refusal said "with a season of 52 points (period=52)", as if
    the analyst had set one they had left blank; it now says where the season came from and
    how long an export is enough. A season set by the caller is said to be theirs."""
    year = weekly_csv([40 + (k * 7) % 11 for k in range(52)])
    status, answer = client.json(
        year, "text/csv", **{"X-Amzn-SageMaker-Custom-Attributes": "method=stl"}
    )
    assert (status, answer["error"]["code"]) == (400, "too_few_points")
    message, hint = answer["error"]["message"], answer["error"]["hint"]
    assert "the season its dates imply is a year of weekly data, 52 points" in message, message
    assert "104 points, and 'term' has 52" in message and "period=52" not in message, message
    assert hint.startswith("Export a longer time range (at least 104 weeks)"), hint
    # a season the analyst left blank: no field of theirs to mark
    assert "parameter" not in answer["error"], answer
    status, answer = client.json(
        year, "text/csv", **{"X-Amzn-SageMaker-Custom-Attributes": "method=stl;period=30"}
    )
    assert (status, answer["error"]["code"]) == (400, "too_few_points")
    message = answer["error"]["message"]
    # the page's name for the setting, and the API's (it said "(period=30)", which the page
    # names nowhere)
    assert (
        "with the season of 30 points you set (the page's Season length, period in the API) "
        "that is 60 points" in message
    ), message
    assert "period=" not in message
    # the season set is the analyst's: the page marks its Season length field (it had no
    # "parameter", and the page marked nothing)
    assert answer["error"].get("parameter") == "period", answer


def test_dbscan_refuses_a_series_too_short_to_hold_a_cluster(client):
    """At eps 0.1 and min_pts 4 a point needs two neighbours each side within a tenth of the
    scaled time: under 21 points none has, and every point was flagged. A legacy request
    keeps the original's answer."""
    weekly = weekly_csv([5, 6, 5, 7, 6, 5, 6, 5, 6, 5])
    status, answer = client.json(
        weekly, "text/csv", **{"X-Amzn-SageMaker-Custom-Attributes": "method=dbscan"}
    )
    assert status == 400
    assert answer["error"]["code"] == "too_few_points"
    message, hint = answer["error"]["message"], answer["error"]["hint"]
    assert "needs at least 21 points" in message
    # the page's labels first, the API's names in parentheses (it said "DBSCAN with eps=0.1
    # and min_pts=4", names the page shows nowhere as such)
    assert message.startswith(
        "DBSCAN with a neighbourhood radius of 0.1 (the page's Neighbourhood radius, eps in "
        "the API) and 4 neighbours for a cluster (the page's Neighbours for a cluster, "
        "min_pts in the API) needs at least 21 points"
    ), message
    assert "eps=" not in message and "min_pts=" not in message
    assert "a larger Neighbourhood radius (eps in the API)" in hint, hint
    assert "fewer Neighbours for a cluster (min_pts in the API)" in hint, hint
    assert "parameter" not in answer["error"]  # two settings: the page marks neither
    status, answer = client.json(
        weekly_csv([5, 6, 5, 7, 6, 5] * 4),
        "text/csv",
        **{"X-Amzn-SageMaker-Custom-Attributes": "method=dbscan"},
    )
    assert status == 200, answer
    status, _headers, body = client.invoke(
        legacy_body(weekly, seasonality=False), "application/json"
    )
    assert status == 200 and body.strip(), body


def test_dbscan_refuses_a_series_too_long_for_it_in_the_pages_words(client):
    """DBSCAN's range counts grow with n x neighbours: past dbscan.MAX_POINTS points in one
    term it refuses, saying so as the page names the method (it said "method=dbscan handles
    at most ..." and "Use method=auto for long series.")."""
    from trends_anomaly.dbscan import MAX_POINTS

    n = MAX_POINTS + 1
    values = ",".join(str(i % 7) for i in range(n))
    body = f'{{"series":[{{"values":[{values}]}}]}}'.encode()
    status, answer = client.json(
        body, "application/json", **{"X-Amzn-SageMaker-Custom-Attributes": "method=dbscan"}
    )
    assert status == 400, answer
    error = answer["error"]
    assert error["code"] == "bad_parameter"
    assert error["message"] == f"DBSCAN handles at most {MAX_POINTS} points; got {n}.", error
    assert error["hint"] == "Use the Auto method (method=auto), which handles long series."
    # the choice refused is the method's: an API client reads it in the field
    assert error["parameter"] == "method"


@pytest.mark.parametrize(("eps", "min_pts"), [(0.1, 4), (0.1, 5), (0.05, 4), (0.2, 3), (0.1, 2)])
def test_the_dbscan_bound_is_where_clusters_begin(eps, min_pts):
    """dbscan_min_points is the first length at which a flat series is not all noise."""
    from trends_anomaly import dbscan
    from trends_anomaly.detect import dbscan_min_points

    need = dbscan_min_points(eps, min_pts)
    for n, all_noise in ((need - 1, True), (need, False)):
        noise, _ = dbscan.noise_points([np.full(n, 5.0)], eps, min_pts)
        assert (len(noise) == n) is all_noise, (n, len(noise))


@pytest.mark.parametrize(
    ("head", "what"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00", "an Excel workbook (.xlsx)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel workbook (.xls)"),
        (b"%PDF-1.7\n", "a PDF document"),
        (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    ],
)
def test_a_file_that_is_no_csv_is_named_for_what_it_is(client, head, what):
    """A workbook sent as the CSV said 'No data rows found', which sends the sender looking
    for a problem inside a file that is not a CSV at all (the page's rule, from params.json)."""
    status, answer = client.json(head + bytes(range(256)) * 4)
    assert status == 400
    error = answer["error"]
    assert error["code"] == "bad_csv"
    assert error["message"].startswith(f"The file sent is {what}")
    assert error["message"].endswith("not a CSV file.")
    assert error["hint"]


def test_json_sent_as_text_csv_is_a_400_that_says_to_label_it_json(client):
    """The model's own JSON shapes, sent with the CSV's type, got "No data rows found"."""
    doc = json.dumps({"csv": read_data("en_weekly5y_bitcoin.csv").decode()}).encode()
    status, answer = client.json(doc, content_type="text/csv")
    assert (status, answer["error"]["code"]) == (400, "bad_csv")
    assert "looks like JSON" in answer["error"]["message"]
    assert "application/json" in answer["error"]["hint"]


def test_json_with_a_utf8_byte_order_mark_is_read(client):
    """Windows tools write UTF-8 with a BOM (PowerShell's Out-File -Encoding utf8); RFC 8259
    lets a parser ignore it, and the model said the UTF-8 body was "not UTF-8 text"."""
    doc = json.dumps({"csv": read_data("en_weekly5y_bitcoin.csv").decode()}).encode()
    plain = client.invoke(doc, content_type="application/json")
    marked = client.invoke(b"\xef\xbb\xbf" + doc, content_type="application/json")
    assert marked[0] == plain[0] == 200, marked[2][:300]
    assert marked[2] == plain[2]


def test_a_csv_sent_with_excels_type_is_read_as_csv(client):
    """A browser on Windows reports a .csv file as application/vnd.ms-excel: a fetch that sends
    the File object sends that type."""
    body = read_data("en_weekly5y_bitcoin.csv")
    status, answer = client.json(body, "application/vnd.ms-excel")
    assert status == 200, answer
    assert client.json(body)[1]["series"] == answer["series"]


def test_a_form_upload_says_to_send_the_file_as_the_body(client):
    body = b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
    body += read_data("en_weekly5y_bitcoin.csv") + b"\r\n--x--\r\n"
    status, answer = client.json(body, "multipart/form-data; boundary=x")
    assert status == 415
    error = answer["error"]
    assert error["message"].startswith("A form upload (multipart/form-data) is not supported")
    assert "--data-binary" in error["hint"] and "FormData" in error["hint"]


def test_a_term_with_every_value_0_is_said_to_have_too_few_searches(client):
    status, answer = client.json(weekly_csv([0] * 40) + b"")
    assert status == 200
    (note,) = answer["series"][0]["notes"]
    assert note.startswith("term: every value is 0: Google Trends had too few searches")
    assert note in answer["warnings"] and answer["series"][0]["anomalies"] == []


def test_an_unknown_charset_is_ignored_and_said_not_taken_for_a_legacy_file(client):
    """charset=bogus read a UTF-8 file as Windows-1252 and said 'the file is not UTF-8'."""
    body = read_data("es_weekly5y_chile.csv")
    status, answer = client.json(body, "text/csv; charset=bogus")
    assert status == 200
    assert answer["warnings"][0] == (
        "the Content-Type's charset 'bogus' is not an encoding known here; it was ignored"
    )
    assert not any("not UTF-8" in w for w in answer["warnings"])
    assert answer["series"] == client.json(body)[1]["series"]


def _utf16(text: str) -> bytes:
    return b"\xff\xfe" + text.encode("utf-16-le")


@pytest.mark.parametrize(
    "body",
    [
        _utf16("Week,a\n2020-01-05,1\n2020-01-12,2\n") + b"x",  # cut short: an odd byte
        _utf16("Week,a\n") + b"\x00\xd8" + _utf16("2020-01-05,1\n")[2:],  # a lone surrogate
        b"\xfe\xff\x00W\x00",  # big-endian, cut short
    ],
    ids=["odd-length", "lone-surrogate", "big-endian-odd"],
)
def test_a_broken_utf16_file_is_a_400_that_says_so(client, body):
    """A file that starts with UTF-16's byte-order mark but is not UTF-16 (cut short, a
    lone surrogate) raised UnicodeDecodeError in decode_text: 500 internal_error."""
    status, _, data = client.invoke(body)
    assert status == 400, data
    error = json.loads(data)["error"]
    assert error["code"] == "bad_csv"
    assert "UTF-16" in error["message"] and error["hint"]


@pytest.mark.parametrize("charset", ["rot13", "base64", "zlib", "hex", "uu"])
def test_a_charset_that_is_no_text_encoding_is_ignored_and_said(client, charset):
    """codecs knows these names, but they are not text encodings (bytes.decode raises
    LookupError or UnicodeError for them): a 500 before; now ignored like an unknown one."""
    body = read_data("es_weekly5y_chile.csv")
    status, answer = client.json(body, f"text/csv; charset={charset}")
    assert status == 200, answer
    assert answer["warnings"][0] == (
        f"the Content-Type's charset '{charset}' is not a text encoding; it was ignored"
    )
    assert answer["series"] == client.json(body)[1]["series"]


@pytest.mark.parametrize("charset", ["punycode", "undefined"])
def test_a_charset_the_body_cannot_be_read_in_is_never_a_500(client, charset):
    """punycode and undefined raise UnicodeError (not UnicodeDecodeError) on a CSV."""
    body = read_data("en_weekly5y_bitcoin.csv")
    status, _, data = client.invoke(body, f"text/csv; charset={charset}")
    assert status in (200, 400), data


@pytest.mark.parametrize(
    "attributes",
    [
        "max_anomalies=1e300",
        "period=1e300",
        "max_anomalies=18446744073709551616",  # 2**64
        "method=stl;max_anomalies=1e300",
        "method=dbscan;eps=1e308",
        "method=dbscan;eps=1e-320",
    ],
)
def test_a_parameter_too_large_or_small_to_compute_with_is_a_400(client, attributes):
    """Integers past 64 bits passed the range check ([0, ∞)) and failed in orjson when the
    answer echoed them; eps=1e308 or 1e-320 overflowed in DBSCAN's arithmetic: 500s."""
    status, _, data = client.invoke(
        read_data("en_weekly5y_bitcoin.csv"),
        **{"X-Amzn-SageMaker-Custom-Attributes": attributes},
    )
    assert status == 400, data
    error = json.loads(data)["error"]
    assert error["code"] in ("bad_parameter", "too_few_points")
    assert error["hint"]


def test_a_long_first_cell_without_a_colon_is_read_in_linear_time(client):
    """PREAMBLE_KEY (^\\s*([^:：]+?)\\s*[:：]) backtracked quadratically on a preamble line
    of a letter and spaces with no colon: 20 000 spaces held a worker for about 10 s, a 128 KB
    cell for minutes. Such a cell, just under the CSV reader's 131 072-character field limit,
    is answered (tests/model/test_exportlocale.py guards the pattern itself against the hang).
    This compared the time with the same request's in letters, best of two, within 10 times
    plus 50 ms: a loaded machine could stall the hostile sends and not the yardstick's."""
    rows = weekly_csv([5, 6, 7, 50, 6, 5, 7, 6, 5, 6, 7, 5] * 3).split(b"\n", 1)[1]
    status, _, data = client.invoke(b"a" + b" " * 130_000 + b"\n" + rows)
    assert status == 200, data[:300]


def _wide_csv(columns: int, rows: int = 3) -> bytes:
    head = "Week," + ",".join(f"t{j}" for j in range(columns))
    days = np.datetime64("2020-01-05") + np.arange(rows) * np.timedelta64(7, "D")
    lines = [
        f"{d}," + ",".join(str((j + i) % 7) for j in range(columns)) for i, d in enumerate(days)
    ]
    return ("\n".join([head, *lines]) + "\n").encode()


def test_more_value_columns_than_the_limit_is_a_400_before_any_work(client):
    """Each column is a series with its own detection and answer (~0.3 ms each, and the
    answer ~60 times the body): a 540 KB CSV of 50 000 one-cell columns held a worker for 17 s
    and answered 35 MB; 4 MB, the API's limit, would take minutes. At most MAX_SERIES."""
    from trends_anomaly.trends import MAX_SERIES

    status, _, data = client.invoke(_wide_csv(MAX_SERIES))
    assert status == 200, data[:300]
    status, _, data = client.invoke(_wide_csv(MAX_SERIES + 1))
    assert status == 400, data[:300]
    error = json.loads(data)["error"]
    assert error["code"] == "bad_csv"
    assert f"has {MAX_SERIES + 1} value columns" in error["message"] and error["hint"]
    series = [{"name": f"t{j}", "values": [1, 2, 3]} for j in range(MAX_SERIES + 1)]
    status, _, data = client.invoke(json.dumps({"series": series}).encode(), "application/json")
    assert status == 400, data[:300]
    assert json.loads(data)["error"]["code"] == "bad_json"


def test_more_points_than_the_limit_is_a_400_before_any_work(client):
    """The worker's memory budget (300 MB, serving/workers.py) is measured on the most points a 6 MB
    CSV of one term holds (~450 000). A JSON series needs 2 bytes a point: 3 000 000 points
    in 6 MB peaked at ~900 MB in one worker; a legacy numeric axis ("0,1" rows) held
    1 500 000, and 100 value columns of 28 000 rows peaked at ~400 MB. At most MAX_POINTS
    points in one request."""
    from trends_anomaly.trends import MAX_POINTS

    values = ",".join(["1", "2", "3", "9"] * ((MAX_POINTS + 4) // 4))
    body = f'{{"series":[{{"values":[{values}]}}]}}'.encode()
    status, _, data = client.invoke(body, "application/json")
    assert status == 400, data[:300]
    error = json.loads(data)["error"]
    assert error["code"] == "bad_json" and str(MAX_POINTS) in error["message"]
    rows = "".join(f"{i},{i % 7}\n" for i in range(MAX_POINTS + 1))
    status, _, data = client.invoke(
        json.dumps({"data": f"Time,Popularity\n{rows}", "seasonality": False}).encode(),
        "application/json",
    )
    assert status == 400, data[:300]
    error = json.loads(data)["error"]
    assert error["code"] == "bad_csv" and " rows of 1 value column, " in error["message"]
    # the same limit over several columns
    half = MAX_POINTS // 2 + 1
    days = np.datetime64("2000-01-01T00") + np.arange(half) * np.timedelta64(1, "h")
    csv_body = "Hour,a,b\n" + "".join(f"{d},{i % 9},{i % 5}\n" for i, d in enumerate(days))
    status, _, data = client.invoke(csv_body.encode())
    assert status == 400, data[:300]
    error = json.loads(data)["error"]
    assert error["code"] == "bad_csv" and f"{2 * half} points" in error["message"]
    assert f"{half} rows of 2 value columns, " in error["message"]  # (it said "column(s)")


@pytest.mark.parametrize("period", ["0", "none"])
def test_stl_refuses_no_season_instead_of_using_the_dates_one(client, period):
    """period=0 (or none) means "no season", which STL cannot do: it was taken as "not given",
    and the answer used the season the timestamps imply, the opposite of what was asked."""
    status, _, data = client.invoke(
        (DATA_DIR / "en_monthly2004_lt1_bitcoin.csv").read_bytes(),
        **{"X-Amzn-SageMaker-Custom-Attributes": f"method=stl;period={period}"},
    )
    assert status == 400, data[:300]
    error = json.loads(data)["error"]
    assert error["code"] == "bad_parameter"
    assert "Parameter 'period' must be an integer from 2 to 1440" in error["message"]
    assert "method=auto" in error["hint"] and "no season" in error["hint"]


def test_stl_refuses_a_season_too_long_for_its_filters_before_any_work(client):
    """stl's LOESS filters hold ~8·span² bytes of end weights, the trend span ~1.9 seasons:
    period=5000 on 100 000 points took 1.7 GB, and in the image period=200 000 computed for minutes
    until the memory limit killed the worker. A season over stl.MAX_PERIOD (a day of minutes)
    is a 400, whether it is given, sent in a legacy request or implied by the timestamps."""
    from trends_anomaly.stl import MAX_PERIOD

    n = 2 * MAX_PERIOD + 2
    values = ",".join(str(i % 7) for i in range(n))
    body = f'{{"series":[{{"values":[{values}]}}]}}'.encode()
    attrs = "X-Amzn-SageMaker-Custom-Attributes"
    status, _, data = client.invoke(
        body, "application/json", **{attrs: f"method=stl;period={MAX_PERIOD + 1}"}
    )
    assert status == 400, data[:300]
    error = json.loads(data)["error"]
    assert error["code"] == "bad_parameter"
    assert f"from 2 to {MAX_PERIOD}; got '{MAX_PERIOD + 1}'" in error["message"]
    assert "method=auto" in error["hint"]
    status, _, data = client.invoke(
        body, "application/json", **{attrs: f"method=stl;period={MAX_PERIOD}"}
    )
    assert status == 200, data[:300]
    rows = "".join(f"{i},{i % 7}\n" for i in range(n))
    legacy = {"data": f"Time,Popularity\n{rows}", "seasonality": True, "period": MAX_PERIOD + 1}
    status, _, data = client.invoke(json.dumps(legacy).encode(), "application/json")
    assert status == 400, data[:300]
    assert json.loads(data)["error"]["code"] == "bad_parameter"
    # 30-second timestamps: STL's default season is a day, 2880 points
    stamps = np.datetime64("2024-01-01T00:00:00") + np.arange(2 * 2880 + 2) * np.timedelta64(
        30, "s"
    )
    csv_body = "time,load\n" + "".join(f"{s},{i % 5}\n" for i, s in enumerate(stamps))
    status, _, data = client.invoke(csv_body.encode(), **{attrs: "method=stl"})
    assert status == 400, data[:300]
    error = json.loads(data)["error"]
    message, hint = error["message"], error["hint"]
    assert "30-second timestamps imply a season of 2880 points" in message
    # said as the page says it (it said "method=stl handles ... or a shorter period"); the
    # field an API client reads still names the parameter
    assert message.startswith("STL handles seasons of at most") and "method=" not in message
    assert "(the page's Season length, period in the API)" in hint, hint
    assert error["parameter"] == "period"


WEEKS = [f"2024-{m:02d}-{d:02d}" for m in (1, 2, 3) for d in (1, 8, 15, 22)]


@pytest.mark.parametrize(
    ("first", "said"),
    [
        (1594512000, "1594512000 as Unix seconds is 2020-07-12T00:00:00Z"),
        (1594512000000, "1594512000000 as Unix milliseconds is 2020-07-12T00:00:00Z"),
        ("1594512000", "1594512000 as Unix seconds is 2020-07-12T00:00:00Z"),
        (2020, ""),
        (True, ""),
    ],
)
def test_numeric_timestamps_are_refused_with_iso_text_to_send(client, first, said):
    """Epoch numbers were read as years (1594512000-01-01, 'frequency': '2.20899e+08-day');
    a number is no date the API guesses at: the refusal says what to send."""
    series = {"name": "b", "timestamps": [first, *WEEKS[1:]], "values": list(range(12))}
    status, answer = client.json(json.dumps({"series": [series]}).encode(), "application/json")
    assert status == 400
    error = answer["error"]
    assert error["code"] == "bad_json"
    assert error["message"].startswith("series[0].timestamps[0] is ")
    assert "not a date" in error["message"]
    assert "ISO 8601" in error["hint"]
    assert said in error["hint"]


@pytest.mark.parametrize("stamp", ["3", "1", "2004", " 2021 ", "0042", "+7"])
def test_a_timestamp_of_digits_alone_is_a_number_not_a_year(client, stamp):
    """A timestamp written as a short integer ("3") was read as a year: ["1", "2", "3", "4"]
    answered 'frequency': 'yearly' with times 0001-01-01..., and "3" among weekly dates
    0003-01-01 (a '368545-day' step). Numbers are not dates (docs/api.md, openapi.yaml), as a
    CSV's first column of them is not: named as the number it is; eight digits stay yyyymmdd."""
    series = {"name": "b", "timestamps": [*WEEKS[:2], stamp, *WEEKS[3:]], "values": list(range(12))}
    status, answer = client.json(json.dumps({"series": [series]}).encode(), "application/json")
    assert status == 400, answer
    error = answer["error"]
    assert error["code"] == "bad_json"
    assert error["message"] == (
        f"series[0].timestamps[2] is '{stamp}', a number, not a date written as text."
    )
    assert "years, cannot be told apart" in error["hint"]
    years = {"name": "y", "timestamps": ["1", "2", "3", "4"], "values": [1, 2, 3, 4]}
    status, answer = client.json(json.dumps({"series": [years]}).encode(), "application/json")
    assert status == 400, answer
    assert answer["error"]["message"].startswith("series[0].timestamps[0] is '1', a number")


@pytest.mark.parametrize("as_json", [False, True])
def test_a_csv_with_a_number_among_its_dates_is_a_400_naming_it(client, as_json):
    """text/csv and {"csv": ...} answered 200 with a stray '3' read as 0003-01-01: sorted
    first, and a warning of ~105 000 missing weeks."""
    lines = weekly_csv([10 + i % 5 for i in range(80)]).decode().splitlines()
    row = lines.index("2020-10-04,14")  # the 40th data row
    lines[row] = "3,12"
    text = "\n".join(lines) + "\n"
    body = json.dumps({"csv": text}).encode() if as_json else text.encode()
    kind = "application/json" if as_json else "text/csv"
    status, answer = client.json(body, kind)
    assert status == 400, str(answer)[:300]
    assert answer["error"]["code"] == "bad_csv"
    assert answer["error"]["message"] == "The first column must hold dates; '3' is not one."


def _without_labels(answer: dict) -> dict:
    """The answer without the timestamps as written (and the anomalies' copies of them)."""
    for s in answer["series"]:
        s.pop("timestamps")
        for a in s["anomalies"]:
            for key in ("timestamp", "start", "end", "peak"):
                a.pop(key)
    return answer


def test_compact_dates_are_answered_as_the_same_iso_dates(client):
    """A first column written yyyymmdd (a spreadsheet's date format) was a 400 "holds
    numbers": it is read as the days it writes, with the same step, season and answer."""
    values = [10 + (w % 52) % 7 for w in range(104)]
    values[60] = 90
    iso = weekly_csv(values).decode()
    compact = "\n".join(
        line.replace("-", "", 2) if line[:1].isdigit() else line for line in iso.splitlines()
    )
    assert "\n20200105,10\n" in compact
    status, answer = client.json(compact.encode())
    assert status == 200, answer
    _, expected = client.json(iso.encode())
    s = answer["series"][0]
    assert s["timestamps"][:2] == ["20200105", "20200112"]
    assert s["times"][:2] == ["2020-01-05", "2020-01-12"]
    assert answer["frequency"] == "weekly"
    assert _without_labels(answer) == _without_labels(expected)


def test_json_series_take_compact_timestamps_and_name_one_that_is_no_day(client):
    stamps = [f"202401{d:02d}" for d in range(1, 29)]
    series = {"name": "a", "timestamps": stamps, "values": [5.0] * 13 + [50.0] + [5.0] * 14}
    status, answer = client.json(json.dumps({"series": [series]}).encode(), "application/json")
    assert status == 200, answer
    assert answer["frequency"] == "daily"
    assert answer["series"][0]["times"][0] == "2024-01-01"
    series["timestamps"] = [*stamps[:5], "20241399", *stamps[6:]]
    status, answer = client.json(json.dumps({"series": [series]}).encode(), "application/json")
    assert status == 400
    assert answer["error"]["code"] == "bad_json"
    assert answer["error"]["message"] == "series[0].timestamps[5] ('20241399') is not a date."


def test_a_compact_cell_that_is_no_day_is_a_400_naming_it(client):
    body = b"Day,x\n" + b"".join(b"202001%02d,%d\n" % (d, d) for d in range(1, 20))
    status, answer = client.json(body.replace(b"20200107", b"20201399"))
    assert status == 400
    assert answer["error"]["code"] == "bad_csv"
    assert answer["error"]["message"] == "The first column must hold dates; '20201399' is not one."


def test_a_legacy_first_column_of_eight_digits_is_still_row_positions(client):
    """Legacy requests' numeric first column is a time axis of row positions, whatever its
    numbers (the original app ignored it): 20200101 there is a number as it always was."""
    text = "Time,Popularity\n" + "".join(f"202001{d:02d},{d % 5}\n" for d in range(1, 30))
    status, answer = client.json(
        json.dumps({"data": text}).encode(), "application/json", Accept="application/json"
    )
    assert status == 200, answer
    assert answer["frequency"] == "unknown"
    assert answer["series"][0]["times"] is None
    assert answer["series"][0]["timestamps"][0] == "20200101"


_DAYS = [str(np.datetime64("2020-01-01") + i) for i in range(_ROWS)]
# Legacy first columns that are neither all numbers nor dates: the original app ignored the
# column and answered; each was a 400, or (a number among dates) read as the year 0003.
# Each with the warning the JSON answer gives (row: the file's row, the header is row 1).
_NOT_A_DATE = (
    "the first column was not read as dates ({}): its rows were analysed in file order, "
    "as row positions"
)
LEGACY_NOT_DATES = {
    "yyyymmdd among dates": (
        [c.replace("-", "") if i == 1 else c for i, c in enumerate(_DAYS)],
        "'20200102' in row 3 is a number, not a date",
    ),
    "an integer among dates": (
        ["3" if i == 60 else c for i, c in enumerate(_DAYS)],
        "'3' in row 62 is a number, not a date",
    ),
    "two formats": (
        [f"{c[8:]}/{c[5:7]}/{c[:4]}" if i % 2 else c for i, c in enumerate(_DAYS)],
        "'2020-01-01' and '02/01/2020' are not in one format",
    ),
    "a typo": (
        ["2020-13-01" if i == 14 else c for i, c in enumerate(_DAYS)],
        "'2020-13-01' in row 16 is not a date",
    ),
    "text labels": (
        [chr(97 + i % 26) * (1 + i // 26) for i in range(_ROWS)],
        "'a' in row 2 is not a date",
    ),
    "a label in the first row": (["a", *_DAYS[1:]], "'a' in row 2 is not a date"),
    "a blank cell": (
        ["" if i == 5 else c for i, c in enumerate(_DAYS)],
        "the cell in row 7 is empty",
    ),
    "blank cells": ([""] * _ROWS, "the cell in row 2 is empty"),
}


@pytest.mark.parametrize("kind", LEGACY_NOT_DATES)
def test_a_legacy_first_column_that_is_not_dates_is_row_positions(client, kind):
    """The original app ignored the first column, so a legacy file whose first column mixes
    numbers with dates, has dates in two formats, a typo, text or blank cells is answered as
    the same values on the example's row-position axis are (text/csv rows for both methods;
    the JSON answer with no times and the labels as written), with a warning that names the
    first cell that is not a date."""
    example = original_example(_ROWS)
    cells, why = LEGACY_NOT_DATES[kind]
    text = with_first_column(example, cells)
    assert legacy_answers(client, text) == legacy_answers(client, example)
    body = json.dumps({"data": text, "seasonality": True, "period": 12}).encode()
    status, answer = client.json(body, "application/json", Accept="application/json")
    assert status == 200, answer
    assert answer["frequency"] == "unknown"
    assert answer["warnings"] == [_NOT_A_DATE.format(why)]
    (series,) = answer["series"]
    assert series["times"] is None
    assert series["timestamps"] == cells
    body = json.dumps({"data": example, "seasonality": True, "period": 12}).encode()
    _, rows = client.json(body, "application/json", Accept="application/json")
    assert _unlabelled(series) == _unlabelled(rows["series"][0])


@pytest.mark.parametrize(
    "kind", ["two formats", "a typo", "text labels", "a blank cell", "blank cells"]
)
def test_a_first_column_that_is_not_dates_is_still_a_400_outside_legacy_requests(client, kind):
    """Only legacy requests ignore the first column: a CSV upload, a {"csv": ...} body and a
    `series` body are refused as before (elsewhere 20200102 is a date, and a number among
    dates is read as before)."""
    cells, _ = LEGACY_NOT_DATES[kind]
    text = with_first_column(original_example(_ROWS), cells)
    status, answer = client.json(text.encode())
    assert status == 400 and answer["error"]["code"] == "bad_csv", answer
    status, same = client.json(json.dumps({"csv": text}).encode(), "application/json")
    assert status == 400 and same["error"] == answer["error"]
    values = [float(r.split(",")[1]) for r in text.splitlines()[1:]]
    series = {"series": [{"name": "x", "timestamps": cells, "values": values}]}
    status, answer = client.json(json.dumps(series).encode(), "application/json")
    assert status == 400 and answer["error"]["code"] == "bad_json", answer


# ISO 8601's basic form of an hourly timestamp beside its extended form (what the model read
# already), each with its trailing Z: the same instants, so the same answer.
_BASIC_HOURS = {
    "hour": ("{d}T{h}", "{ymd}T{h}"),
    "minutes": ("{d}T{h}:00", "{ymd}T{h}00"),
    "seconds": ("{d}T{h}:00:00", "{ymd}T{h}0000"),
    "minutes Z": ("{d}T{h}:00Z", "{ymd}T{h}00Z"),
    "seconds Z": ("{d}T{h}:00:00Z", "{ymd}T{h}0000Z"),
}


def _hours(form: str, n: int = 120) -> list[str]:
    stamps = np.datetime64("2021-06-02T14", "h") + np.arange(n)
    out = []
    for t in stamps.astype(str):
        d, h = t[:10], t[11:13]
        out.append(form.format(d=d, ymd=d.replace("-", ""), h=h))
    return out


_HOURLY_VALUES = [10 + (h % 24) // 4 for h in range(120)]
_HOURLY_VALUES[70] = 90


@pytest.mark.parametrize("kind", _BASIC_HOURS)
def test_basic_form_hours_are_answered_as_the_extended_form(client, kind):
    """A first column written 20210602T1400 (ISO 8601's basic form) was a 400 "No data rows
    found", and a JSON series of them got `times` unlike the extended form's: both are read as
    the instants 2021-06-02T14:00 writes, with the same answer."""
    extended, basic = (_hours(form) for form in _BASIC_HOURS[kind])
    csvs = [
        "Time,x\n" + "".join(f"{t},{v}\n" for t, v in zip(stamps, _HOURLY_VALUES, strict=True))
        for stamps in (extended, basic)
    ]
    status, expected = client.json(csvs[0].encode())
    assert status == 200, expected
    status, answer = client.json(csvs[1].encode())
    assert status == 200, answer
    assert answer["frequency"] == "hourly"
    assert answer["series"][0]["timestamps"][:2] == basic[:2]
    assert _without_labels(answer) == _without_labels(expected)
    answers = []
    for stamps in (extended, basic):
        series = {"name": "x", "timestamps": stamps, "values": _HOURLY_VALUES}
        status, got = client.json(json.dumps({"series": [series]}).encode(), "application/json")
        assert status == 200, got
        answers.append(_without_labels(got))
    assert answers[1] == answers[0]
    assert answers[0]["series"][0]["times"] == expected["series"][0]["times"]


@pytest.mark.parametrize("bad", ["20211399T1400", "20210602T2500", "20210631T14"])
def test_a_basic_form_value_that_is_no_date_is_named(client, bad):
    stamps = _hours(_BASIC_HOURS["minutes"][1], 30)
    stamps[7] = bad
    body = "Time,x\n" + "".join(f"{t},{i % 5}\n" for i, t in enumerate(stamps))
    status, answer = client.json(body.encode())
    assert status == 400, answer
    assert answer["error"]["code"] == "bad_csv"
    assert answer["error"]["message"] == f"The first column must hold dates; '{bad}' is not one."
    series = {"name": "x", "timestamps": stamps, "values": list(range(30))}
    status, answer = client.json(json.dumps({"series": [series]}).encode(), "application/json")
    assert status == 400, answer
    assert answer["error"]["message"] == f"series[0].timestamps[7] ('{bad}') is not a date."


def test_a_legacy_file_of_basic_form_hours_is_answered_as_before(client):
    """Legacy requests are read and answered as they were: a comma file's basic-form column
    was found by its values and read as dates, and `times` wrote them as read."""
    stamps = _hours(_BASIC_HOURS["minutes"][1])
    text = "Time,x\n" + "".join(f"{t},{v}\n" for t, v in zip(stamps, _HOURLY_VALUES, strict=True))
    body = json.dumps({"data": text}).encode()
    status, answer = client.json(body, "application/json", Accept="application/json")
    assert status == 200, answer
    assert answer["frequency"] == "hourly"
    assert answer["series"][0]["times"][:2] == ["2021-06-02T14:00:00", "2021-06-02T15:00:00"]


# A legacy header whose term is a number (Time,1917) above rows whose first cells are not
# all dates: the original app read the first line as the header and every line under it as
# a row, whatever its first cell.
_NUMBER_HEADED = {
    "a label first": ["a", *_DAYS[1:]],
    "two labels first": ["a", "b", *_DAYS[2:]],
    "a blank first": ["", *_DAYS[1:]],
    "labels only": [f"r{i}" for i in range(_ROWS)],
}


@pytest.mark.parametrize("kind", _NUMBER_HEADED)
def test_a_legacy_header_whose_term_is_a_number_heads_every_row_under_it(client, kind):
    """`Time,1917` then `a,0.23` and dates: the rows above the first date were dropped (the
    one right above it taken for the header) and every index came out one or two lower; with
    no date at all, the header was read as a row (its 1917 the anomaly at row 0). Answered
    now as the original app answers, and as the same file headed `Time,Popularity` is."""
    cells = _NUMBER_HEADED[kind]
    text = with_first_column(original_example(_ROWS), cells).replace("Popularity", "1917", 1)
    assert text.startswith(f"Time,1917\n{cells[0]},0.2300\n")
    words = text.replace("Time,1917", "Time,Popularity", 1)
    answers = legacy_answers(client, text)
    assert answers == legacy_answers(client, words)
    assert 97 in indices(answers[True])  # the spike, in the file's row numbering
    original = reference_dbscan(pd.read_csv(io.StringIO(text)), eps=0.1, min_pts=4)
    assert indices(answers[False]) == original
    body = json.dumps({"data": text, "seasonality": True, "period": 12}).encode()
    status, answer = client.json(body, "application/json", Accept="application/json")
    assert status == 200, answer
    (series,) = answer["series"]
    assert series["name"] == "1917"
    assert series["timestamps"] == cells


# A legacy first column of labels or blanks in the files Excel writes where the comma is
# the decimal mark (`;`, decimal commas) or as Unicode Text (tabs), beside the comma file.
_LEGACY_DIALECTS = {"semicolon": (";", ","), "semicolon, points": (";", "."), "tab": ("\t", ".")}
_LEGACY_DIALECTS["tab, commas"] = ("\t", ",")
_UNDATED = {
    "labels": [f"r{i}" for i in range(_ROWS)],
    "blanks": [""] * _ROWS,
    "a label first": ["a", *_DAYS[1:]],
}


@pytest.mark.parametrize("kind", _UNDATED)
@pytest.mark.parametrize("dialect", _LEGACY_DIALECTS)
def test_a_legacy_file_without_dates_is_read_in_its_own_delimiter(client, dialect, kind):
    """A legacy file whose first column holds no date was read with commas only when no row
    starts with a date: a `;` file with points, or a tab file, was a 400 "No data rows
    found"; one with decimal commas was split at them (the term named '2300', its values the
    decimals' digits, the indices one lower). A first labelled row above dates lost its row
    in a `;` file (its '0,2300' not taken for a number). Answered now as the comma file is."""
    sep, point = _LEGACY_DIALECTS[dialect]
    comma = with_first_column(original_example(_ROWS), _UNDATED[kind])
    text = (
        "\n".join(
            sep.join([first, rest.replace(".", point)])
            for first, rest in (line.split(",", 1) for line in comma.splitlines())
        )
        + "\n"
    )
    assert text.splitlines()[1] == f"{_UNDATED[kind][0]}{sep}0{point}2300"
    assert legacy_answers(client, text) == legacy_answers(client, comma)
    body = json.dumps({"data": text, "seasonality": True, "period": 12}).encode()
    status, answer = client.json(body, "application/json", Accept="application/json")
    assert status == 200, answer
    (series,) = answer["series"]
    assert series["name"] == "Popularity"
    assert series["values"][:2] == [0.23, 0.21]


def in_dialect(comma: str, sep: str, point: str) -> str:
    """A comma file's lines with ``sep`` between the first cell and the rest, and ``point``
    as the decimal mark (what Excel writes where the comma is the decimal mark)."""
    lines = (line.split(",", 1) for line in comma.splitlines())
    return "\n".join(sep.join([first, rest.replace(".", point)]) for first, rest in lines) + "\n"


# Legacy files without a header line: the original app's example (a numeric time axis),
# the same rows with dates, and with integers, in each delimiter the legacy reader takes.
_HEADERLESS = {
    "numbers": lambda text: text,
    "dates": with_dates,
    "integers": lambda text: with_first_column(text, LEGACY_INTEGER_AXES["counting"]),
}


@pytest.mark.parametrize("dialect", ["comma", *_LEGACY_DIALECTS])
@pytest.mark.parametrize("kind", _HEADERLESS)
def test_a_legacy_file_without_a_header_line_has_its_first_line_as_the_header(
    client, kind, dialect
):
    """The original app read a legacy file with pandas.read_csv, whose first line is the
    header whatever it holds: without `Time,Popularity`, its first point was the header and
    every index one lower ([96] for the example's spike at 97). A first line that starts with
    a date or a number was read as data, so an old client sending such a file got indices one
    higher for the same points. Answered now as the original read it: as the same file whose
    first line is a header in words."""
    sep, point = _LEGACY_DIALECTS.get(dialect, (",", "."))
    headed = in_dialect(_HEADERLESS[kind](original_example(_ROWS)), sep, point)
    text = headed.split("\n", 1)[1]  # no header line: the first line is a data row
    first, second = text.splitlines()[:2]
    as_read = f"Time{sep}Popularity\n" + text.split("\n", 1)[1]  # the original's reading
    answers = legacy_answers(client, text)
    assert answers == legacy_answers(client, as_read)
    assert 96 in indices(answers[True])  # the spike, the 98th line, is data row 96
    if dialect == "comma":  # what the original app answered on the same text
        original = reference_dbscan(pd.read_csv(io.StringIO(text)))
        assert indices(answers[False]) == original == [96]
    body = json.dumps({"data": text, "seasonality": True, "period": 12}).encode()
    status, answer = client.json(body, "application/json", Accept="application/json")
    assert status == 200, answer
    (series,) = answer["series"]
    assert series["name"] == first.split(sep)[1]  # the header's term, as pandas names it
    assert len(series["values"]) == _ROWS - 1
    assert series["timestamps"][0] == second.split(sep)[0]
    assert answer["warnings"][0] == (
        f"the first line ('{first}') was read as the header, not as a point, as the original "
        "app read it: put a header line (e.g. Time,Popularity) above the data to have it "
        "analysed"
    )


@pytest.mark.parametrize("first", ["2004-01,0.2300", "0.0,0.2300", "2004-01;0,2300", "1\t0.23"])
def test_a_legacy_file_of_one_line_is_a_400_that_says_it_is_the_header(client, first):
    """One line and no header: the original app read it as its header and crashed on no rows
    (MinMaxScaler: 0 samples); it is a 400 that says why, in both media types."""
    body = json.dumps({"data": first + "\n\n", "seasonality": False}).encode()
    for accept in ("text/csv", "application/json"):
        status, answer = client.json(body, "application/json", Accept=accept)
        assert status == 400, answer
        assert answer["error"]["code"] == "bad_csv"
        assert answer["error"]["message"] == (
            "The data has one line, and a legacy request reads its first line as the header "
            "(as the original app did): no row of data is left."
        )
        assert "Time,Popularity" in answer["error"]["hint"]


# A legacy file whose first line is delimiters only (a spreadsheet's empty header row saved
# as `,` or `,,`), above the example's rows with each kind of first column.
_BLANK_HEADED = {**_HEADERLESS, "labels": lambda text: with_first_column(text, _UNDATED["labels"])}


@pytest.mark.parametrize("line", [",", ",,", " , "])
@pytest.mark.parametrize("kind", _BLANK_HEADED)
def test_a_legacy_first_line_of_delimiters_only_is_the_header(client, kind, line):
    """pandas.read_csv, the original app's reading, skips blank lines but not `,`: a first
    line of delimiters only is its header (columns 'Unnamed: 0', 'Unnamed: 1', ...) and every
    line under it a row. It was taken as blank, so the line under it became the header and
    every index came out one lower than the original's ([96] for the spike at 97)."""
    headed = _BLANK_HEADED[kind](original_example(_ROWS))
    text = f"{line}\n" + headed.split("\n", 1)[1]  # the header line replaced by delimiters
    answers = legacy_answers(client, text)
    assert answers == legacy_answers(client, headed)  # the same rows, under a named header
    assert 97 in indices(answers[True])
    frame = pd.read_csv(io.StringIO(text))  # the original's reading
    assert len(frame) == _ROWS
    assert indices(answers[False]) == reference_dbscan(frame, eps=0.1, min_pts=4) == [97]
    body = json.dumps({"data": text, "seasonality": True, "period": 12}).encode()
    status, answer = client.json(body, "application/json", Accept="application/json")
    assert status == 200, answer
    (series,) = answer["series"]
    assert len(series["values"]) == _ROWS
    assert series["name"] == "Unnamed: 1"
    if line.strip() == line:  # as pandas names an empty cell (it keeps a blank one: ' .1')
        assert frame.columns[1] == "Unnamed: 1"


@pytest.mark.parametrize("kind", ["labels", "blanks", "a label first"])
def test_a_legacy_blank_line_under_the_header_leaves_the_rows_under_it_data(client, kind):
    """pandas.read_csv skips blank lines: `Time,Popularity`, a blank line, then labelled rows
    is a header and rows. The first labelled row was read as the header of the rest (the rule
    that keeps `Month,1917` a header under a Trends preamble's blank line): one point fewer,
    every index one lower ([96] for the spike at 97)."""
    plain = with_first_column(original_example(_ROWS), _UNDATED[kind])
    text = plain.replace("\n", "\n\n", 1)
    assert text.startswith("Time,Popularity\n\n")
    answers = legacy_answers(client, text)
    assert answers == legacy_answers(client, plain)
    original = reference_dbscan(pd.read_csv(io.StringIO(text)), eps=0.1, min_pts=4)
    assert indices(answers[False]) == original == [97]


_STATES = ["California", "Texas", "Florida", "New York", "Nevada", "Ohio", "Utah", "Iowa"]
_STATES += ["Maine", "Idaho", "Oregon", "Alaska", "Hawaii", "Kansas", "Georgia", "Vermont"]
_STATES += [
    "Montana",
    "Arizona",
    "Alabama",
    "Indiana",
    "Wyoming",
    "Colorado",
    "Delaware",
    "Kentucky",
]


def geo_map(values: list[int]) -> str:
    """Google Trends' Interest by region download (geoMap.csv): a preamble, a blank line,
    `Region,<term>: (<date range>)` and one row per place, highest first."""
    rows = "".join(f"{s},{v}\n" for s, v in zip(_STATES, values, strict=False))
    return f"Category: All categories\n\nRegion,bitcoin: (7/11/20 - 7/11/25)\n{rows}"


def test_a_legacy_interest_by_region_file_is_a_400_where_the_original_counted_lines(
    client,
):
    """Legacy clients get the original app's answer (issue 12), but not for this file. The
    original read it with pandas.read_csv: the preamble line was the only column, the
    `Region,...` line and the places its index, and DBSCAN saw the row numbers alone. Its
    answer counts lines, whatever the values: [] for 24 places, a flat file with one place far
    above the rest too; every row, the `Region,...` line included, for 8 places. That says
    nothing about places or time, so the answer stays a 400 naming the file and what to
    download instead (the same rule as for every other request)."""
    falling = [100 - 3 * i for i in range(24)]
    spike = [100] + [5] * 23

    def original(text: str) -> list[int]:
        frame = pd.read_csv(io.StringIO(text))
        assert list(frame.columns) == ["Category: All categories"]  # the values as its index
        return reference_dbscan(frame, eps=0.1, min_pts=4)

    assert original(geo_map(falling)) == original(geo_map(spike)) == []
    assert original(geo_map(falling[:8])) == list(range(9))
    for values in (falling, spike, falling[:8]):
        for seasonality in (True, False):
            body = json.dumps({"data": geo_map(values), "seasonality": seasonality}).encode()
            for accept in ("text/csv", "application/json"):
                status, answer = client.json(body, "application/json", Accept=accept)
                assert status == 400, answer
                assert answer["error"]["code"] == "bad_csv"
                assert "Interest by region (geoMap.csv)" in answer["error"]["message"]
                assert "Interest over time (multiTimeline.csv)" in answer["error"]["hint"]


def test_a_file_without_a_header_line_is_all_data_outside_legacy_requests(client):
    """Only legacy requests read the first line as the header: a CSV upload, a {"csv": ...}
    body and a `series` body read a first line with a date as a point, as before."""
    headed = with_dates(original_example(_ROWS))
    text = headed.split("\n", 1)[1]
    months = [line.split(",")[0] for line in text.splitlines()]
    values = [float(line.split(",")[1]) for line in text.splitlines()]
    status, expected = client.json(headed.encode())
    assert status == 200, expected
    series = {"name": "Popularity", "timestamps": months, "values": values}
    for request in (
        (text.encode(), "text/csv"),
        (json.dumps({"csv": text}).encode(), "application/json"),
        (json.dumps({"series": [series]}).encode(), "application/json"),
    ):
        status, answer = client.json(*request)
        assert status == 200, answer
        (got,) = answer["series"]
        assert got["timestamps"] == months and len(got["values"]) == _ROWS
        assert got["anomalies"] == expected["series"][0]["anomalies"]


@pytest.mark.parametrize("basic", ["20200205", "20200205T00"])
def test_times_write_a_basic_form_label_among_iso_ones_in_the_extended_form(client, basic):
    """A column of ISO dates with one written in the basic form (20200205) is read as one
    column, but `times` repeated its labels because the first and last are ISO: the client
    got '20200205' among '2020-01-29', which JavaScript's Date does not read."""
    days = [str(np.datetime64("2020-01-01") + 7 * i) for i in range(60)]
    mixed = [*days[:5], basic, *days[6:]]
    status, iso = client.json(weekly_csv([i % 7 for i in range(60)], start="2020-01-01"))
    assert status == 200, iso
    body = "Week,x\n" + "".join(f"{d},{i % 7}\n" for i, d in enumerate(mixed))
    series = {"name": "x", "timestamps": mixed, "values": [i % 7 for i in range(60)]}
    for request in (
        (body.encode(), "text/csv"),
        (json.dumps({"series": [series]}).encode(), "application/json"),
    ):
        status, answer = client.json(*request)
        assert status == 200, answer
        times = answer["series"][0]["times"]
        assert times[4:7] == ["2020-01-29", basic[:4] + "-02-05" + basic[8:], "2020-02-12"]
        assert (
            times[:5] + times[6:] == iso["series"][0]["times"][:5] + iso["series"][0]["times"][6:]
        )


def _both_shapes(cells: list[str], values: list[float]) -> list[tuple[bytes, str]]:
    """The same column as a CSV upload and as a JSON series."""
    body = "Week,x\n" + "".join(f"{d},{v}\n" for d, v in zip(cells, values, strict=True))
    series = {"name": "x", "timestamps": cells, "values": values}
    return [
        (body.encode(), "text/csv"),
        (json.dumps({"series": [series]}).encode(), "application/json"),
    ]


@pytest.mark.parametrize("written", ["%d-%m-%y", "%m-%d-%y"])
def test_two_digit_years_after_dashes_are_answered_as_their_days(client, written):
    """A weekly column re-saved as dd-mm-yy (17-05-15) or mm-dd-yy was read as the years 1 to
    99 (numpy's ISO reader): a 200 of rows sorted into another order, a 2557-day step and no
    season. Now the answer is the ISO column's, in CSV uploads and JSON series alike."""
    days = [np.datetime64("2015-05-17") + 7 * i for i in range(60)]
    values = [float(i % 7 + (30 if i == 40 else 0)) for i in range(60)]
    iso = [str(d) for d in days]
    cells = [d.item().strftime(written) for d in days]
    for (iso_body, kind), (body, _) in zip(
        _both_shapes(iso, values), _both_shapes(cells, values), strict=True
    ):
        status, expected = client.json(iso_body, kind)
        assert status == 200, expected
        status, answer = client.json(body, kind)
        assert status == 200, answer
        assert answer["frequency"] == "weekly"
        assert answer["warnings"] == expected["warnings"]
        mine, theirs = answer["series"][0], expected["series"][0]
        assert mine["timestamps"] == cells and mine["times"] == iso
        assert mine["expected"] == theirs["expected"]
        assert [a["index"] for a in mine["anomalies"]] == [a["index"] for a in theirs["anomalies"]]


def test_iso_dates_and_a_two_digit_year_with_dashes_are_a_400_naming_both(client):
    """2021-01-03 rows and one 21-10-20 were read as one column, the last in the year 21."""
    cells = [str(np.datetime64("2021-01-03") + 7 * i) for i in range(30)]
    cells[12] = "21-10-20"
    said = {
        "text/csv": "The first column's dates are not in one format: '2021-01-03' and "
        "'21-10-20' cannot be read the same way.",
        "application/json": "series[0].timestamps are not dates in one format: "
        "timestamps[0] ('2021-01-03') and timestamps[12] ('21-10-20') cannot be read the "
        "same way.",
    }
    for body, kind in _both_shapes(cells, [float(i % 5) for i in range(30)]):
        status, answer = client.json(body, kind)
        assert status == 400, answer
        assert answer["error"]["message"] == said[kind]


# The same instants in ISO 8601's extended and basic forms, each with an offset.
BASIC_WITH_OFFSETS = [
    ("2021-06-{d}T{h}:00+02:00", "202106{d}T{h}00+0200"),
    ("2021-06-{d}T{h}:00+02:00", "202106{d}T{h}00+02:00"),
    ("2021-06-{d}T{h}:00:00-05:00", "202106{d}T{h}0000-0500"),
    ("2021-06-{d}T{h}+02:00", "202106{d}T{h}+0200"),
    ("2021-06-{d}T{h}:00:00.5+02:00", "202106{d}T{h}0000.5+0200"),
]


@pytest.mark.parametrize(("extended", "basic"), BASIC_WITH_OFFSETS)
def test_a_json_series_in_the_basic_form_with_an_offset_keeps_its_time_of_day(
    client, extended, basic
):
    """`times` of a JSON series whose timestamps carry an offset are the time of day written
    (2021-06-02T00:00+02:00 -> 2021-06-02T00:00:00), but the same instants in ISO 8601's basic
    form (20210602T0000+0200) answered them in UTC (2021-06-01T22:00:00)."""

    def column(form):
        return [form.format(d=f"{2 + k // 24:02d}", h=f"{k % 24:02d}") for k in range(72)]

    values = [float(k % 24 + (40 if k == 50 else 0)) for k in range(72)]
    answers = []
    for form in (extended, basic):
        series = {"name": "x", "timestamps": column(form), "values": values}
        status, answer = client.json(json.dumps({"series": [series]}).encode(), "application/json")
        assert status == 200, answer
        answers.append(answer)
    mine, theirs = answers[1]["series"][0], answers[0]["series"][0]
    assert mine["times"][:2] == ["2021-06-02T00:00:00", "2021-06-02T01:00:00"]
    assert mine["times"] == theirs["times"]
    assert mine["timestamps"] == column(basic)
    assert answers[1]["frequency"] == answers[0]["frequency"] == "hourly"
    assert mine["expected"] == theirs["expected"]
    assert [a["index"] for a in mine["anomalies"]] == [a["index"] for a in theirs["anomalies"]]


def test_a_legacy_answer_keeps_the_basic_forms_offset_times_in_utc(client):
    """Legacy answers write `times` as they always have (iso_times(legacy=True)): a legacy
    file of 20210602T0000+0200 rows, read as dates, keeps them in UTC."""
    rows = "".join(f"202106{2 + k // 24:02d}T{k % 24:02d}00+0200,{k % 5}\n" for k in range(60))
    body = legacy_body(f"Time,Popularity\n{rows}".encode(), seasonality=False)
    status, answer = client.json(body, "application/json", Accept="application/json")
    assert status == 200, answer
    assert answer["series"][0]["times"][:2] == ["2021-06-01T22:00:00", "2021-06-01T23:00:00"]


@pytest.mark.parametrize(("extended", "basic"), BASIC_WITH_OFFSETS)
def test_a_csv_in_the_basic_form_with_an_offset_is_answered_as_the_extended_form(
    client, extended, basic
):
    """A first column of 20210602T0000+0200 (ISO 8601's basic form with an offset) was a 400
    "No data rows found", where a JSON series of the same timestamps was read: now the answer
    is the one 2021-06-02T00:00+02:00 gets, `times` in the time of day written."""

    def body(form):
        cells = [form.format(d=f"{2 + k // 24:02d}", h=f"{k % 24:02d}") for k in range(72)]
        values = [k % 24 + (40 if k == 50 else 0) for k in range(72)]
        return "Time,x\n" + "".join(f"{c},{v}\n" for c, v in zip(cells, values, strict=True))

    status, expected = client.json(body(extended).encode())
    assert status == 200, expected
    status, answer = client.json(body(basic).encode())
    assert status == 200, answer
    assert answer["series"][0]["timestamps"][:1] == [basic.format(d="02", h="00")]
    assert answer["series"][0]["times"][:2] == ["2021-06-02T00:00:00", "2021-06-02T01:00:00"]
    assert _without_labels(answer) == _without_labels(expected)


@pytest.mark.parametrize(
    ("minutes", "hours"),
    [
        ("2021-06-{d}T{h}:00-05:00", "2021-06-{d}T{h}:00-05"),
        ("2021-06-{d}T{h}:00+02:00", "2021-06-{d}T{h}:00+02"),
        ("202106{d}T{h}00-0500", "202106{d}T{h}00-05"),
    ],
)
def test_an_hour_only_offset_keeps_its_time_of_day_as_hours_and_minutes_do(client, minutes, hours):
    """`times` of timestamps with an offset of hours alone (2021-06-02T00:00-05) were in UTC
    (2021-06-02T05:00:00), where the same offset written -05:00 keeps the time of day written
    (2021-06-02T00:00:00): the answers are now the same, in CSV uploads and JSON series."""
    values = [float(k % 24 + (40 if k == 50 else 0)) for k in range(72)]
    stamps = {
        form: [form.format(d=f"{2 + k // 24:02d}", h=f"{k % 24:02d}") for k in range(72)]
        for form in (minutes, hours)
    }
    csvs = {
        form: "Time,x\n" + "".join(f"{t},{v}\n" for t, v in zip(cells, values, strict=True))
        for form, cells in stamps.items()
    }
    for kind in ("text/csv", "application/json"):
        answers = []
        for form in (minutes, hours):
            series = {"name": "x", "timestamps": stamps[form], "values": values}
            body = json.dumps({"series": [series]}) if kind != "text/csv" else csvs[form]
            status, answer = client.json(body.encode(), kind)
            assert status == 200, answer
            assert answer["series"][0]["timestamps"] == stamps[form]
            answers.append(_without_labels(answer))
        assert answers[1]["series"][0]["times"][:2] == [
            "2021-06-02T00:00:00",
            "2021-06-02T01:00:00",
        ]
        assert answers[1] == answers[0]


@pytest.mark.parametrize("cell", ["2021-06-{d}T{h}:00-05", "2021-06-{d}T{h}:00-05:00"])
def test_a_legacy_answer_keeps_an_hour_only_offset_as_it_always_had(client, cell):
    """Legacy answers are as they always were: `times` of 2021-06-02T00:00-05 in UTC, and of
    2021-06-02T00:00-05:00 in the time of day written (iso_times(legacy=True))."""
    rows = "".join(
        f"{cell.format(d=f'{2 + k // 24:02d}', h=f'{k % 24:02d}')},{k % 5}\n" for k in range(60)
    )
    body = legacy_body(f"Time,Popularity\n{rows}".encode(), seasonality=False)
    status, answer = client.json(body, "application/json", Accept="application/json")
    assert status == 200, answer
    first = 5 if cell.endswith("-05") else 0
    expected = [f"2021-06-02T{h:02d}:00:00" for h in (first, first + 1)]
    assert answer["series"][0]["times"][:2] == expected


@pytest.mark.parametrize(
    "stamps", [["2024-01-31", "soon"], ["2024-01-31", "31/01/2024"], ["2024-01-31", "2024-02-31"]]
)
def test_the_json_date_hint_names_the_forms_read_as_the_csv_hint_does(client, stamps):
    """A JSON series whose timestamps are not dates in one format got the hint "Use ISO 8601
    text such as 2024-01-31 or 2024-01-31T14:00:00 ...", where the CSV hint names each form
    both read (20240131, 2024-01, 20240131T1400, 31/01/2024 too): the same forms now, and each
    is read in a JSON series."""
    series = {"name": "x", "timestamps": stamps, "values": [1, 2]}
    status, answer = client.json(json.dumps({"series": [series]}).encode(), "application/json")
    assert status == 400, answer
    assert answer["error"]["hint"] == (
        "Use dates such as 2024-01-31, 20240131, 2024-01, 2024-01-31T14:00, 20240131T1400 or "
        "31/01/2024 (years 1 to 9999), one format for the whole series."
    )
    status, answer = client.json(f"Time,x\n{stamps[0]},1\n{stamps[1]},2\n".encode())
    assert status == 400, answer
    assert answer["error"]["hint"] == (
        "Use dates such as 2024-01-31, 20240131, 2024-01, 2024-01-31T14:00, 20240131T1400 or "
        "31/01/2024, one format for the whole column."
    )
    for form in (
        "2024-01-31",
        "20240131",
        "2024-01",
        "2024-01-31T14:00",
        "20240131T1400",
        "31/01/2024",
    ):
        series = {"name": "x", "timestamps": [form, form], "values": [1, 2]}
        status, answer = client.json(json.dumps({"series": [series]}).encode(), "application/json")
        assert status == 200, (form, answer)
