"""The Lambda handler end to end: payload-2.0 event -> real boto3 -> runtime stand-in -> model.

Every error mapping is produced by a real HTTP answer (the stand-in answers the way SageMaker
does, or the real model server rejects the input), never by a stubbed client.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import http.client
import http.server
import io
import json
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import handler
import pytest
from trends_anomaly.params import METHODS

from devstack.api_gateway import LAMBDA_TIMEOUT_MS, FakeContext, build_event, joined_headers
from devstack.http_thread import serve_in_thread, stop_server
from devstack.model_server import ModelServer
from tests.support.runtime_double import Behaviour
from tests.support.runtime_double import ScriptedRuntime as RuntimeStandIn

ENDPOINT = "trends-anomaly"  # as in conftest.py
CSV = (Path(__file__).resolve().parents[1] / "data" / "en_weekly5y_bitcoin.csv").read_bytes()


class DrivenClock:
    """The handler's clock (``handler.clock``) in these tests: it stands still unless the test
    moves it. Whether a retry fits before the function's timeout is then what the test says an
    attempt took, never how fast a loaded machine ran it: on the real clock, a first attempt
    that took 2.5 s of a busy machine left no room for the retry a test expected, and a 3 s
    deadline was passed by a handler that had made no retry."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def per_attempt(self, seconds: float) -> None:
        """Each attempt the handler's client sends takes ``seconds`` (moved as it is sent)."""
        handler.runtime_client().meta.events.register(
            "before-send.sagemaker-runtime.InvokeEndpoint", lambda **_: self.advance(seconds)
        )


@dataclass
class Context(FakeContext):
    """A Lambda context whose remaining time is a number, not a race with the real clock."""

    remaining_ms: int = LAMBDA_TIMEOUT_MS

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> DrivenClock:
    driven = DrivenClock()
    monkeypatch.setattr(handler, "clock", driven)
    return driven


def invoke(
    capsys: pytest.CaptureFixture[str], event: dict[str, Any], remaining_ms: int = LAMBDA_TIMEOUT_MS
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run the handler with ``remaining_ms`` left; return its response and its one JSON log
    line."""
    capsys.readouterr()
    context = Context(function_name="trends-anomaly-detect", remaining_ms=remaining_ms)
    response = handler.handler(event, context)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    return response, json.loads(lines[0])


def post(
    body: bytes,
    query: str = "",
    content_type: str | None = "text/csv",
    accept: str | None = None,
) -> dict[str, Any]:
    headers = {"User-Agent": "pytest"}
    if content_type:
        headers["Content-Type"] = content_type
    if accept:
        headers["Accept"] = accept
    return build_event("POST", "/detect" + (f"?{query}" if query else ""), headers, body)


def model_direct(
    server: ModelServer, body: bytes, content_type: str, attributes: str | None = None
) -> tuple[int, bytes]:
    """What the model server itself answers, to compare the API's answer with."""
    target = urlsplit(server.url)
    conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
    headers = {"Content-Type": content_type}
    if attributes:
        headers["X-Amzn-SageMaker-Custom-Attributes"] = attributes
    conn.request("POST", "/invocations", body=body, headers=headers)
    reply = conn.getresponse()
    data = reply.read()
    conn.close()
    return reply.status, data


def error_of(response: dict[str, Any]) -> dict[str, Any]:
    assert response["headers"]["content-type"] == "application/json"
    body = json.loads(response["body"])
    assert set(body) == {"error"}
    assert body["error"]["message"] and "hint" in body["error"]
    assert "Traceback" not in response["body"]
    return body["error"]


# --- success -------------------------------------------------------------------------------


def test_csv_with_query_parameters_answers_the_models_json(
    runtime: RuntimeStandIn, model_server: ModelServer, capsys: pytest.CaptureFixture[str]
) -> None:
    response, log = invoke(capsys, post(CSV, "method=stl&period=52"))
    status, expected = model_direct(model_server, CSV, "text/csv", "method=stl;period=52")
    assert status == 200
    assert response["statusCode"] == 200
    assert response["headers"]["content-type"].startswith("application/json")
    assert response["body"].encode() == expected
    answer = json.loads(response["body"])
    assert answer["method"] == "stl" and answer["parameters"]["period"] == 52
    assert answer["series"][0]["name"] == "bitcoin"
    seen = runtime.seen[-1]
    assert seen.endpoint == ENDPOINT
    assert seen.headers["x-amzn-sagemaker-custom-attributes"] == "method=stl;period=52"
    assert seen.headers["content-type"] == "text/csv"
    assert seen.body_bytes == len(CSV)
    assert not any(k.lower().startswith("access-control-") for k in response["headers"])
    assert log["status"] == 200 and log["bytes_in"] == len(CSV)


def test_parameters_in_the_models_header_are_used_not_dropped(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    """The model's contract names X-Amzn-SageMaker-Custom-Attributes; through the API it was
    dropped, so method=stl was answered by auto and sensitivity=2 with a 200."""
    event = post(CSV)
    event["headers"]["x-amzn-sagemaker-custom-attributes"] = "method=stl;period=52"
    response, _ = invoke(capsys, event)
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["method"] == "stl"
    assert runtime.seen[-1].headers["x-amzn-sagemaker-custom-attributes"] == "method=stl;period=52"
    event["headers"]["x-amzn-sagemaker-custom-attributes"] = "sensitivity=2"
    response, _ = invoke(capsys, event)
    assert response["statusCode"] == 400
    assert error_of(response)["code"] == "bad_parameter"


def test_parameters_in_query_and_header_at_once_are_400(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    event = post(CSV, "method=auto")
    event["headers"]["x-amzn-sagemaker-custom-attributes"] = "method=stl"
    response, _ = invoke(capsys, event)
    assert response["statusCode"] == 400
    assert "one place" in error_of(response)["hint"]


def test_a_compressed_body_is_415_not_a_bad_csv(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    """gzip bytes went to the model as the CSV: 400 'No data rows found', a wrong lead."""
    calls = len(runtime.seen)
    event = post(gzip.compress(CSV))
    event["headers"]["content-encoding"] = "gzip"
    response, _ = invoke(capsys, event)
    assert response["statusCode"] == 415
    error = error_of(response)
    assert error["code"] == "unsupported_content_encoding" and "gzip" in error["message"]
    assert len(runtime.seen) == calls  # SageMaker not called


def test_a_header_sent_twice_is_read_once_or_refused_when_its_values_differ(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    """Payload 2.0 joins a repeated header's values with commas ("Duplicate headers are
    combined with commas": docs.aws.amazon.com/apigateway/latest/developerguide/
    http-api-develop-integrations-lambda.html): a client or proxy that sent Content-Type twice
    gave the model 'text/csv,text/csv', a 415 whose hint asked for the text/csv the caller had
    sent, and Content-Encoding: identity twice was a 415 for a body that was not encoded."""
    calls = len(runtime.seen)
    twice = [("Content-Type", "text/csv"), ("content-type", "text/csv")]
    event = build_event("POST", "/detect", joined_headers(twice), CSV)
    assert event["headers"]["content-type"] == "text/csv,text/csv"  # as the gateway joins them
    response, _ = invoke(capsys, event)
    assert response["statusCode"] == 200, response["body"][:300]
    assert runtime.seen[-1].headers["content-type"] == "text/csv"
    plain = [("Content-Type", "text/csv"), ("Content-Encoding", "identity")] * 2
    response, _ = invoke(capsys, build_event("POST", "/detect", joined_headers(plain), CSV))
    assert response["statusCode"] == 200, response["body"][:300]
    calls = len(runtime.seen)
    differ = [("Content-Type", "text/csv"), ("Content-Type", "application/json")]
    response, _ = invoke(capsys, build_event("POST", "/detect", joined_headers(differ), CSV))
    error = error_of(response)
    assert (response["statusCode"], error["code"]) == (400, "bad_header")
    assert "more than once" in error["message"] and "application/json" in error["message"]
    assert len(runtime.seen) == calls


def test_json_request_body(runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str]) -> None:
    body = json.dumps({"csv": CSV.decode(), "method": "dbscan", "eps": 0.2}).encode()
    response, _ = invoke(capsys, post(body, content_type="application/json"))
    assert response["statusCode"] == 200
    answer = json.loads(response["body"])
    assert answer["method"] == "dbscan" and answer["parameters"]["eps"] == 0.2
    assert runtime.seen[-1].headers["content-type"] == "application/json"
    assert "x-amzn-sagemaker-custom-attributes" not in runtime.seen[-1].headers


def test_base64_body_is_decoded(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    plain, _ = invoke(capsys, post(CSV))
    event = post(CSV)
    event["body"], event["isBase64Encoded"] = base64.b64encode(CSV).decode(), True
    encoded, log = invoke(capsys, event)
    assert encoded["statusCode"] == 200
    assert encoded["body"] == plain["body"]
    assert runtime.seen[-1].body_bytes == len(CSV) == log["bytes_in"]


@pytest.mark.parametrize(
    ("content_type", "body", "forwarded"),
    [
        (None, CSV, "text/csv"),
        ("text/plain;charset=UTF-8", CSV, "text/csv; charset=UTF-8"),
        ("application/x-www-form-urlencoded", b'{"csv": "x"}', "application/json"),
        ("application/x-www-form-urlencoded", CSV, "text/csv"),  # urllib's default type
        (None, b'\xef\xbb\xbf{"csv": "x"}', "application/json"),  # PowerShell's UTF-8
        ("text/csv; charset=utf-8", CSV, "text/csv; charset=utf-8"),
    ],
)
def test_unlabelled_bodies_are_recognised(
    runtime: RuntimeStandIn,
    capsys: pytest.CaptureFixture[str],
    content_type: str | None,
    body: bytes,
    forwarded: str,
) -> None:
    invoke(capsys, post(body, content_type=content_type))
    assert runtime.seen[-1].headers["content-type"] == forwarded


# A German export and a Russian one, as a client's service re-encodes them (Excel's Unicode
# Text is UTF-16LE; .NET's Encoding.Unicode writes it without a byte order mark).
GERMAN = (
    "Kategorie: Alle Kategorien\n\nWoche,Fußball: (Deutschland),Müller: (Deutschland)\n"
    + "".join(f"2024-01-{d:02d},{40 + d % 7},{10 + d % 5}\n" for d in range(1, 29))
)
RUSSIAN = "Категория: Все категории\n\nНеделя,футбол: (Россия)\n" + "".join(
    f"2024-01-{d:02d},{40 + d % 7}\n" for d in range(1, 29)
)


@pytest.mark.parametrize(
    ("text", "charset", "names"),
    [
        (GERMAN, "utf-16le", ["Fußball", "Müller"]),
        (GERMAN, "iso-8859-1", ["Fußball", "Müller"]),
        (RUSSIAN, "koi8-r", ["футбол"]),
        (RUSSIAN, "utf-16le", ["футбол"]),
    ],
)
def test_a_text_plain_body_is_read_in_its_charset(
    runtime: RuntimeStandIn,
    capsys: pytest.CaptureFixture[str],
    text: str,
    charset: str,
    names: list[str],
) -> None:
    """text/plain with a charset reached the model as bare text/csv: a UTF-16LE export was
    read as UTF-8 (400 "No data rows found"), a KOI8-R one as Windows-1252 (200, its term
    named 'ÆÕÔÂÏÌ'), a Latin-1 one by luck, with a warning that the file was not UTF-8."""
    body = text.encode(charset)
    response, _ = invoke(capsys, post(body, content_type=f"text/plain; charset={charset}"))
    assert response["statusCode"] == 200, response["body"][:300]
    answer = json.loads(response["body"])
    assert [s["name"] for s in answer["series"]] == names
    assert answer["warnings"] == []
    assert runtime.seen[-1].headers["content-type"] == f"text/csv; charset={charset}"


@pytest.mark.parametrize(
    ("text", "encoding", "names"),
    [(GERMAN, "utf-16", ["Fußball", "Müller"]), (RUSSIAN, "cp1251", ["футбол"])],
)
def test_a_file_sent_as_octet_stream_is_read_like_an_unlabelled_one(
    runtime: RuntimeStandIn,
    capsys: pytest.CaptureFixture[str],
    text: str,
    encoding: str,
    names: list[str],
) -> None:
    """An HTTP API passes a body's bytes unchanged only under a binary type such as
    application/octet-stream (base64-encoded: ministackorg/ministack#766, floci-io/floci#2172,
    both measured on AWS); under text/csv an Excel save in a Windows code page or UTF-16
    arrives as a UTF-8 string that lost those bytes. The page sends files so; the function
    passed the type on and the model answered 415."""
    event = post(text.encode(encoding), content_type="application/octet-stream")
    assert event["isBase64Encoded"] is True
    response, _ = invoke(capsys, event)
    assert response["statusCode"] == 200, response["body"][:300]
    assert [s["name"] for s in json.loads(response["body"])["series"]] == names
    assert runtime.seen[-1].headers["content-type"] == "text/csv"
    event = post(b'{"csv": "x"}', content_type="application/octet-stream")
    invoke(capsys, event)
    assert runtime.seen[-1].headers["content-type"] == "application/json"


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16"])
def test_a_text_body_that_lost_its_non_utf8_bytes_is_a_400_that_says_how_to_send_it(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str], encoding: str
) -> None:
    """A text type's body reaches the function as a UTF-8 string whatever its bytes (the HTTP
    API decides by the Content-Type: docs.aws.amazon.com/apigateway/latest/developerguide/
    http-api-develop-integrations-lambda.html; measured in ministackorg/ministack#766): a
    Windows-1252 or UTF-16 export sent as text/csv arrives without its non-UTF-8 bytes, and the
    model answered with terms like 'Fu\ufffdball' (or no rows at all) for a file it reads
    correctly when its bytes arrive. The function says what happened and how to send it."""
    calls = len(runtime.seen)
    event = post(GERMAN.encode(encoding), content_type="text/csv")
    assert event["isBase64Encoded"] is False and "\ufffd" in event["body"]
    response, log = invoke(capsys, event)
    error = error_of(response)
    assert (response["statusCode"], error["code"]) == (400, "bad_body")
    assert "UTF-8" in error["message"] and "application/octet-stream" in error["hint"]
    assert "charset" in error["hint"] and "CSV UTF-8" in error["hint"]
    assert len(runtime.seen) == calls and log["error_code"] == "bad_body"
    # A direct invoke's text, or a UTF-8 file, goes on; so does a body the API base64-encoded.
    event = post(GERMAN.encode("cp1252"), content_type="text/csv; charset=windows-1252")
    assert event["isBase64Encoded"] is True
    response, _ = invoke(capsys, event)
    assert response["statusCode"] == 200, response["body"][:300]


@pytest.mark.parametrize(
    ("data", "what"),
    [
        # mtime=0: the archive, and so the test id, the same on every xdist worker
        (gzip.compress(GERMAN.encode("utf-8"), mtime=0), "a gzip archive"),
        (b"\x89PNG\r\n\x1a\n" + bytes(64), "a PNG image"),
    ],
)
def test_a_compressed_file_or_an_image_sent_as_text_is_named(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str], data: bytes, what: str
) -> None:
    """A gzip of the export sent as text/csv (without Content-Encoding) reaches the function
    with its non-UTF-8 bytes replaced, and was told it was not in UTF-8, to save it as CSV
    UTF-8; the model, given its bytes, says what it is. The function says it too."""
    event = post(data, content_type="text/csv")
    assert "\ufffd" in event["body"]
    response, log = invoke(capsys, event)
    error = error_of(response)
    assert (response["statusCode"], error["code"]) == (400, "bad_body")
    assert error["message"] == f"The file sent is {what}, not a CSV file."
    assert "UTF-8" not in error["hint"] and log["error_code"] == "bad_body"


def test_a_utf8_file_with_u_fffd_of_its_own_is_told_the_way_that_works(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    """A UTF-8 file can hold U+FFFD itself (an export once opened in the wrong encoding and
    saved again, the term now 'Fu\ufffdball'), and as text/csv the function cannot tell it from
    a file whose bytes the gateway replaced. The 400 said the file "is in another encoding" and
    to save it as CSV UTF-8, which it already was: following that, the caller got the same 400.
    Sent as the hint's application/octet-stream, it is read as it is."""
    mangled = GERMAN.replace("Fußball", "Fu\ufffdball").encode("utf-8")
    response, _ = invoke(capsys, post(mangled, content_type="text/csv"))
    error = error_of(response)
    assert (response["statusCode"], error["code"]) == (400, "bad_body")
    assert "is in another encoding" not in error["message"]
    assert "U+FFFD itself" in error["message"]
    assert error["hint"].startswith(
        "Send the file's bytes as Content-Type: application/octet-stream"
    )
    response, _ = invoke(capsys, post(mangled, content_type="application/octet-stream"))
    assert response["statusCode"] == 200, response["body"][:300]
    names = [s["name"] for s in json.loads(response["body"])["series"]]
    assert names == ["Fu\ufffdball", "Müller"]


def test_a_charset_that_names_nothing_is_a_400_and_utf16_json_is_json(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = len(runtime.seen)
    response, _ = invoke(capsys, post(CSV, content_type='text/plain; charset="a b"'))
    error = error_of(response)
    assert (response["statusCode"], error["code"]) == (400, "bad_header")
    assert "charset" in error["message"] and len(runtime.seen) == calls
    # JSON is UTF-8 (RFC 8259): the model says so, rather than reading it as a CSV.
    doc = json.dumps({"csv": GERMAN}).encode("utf-16-be")
    response, _ = invoke(capsys, post(doc, content_type="text/plain; charset=utf-16be"))
    assert runtime.seen[-1].headers["content-type"] == "application/json; charset=utf-16be"
    error = error_of(response)
    assert (response["statusCode"], error["code"]) == (400, "bad_json")
    assert "UTF-8" in error["message"] + error["hint"]


@pytest.mark.parametrize(
    "content_type",
    ['text/csv; charset="a b"', "application/csv; charset=a b", 'application/json; charset="a b"'],
)
def test_a_charset_that_names_nothing_is_a_400_whatever_the_type(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str], content_type: str
) -> None:
    """docs/api.md and openapi.yaml say a charset that is no charset name is a 400
    bad_header; only the types the function reads itself (text/plain, none, the form type,
    octet-stream) got it. text/csv, application/csv or JSON with the same charset went on to
    the model and came back 200, the charset ignored with a warning: the same header, two
    answers (measured through make up: text/plain 400, text/csv 200)."""
    calls = len(runtime.seen)
    response, log = invoke(capsys, post(CSV, content_type=content_type))
    error = error_of(response)
    assert (response["statusCode"], error["code"]) == (400, "bad_header")
    assert "'a b' is not a charset name" in error["message"]
    assert len(runtime.seen) == calls and log["error_code"] == "bad_header"


@pytest.mark.parametrize("charset", ["undefined", "idna"])
def test_a_charset_python_cannot_decode_with_is_not_a_bug_in_the_function(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str], charset: str
) -> None:
    """A script that writes `"text/plain; charset=" + encoding` with the encoding unset sends
    charset=undefined; Python has codecs by that name (and idna) that refuse to decode with
    UnicodeError, which the JSON-or-CSV guess did not expect: a 502 internal_error ("a bug in
    the function") for the caller's own header, and the model never asked."""
    response, log = invoke(capsys, post(CSV, content_type=f"text/plain; charset={charset}"))
    assert response["statusCode"] < 500, response["body"][:300]
    assert "exception" not in log
    assert runtime.seen[-1].headers["content-type"] == f"text/csv; charset={charset}"


def test_a_csv_whose_line_breaks_curl_d_removed_is_a_400_that_says_so(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    """curl -d @file.csv sends the form type and drops the file's CR and LF: the model got
    one long line and answered "No data rows found", which named neither cause nor fix."""
    calls = len(runtime.seen)
    flattened = CSV.replace(b"\r", b"").replace(b"\n", b"")
    response, log = invoke(
        capsys, post(flattened, content_type="application/x-www-form-urlencoded")
    )
    error = error_of(response)
    assert (response["statusCode"], error["code"]) == (400, "bad_body")
    assert "curl -d" in error["message"] and "--data-binary" in error["hint"]
    assert len(runtime.seen) == calls and log["error_code"] == "bad_body"


def test_a_legacy_request_without_accept_answers_as_the_model_does(
    runtime: RuntimeStandIn, model_server: ModelServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """The model answers a legacy body without Accept with its text/csv rows; the API sent
    Accept: application/json in the caller's name and answered JSON instead."""
    body = json.dumps({"data": CSV.decode(), "seasonality": False}).encode()
    response, _ = invoke(capsys, post(body, content_type="application/json"))
    status, expected = model_direct(model_server, body, "application/json")
    assert (response["statusCode"], status) == (200, 200)
    assert response["headers"]["content-type"].startswith("text/csv")
    assert response["body"].encode() == expected
    assert "accept" not in runtime.seen[-1].headers


def test_accept_passes_through(runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str]) -> None:
    response, _ = invoke(capsys, post(CSV, accept="application/xml"))
    assert runtime.seen[-1].headers["accept"] == "application/xml"
    assert response["statusCode"] == 406  # the model's own answer, passed through
    assert error_of(response)["code"] == "not_acceptable"


def test_region_from_aws_region_alone(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    response, _ = invoke(capsys, post(CSV))
    assert response["statusCode"] == 200
    assert handler.runtime_client().meta.region_name == "eu-central-1"


def test_the_client_is_created_once_with_the_hop_limits(runtime: RuntimeStandIn) -> None:
    client = handler.runtime_client()
    assert handler.runtime_client() is client
    config = client.meta.config
    assert config.read_timeout == 25 and config.connect_timeout == 2
    assert config.retries == {"total_max_attempts": 2, "mode": "standard"}
    assert client.meta.endpoint_url == runtime.url  # AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME


@pytest.mark.parametrize(
    ("value", "expected"), [("7", 7.0), ("60", 25.0), ("nan", 25.0), ("x", 25.0)]
)
def test_read_timeout_can_only_be_lowered(
    runtime: RuntimeStandIn, monkeypatch: pytest.MonkeyPatch, value: str, expected: float
) -> None:
    monkeypatch.setenv("INVOKE_READ_TIMEOUT_SECONDS", value)
    assert handler.runtime_client().meta.config.read_timeout == expected


# --- the caller's mistakes: 4xx before SageMaker is called -----------------------------------


@pytest.mark.parametrize("value", ["\u0660.\u0665", "\uff10.\uff15"])
def test_digits_other_than_ascii_are_refused_alike_in_the_query_and_a_json_body(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    """sensitivity=٠.٥ (Arabic-Indic) or ０.５ (full-width): the query's was refused by the
    Lambda with words that did not say why, and a JSON body's reached the model, which read
    it as 0.5 (float() reads any script's digits). Now both are the same 400: bad_parameter,
    the parameter named, the value quoted, the ASCII digits asked for."""
    from_query, _ = invoke(capsys, post(CSV, "sensitivity=" + quote(value)))
    body = json.dumps({"csv": CSV.decode(), "sensitivity": value}).encode()
    from_json, log = invoke(capsys, post(body, content_type="application/json"))
    assert log["aws_error"] == "ModelError"  # the model's own refusal, passed through
    for response in (from_query, from_json):
        error = error_of(response)
        assert response["statusCode"] == 400
        assert (error["code"], error["parameter"]) == ("bad_parameter", "sensitivity")
        assert "ASCII digits 0-9" in error["message"] and value in error["message"]


@pytest.mark.parametrize(
    "query",
    [
        "Method=stl",  # upper-case name
        "me-thod=stl",
        "period=52;method=stl",  # a ';' would smuggle another attribute
        "period=5%3D2",  # '='
        "method=",  # empty
        "method=stl&method=auto",  # given twice (the HTTP API joins them with a comma)
        "name=caf%C3%A9",  # non-ASCII
        "period=" + "9" * 65,
    ],
)
def test_bad_query_parameters_are_400(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str], query: str
) -> None:
    response, log = invoke(capsys, post(CSV, query))
    assert response["statusCode"] == 400
    assert error_of(response)["code"] == "bad_parameter"
    assert runtime.seen == []
    assert log["error_code"] == "bad_parameter"


def test_body_over_4_mb_is_413_before_sagemaker(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    big = b"Week,x\n" + b"2020-01-01,1\n" * (4 * 1024 * 1024 // 13 + 1)
    assert len(big) > 4 * 1024 * 1024
    event = post(big)
    event["body"], event["isBase64Encoded"] = base64.b64encode(big).decode(), True
    response, log = invoke(capsys, event)
    assert response["statusCode"] == 413
    assert error_of(response)["code"] == "payload_too_large"
    assert runtime.seen == []
    assert log["bytes_in"] == 0


def test_bad_base64_and_empty_body_are_400(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    event = post(CSV)
    event["body"], event["isBase64Encoded"] = "not base64!!", True
    response, _ = invoke(capsys, event)
    assert response["statusCode"] == 400 and error_of(response)["code"] == "bad_base64"
    response, _ = invoke(capsys, post(b""))
    assert response["statusCode"] == 400 and error_of(response)["code"] == "empty_body"
    # the analyst's words, the same the model says for an empty file (not a developer's)
    assert error_of(response)["message"] == "The file is empty: it has no rows to analyse."
    assert "Download CSV" in error_of(response)["hint"]
    assert runtime.seen == []


@pytest.mark.parametrize("body", [{"csv": "Week,x\n2024-01-07,1\n"}, 5, ["Week,x"]])
def test_a_direct_invocations_body_that_is_not_text_is_a_400(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str], body: object
) -> None:
    """The HTTP API always hands the body over as a string; a direct invocation (aws lambda
    invoke, a test event in the console) may put the JSON request itself there. A dict body
    was a 502 internal_error, "a bug in the function" (TypeError in bytes()), for the
    caller's own event; a number became that many NUL bytes and a list its values as bytes,
    both sent to the model, which answered "No data rows found" (measured by invoking the
    handler with such events against make up's runtime)."""
    event = post(CSV)
    event["body"] = body
    response, log = invoke(capsys, event)
    error = error_of(response)
    assert (response["statusCode"], error["code"]) == (400, "bad_body")
    kind = {"dict": "a JSON object", "list": "a JSON array", "int": "a number"}
    assert error["message"] == f"The event's body is {kind[type(body).__name__]}, not a string."
    assert "json.dumps" in error["hint"]
    assert "exception" not in log and runtime.seen == []


def test_other_routes_and_methods(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    response, _ = invoke(capsys, build_event("POST", "/other", {}, CSV, route_key="$default"))
    assert response["statusCode"] == 404 and error_of(response)["code"] == "not_found"
    response, log = invoke(capsys, build_event("GET", "/detect", {}, b"", route_key="$default"))
    assert response["statusCode"] == 405 and error_of(response)["code"] == "method_not_allowed"
    assert response["headers"]["allow"] == "POST"
    assert log["route"] == "$default" and log["method"] == "GET"
    response, _ = invoke(capsys, build_event("POST", "/health", {}, b"x", route_key="$default"))
    assert response["statusCode"] == 405 and response["headers"]["allow"] == "GET"
    assert runtime.seen == []


def test_health_answers_without_calling_sagemaker(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime.behaviour = Behaviour.NOT_FOUND  # even with no endpoint at all
    response, log = invoke(capsys, build_event("GET", "/health", {}, b"", route_key="GET /health"))
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"status": "ok"}
    assert response["headers"]["cache-control"] == "no-store"
    assert (log["msg"], log["status"], log["route"]) == ("health", 200, "GET /health")
    assert runtime.seen == []
    monkeypatch.delenv("ENDPOINT_NAME")  # not configured: health still says the API is up
    response, _ = invoke(capsys, build_event("GET", "/health", {}, b"", route_key="GET /health"))
    assert response["statusCode"] == 200


# --- the model's own 4xx passes through ------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "query", "content_type", "status", "code"),
    [
        (b"this is not a csv", "", "text/csv", 400, "bad_csv"),
        (CSV, "method=nope", "text/csv", 400, "bad_parameter"),
        (b"{not json", "", "application/json", 400, "bad_json"),
        (b"<a/>", "", "application/xml", 415, "unsupported_media_type"),
    ],
)
def test_model_4xx_passes_through_with_its_json(
    runtime: RuntimeStandIn,
    model_server: ModelServer,
    capsys: pytest.CaptureFixture[str],
    body: bytes,
    query: str,
    content_type: str,
    status: int,
    code: str,
) -> None:
    event = post(body, query, content_type)
    response, log = invoke(capsys, event)
    attributes = query.replace("&", ";") or None
    direct_status, direct_body = model_direct(model_server, body, content_type, attributes)
    assert response["statusCode"] == direct_status == status
    direct = json.loads(direct_body)  # the model's answer, with the id to quote added
    request_id = event["requestContext"]["requestId"]
    assert json.loads(response["body"]) == {"error": {**direct["error"], "request_id": request_id}}
    assert error_of(response)["code"] == code
    assert log["aws_error"] == "ModelError" and log["error_code"] == code


def test_the_models_log_line_carries_the_id_the_caller_quotes(
    runtime: RuntimeStandIn, model_server: ModelServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """The id in the error body and the Lambda's line reached the model as InvokeEndpoint's
    InferenceId, so the container's line for the request is found by the same id (it logged
    an id of its own making, found by nothing the caller or the Lambda had)."""
    event = post(b"this is not a csv")
    request_id = event["requestContext"]["requestId"]
    response, log = invoke(capsys, event)
    assert error_of(response)["request_id"] == log["request_id"] == request_id
    assert runtime.seen[-1].headers["x-amzn-sagemaker-inference-id"] == request_id
    assert log["model_status"] == 400  # what the container answered, in the Lambda's line
    assert isinstance(model_server.log, io.BufferedWriter)
    lines = Path(model_server.log.name).read_text(errors="replace").splitlines()
    mine = [json.loads(x) for x in lines if x.startswith("{") and request_id in x]
    assert [(x["request_id"], x["status"], x["error_code"]) for x in mine] == [
        (request_id, 400, "bad_csv")
    ]
    # An id SageMaker would refuse (a direct call's own) is left out, the request answered.
    event = post(CSV)
    event["requestContext"]["requestId"] = "x" * 65
    response, _ = invoke(capsys, event)
    assert response["statusCode"] == 200
    assert "x-amzn-sagemaker-inference-id" not in runtime.seen[-1].headers


# --- SageMaker's failures ----------------------------------------------------------------------


def test_unknown_endpoint_is_503(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENDPOINT_NAME", "no-such-endpoint")
    response, log = invoke(capsys, post(CSV))
    assert response["statusCode"] == 503
    error = error_of(response)
    assert error["code"] == "endpoint_not_found" and "no-such-endpoint" in error["message"]
    assert "does not exist" in error["message"]
    assert log["aws_error"] == "ValidationError" and len(runtime.seen) == 1


def test_endpoint_not_in_service_is_503(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    runtime.behaviour = Behaviour.NOT_IN_SERVICE
    response, _ = invoke(capsys, post(CSV))
    assert response["statusCode"] == 503
    error = error_of(response)
    assert error["code"] == "endpoint_not_in_service" and "not in service" in error["message"]
    assert response["headers"]["retry-after"] == "60"


def test_throttling_is_429_after_one_retry(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    runtime.behaviour = Behaviour.THROTTLE
    response, log = invoke(capsys, post(CSV))
    assert response["statusCode"] == 429
    assert error_of(response)["code"] == "throttled"
    assert response["headers"]["retry-after"] == "1"
    assert len(runtime.seen) == 2  # at most one retry
    assert log["aws_error"] == "ThrottlingException"


def test_a_body_the_endpoint_finds_oversize_is_413_not_an_upstream_error(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A serverless endpoint takes 4 MB (docs.aws.amazon.com/sagemaker/latest/dg/
    serverless-endpoints-invoke.html) and refuses more with ValidationError "Request <id> has
    oversize body." (aws/sagemaker-python-sdk#4271): whether its MB is 10^6 or 2^20 bytes is not
    documented, and a body between the two passed the function's 4 MiB check and came back as
    a 502 upstream_error that did not say the file was too big."""
    monkeypatch.setattr(runtime, "max_payload_bytes", len(CSV) - 1)
    response, log = invoke(capsys, post(CSV))
    error = error_of(response)
    assert (response["statusCode"], error["code"]) == (413, "payload_too_large")
    assert "Export a shorter time range" in error["hint"]
    assert log["aws_error"] == "ValidationError"


def test_sagemaker_internal_failure_is_502_with_request_id(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    runtime.behaviour = Behaviour.INTERNAL_FAILURE
    event = post(CSV)
    response, log = invoke(capsys, event)
    assert response["statusCode"] == 502
    error = error_of(response)
    assert error["code"] == "upstream_error"
    assert error["request_id"] == event["requestContext"]["requestId"] == log["request_id"]
    assert len(runtime.seen) == 2


@pytest.mark.parametrize(("left_ms", "attempts"), [(5200, 1), (5400, 2)])
def test_a_retry_that_cannot_end_before_the_lambda_timeout_is_not_made(
    runtime: RuntimeStandIn,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    clock: DrivenClock,
    left_ms: int,
    attempts: int,
) -> None:
    """botocore retries a 5xx (and a closed connection) once, each attempt with the whole read
    timeout; after a slow first failure the second could run past the function's timeout.
    Lambda then ends the function, and the HTTP API answers its own 500 Internal Server Error
    (no JSON of ours, no log line): "Lambda timeouts get converted to 500 Internal Errors in
    API Gateway ... with API Gateways HTTP API" (denoland/deno_registry2#87). An attempt may
    read for 2 s and the first fails after 1.8 s of the handler's clock: a second needs 2 s and
    the 1.5 s spare more, 5.3 s from the start. With 5.2 s left it was made all the same (the
    handler answered after its deadline); with 5.4 s it is still made."""
    monkeypatch.setenv("INVOKE_READ_TIMEOUT_SECONDS", "2")
    runtime.behaviour = Behaviour.INTERNAL_FAILURE
    clock.per_attempt(1.8)
    response, log = invoke(capsys, post(CSV), remaining_ms=left_ms)
    assert response["statusCode"] == 502
    assert error_of(response)["code"] == "upstream_error"
    assert log["aws_error"] == "InternalFailure"
    assert len(runtime.seen) == attempts


def test_each_concurrent_invocation_keeps_its_own_deadline() -> None:
    """`make up`'s API stand-in runs the handler in a thread per request: with the deadline in
    a module global, a request that started later moved an earlier one's deadline, and the
    earlier one's retry was judged by the later one's time."""
    short = Context(function_name="f", remaining_ms=1000)
    long = Context(function_name="f", remaining_ms=600_000)
    first_set, second_set = threading.Event(), threading.Event()
    decisions: list[bool | None] = []

    # Waits long enough for a loaded machine: one that ran out would decide before the later
    # request set its deadline, and the test would pass without having tested anything.
    waited: list[bool] = []

    def early() -> None:
        handler._set_deadline(short)
        first_set.set()
        waited.append(second_set.wait(60))
        decisions.append(handler._no_retry_past_the_deadline())

    def later() -> None:
        waited.append(first_set.wait(60))
        handler._set_deadline(long)
        second_set.set()

    threads = [threading.Thread(target=early), threading.Thread(target=later)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert waited == [True, True], "the two requests did not overlap"
    assert decisions == [False], "1 s left cannot hold another attempt of the read timeout"


@pytest.mark.parametrize(
    "code",
    ["AccessDeniedException", "ExpiredTokenException", "UnrecognizedClientException"],
)
def test_a_credentials_refusal_is_the_apis_502_not_the_callers_fault(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str], code: str
) -> None:
    """The Lambda role's credentials refused (denied, expired, unknown): the caller did
    nothing wrong, so a 5xx JSON with a stable code, never a 4xx; the AWS code is in the log
    for the operator (`deploy logs --request-id`)."""
    runtime.behaviour = Behaviour.REFUSED
    runtime.refused_code = code
    event = post(CSV)
    response, log = invoke(capsys, event)
    assert response["statusCode"] == 502
    error = error_of(response)
    assert error["code"] == "upstream_error"
    assert error["request_id"] == event["requestContext"]["requestId"]
    assert log["aws_error"] == code and log["level"] == "ERROR"
    assert len(runtime.seen) == 1  # not retried: it would only be refused again


def assert_holds_for_any_model(hint: str) -> None:
    """A 504's hint is the Lambda's, in front of whatever model a fork deploys: it may not
    name a method or parameter of the Trends model (it said "method=stl", which a fork's
    model does not have)."""
    named = [word for word in (*METHODS, "method", "=") if word in hint.lower()]
    assert not named, f"{hint!r} names {named}"
    assert hint.strip()


def test_model_timeout_is_504(runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str]) -> None:
    runtime.behaviour = Behaviour.MODEL_TIMEOUT
    response, _ = invoke(capsys, post(CSV))
    assert response["statusCode"] == 504
    assert error_of(response)["code"] == "model_timeout"
    assert_holds_for_any_model(error_of(response)["hint"])


def test_client_read_timeout_is_504_without_retry(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INVOKE_READ_TIMEOUT_SECONDS", "0.5")
    runtime.behaviour, runtime.slow_seconds = Behaviour.SLOW, 2.0
    response, log = invoke(capsys, post(CSV))
    assert response["statusCode"] == 504
    assert error_of(response)["code"] == "model_timeout"
    assert log["aws_error"] == "ReadTimeoutError"
    assert_holds_for_any_model(error_of(response)["hint"])
    # ReadTimeoutError: botocore gave up at the 0.5 s read timeout, before the stand-in's 2 s
    # answer; one call: no retry (a second 25 s wait would not fit in the 29 s Lambda).
    assert len(runtime.seen) == 1


def test_model_unreachable_is_502(
    model_server: ModelServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    closed_port: int,
) -> None:
    dead_model = RuntimeStandIn(model_url=f"http://127.0.0.1:{closed_port}", endpoints={ENDPOINT})
    dead_model.start()
    try:
        response, log = invoke_via(dead_model.url, capsys, monkeypatch)
    finally:
        dead_model.stop()
    assert response["statusCode"] == 502
    error = error_of(response)
    assert error["code"] == "model_failed"
    assert log["model_status"] == 0  # the container never answered
    # SageMaker says "Received server error (0)"; the caller was told "failed with HTTP 0".
    assert "HTTP 0" not in error["message"] and "did not answer" in error["message"]
    assert log["aws_error"] == "ModelError"


def test_a_model_4xx_without_a_body_never_shows_the_account_or_the_console(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A model's 4xx whose body is empty (a swapped-in model's 404/405, a proxy's 413) has no
    OriginalMessage to pass on, and the 400's message became SageMaker's own: "Received client
    error (413) from primary with message "". See https://<region>.console.aws.amazon.com/
    cloudwatch/...#logEventViewer:group=/aws/sagemaker/Endpoints/<endpoint> in account
    <account id> for more information." (SageMaker's wording: aws/sagemaker-python-sdk#2955;
    it may also say "... from primary and could not load the entire response body",
    aws/amazon-sagemaker-examples#4324): the AWS account id and the console link, to any
    caller, and no word the caller can act on."""

    class Empty(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(413)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    model = serve_in_thread("127.0.0.1", 0, Empty, "fork-model")
    runtime = RuntimeStandIn(
        model_url=f"http://127.0.0.1:{model.server_address[1]}", endpoints={ENDPOINT}
    ).start()
    try:
        response, log = invoke_via(runtime.url, capsys, monkeypatch)
    finally:
        runtime.stop()
        stop_server(model)
    error = error_of(response)
    assert (response["statusCode"], error["code"]) == (413, "model_rejected_request")
    assert log["model_status"] == 413
    assert "123456789012" not in response["body"], error["message"]
    assert "console.aws.amazon.com" not in response["body"]
    assert ENDPOINT not in response["body"]
    assert "413" in error["message"]


@contextlib.contextmanager
def fork_model(content_type: str, body: bytes) -> Iterator[RuntimeStandIn]:
    """A fork's model that answers every request 200 with ``body`` labelled ``content_type``,
    behind the runtime stand-in; yields the stand-in."""

    class Model(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    model = serve_in_thread("127.0.0.1", 0, Model, "fork-model")
    runtime = RuntimeStandIn(
        model_url=f"http://127.0.0.1:{model.server_address[1]}", endpoints={ENDPOINT}
    ).start()
    try:
        yield runtime
    finally:
        runtime.stop()
        stop_server(model)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain; charset=utf-8", b"3 anomalies: rows 4, 9 and 12\n"),
        ("text/html", b"<html><body>Internal details</body></html>"),
        ("application/json", b"not json {"),  # the model's bug, shown to whoever debugs it
        ("image/png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
    ],
)
def test_a_forks_answer_that_is_not_json_passes_through_with_its_own_type(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    content_type: str,
    body: bytes,
) -> None:
    """A swapped-in model's 200 is its answer, whatever it is: the Lambda neither parses nor
    relabels it (lambda/README.md), so the caller gets the model's bytes under the model's
    Content-Type, text as text and anything else base64 for the HTTP API to decode."""
    with fork_model(content_type, body) as runtime:
        response, log = invoke_via(runtime.url, capsys, monkeypatch)
    assert response["statusCode"] == 200 and log["status"] == 200
    assert response["headers"]["content-type"] == content_type
    sent = response["body"]
    assert (base64.b64decode(sent) if response["isBase64Encoded"] else sent.encode()) == body


def test_an_answer_without_a_content_type_is_not_labelled_json(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An answer whose Content-Type did not come through was labelled application/json, its
    bytes sent as that text: a caller's JSON parser then failed on what was never said to
    be JSON. Unlabelled bytes are application/octet-stream (RFC 9110, section 8.3), passed on
    unchanged."""
    answer = b"row,score\n1,0.5\n"
    unlabelled = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(answer), answer)
    with raw_runtime(unlabelled) as (listener, _):
        response, log = invoke_at(listener, capsys, monkeypatch)
    assert response["statusCode"] == 200 and log["status"] == 200
    assert response["headers"]["content-type"] == "application/octet-stream"
    assert response["isBase64Encoded"] and base64.b64decode(response["body"]) == answer


def test_runtime_unreachable_is_502(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    response, log = invoke_via(f"http://127.0.0.1:{closed_port}", capsys, monkeypatch)
    assert response["statusCode"] == 502
    assert error_of(response)["code"] == "upstream_unreachable"
    assert log["aws_error"] == "EndpointConnectionError"


def invoke_at(
    listener: socket.socket,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    scheme: str = "http",
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run the handler with its SageMaker runtime at ``listener`` (a raw socket that misbehaves
    as a network or a front end can); its response and log line."""
    url = f"{scheme}://127.0.0.1:{listener.getsockname()[1]}"
    return invoke_via(url, capsys, monkeypatch)


def invoke_via(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, Any], dict[str, Any]]:
    """POST the CSV through the handler with its SageMaker runtime at ``url``; its response
    and log line."""
    monkeypatch.setenv("ENDPOINT_NAME", ENDPOINT)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", url)
    return invoke(capsys, post(CSV))


@contextlib.contextmanager
def raw_runtime(reply: bytes) -> Iterator[tuple[socket.socket, list[bytes]]]:
    """A loopback "runtime" that reads each request's head (kept in the list it yields), writes
    ``reply`` (b"": nothing) and hangs up: a front end or middlebox that misbehaves."""
    listener = socket.create_server(("127.0.0.1", 0))
    seen: list[bytes] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                seen.append(conn.recv(65536))
                if reply:
                    conn.sendall(reply)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener, seen
    finally:
        # close() alone does not wake an accept() blocked in another thread (Linux): the
        # join then always waited out its 5 s. shutdown() does (accept fails with EINVAL).
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        listener.close()
        thread.join(timeout=5)
        assert not thread.is_alive(), "the raw runtime's accept loop did not end"


def test_a_failed_tls_handshake_is_unreachable_not_a_bug(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A TLS handshake that fails (a proxy or middlebox in the VPC that answers in plain text,
    a certificate the function does not trust) is botocore's SSLError, a ConnectionError like
    the connect timeout: the runtime could not be reached. It fell to the catch-all, 502
    internal_error, which docs/api.md defines as a bug in the function."""
    plain_text = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"  # to the ClientHello
    with raw_runtime(plain_text) as (listener, _):
        response, log = invoke_at(listener, capsys, monkeypatch, scheme="https")
    assert (response["statusCode"], error_of(response)["code"]) == (502, "upstream_unreachable")
    assert log["aws_error"] == "SSLError" and "exception" not in log


def test_a_connect_timeout_is_still_retried_within_the_functions_time(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, clock: DrivenClock
) -> None:
    """A connect timeout (2 s) leaves 27 s of the function's 29: a second attempt that
    connects and reads for the whole read timeout (25 s) still ends in time (2 + 25 + 1.5 s
    spare = 28.5 s), so it is made. (The first version of the deadline rule counted a second
    connect timeout on top of the read, 30.5 s, and gave up after one attempt.) The listener's
    backlog is full: connects time out; each attempt takes the connect timeout of the
    handler's clock, whatever a loaded machine's real time did meanwhile."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=0)
    filler = socket.create_connection(listener.getsockname(), timeout=1)
    # Attempts counted as botocore sends them (a connect that times out reaches no server).
    sent: list[str] = []
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", url)  # the client invoke_via uses
    try:
        clock.per_attempt(handler.CONNECT_TIMEOUT_SECONDS)
        handler.runtime_client().meta.events.register(
            "before-send.sagemaker-runtime.InvokeEndpoint",
            lambda request, **_: sent.append(request.url),
        )
        response, log = invoke_via(url, capsys, monkeypatch)
    finally:
        filler.close()
        listener.close()
    assert (response["statusCode"], error_of(response)["code"]) == (502, "upstream_unreachable")
    assert log["aws_error"] == "ConnectTimeoutError"
    assert len(sent) == 2, sent  # the retry was made
    assert handler.runtime_client().meta.config.read_timeout == handler.READ_TIMEOUT_SECONDS


def test_a_connection_closed_without_an_answer_is_an_upstream_error_not_a_bug(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """SageMaker's front end may close the connection before it answers (botocore's
    ConnectionClosedError: "Connection was closed before we received a valid response from
    endpoint URL: https://runtime.sagemaker.eu-west-1.amazonaws.com/endpoints/.../invocations",
    aws/sagemaker-python-sdk#799 and #831). That is not a bug in the function, which is what
    the caller was told (internal_error) and the log line's level meant."""
    with raw_runtime(b"") as (listener, seen):  # the request's head, then no answer
        response, log = invoke_at(listener, capsys, monkeypatch)
    error = error_of(response)
    assert (response["statusCode"], error["code"]) == (502, "upstream_error")
    assert "closed the connection" in error["message"]
    assert log["aws_error"] == "ConnectionClosedError" and "exception" not in log
    assert len(seen) == 2  # botocore retried it once


def test_an_answer_that_breaks_off_is_an_upstream_error_not_a_bug(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answer's body stops before its Content-Length (the connection dropped while it was
    read): botocore's ResponseStreamingError from Body.read(), the same 502 upstream_error."""
    cut_short = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000\r\n\r\n" + b'{"method": "auto"'
    )
    with raw_runtime(cut_short) as (listener, _):
        response, log = invoke_at(listener, capsys, monkeypatch)
    assert (response["statusCode"], error_of(response)["code"]) == (502, "upstream_error")
    assert log["aws_error"] == "ResponseStreamingError" and "exception" not in log


def test_any_other_failure_is_502_without_a_stack_trace(
    runtime: RuntimeStandIn,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_REGION", "eu-west-1")  # a new client, which finds no credentials
    event = post(CSV)
    response, log = invoke(capsys, event)
    assert response["statusCode"] == 502
    error = error_of(response)
    assert error["code"] == "internal_error"
    assert error["request_id"] == event["requestContext"]["requestId"]
    assert log["exception"] == "NoCredentialsError" and log["level"] == "ERROR"
    assert runtime.seen == []


def test_missing_endpoint_name_is_503(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ENDPOINT_NAME")
    response, _ = invoke(capsys, post(CSV))
    assert response["statusCode"] == 503
    assert error_of(response)["code"] == "endpoint_not_configured"


# --- the log line --------------------------------------------------------------------------


def test_one_json_log_line_without_the_body(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = b"Week,zebra-secret-term: (Worldwide)\n" + b"".join(
        f"2020-01-{day:02d},{day * 3 % 17}\n".encode() for day in range(1, 29)
    )
    event = post(secret, "method=auto")
    context = FakeContext(function_name="trends-anomaly-detect")
    capsys.readouterr()
    response = handler.handler(event, context)
    out = capsys.readouterr().out
    assert "zebra" not in out
    (line,) = out.splitlines()
    log = json.loads(line)
    assert log["request_id"] == event["requestContext"]["requestId"]
    assert log["lambda_request_id"] == context.aws_request_id
    assert log["route"] == "POST /detect" and log["endpoint"] == ENDPOINT
    assert log["status"] == response["statusCode"]
    assert log["bytes_in"] == len(secret)
    assert log["bytes_out"] == len(response["body"].encode())
    assert isinstance(log["latency_ms"], float) and log["latency_ms"] >= 0
    assert response["statusCode"] == 200 and "zebra" in response["body"]


def test_a_debug_log_level_never_logs_the_file_or_the_answer(
    runtime: RuntimeStandIn,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Lambda's log level set to DEBUG (its logging config's application level, which the
    runtime applies to the root logger): botocore's debug lines would carry the request's body
    and the answer's to CloudWatch. The AWS client's loggers stay at WARNING."""
    monkeypatch.setenv("AWS_LAMBDA_LOG_LEVEL", "DEBUG")
    for name in ("botocore", "urllib3"):  # as a fresh container has them: unset
        caplog.set_level(logging.NOTSET, logger=name)
    caplog.set_level(logging.DEBUG)  # the root logger, as the runtime sets it
    secret = b"Week,zebra-secret-term: (Worldwide)\n" + b"".join(
        f"2020-01-{day:02d},{day * 3 % 17}\n".encode() for day in range(1, 29)
    )
    logging.getLogger("app").debug("captured")  # the capture sees DEBUG lines
    response, _ = invoke(capsys, post(secret, "method=auto"))
    assert response["statusCode"] == 200 and "zebra" in response["body"]  # it went and came
    assert "captured" in caplog.text
    assert "zebra" not in caplog.text and "2020-01-0" not in caplog.text, caplog.text[-2000:]
    assert not [r for r in caplog.records if r.name.startswith(("botocore", "urllib3"))]


def test_an_event_as_aws_documents_it(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    """A payload-2.0 event written out by hand (shape from the API Gateway docs), not built."""
    event = {
        "version": "2.0",
        "routeKey": "POST /detect",
        "rawPath": "/detect",
        "rawQueryString": "method=stl&period=52",
        "headers": {
            "content-type": "text/csv",
            "accept": "*/*",
            "host": "abc.execute-api.us-east-1.amazonaws.com",
        },
        "queryStringParameters": {"method": "stl", "period": "52"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc",
            "domainName": "abc.execute-api.us-east-1.amazonaws.com",
            "http": {
                "method": "POST",
                "path": "/detect",
                "protocol": "HTTP/1.1",
                "sourceIp": "192.0.2.1",
                "userAgent": "curl/8",
            },
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": "POST /detect",
            "stage": "$default",
            "time": "10/Mar/2026:00:00:00 +0000",
            "timeEpoch": 1773100800000,
        },
        "body": base64.b64encode(CSV).decode(),
        "isBase64Encoded": True,
    }
    response, log = invoke(capsys, event)
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["parameters"]["period"] == 52
    assert runtime.seen[-1].headers["accept"] == "*/*"
    assert log["request_id"] == "JKJaXmPLvHcESHA="


@pytest.mark.parametrize("event", [{}, {"requestContext": None, "headers": None}, []])
def test_malformed_events_get_json_not_a_crash(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str], event: Any
) -> None:
    response, log = invoke(capsys, event)
    assert response["statusCode"] == 404
    assert error_of(response)["code"] == "not_found"
    assert log["status"] == 404 and runtime.seen == []


def test_the_body_limit_deploy_sets_is_enforced(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deploy sets MAX_BODY_BYTES (api.max_payload_mb, or every hop's limit) and the handler
    keeps to it; above the 4 MB that fit in Lambda's event, its own default holds."""
    monkeypatch.setenv("MAX_BODY_BYTES", str(1024 * 1024))
    body = b"Week,x\n" + b"2020-01-01,1\n" * (1024 * 1024 // 13 + 1)
    response, _ = invoke(capsys, post(body))
    assert response["statusCode"] == 413
    assert "1048576" in error_of(response)["message"]
    assert runtime.seen == []
    monkeypatch.setenv("MAX_BODY_BYTES", str(64 * 1024 * 1024))  # above 4 MB: ignored
    big = b"Week,x\n" + b"2020-01-01,1\n" * (4 * 1024 * 1024 // 13 + 1)
    response, _ = invoke(capsys, post(big))
    assert response["statusCode"] == 413


@pytest.mark.parametrize(
    "header, value",
    [
        ("content_type", "text/csv; name=" + "x" * 1100),
        ("content_type", "text/csv; name=caf\u00e9"),
        ("content_type", "text/csv; name=\u2192"),
        ("accept", "application/json, " + "text/x-a, " * 120),
        ("accept", "application/json; name=\u2192"),
    ],
    ids=[
        "type-over-1024",
        "type-latin1",
        "type-non-latin1",
        "accept-over-1024",
        "accept-non-ascii",
    ],
)
def test_a_header_sagemaker_cannot_take_is_400_before_sagemaker(
    runtime: RuntimeStandIn, capsys: pytest.CaptureFixture[str], header: str, value: str
) -> None:
    """InvokeEndpoint's ContentType and Accept are ASCII of at most 1024 characters (its
    service model, which botocore does not check for length or pattern): the handler passed
    any header on, and SageMaker's ValidationException for it came back as 502
    upstream_error, a 5xx for the caller's own header. (The stand-in does not validate, so
    before the fix these reached it and answered 200.)"""
    calls = len(runtime.seen)
    response, log = invoke(capsys, post(CSV, **{header: value}))
    assert response["statusCode"] == 400, response["body"][:300]
    error = error_of(response)
    assert error["code"] == "bad_header"
    assert ("Content-Type" if header == "content_type" else "Accept") in error["message"]
    assert len(runtime.seen) == calls  # SageMaker was not asked
    assert log["error_code"] == "bad_header"
