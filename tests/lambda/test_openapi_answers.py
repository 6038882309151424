"""Real answers against openapi.yaml: every request here goes over HTTP to the API Gateway
stand-in (devstack/api_gateway.py: the routes and CORS rule deploy gives the HTTP API), which
runs the real handler, whose real botocore client reaches the SageMaker-runtime stand-in and
the real model server (conftest.py). Each answer's status, headers and body must be what the
document says for that route and status, strictly: a field it does not name fails
(tests/support/openapi.py). Each request is also checked against the document: the ones that
work must conform to it, and the ones it forbids must be refused.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import handler
import pytest

from deploy.api_surface import cors_rule
from deploy.config import HTTP_API_HEADER_BYTES, HTTP_API_PAYLOAD_MB
from devstack.api_gateway import ApiStandIn
from tests.support import openapi
from tests.support.runtime_double import Behaviour, ScriptedRuntime

DATA = Path(__file__).resolve().parents[1] / "data"
CSV = (DATA / "en_weekly5y_bitcoin.csv").read_bytes()
TERMS = (DATA / "en_weekly5y_3terms_lt1_glp1.csv").read_bytes()
ORIGIN = "https://caller.example"
DOCUMENT = openapi.Document(openapi.load())  # requests: the document as a client reads it
STRICT = openapi.Document(openapi.strict(openapi.load()))  # answers: every field named
# The gateway's answer to a route it does not have; no operation of the document holds it.
UNROUTED = openapi.pointer("components", "responses", "GatewayNotFound")


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


def _weeks(n: int) -> list[str]:
    return [f"2023-{1 + i // 4:02d}-{1 + 7 * (i % 4):02d}" for i in range(n)]


SERIES = {
    "series": [
        {
            "name": "visits",
            "timestamps": _weeks(40),
            "values": [10, 12, None, 11, "<1", *([10, 11, 12, 11] * 8), 95, 11, 12],
        },
        {"values": [1, 2, 3, 2, 1]},  # no timestamps (times: null), too short to test
    ],
    "method": "auto",
    "sensitivity": 0.6,
}
SHORT = b"".join(CSV.splitlines(keepends=True)[:63])  # 60 weeks: stl with period=52 needs 104
NO_NUMBERS = b"Week,term\n" + b"".join(b"2020-01-%02d,high\n" % d for d in range(1, 29))


@dataclass
class Case:
    """One request and what the API answers (``code``: the error code, for an error)."""

    id: str
    method: str
    target: str
    status: int
    code: str | None = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    behaviour: Behaviour = Behaviour.NORMAL
    conforms: bool | None = True  # the request against the document (None: it cannot tell)
    media: str | None = "application/json"  # the answer's media type (None: no body)


def csv(headers: dict[str, str] | None = None) -> dict[str, str]:
    return {"Content-Type": "text/csv", **(headers or {})}


JSON = {"Content-Type": "application/json"}
PREFLIGHT = {"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
LEGACY_ROWS = _json({"data": CSV.decode(), "seasonality": False})
LEGACY_STL = _json({"data": CSV.decode(), "seasonality": True, "period": 52})

CASES = [
    # --- answers ---
    Case("csv", "POST", "/detect", 200, body=CSV, headers=csv()),
    Case("csv-cors", "POST", "/detect", 200, body=CSV, headers=csv({"Origin": ORIGIN})),
    Case("query-stl", "POST", "/detect?method=stl&period=52", 200, body=CSV, headers=csv()),
    Case("no-season", "POST", "/detect?period=none", 200, body=CSV, headers=csv()),
    Case(
        "header-dbscan",
        "POST",
        "/detect",
        200,
        body=CSV,
        headers=csv({"X-Amzn-SageMaker-Custom-Attributes": "method=dbscan;eps=0.2;min_pts=5"}),
    ),
    Case("terms", "POST", "/detect?sensitivity=0.8", 200, body=TERMS, headers=csv()),
    Case("unlabelled", "POST", "/detect", 200, body=CSV, conforms=None),
    Case(
        "accept-csv",
        "POST",
        "/detect",
        200,
        body=TERMS,
        headers=csv({"Accept": "text/csv"}),
        media="text/csv",
    ),
    Case(
        "json-csv",
        "POST",
        "/detect",
        200,
        body=_json({"csv": CSV.decode(), "method": "stl", "alpha": 0.01, "max_anomalies": 5}),
        headers=JSON,
    ),
    Case("json-series", "POST", "/detect", 200, body=_json(SERIES), headers=JSON),
    Case("legacy", "POST", "/detect", 200, body=LEGACY_ROWS, headers=JSON, media="text/csv"),
    Case(
        "legacy-json",
        "POST",
        "/detect",
        200,
        body=LEGACY_STL,
        headers={**JSON, "Accept": "application/json"},
    ),
    # Spellings the API takes beside the canonical ones (the document says so: the test of
    # each below, or x-case-insensitive and x-parameters-as-text, test_openapi_document.py).
    Case(
        "form-typed-csv",  # urllib's and curl -d's default type, read like text/plain
        "POST",
        "/detect",
        200,
        body=CSV,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ),
    Case("period-decimal", "POST", "/detect?period=52.0", 200, body=CSV, headers=csv()),
    Case(
        "method-upper-case",  # an enum cannot say "any case": Method's x-case-insensitive does
        "POST",
        "/detect?method=STL",
        200,
        body=CSV,
        headers=csv(),
        conforms=None,
    ),
    Case(
        "json-parameters-as-text",  # a schema of numbers cannot say it: x-parameters-as-text
        "POST",
        "/detect",
        200,
        body=_json({"csv": CSV.decode(), "sensitivity": "0.7", "period": None, "alpha": ""}),
        headers=JSON,
        conforms=None,
    ),
    Case(
        "json-suffix-type",  # any application/*+json: not a media range OpenAPI can key
        "POST",
        "/detect",
        200,
        body=_json({"csv": CSV.decode()}),
        headers={"Content-Type": "application/vnd.api+json"},
        conforms=None,
    ),
    Case("health", "GET", "/health", 200, headers={"Origin": ORIGIN}),
    Case("preflight", "OPTIONS", "/detect", 204, headers=PREFLIGHT, media=None),
    Case("preflight-health", "OPTIONS", "/health", 204, headers=PREFLIGHT, media=None),
    Case(
        "preflight-other-origin",
        "OPTIONS",
        "/detect",
        204,
        headers={**PREFLIGHT, "Origin": "https://elsewhere.example"},
        media=None,
    ),
    # --- the caller's mistakes ---
    Case(
        "out-of-range",
        "POST",
        "/detect?sensitivity=2",
        400,
        "bad_parameter",
        CSV,
        csv(),
        conforms=False,
    ),
    Case(
        "bad-name", "POST", "/detect?Method=stl", 400, "bad_parameter", CSV, csv(), conforms=False
    ),
    Case(
        "stl-no-season",  # the query cannot carry stl's own bounds: x-per-method says them
        "POST",
        "/detect?method=stl&period=none",
        400,
        "bad_parameter",
        CSV,
        csv(),
        conforms=None,
    ),
    Case(
        "json-stl-no-season",
        "POST",
        "/detect",
        400,
        "bad_parameter",
        _json({"csv": CSV.decode(), "method": "stl", "period": 0}),
        JSON,
        conforms=False,
    ),
    Case(
        "legacy-no-season",
        "POST",
        "/detect",
        400,
        "bad_parameter",
        _json({"data": CSV.decode(), "seasonality": True, "period": 0}),
        JSON,
        conforms=False,
    ),
    Case(
        "query-and-header",
        "POST",
        "/detect?method=stl",
        400,
        "bad_parameter",
        CSV,
        csv({"X-Amzn-SageMaker-Custom-Attributes": "period=52"}),
        conforms=None,
    ),
    Case("not-csv", "POST", "/detect", 400, "bad_csv", b"this is not a csv", csv(), conforms=None),
    Case(
        "no-numbers", "POST", "/detect", 400, "no_numeric_column", NO_NUMBERS, csv(), conforms=None
    ),
    Case(
        "too-few",
        "POST",
        "/detect?method=stl&period=52",
        400,
        "too_few_points",
        SHORT,
        csv(),
        conforms=None,
    ),
    Case("bad-json", "POST", "/detect", 400, "bad_json", b"{not json", JSON, conforms=False),
    Case(
        "legacy-unknown-key",
        "POST",
        "/detect",
        400,
        "bad_json",
        _json({"data": CSV.decode(), "method": "stl"}),
        JSON,
        conforms=False,
    ),
    Case("empty", "POST", "/detect", 400, "empty_body", b"", csv(), conforms=False),
    Case(
        "curl-d",
        "POST",
        "/detect",
        400,
        "bad_body",
        CSV.replace(b"\r", b"").replace(b"\n", b""),
        {"Content-Type": "application/x-www-form-urlencoded"},
        conforms=False,
    ),
    Case(
        "long-accept",
        "POST",
        "/detect",
        400,
        "bad_header",
        CSV,
        csv({"Accept": "application/json, " + "text/x-a, " * 120}),
        conforms=None,
    ),
    Case(
        "accept-xml",
        "POST",
        "/detect",
        406,
        "not_acceptable",
        CSV,
        csv({"Accept": "application/xml"}),
        conforms=None,
    ),
    Case(
        "over-limit",
        "POST",
        "/detect",
        413,
        "payload_too_large",
        CSV,
        csv(),
        env={"MAX_BODY_BYTES": "1024"},
        conforms=None,
    ),
    Case(
        "over-gateway-limit",
        "POST",
        "/detect",
        413,
        None,
        b"x" * (HTTP_API_PAYLOAD_MB * 1024 * 1024 + 1),
        csv(),
        conforms=None,
    ),
    Case(
        "headers-over-gateway-quota",
        "POST",
        "/detect",
        431,
        None,
        CSV,
        csv({"Origin": ORIGIN, "X-Trace": "t" * HTTP_API_HEADER_BYTES}),
        conforms=None,
    ),
    Case(
        "xml",
        "POST",
        "/detect",
        415,
        "unsupported_media_type",
        b"<a/>",
        {"Content-Type": "application/xml"},
        conforms=False,
    ),
    Case(
        "form-upload",
        "POST",
        "/detect",
        415,
        "unsupported_media_type",
        b"--x\r\nContent-Disposition: form-data; name=file\r\n\r\n" + CSV + b"\r\n--x--\r\n",
        {"Content-Type": "multipart/form-data; boundary=x"},
        conforms=False,
    ),
    Case(
        "gzip",
        "POST",
        "/detect",
        415,
        "unsupported_content_encoding",
        CSV,
        csv({"Content-Encoding": "gzip"}),
        conforms=False,
    ),
    # --- SageMaker's and the deployment's failures ---
    Case(
        "throttled", "POST", "/detect", 429, "throttled", CSV, csv(), behaviour=Behaviour.THROTTLE
    ),
    Case(
        "sagemaker-failed",
        "POST",
        "/detect",
        502,
        "upstream_error",
        CSV,
        csv(),
        behaviour=Behaviour.INTERNAL_FAILURE,
    ),
    Case(
        "runtime-unreachable",
        "POST",
        "/detect",
        502,
        "upstream_unreachable",
        CSV,
        csv(),
        env={"AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": "dead"},
    ),
    Case(
        "no-endpoint",
        "POST",
        "/detect",
        503,
        "endpoint_not_found",
        CSV,
        csv(),
        env={"ENDPOINT_NAME": "no-such-endpoint"},
    ),
    Case(
        "endpoint-updating",
        "POST",
        "/detect",
        503,
        "endpoint_not_in_service",
        CSV,
        csv(),
        behaviour=Behaviour.NOT_IN_SERVICE,
    ),
    Case(
        "not-configured",
        "POST",
        "/detect",
        503,
        "endpoint_not_configured",
        CSV,
        csv(),
        env={"ENDPOINT_NAME": ""},
    ),
    Case(
        "model-timeout",
        "POST",
        "/detect",
        504,
        "model_timeout",
        CSV,
        csv(),
        behaviour=Behaviour.MODEL_TIMEOUT,
    ),
    # --- routes the gateway does not have ---
    Case("get-detect", "GET", "/detect", 404, None, conforms=False),
    Case("other-path", "POST", "/predict", 404, None, CSV, csv(), conforms=False),
    Case("options-not-preflight", "OPTIONS", "/detect", 404, None, conforms=False),
]


@pytest.fixture
def gateway(runtime: ScriptedRuntime) -> Iterator[ApiStandIn]:
    api = ApiStandIn(invoke=handler.handler, cors=cors_rule([ORIGIN])).start()
    yield api
    api.stop()


def send(api: ApiStandIn, case: Case) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", api.port, timeout=60)
    try:
        conn.request(case.method, case.target, body=case.body or None, headers=case.headers)
        reply = conn.getresponse()
        return reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read()
    finally:
        conn.close()


def _response_at(case: Case, path: str) -> str:
    if DOCUMENT.operation(case.method, path) is None:
        return UNROUTED
    _, where = STRICT.response(case.method, path, case.status)
    return where


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_answer_is_the_documents(
    case: Case,
    gateway: ApiStandIn,
    runtime: ScriptedRuntime,
    monkeypatch: pytest.MonkeyPatch,
    closed_port: int,
) -> None:
    for name, value in case.env.items():
        if value == "dead":
            value = f"http://127.0.0.1:{closed_port}"
        monkeypatch.setenv(name, value)
    runtime.behaviour = case.behaviour
    status, headers, body = send(gateway, case)
    assert status == case.status, body[:300]
    if case.code is not None:
        assert json.loads(body)["error"]["code"] == case.code
    assert openapi.media_type(headers.get("content-type", "")) == (case.media or "")
    if status == 200 and "origin" in {k.lower() for k in case.headers}:
        assert headers["access-control-allow-origin"] == ORIGIN  # the CORS headers are checked
    path = urlsplit(case.target).path
    problems = STRICT.answer_problems(_response_at(case, path), status, headers, body)
    assert problems == []


CHECKABLE = [c for c in CASES if c.conforms is not None]  # None: the body's content, the setup


@pytest.mark.parametrize("case", CHECKABLE, ids=[c.id for c in CHECKABLE])
def test_the_request_is_one_the_document_allows_or_refuses(case: Case) -> None:
    """A client validating its requests with the document sends the ones that work, and is
    stopped before sending the ones the API refuses for a reason the document can say."""
    target = urlsplit(case.target)
    query = dict(parse_qsl(target.query, keep_blank_values=True))
    problems = DOCUMENT.request_problems(case.method, target.path, query, case.headers, case.body)
    assert (problems == []) == case.conforms, problems


def test_every_documented_answer_of_the_detect_route_is_produced_here() -> None:
    """A status the document adds for POST /detect needs a case above, or a reason below."""
    produced = {c.status for c in CASES if c.method == "POST" and c.target.startswith("/detect")}
    responses = openapi.load()["paths"]["/detect"]["post"]["responses"]
    not_here = {
        "4XX": "the model's refusals of requests SageMaker does not send",
        "500": "the gateway's integration failure (the function never answers 500)",
    }
    assert set(responses) - {str(s) for s in produced} == set(not_here)
