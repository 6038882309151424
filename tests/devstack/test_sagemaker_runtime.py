"""The SageMaker-runtime stand-in answers as the service does: 200, ModelError 424, or its own
ValidationError; botocore then raises what it raises against AWS."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from devstack.http_thread import serve_in_thread, stop_server
from devstack.sagemaker_runtime import MAX_PAYLOAD_BYTES, MODEL_ERROR, VALIDATION, RuntimeStandIn


class Model(BaseHTTPRequestHandler):
    """A model server that answers 200 to /invocations unless the body says otherwise."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        status = int(body) if body.isdigit() else 200
        reply = json.dumps(
            {"status": status, "attrs": self.headers.get("X-Amzn-SageMaker-Custom-Attributes")}
        ).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Amzn-SageMaker-Custom-Attributes", "seen")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture(scope="module")
def model_url():
    server = serve_in_thread("127.0.0.1", 0, Model, "fake-model")
    yield f"http://127.0.0.1:{server.server_address[1]}"
    stop_server(server)


def test_known_endpoint_forwards_and_wraps_like_sagemaker(model_url: str) -> None:
    runtime = RuntimeStandIn(model_url, {"ep"}, region="eu-west-1")
    ok = runtime.answer("ep", {"x-amzn-sagemaker-custom-attributes": "method=stl"}, b"x")
    assert ok.status == 200 and json.loads(ok.body)["attrs"] == "method=stl"
    assert ok.headers["X-Amzn-SageMaker-Custom-Attributes"] == "seen"
    rejected = runtime.answer("ep", {}, b"400")
    payload = json.loads(rejected.body)
    assert (rejected.status, rejected.headers["x-amzn-ErrorType"]) == (424, MODEL_ERROR)
    assert (payload["OriginalStatusCode"], payload["ErrorCode"]) == (400, "CLIENT_ERROR_FROM_MODEL")
    assert "region=eu-west-1" in payload["Message"]
    failed = json.loads(runtime.answer("ep", {}, b"503").body)
    assert failed["ErrorCode"] == "SERVER_ERROR_FROM_MODEL"


def test_unknown_endpoint_and_unreachable_model(closed_port: int) -> None:
    runtime = RuntimeStandIn(f"http://127.0.0.1:{closed_port}", {"ep"})
    unknown = runtime.answer("other", {}, b"x")
    assert (unknown.status, unknown.headers["x-amzn-ErrorType"]) == (400, VALIDATION)
    assert (
        json.loads(unknown.body)["message"] == "Endpoint other of account 123456789012 not found."
    )
    down = json.loads(runtime.answer("ep", {}, b"x").body)
    assert (
        down["ErrorCode"] == "SERVER_ERROR_FROM_MODEL"
        and "Could not reach" in down["OriginalMessage"]
    )


def test_the_payload_cap_is_the_services_own() -> None:
    """6291456 bytes, InvokeEndpoint's BodyBlob max in botocore's copy of the service model."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker-runtime")
    operation = model.operation_model("InvokeEndpoint")
    assert operation.input_shape.members["Body"].metadata["max"] == MAX_PAYLOAD_BYTES
    assert operation.output_shape.members["Body"].metadata["max"] == MAX_PAYLOAD_BYTES


def test_a_request_or_an_answer_over_the_cap_is_the_services_error(model_url: str) -> None:
    """AWS neither takes nor returns more than the cap: a model's answer over it never reached
    the caller, where the stand-in passed it on (the Lambda then answered a 413 that
    production never gives). The cap is lowered here; the fake model answers ~30 bytes."""
    runtime = RuntimeStandIn(model_url, {"ep"}, max_payload_bytes=20)
    too_big = runtime.answer("ep", {}, b"x" * 21)
    assert (too_big.status, too_big.headers["x-amzn-ErrorType"]) == (400, VALIDATION)
    assert "oversize body" in json.loads(too_big.body)["message"]
    answered = runtime.answer("ep", {}, b"x")
    assert (answered.status, answered.headers["x-amzn-ErrorType"]) == (400, VALIDATION)
    assert "InvokeEndpoint can return" in json.loads(answered.body)["message"]
    assert RuntimeStandIn(model_url, {"ep"}).answer("ep", {}, b"x").status == 200
