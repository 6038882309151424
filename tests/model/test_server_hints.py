"""The words of the errors the server answers on a model's behalf: a body over the limit (413),
one that stopped arriving (408) and a URL over gunicorn's limit (414, answered by the gevent
worker from the app's hints). model/serving says them for any model; a model passes its own
(``create_app``'s ``hints``), and the Trends model's answers read as they always have."""

from __future__ import annotations

import contextlib
import io

import orjson
import pytest
from serving import app as serving_app
from serving import hints as serving_hints
from serving.admission import BodyTimeout
from serving.app import create_app
from serving.hints import Hints
from serving.http_errors import refusal
from serving.invocation import Answer, Invocation

# The Trends model's words, as its callers (and the page, site/src/api.js) have read them.
TRENDS_413 = "Export a shorter time range or fewer terms from Google Trends."
TRENDS_408 = (
    "Send the whole request at once; a file this big needs a faster connection, or export a "
    "shorter time range."
)
TRENDS_414 = (
    "Keep the URL under 4094 bytes: send detection parameters in the "
    "X-Amzn-SageMaker-Custom-Attributes header and the data as the body."
)


def _echo(req: Invocation) -> Answer:
    return Answer(200, b"{}")


def _late(*_args):
    """Stands in for admission's deadline: the body never arrives in time."""
    raise BodyTimeout


def _errors(app, monkeypatch, limit: int = 1000) -> dict[str, dict]:
    """The 413 refused by Content-Length, the 413 found while reading a chunked body, and
    the 408, as the app answers them."""
    client = app.test_client()
    over = b"x" * (limit + 1)
    unread = client.post("/invocations", data=over).get_json()["error"]
    chunked = client.post(
        "/invocations",
        input_stream=io.BytesIO(over),
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    ).get_json()["error"]
    monkeypatch.setattr(serving_app, "body_deadline", contextlib.contextmanager(_late))
    late = client.post("/invocations", data=b"x").get_json()["error"]
    return {"unread": unread, "chunked": chunked, "late": late, "uri": _uri_too_long(app)}


def _uri_too_long(app) -> dict:
    """The 414 the gevent worker answers for ``app`` (its hints: ``serving.hints.of``)."""
    raw = refusal(414, "URI Too Long", ValueError("x"), hints=serving_hints.of(app))
    return orjson.loads(raw.partition(b"\r\n\r\n")[2])["error"]


def test_a_model_that_names_no_hints_gets_words_for_any_model(monkeypatch):
    got = _errors(create_app(__name__, _echo, 1000), monkeypatch)
    assert [e["code"] for e in got.values()] == [
        "payload_too_large",
        "payload_too_large",
        "request_timeout",
        "uri_too_long",
    ]
    assert got["unread"]["hint"] == got["chunked"]["hint"] == Hints().too_large
    assert got["late"]["hint"] == Hints().body_timeout
    assert got["uri"]["hint"] == f"Keep the URL under 4094 bytes: {Hints().uri_too_long}"
    for error in got.values():
        assert error["hint"]
        for word in ("Trends", "terms", "time range", "export", "detection", "csv"):
            assert word not in error["hint"], error


def test_a_model_says_its_own_hints(monkeypatch):
    hints = Hints(
        too_large="Send fewer images.",
        body_timeout="Upload from a faster line.",
        uri_too_long="name the image in the body.",
    )
    got = _errors(create_app(__name__, _echo, 1000, hints=hints), monkeypatch)
    assert got["unread"]["hint"] == got["chunked"]["hint"] == "Send fewer images."
    assert got["late"]["hint"] == "Upload from a faster line."
    assert got["uri"]["hint"] == "Keep the URL under 4094 bytes: name the image in the body."


def test_an_app_not_made_by_create_app_gets_the_default_hints():
    """MODEL_APP may name any WSGI app (or none is loaded yet): its 414 still has a hint."""
    for app in (None, print, object()):
        assert serving_hints.of(app) == Hints()


def test_the_trends_model_keeps_its_words(monkeypatch):
    from trends_anomaly.app import app, settings

    got = _errors(app, monkeypatch, settings.max_payload_bytes)
    assert got["unread"]["hint"] == got["chunked"]["hint"] == TRENDS_413
    assert got["late"]["hint"] == TRENDS_408
    assert got["uri"]["hint"] == TRENDS_414


def test_the_trends_contract_keeps_its_words():
    from trends_anomaly.contract import invoke
    from trends_anomaly.errors import ApiError
    from trends_anomaly.settings import load_settings

    settings = load_settings({"MODEL_DEFAULTS_PATH": "/nonexistent/defaults.json"})
    with pytest.raises(ApiError) as empty:
        invoke(Invocation(b" \r\n", "text/csv"), settings)
    assert (empty.value.message, empty.value.hint) == (
        "The file is empty: it has no rows to analyse.",
        "Choose a Google Trends export (Explore → ⋮ → Download CSV); calling the API directly, "
        "send the file's text as the request body.",
    )
    big = b"x" * (settings.max_payload_bytes + 1)
    with pytest.raises(ApiError) as too_big:
        invoke(Invocation(big, "text/csv"), settings)
    assert (too_big.value.code, too_big.value.hint) == ("payload_too_large", TRENDS_413)
