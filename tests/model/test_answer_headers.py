"""The headers of an ApiError (a 429's Retry-After, a 405's Allow) and of a model's Answer
reach the caller; the server's own (the body's type, length and framing, the connection's,
the request id) stay the server's, whatever a model asks."""

from __future__ import annotations

import http.client
import json
import textwrap

from serving.app import _error_response, create_app
from serving.errors import ApiError
from serving.invocation import Answer, Invocation

from tests.support.model_server import log_with

# Everything a model might put in an error's headers, the sendable and the not.
ASKED = {
    "Retry-After": 30,  # an int: sent as "30"
    "Content-Type": "text/html",
    "Content-Length": "3",  # gunicorn cut the body to 3 bytes
    "Transfer-Encoding": "chunked",
    "Connection": "close",
    "X-Request-Id": "the-models-own",
    "X-Broken": "a\r\nSet-Cookie: x=1",  # a line break: werkzeug refused it, a 500
    "Bad Name": "v",
    # gunicorn writes these itself and drops an app's silently: named in the log line too
    "Date": "Thu, 01 Jan 2026 00:00:00 GMT",
    "Server": "the-models-own",
    # not latin-1: gunicorn refused the whole answer (a 500 saying the request failed)
    "X-Price": "5 \u20ac",
}
SENT_NOT = sorted(k for k in ASKED if k != "Retry-After")

HEADERS_APP = textwrap.dedent(
    f"""
    from serving.app import create_app
    from serving.errors import ApiError
    from serving.invocation import Answer

    ASKED = {ASKED!r}


    def handle(req):
        if req.body == b"busy":
            raise ApiError("Busy.", "Try again later.", status=429, code="busy", headers=ASKED)
        return Answer(200, b'{{"n": %d}}' % len(req.body), headers={{"Cache-Control": "no-store"}})


    app = create_app(__name__, handle, 1000)
    """
)


def _busy(req: Invocation) -> Answer:
    if req.body == b"busy":
        raise ApiError("Busy.", "Try again later.", status=429, code="busy", headers=ASKED)
    return Answer(200, b"{}", headers={"Cache-Control": "no-store", "Content-Length": "1"})


def test_an_api_errors_headers_are_sent_less_the_servers_own(capsys):
    """ApiError(headers=...) kept them and the answer dropped them all."""
    client = create_app(__name__, _busy, 1000).test_client()
    resp = client.post("/invocations", data=b"busy")
    assert resp.status_code == 429 and resp.get_json()["error"]["code"] == "busy"
    assert resp.headers["Retry-After"] == "30"
    assert resp.headers.getlist("Content-Type") == ["application/json"]
    assert resp.headers["Content-Length"] == str(len(resp.data))
    assert "Transfer-Encoding" not in resp.headers and "Connection" not in resp.headers
    assert resp.headers["X-Request-Id"] != "the-models-own"
    assert "X-Broken" not in resp.headers and "Set-Cookie" not in resp.headers
    assert "Date" not in resp.headers and "X-Price" not in resp.headers
    line = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert sorted(line["dropped_headers"]) == SENT_NOT  # its engineer sees why
    none = create_app(__name__, lambda req: Answer(200, b"{}", headers=None), 10).test_client()
    assert none.post("/invocations", data=b"x").status_code == 200
    ok = client.post("/invocations", data=b"x")
    assert ok.headers["Cache-Control"] == "no-store" and ok.headers["Content-Length"] == "2"


def test_a_query_checks_error_and_the_servers_own_send_their_headers():
    def no_query(query: bytes) -> None:
        if query:
            raise ApiError("No.", status=429, code="slow_down", headers={"Retry-After": "5"})

    client = create_app(__name__, _busy, 1000, check_query=no_query).test_client()
    assert client.post("/invocations?a=1", data=b"x").headers["Retry-After"] == "5"
    with create_app(__name__, _busy, 1000).test_request_context():
        resp = _error_response(ApiError("Down.", status=503, headers={"Retry-After": "9"}))
    assert (resp.status_code, resp.headers["Retry-After"]) == (503, "9")
    assert resp.headers.getlist("Content-Type") == ["application/json"]


def test_a_models_headers_keep_the_answer_whole_through_gunicorn(start_server, app_env, tmp_path):
    """Through the real server: the 429 carries Retry-After, its body is whole and its
    connection stays open for the next request, whatever framing the model asked for."""
    env = app_env(tmp_path, "headers_app", HEADERS_APP)
    server = start_server(tmp_path, workers=1, extra_env=env)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        conn.request("POST", "/invocations", body=b"busy")
        resp = conn.getresponse()
        body = json.loads(resp.read())  # whole: not cut to the model's Content-Length
        assert (resp.status, body["error"]["code"]) == (429, "busy")
        assert resp.getheader("Retry-After") == "30"
        assert resp.msg.get_all("Content-Type") == ["application/json"]
        assert resp.getheader("Transfer-Encoding") is None and not resp.will_close
        conn.request("POST", "/invocations", body=b"abc")  # the same connection
        resp = conn.getresponse()
        assert (resp.status, json.loads(resp.read())) == (200, {"n": 3})
        assert resp.getheader("Cache-Control") == "no-store"
        conn.close()
        assert '"dropped_headers"' in log_with(server, '"dropped_headers"')
    finally:
        server.stop()


def test_the_headers_sent_are_those_gunicorn_sends():
    """sendable() keeps what gunicorn (its start_response) takes and sends: a value it refuses
    (a character outside latin-1, a control byte) made it answer a 500 in place of the model's
    answer, and a name it drops (Date, Server, hop-by-hop) left the log line silent on it."""
    from gunicorn.http.wsgi import HEADER_VALUE_RE
    from gunicorn.util import hop_headers
    from serving.invocation import SERVER_HEADERS, sendable

    assert hop_headers <= SERVER_HEADERS
    values = ["30", "a\tb", "caf\u00e9", "5 \u20ac", "\u2028", "a\x00b", "x\x7f", "\U0001f600"]
    sent, dropped = sendable({f"X-{i}": v for i, v in enumerate(values)})
    for name, value in sent:
        assert HEADER_VALUE_RE.fullmatch(value), (name, value)
    assert sorted(dropped) == sorted(
        f"X-{i}" for i, v in enumerate(values) if not HEADER_VALUE_RE.fullmatch(v)
    )
    assert {name for name, _ in sent} == {"X-0", "X-1", "X-2"}
