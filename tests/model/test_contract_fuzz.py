"""User input never gets a 5xx from the model: every key of every JSON shape with values of
every JSON type, odd timestamps, parameters valid alone that conflict with the data, odd
legacy files and Accept values, through the app in process (Flask's test client).

The HTTP fuzz (test_server_behaviour.py) mostly damages exports byte by byte; this one varies
what a caller writes, and failed on each of three 500s it missed: a legacy "period": "", a
zoned time past year 9999, a legacy DBSCAN over compared time ranges of different lengths.
Exhaustive where the product is small (key x value, timestamp format x shape, Accept x
shape), seeded where it is not, so a run fails for a change, never for a new draw. Each 4xx
must be the error shape with a message and a hint. Some 2060 requests, a few seconds.

And a legacy DBSCAN answer is the original app's (pandas.read_csv, then bench's
reference_dbscan) on 200 small texts it answered, drawn by hypothesis (derandomized by
tests/conftest.py's profile, so the same texts each run).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import random
import warnings
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from serving.app import create_app
from sklearn.preprocessing import MinMaxScaler
from trends_anomaly.app import HINTS
from trends_anomaly.contract import invoke
from trends_anomaly.settings import load_settings

from bench.reference.reference_detectors import reference_dbscan
from tests.model.test_dbscan import sklearn_rounds_its_own_way

Request = tuple[bytes, str, dict[str, str]]  # body, Content-Type, headers

# JSON values of every type, as raw JSON text (so that huge numbers go as written).
VALUES = [
    *("null", "true", "false", "0", "1", "-1", "2", "3", "12", "52", "1440", "1441", "20001"),
    *("9007199254740991", "9007199254740992", "18446744073709551616", "-100000000000000000000"),
    *("0.0", "-0.0", "0.5", "1.5", "0.05", "1e-300", "5e-324", "1e308", "-1e308"),
    *('""', '" "', '"0"', '"1"', '"2"', '"12"', '"0.5"', '"NaN"', '"Infinity"', '"-Infinity"'),
    *('"none"', '"null"', '"1e3"', '"1_0"', '"٥"', '"５２"', '"héllo"', '"\\u0000"', '"<1"'),
    *('"auto"', '"stl"', '"dbscan"', "[]", "[1]", '["a"]', "{}", '{"a": 1}', "[[]]"),
]
JSON = "application/json"
PARAMETERS = ("method", "sensitivity", "period", "alpha", "max_anomalies", "eps", "min_pts")


def _week(i: int) -> str:
    return (dt.date(2020, 1, 5) + dt.timedelta(weeks=i)).isoformat()


def weeks(n: int) -> list[str]:
    return [_week(i) for i in range(n)]


def csv_text(n: int, values=None) -> str:
    values = values or [(i * 7) % 11 for i in range(n)]
    rows = "\n".join(f"{t},{v}" for t, v in zip(weeks(n), values, strict=True))
    return f"Week,term: (Worldwide)\n{rows}\n"


def doc(parts: dict[str, str]) -> bytes:
    """A JSON object from raw JSON texts of its values."""
    return ("{" + ",".join(f"{json.dumps(k)}: {v}" for k, v in parts.items()) + "}").encode()


def key_values() -> Iterator[Request]:
    """Each key of each shape, every value in VALUES, the rest of the body valid."""
    series = {"values": json.dumps(list(range(30))), "timestamps": json.dumps(weeks(30))}
    shapes = {
        "csv": {"csv": json.dumps(csv_text(30))},
        "series": {"series": "[" + doc(series).decode() + "]"},
        "legacy": {"data": json.dumps(csv_text(30)), "seasonality": "true"},
        "legacy dbscan": {"data": json.dumps(csv_text(30)), "seasonality": "false"},
    }
    for shape, base in shapes.items():
        keys = [*base, *(PARAMETERS if "legacy" not in shape else ("period", "eps", "min_pts"))]
        for key in keys:
            for value in VALUES:
                yield doc(base | {key: value}), JSON, {}
    for key in ("values", "timestamps", "name"):  # each key of a series entry
        for value in VALUES:
            yield doc({"series": "[" + doc(series | {key: value}).decode() + "]"}), JSON, {}


# Timestamps people and programs write, odd ones included; {i} is the row, {d} a day.
TIMESTAMPS = [
    *("{y:04d}-01-{d:02d}", "0000-01-{d:02d}", "10000-01-{d:02d}", "-0001-01-{d:02d}"),
    *("9999-12-31T{h:02d}:00-{h:02d}:00", "0001-01-01T{h:02d}:00+{h:02d}:00"),
    *("0001-01-01T00:00:00Z", "2024-01-{d:02d}T23:59:60", "2024-01-{d:02d}T24:00"),
    *("2024-01-{d:02d}T{h:02d}:00:00.123456789012", "2024-01-{d:02d}T{h:02d}:00+24:00"),
    *("2024-01-{d:02d} {h:02d}:00 UTC", "2024-W{d:02d}", "2024-{i:03d}", "2024-02-{d:02d}"),
    *(" 2024-01-{d:02d} ", "2024-01-{d:02d}T", "{h:02d}:00", "{y}", "2024{d:02d}01"),
    *("{d}/1/1", "00/00/0000", "Jan-{d:02d}", "31-Feb-{d:02d}", "１２/{d:02d}/２０２０"),
    *("٢٠٢٤-٠١-{d:02d}", "{d}-{d}-{y} {h}:00 PM", "2024-01-{d:02d} - 2024-01-{d:02d}"),
    *("1970-01-01T00:00:{i:02d}", "NaT", "2024-01-01", "292277026596-12-04", "{i}"),
    *("2024-01-{d:02d}T{h:02d}:00:00+0530", "2024\u201301\u2013{d:02d}", "1/{d}/{y:02d}"),
]


def timestamps() -> Iterator[Request]:
    """Each format as a JSON series' timestamps and as a file's first column."""
    for template in TIMESTAMPS:
        stamps = [template.format(i=i, d=i % 28 + 1, h=i % 24, y=1990 + i) for i in range(20)]
        values = [(i * 7) % 11 for i in range(20)]
        series = [{"timestamps": stamps, "values": values}]
        yield json.dumps({"series": series}).encode(), JSON, {}
        rows = "\n".join(f"{t},{v}" for t, v in zip(stamps, values, strict=True))
        yield f"t,v\n{rows}\n".encode(), "text/csv", {}


def conflicts(rng: random.Random) -> Iterator[Request]:
    """Parameters each valid, maybe not for the series: a season longer than it, no
    anomalies allowed, sensitivity and alpha at their edges, DBSCAN radii and counts."""
    for _ in range(300):
        n = rng.choice([2, 3, 5, 8, 9, 16, 23, 24, 25, 40, 104, 105])
        method = rng.choice(["auto", "stl", "dbscan"])
        params: dict = {"method": method}
        if method != "dbscan":
            params["period"] = rng.choice([2, 3, n // 2, n - 1, n, n + 1, 2 * n, 1440])
            params["period"] = max(params["period"], 2 if method == "stl" else 0)
            params["max_anomalies"] = rng.choice([None, 0, 1, n, 2**53 - 1])
            params["alpha"] = rng.choice([None, 5e-324, 1e-16, 0.4999999999])
        if method == "auto":
            params["sensitivity"] = rng.choice([0, 1, 1e-300, 0.9999999999])
        if method == "dbscan":
            params["eps"] = rng.choice([5e-324, 1e-9, 0.1, 1, 1e308, 2**53 - 1])
            params["min_pts"] = rng.choice([1, 2, n, n + 1, 2**53 - 1])
        values = rng.choice([[42] * n, [0] * n, [(i * 7) % 11 for i in range(n)]])
        given = {k: v for k, v in params.items() if v is not None}
        accept = {"Accept": rng.choice(["application/json", "text/csv"])}
        shape = rng.randrange(3)
        if shape == 0:
            yield json.dumps({"csv": csv_text(n, values)} | given).encode(), JSON, accept
        elif shape == 1:
            yield json.dumps({"series": [{"values": values}]} | given).encode(), JSON, accept
        else:
            attributes = ";".join(f"{k}={v}" for k, v in given.items())
            headers = accept | {"X-Amzn-SageMaker-Custom-Attributes": attributes}
            yield csv_text(n, values).encode(), "text/csv", headers


def _compared_ranges(first: int, second: int) -> str:
    """A Trends file comparing two time ranges, of ``first`` and ``second`` weeks."""
    lines = ["Week,a: (Worldwide),Week,a: (Worldwide)"]
    for i in range(max(first, second)):
        a = f"{_week(i)},{i % 9}" if i < first else ","
        b = f"{_week(i + 100)},{i % 5}" if i < second else ","
        lines.append(f"{a},{b}")
    return "\n".join(lines) + "\n"


LEGACY_DATA = [
    "",
    "Time,Popularity",
    "Time,Popularity\n",
    "0,5",
    "Time,Popularity\n0.0,0.23",
    "\n".join(f"{i},{i % 3}" for i in range(30)),  # no header
    "Time,Popularity\n" + "\n".join(f"{-i},{i % 3}" for i in range(30)),  # newest first
    "Time,Popularity\n" + "\n".join(f"{i // 2},{i % 3}" for i in range(30)),  # repeated
    "Time,Popularity\n" + "\n".join(f"{i},7" for i in range(30)),  # all equal
    "Time,a,b\n" + "\n".join(f"{i},{i % 3},<1" for i in range(30)),
    "Time,a,b\n" + "\n".join(f"{i},{i % 3}," for i in range(30)),  # an empty column
    csv_text(30).replace("2020-01-05", "2020-01-12"),  # a repeated date
    _compared_ranges(40, 25),
    _compared_ranges(30, 30),
]


def legacy() -> Iterator[Request]:
    for data in LEGACY_DATA:
        for seasonality in ("true", "false"):
            for accept in ("", "application/json"):
                body = doc({"data": json.dumps(data), "seasonality": seasonality})
                yield body, JSON, {"Accept": accept}


ACCEPTS = [
    *("", "*/*", "application/json", "text/csv", "text/*", "application/*", "text/csv;q=0"),
    *("text/csv;q=0.5, application/json;q=0.4", "text/html", "text/csv;q=abc", "text/csv;q=nan"),
    *("text/csv;q=1e999", ",", ";", "text/csv;;q", "TEXT/CSV", "*/*;q=0"),
]


def accepts() -> Iterator[Request]:
    bodies = [
        (csv_text(30).encode(), "text/csv"),
        (json.dumps({"csv": csv_text(30)}).encode(), JSON),
        (json.dumps({"series": [{"values": list(range(30))}]}).encode(), JSON),
        (json.dumps({"data": csv_text(30), "seasonality": False}).encode(), JSON),
    ]
    for accept in ACCEPTS:
        for body, content_type in bodies:
            yield body, content_type, {"Accept": accept}


@pytest.fixture(scope="module")
def client():
    settings = load_settings({"MODEL_DEFAULTS_PATH": "/nonexistent/defaults.json"})
    handler = functools.partial(invoke, settings=settings)
    return create_app(__name__, handler, settings.max_payload_bytes, hints=HINTS).test_client()


@pytest.mark.parametrize(
    "family",
    [
        key_values,
        timestamps,
        functools.partial(conflicts, random.Random(20261205)),
        legacy,
        accepts,
    ],
    ids=["key-values", "timestamps", "conflicts", "legacy", "accept"],
)
def test_what_a_caller_writes_never_gets_a_5xx(client, family):
    failures, answered = [], {"2xx": 0, "4xx": 0}
    for body, content_type, headers in family():
        resp = client.post("/invocations", data=body, content_type=content_type, headers=headers)
        if resp.status_code >= 500:
            failures.append((resp.status_code, content_type, headers, body[:300]))
            continue
        answered["2xx" if resp.status_code < 300 else "4xx"] += 1
        if resp.status_code >= 400:
            error = json.loads(resp.data)["error"]
            if not (error["code"] and error["message"] and error["hint"]):
                failures.append((resp.status_code, "no message or hint", body[:300], error))
    assert not failures, failures[:5]
    assert answered["2xx"] and answered["4xx"], answered  # the family reaches both


@pytest.mark.parametrize("year", ["-99999999999999", "999999999", "10000", "0000"])
def test_a_year_outside_1_to_9999_is_refused_naming_the_cell(client, year):
    stamps = [*weeks(30), f"{year}-01-01"]
    csv = "Week,term: (Worldwide)\n" + "".join(f"{t},{i % 7}\n" for i, t in enumerate(stamps))
    resp = client.post("/invocations", data=csv.encode(), content_type="text/csv")
    assert resp.status_code == 400, resp.data
    assert f"{year}-01-01" in json.loads(resp.data)["error"]["message"]
    body = {"series": [{"name": "t", "timestamps": stamps, "values": list(range(31))}]}
    resp = client.post("/invocations", data=json.dumps(body), content_type=JSON)
    assert resp.status_code == 400, resp.data
    error = json.loads(resp.data)["error"]
    assert "series[0].timestamps[30]" in error["message"], error


BAD_DAY = 2000  # timestamps in the series below; the bad one first, in the middle, last


def _with_a_bad_day(where: int, bad: str) -> list[str]:
    stamps = [str(dt.date(1990, 1, 1) + dt.timedelta(days=i)) for i in range(BAD_DAY)]
    stamps[where] = bad
    return stamps


@pytest.mark.parametrize("where", [0, BAD_DAY // 2, BAD_DAY - 1])
@pytest.mark.parametrize("bad", ["2020-13-01", "2020-02-30T00:00Z", "17/13/2020", "soon"])
def test_the_first_timestamp_that_is_not_a_date_is_named_wherever_it_is(client, where, bad):
    """The same words whether the bad label is first, in the middle or last."""
    stamps = _with_a_bad_day(where, bad)
    body = {"series": [{"timestamps": stamps, "values": [i % 7 for i in range(BAD_DAY)]}]}
    resp = client.post("/invocations", data=json.dumps(body), content_type=JSON)
    assert resp.status_code == 400, resp.data
    assert json.loads(resp.data)["error"]["message"] == (
        f"series[0].timestamps[{where}] ({bad!r}) is not a date."
    )
    if where == 0:  # a file's first row that is not a date is read as a line above the data
        return
    csv = "Day,term: (Worldwide)\n" + "".join(f"{t},{i % 7}\n" for i, t in enumerate(stamps))
    resp = client.post("/invocations", data=csv.encode(), content_type="text/csv")
    assert resp.status_code == 400, resp.data
    assert json.loads(resp.data)["error"]["message"] == (
        f"The first column must hold dates; '{bad}' is not one."
    )


@pytest.mark.parametrize(
    ("late", "first", "other"),
    [
        ("01/03/1800", "1800-01-01", "01/03/1800"),  # ISO, then a spreadsheet's date
        ("1800/01/03", "1800-01-01", "1800/01/03"),
        ("Jan-1800", "1800-01-01", "Jan-1800"),
    ],
)
def test_dates_in_more_than_one_format_are_said_so_naming_two_of_them(client, late, first, other):
    """Every cell is a date alone, the column is not one: the CSV path named its good first
    cell ("'1800-01-01' is not one"); both paths now say the formats differ, by two cells."""
    stamps = [str(dt.date(1800, 1, 1) + dt.timedelta(days=i)) for i in range(30)] + [late]
    body = {"series": [{"timestamps": stamps, "values": [i % 7 for i in range(31)]}]}
    resp = client.post("/invocations", data=json.dumps(body), content_type=JSON)
    assert resp.status_code == 400, resp.data
    assert json.loads(resp.data)["error"]["message"] == (
        "series[0].timestamps are not dates in one format: timestamps[0] "
        f"({first!r}) and timestamps[30] ({other!r}) cannot be read the same way."
    )
    csv = "Day,term: (Worldwide)\n" + "".join(f"{t},{i % 7}\n" for i, t in enumerate(stamps))
    resp = client.post("/invocations", data=csv.encode(), content_type="text/csv")
    assert resp.status_code == 400, resp.data
    error = json.loads(resp.data)["error"]
    assert error["message"] == (
        f"The first column's dates are not in one format: '{first}' and '{other}' cannot be "
        "read the same way."
    )
    assert "one format for the whole column" in error["hint"]


def test_days_first_and_months_first_in_one_column_are_named(client):
    """'13/02/2020' is day-first, '02/14/2020' month-first: each a date, not together."""
    stamps = ["01/02/2020", "13/02/2020", "20/02/2020", "02/14/2020"]
    csv = "Day,term: (Worldwide)\n" + "".join(f"{t},{i % 7}\n" for i, t in enumerate(stamps))
    resp = client.post("/invocations", data=csv.encode(), content_type="text/csv")
    assert resp.status_code == 400, resp.data
    assert json.loads(resp.data)["error"]["message"] == (
        "The first column's dates are not in one format: '13/02/2020' and '02/14/2020' "
        "cannot be read the same way."
    )


def test_the_bad_timestamp_is_found_without_reading_each_label_alone(client, monkeypatch):
    """Reading each of 100 000 labels alone took 1.8 s for a bad one last (a success takes
    0.14 s): the labels are read in groups, halved down to the bad one, instead. Counted,
    not timed: how many labels were read one by one."""
    import trends_anomaly.timeaxis as timeaxis

    alone = []
    read_any = timeaxis._read_any

    def counting(cells, *args):
        if len(cells) == 1:
            alone.append(cells[0])
        return read_any(cells, *args)

    monkeypatch.setattr(timeaxis, "_read_any", counting)
    stamps = _with_a_bad_day(BAD_DAY - 1, "2020-13-01")
    body = {"series": [{"timestamps": stamps, "values": [i % 7 for i in range(BAD_DAY)]}]}
    resp = client.post("/invocations", data=json.dumps(body), content_type=JSON)
    assert resp.status_code == 400, resp.data
    assert len(alone) <= 2 and alone[-1] == "2020-13-01", alone  # and at most its neighbour


@pytest.mark.parametrize("value", ["true", "false", '"1_0"', '"٥"', '"NaN"', '"12"', '"x"', "[1]"])
def test_a_series_value_that_is_not_a_number_null_or_below_one_is_refused(client, value):
    # read laxer than the parameters: true as 1, "1_0" as 10, "٥" as 5, "NaN" as missing
    values = ["3"] * 30
    values[7] = value
    body = f'{{"series": [{{"name": "t", "values": [{",".join(values)}]}}]}}'
    resp = client.post("/invocations", data=body.encode(), content_type=JSON)
    assert resp.status_code == 400, resp.data
    error = json.loads(resp.data)["error"]
    assert error["code"] == "bad_json"
    assert "series[0].values[7]" in error["message"], error


@pytest.mark.parametrize(
    "value", ['"<1"', '"< 1"', '"<\\u00a01"', '"\\uff1c1"', "null", "0.5", "7"]
)
def test_a_series_value_may_be_a_number_null_or_below_one(client, value):
    values = [str(i % 7) for i in range(30)]
    values[7] = value
    body = f'{{"series": [{{"name": "t", "values": [{",".join(values)}]}}]}}'
    resp = client.post("/invocations", data=body.encode(), content_type=JSON)
    assert resp.status_code == 200, resp.data


# What a legacy body cannot take: the new API's parameters, methods and the page's fields.
NOT_LEGACY_WORDS = ("method=", "inferred from the timestamps", "Neighbourhood radius", "page")


@pytest.mark.parametrize(
    "extra, accept",
    [
        ({"period": 0}, None),
        ({"period": 1}, None),
        ({"period": 2000}, None),
        ({"period": "x"}, None),
        ({"seasonality": False}, JSON),  # DBSCAN on too few points, answered in JSON
        ({"seasonality": False, "eps": 0.05, "min_pts": 9}, JSON),
    ],
)
def test_a_legacy_error_hint_speaks_of_the_legacy_keys(client, extra, accept):
    body = {"data": csv_text(10), **extra}
    headers = {"Accept": accept} if accept else {}
    resp = client.post("/invocations", data=json.dumps(body), content_type=JSON, headers=headers)
    assert resp.status_code == 400, resp.data
    hint = json.loads(resp.data)["error"]["hint"]
    assert not [w for w in NOT_LEGACY_WORDS if w in hint], hint
    assert '"' in hint, hint  # names a body key, as the body writes it


def _wide_csv(rows: int, columns: int) -> str:
    head = "Week," + ",".join(f"t{j}: (Worldwide)" for j in range(columns))
    lines = (
        f"{_week(i)}," + ",".join(str((i * (j + 3)) % 97) for j in range(columns))
        for i in range(rows)
    )
    return head + "\n" + "\n".join(lines) + "\n"


def test_a_legacy_dbscan_over_more_points_than_it_handles_is_refused_by_size(client):
    """The legacy DBSCAN reads every column at once; its range counts grow with the points'
    neighbours, and 20 000 rows x 25 columns at eps=1.0 took 120 s in process (past
    SageMaker's 60 s). Its budget is points, rows x columns, as for one term."""
    from trends_anomaly.dbscan import MAX_POINTS

    rows = MAX_POINTS // 5 + 1
    body = {"data": _wide_csv(rows, 5), "seasonality": False, "eps": 1.0}
    resp = client.post("/invocations", data=json.dumps(body), content_type=JSON)
    assert resp.status_code == 400, resp.data[:300]
    error = json.loads(resp.data)["error"]
    assert error["code"] == "bad_parameter"
    assert f"{rows} rows" in error["message"] and str(rows * 5) in error["message"], error
    assert '"seasonality": true' in error["hint"], error
    # A Google Trends export (5 terms, ~270 rows) and its like are answered as before.
    body = {"data": _wide_csv(MAX_POINTS // 5, 5), "seasonality": False, "eps": 1.0}
    resp = client.post("/invocations", data=json.dumps(body), content_type=JSON)
    assert resp.status_code == 200, resp.data[:300]


# --- legacy answers against the original app's reading (issue 12) ---
_FIRST_CELLS = ("number", "integer", "date", "date out of order", "label", "blank")
_VALUE_CELLS = ("integer", "decimal", "spaced", "quoted", "exponent")


@st.composite
def _legacy_text(draw) -> str:
    """A small legacy `data` text that pandas reads with one field per header cell: a header
    in words, of delimiters only, or none (the first row is then pandas' header), blank lines
    before it or among the rows, CRLF, a byte order mark."""
    n = draw(st.integers(min_value=6, max_value=40))
    terms = draw(st.integers(min_value=1, max_value=3))
    first, cell = draw(st.sampled_from(_FIRST_CELLS)), draw(st.sampled_from(_VALUE_CELLS))
    values = draw(st.lists(st.lists(st.integers(0, 100), min_size=terms, max_size=terms),
                           min_size=n, max_size=n))  # fmt: skip
    order = draw(st.permutations(range(n)))

    def first_cell(i: int) -> str:
        day = str(np.datetime64("2020-01-01") + (order[i] if first == "date out of order" else i))
        return {"number": repr(i / (n - 1)), "integer": str(i + 1), "label": f"r{i}",
                "blank": ""}.get(first, day)  # fmt: skip

    def value_cell(v: int) -> str:
        return {"integer": str(v), "decimal": f"{v / 100:.4f}", "spaced": f" {v} ",
                "quoted": f'"{v}"', "exponent": f"{v}e0"}[cell]  # fmt: skip

    rows = [",".join([first_cell(i), *map(value_cell, r)]) for i, r in enumerate(values)]
    header = draw(st.sampled_from(["words", "delimiters", "none"]))
    if header == "words":
        rows.insert(0, ",".join(["Time", *(f"t{j}" for j in range(terms))]))
    elif header == "delimiters":
        rows.insert(0, "," * terms)
    if draw(st.booleans()):
        rows.insert(draw(st.integers(1, len(rows) - 1)), draw(st.sampled_from(["", " "])))
    lead = draw(st.sampled_from(["", "\n", " \n"]))
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    return draw(st.sampled_from(["", "\ufeff"])) + lead + eol.join(rows) + eol


# A grid of values: row 3 is exactly eps from row 1 as the original scaled it (its answer is
# stable: compared though it is a tie).
GRID_TEXT = "Time,t0\n" + "".join(f"{i / 20!r},{int(i == 2)}\n" for i in range(21))


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=_legacy_text())
@example(text=GRID_TEXT)
def test_a_legacy_dbscan_answer_is_the_originals_on_what_pandas_reads(client, text):
    """The original app read `data` with pandas.read_csv and answered DBSCAN's noise rows
    (bench/reference: reference_dbscan). On every small text it answered, with numbers in its
    value columns, the legacy CSV answer is the same rows. Failed first on a `,` first line
    (one row fewer), on dates out of order (DBSCAN ran on the rows sorted by date) and on a
    grid of values (the row index scaled as (i - lo) / (hi - lo), not as scikit-learn's
    MinMaxScaler does: a neighbour exactly eps away was in or out as it was not for it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = pd.read_csv(io.StringIO(text))
    terms = frame[frame.columns[1:]]
    assert len(terms.columns) and all(pd.api.types.is_numeric_dtype(t) for _, t in terms.items())
    assert not terms.isna().to_numpy().any()
    body = json.dumps({"data": text, "seasonality": False}).encode()
    resp = client.post("/invocations", data=body, content_type=JSON)
    assert resp.status_code == 200, resp.data
    answer = [int(i) for i in resp.data.split()]
    work = np.column_stack([np.arange(len(frame), dtype=float), terms.to_numpy(dtype=float)])
    if text != GRID_TEXT and sklearn_rounds_its_own_way(MinMaxScaler().fit_transform(work), 0.1):
        return  # the original's own answer there depends on scikit-learn's rounding
    assert answer == reference_dbscan(frame, eps=0.1, min_pts=4), text
