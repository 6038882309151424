"""The parameter table: validation, defaults, and the page's generated copy of it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from trends_anomaly.errors import BadParameter
from trends_anomaly.params import METHODS, SPECS, page_table, page_table_json, resolve

REPO = Path(__file__).resolve().parents[2]
GENERATED = REPO / "site" / "src" / "generated" / "params.json"


def test_the_pages_table_is_the_committed_file():
    """The page's defaults, ranges and limit come from SPECS: regenerate it when they change."""
    assert GENERATED.read_text(encoding="utf-8") == page_table_json(), (
        "site/src/generated/params.json is stale: run `make site` "
        "(or: cd model && python -m trends_anomaly.params --json > "
        "../site/src/generated/params.json)"
    )


def test_the_generator_runs_as_documented():
    out = subprocess.run(
        [sys.executable, "-m", "trends_anomaly.params", "--json"],
        cwd=REPO / "model",
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert json.loads(out) == page_table()


@pytest.mark.parametrize("method", METHODS)
def test_page_defaults_are_what_resolve_uses(method):
    table = {m["name"]: m for m in page_table()["methods"]}[method]
    resolved = resolve({"method": method})
    assert [p["name"] for p in table["params"]] == [
        s.name for s in SPECS.values() if method in s.methods
    ]
    for param in table["params"]:
        assert param["default"] == resolved[param["name"]]
        if param["default"] is None:
            assert param["blank"], f"{method}.{param['name']}: say what a blank field means"
        assert param["label"] and param["help"]


@pytest.mark.parametrize("method", METHODS)
def test_page_ranges_are_what_resolve_accepts(method):
    table = {m["name"]: m for m in page_table()["methods"]}[method]
    for param in table["params"]:
        lo, hi = param["min"], param["max"]
        edge_ok = {
            "method": method,
            param["name"]: lo + (param["step"] if param["min_open"] else 0),
        }
        resolve(edge_ok)
        below = lo - (0 if param["min_open"] else param["step"])
        if not (param["kind"] == "period" and below <= 0):  # period 0 means "no season"
            with pytest.raises(BadParameter):
                resolve({"method": method, param["name"]: below})
        if hi is not None:
            above = hi + (0 if param["max_open"] else param["step"])
            with pytest.raises(BadParameter):
                resolve({"method": method, param["name"]: above})


def test_limits_and_rules_the_page_shares():
    table = page_table()
    assert table["model_max_payload_bytes"] == 6 * 1024 * 1024
    assert table["csv_formula_start"] == "=+-@\t\r\0"
    assert table["below_one_value"] == 0.5
    assert table["default_method"] == "auto"
    # The page's default is the API's: a request without a method runs the method the page
    # selects first (a fork that puts its own model first changes both).
    assert resolve({})["method"] == table["default_method"] == table["methods"][0]["name"]


def test_the_default_method_is_the_first_of_methods(monkeypatch):
    import trends_anomaly.params as params

    assert params.METHODS[0] == params.DEFAULT_METHOD
    monkeypatch.setattr(params, "METHODS", ("dbscan", "auto", "stl"))
    monkeypatch.setattr(params, "DEFAULT_METHOD", "dbscan")  # as the import sets it
    assert params.resolve({})["method"] == "dbscan"
    assert params.page_table()["default_method"] == "dbscan"


def test_a_method_without_words_stops_the_page_build_with_a_message(monkeypatch):
    import trends_anomaly.params as params

    monkeypatch.setattr(params, "METHODS", ("auto", "stl", "dbscan", "maxflag"))
    with pytest.raises(SystemExit, match="METHOD_WORDS has no entry for maxflag"):
        params.page_table()


def test_custom_attributes_name_what_is_wrong_with_them():
    from trends_anomaly.params import parse_attributes

    assert parse_attributes("method=stl; period=52;") == {"method": "stl", "period": "52"}
    with pytest.raises(BadParameter) as joined:
        parse_attributes("method=auto,sensitivity=0.2")
    assert "more than one key=value pair" in joined.value.message
    assert "';'" in joined.value.hint
    with pytest.raises(BadParameter) as twice:
        parse_attributes("sensitivity=0.5;sensitivity=0.9")
    assert "'sensitivity' is given twice ('0.5' and '0.9')" in twice.value.message


@pytest.mark.parametrize(
    ("value", "said"), [(True, "got true"), ([1, 2], "got [1, 2]"), ("x", "got 'x'")]
)
def test_a_bad_parameter_is_quoted_as_the_caller_wrote_it(value, said):
    """JSON's true, not Python's 'True'."""
    with pytest.raises(BadParameter) as err:
        resolve({"method": "auto", "sensitivity": value})
    assert said in err.value.message


@pytest.mark.parametrize("period", [0, "none", 2000])
def test_a_default_one_method_refuses_stops_the_start_not_each_request(period):
    """defaults.json applies to every method: a period that auto takes and STL refuses (0 or
    none: no season; over 1440) passed the start-up check and then made every STL request a
    400 about a parameter its caller never sent."""
    from trends_anomaly.params import validate_defaults

    with pytest.raises(
        ValueError, match=r"defaults.json: period must be an integer from 2 to 1440 for method=stl"
    ):
        validate_defaults({"period": period})
    assert validate_defaults({"period": 52}) == {"period": 52}


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ({"method": "auto", "sensitivity": "2"}, "sensitivity"),
        ({"method": "stl", "period": "1"}, "period"),
        ({"method": "auto", "eps": "0.2"}, "eps"),
        ({"method": "auto", "colour": "red"}, "colour"),
        ({"method": "magic"}, "method"),
    ],
)
def test_a_refused_parameter_is_named_in_the_body(raw, named):
    """The page marks the field the error is about from this key, not from the message."""
    with pytest.raises(BadParameter) as caught:
        resolve(raw)
    assert caught.value.body()["error"]["parameter"] == named
    assert named in caught.value.message  # the person reads it in the words too


# Digits Python's float() reads that a person may not know are not 0-9: Arabic-Indic,
# Extended Arabic-Indic (Persian), full-width (a Japanese or Chinese input method), Devanagari.
OTHER_DIGITS = [
    ("sensitivity", "auto", "\u0660.\u0665"),
    ("sensitivity", "auto", "\u06f0.\u06f5"),
    ("sensitivity", "auto", "\uff10.\uff15"),
    ("sensitivity", "auto", "0.\u0665"),
    ("period", "auto", "\u0665\u0662"),
    ("period", "stl", "\uff15\uff12"),
    ("max_anomalies", "stl", "\u096a"),
    ("min_pts", "dbscan", "\uff14"),
]


@pytest.mark.parametrize(("name", "method", "value"), OTHER_DIGITS)
def test_digits_other_than_ascii_are_refused_with_words_that_say_so(name, method, value):
    """float() reads any script's decimal digits, so sensitivity=٠.٥ was 0.5 and period=٥٢
    was 52 in a JSON body (the Lambda passes it on unread) or a direct call. Refused, as the
    Lambda refuses them in the query: a 400 that names the parameter and says to write it
    with the ASCII digits 0-9 (lambda/detect_contract.py says the same)."""
    from trends_anomaly.params import parse_attributes

    for raw in (
        {"method": method, name: value},
        parse_attributes(f"method={method};{name}={value}"),
    ):
        with pytest.raises(BadParameter) as caught:
            resolve(raw)
        error = caught.value
        assert error.body()["error"]["parameter"] == name
        assert "ASCII digits 0-9" in error.message, error.message
        assert value in error.message  # quoted as sent


def test_a_defaults_file_with_other_digits_stops_the_start():
    from trends_anomaly.params import validate_defaults

    with pytest.raises(ValueError, match=r"defaults\.json: sensitivity"):
        validate_defaults({"sensitivity": "\u0660.\u0665"})


def test_a_method_listed_but_not_routed_is_the_forks_bug_not_the_callers(monkeypatch):
    """A method added to METHODS (so the request passes) and not routed in detect._detect was
    answered as the caller's mistake, "Unknown method 'zscore'. Use auto, stl or dbscan.": a
    400 that named a method the API had just accepted and blamed the caller for the fork's
    omission. It is a server bug that says where to add the route."""
    from trends_anomaly import detect, params
    from trends_anomaly.contract import parse_table

    csv = "Week,x\n" + "".join(f"2024-01-{d:02d},{d}\n" for d in range(1, 29))
    (series,) = parse_table(csv).series
    monkeypatch.setattr(params, "METHODS", (*METHODS, "zscore"))
    chosen = resolve({"method": "zscore"})  # accepted: the request gets as far as detection
    with pytest.raises(NotImplementedError, match=r"'zscore' .*detect\.py _detect"):
        detect.run_method(series, chosen["method"], chosen)
