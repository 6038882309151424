"""A local stand-in for the SageMaker runtime's InvokeEndpoint, answering boto3 like AWS does.

``POST /endpoints/<name>/invocations`` is forwarded to a model server's ``/invocations`` with
Content-Type, Accept, the custom-attributes header and the inference id (InvokeEndpoint's
``InferenceId``, which the model logs as its request id). The model's 2xx comes back as 200; any
other status becomes SageMaker's 424 ``ModelError`` (OriginalStatusCode, OriginalMessage), so
botocore raises the same ``ClientError`` it raises in AWS. Unknown endpoints get the service's
``ValidationError``, and so do a request or an answer over InvokeEndpoint's 6 MB. Tests that
need the service's other failures (throttling, an endpoint not in service, timeouts) subclass
it in ``tests/support``; ``make up`` runs it as it is.
"""

from __future__ import annotations

import http.client
import json
import re
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from devstack.http_thread import serve_in_thread, stop_server

ACCOUNT_ID = "123456789012"
CONTAINER_TIMEOUT_SECONDS = 60.0  # SageMaker gives a container 60 s to answer
# InvokeEndpoint's request and response bodies are one shape, BodyBlob, max 6291456 bytes in
# the runtime's service model (botocore/data/sagemaker-runtime/2017-05-13/service-2.json;
# docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html);
# serverless endpoints take 4 MB each way
# (docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints-invoke.html). botocore does
# not check a blob's max, so without this rule the stand-in passed a 12 MB answer that AWS
# cannot return, and the caller saw the Lambda's 413 locally where production gives a 5xx.
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024
_PATH = re.compile(r"/endpoints/([^/]+)/invocations")
_FORWARDED = (
    "Content-Type",
    "Accept",
    "X-Amzn-SageMaker-Custom-Attributes",
    "X-Amzn-SageMaker-Inference-Id",
)
# x-amzn-ErrorType values as the service sends them.
VALIDATION = "ValidationError:http://internal.amazon.com/coral/com.amazon.coral.validate/"
MODEL_ERROR = "ModelError:http://internal.amazon.com/coral/com.amazon.sagemaker/"
TIMEOUT_TEXT = (
    "Your invocation timed out while waiting for a response from container primary. "
    "Review the latency metrics for each container in Amazon CloudWatch, resolve the "
    "issue, and try again."
)


@dataclass
class RuntimeStandIn:
    """The server; ``start()`` binds 127.0.0.1 (port 0 = a free one), ``stop()`` closes it."""

    model_url: str  # e.g. http://127.0.0.1:8080
    endpoints: set[str]
    region: str = "us-east-1"
    max_payload_bytes: int = MAX_PAYLOAD_BYTES
    host: str = "127.0.0.1"
    port: int = 0
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> RuntimeStandIn:
        self._server = serve_in_thread(
            self.host, self.port, _make_handler(self), "runtime-stand-in"
        )
        self.port = self._server.server_address[1]
        return self

    def stop(self) -> None:
        stop_server(self._server)
        self._server = None

    # --- answers -------------------------------------------------------------------------
    def answer(self, endpoint: str, headers: dict[str, str], body: bytes) -> Reply:
        """What InvokeEndpoint answers for one request (``headers`` lower-cased)."""
        if endpoint not in self.endpoints:
            return service_error(
                400, VALIDATION, f"Endpoint {endpoint} of account {ACCOUNT_ID} not found."
            )
        if len(body) > self.max_payload_bytes:
            # What a serverless endpoint answers (aws/sagemaker-python-sdk#4271).
            request_id = uuid.uuid4()
            return service_error(400, VALIDATION, f"Request {request_id} has oversize body.")
        reply = self.forward(endpoint, headers, body)
        if reply.status == 200 and len(reply.body) > self.max_payload_bytes:
            # AWS documents the cap, not the error it answers then; any error is a 5xx to the
            # API's caller, which is what this one becomes in the Lambda (upstream_error).
            return service_error(
                400,
                VALIDATION,
                f"Response body from primary container is {len(reply.body)} bytes, over the "
                f"{self.max_payload_bytes} bytes InvokeEndpoint can return.",
            )
        return reply

    def forward(self, endpoint: str, headers: dict[str, str], body: bytes) -> Reply:
        """Pass the request to the model server and wrap its answer as SageMaker does."""
        target = urlsplit(self.model_url)
        conn = http.client.HTTPConnection(
            target.hostname, target.port, timeout=CONTAINER_TIMEOUT_SECONDS
        )
        sent = {name: headers[name.lower()] for name in _FORWARDED if name.lower() in headers}
        try:
            conn.request("POST", "/invocations", body=body, headers=sent)
            reply = conn.getresponse()
            data = reply.read()
        except TimeoutError:
            return self.model_error(endpoint, 0, TIMEOUT_TEXT, "INVOCATION_TIMEOUT")
        except OSError as exc:
            text = f"Could not reach container primary: {exc}"
            return self.model_error(endpoint, 0, text, "SERVER_ERROR_FROM_MODEL")
        finally:
            conn.close()
        if 200 <= reply.status < 300:
            out = {
                "Content-Type": reply.getheader("Content-Type", "application/octet-stream"),
                "x-Amzn-Invoked-Production-Variant": "main",
            }
            attributes = reply.getheader("X-Amzn-SageMaker-Custom-Attributes")
            if attributes:
                out["X-Amzn-SageMaker-Custom-Attributes"] = attributes
            return Reply(200, out, data)
        kind = "client" if reply.status < 500 else "server"
        return self.model_error(
            endpoint,
            reply.status,
            data.decode("utf-8", "replace"),
            f"{kind.upper()}_ERROR_FROM_MODEL",
        )

    def model_error(self, endpoint: str, status: int, text: str, code: str) -> Reply:
        """SageMaker's 424 ModelError: the container answered non-2xx, or not at all."""
        group = f"/aws/sagemaker/Endpoints/{endpoint}"
        kind = "client" if 400 <= status < 500 else "server"
        message = (
            f'Received {kind} error ({status}) from primary with message "{text}". See '
            f"https://{self.region}.console.aws.amazon.com/cloudwatch/home?region={self.region}"
            f"#logEventViewer:group={group} in account {ACCOUNT_ID} for more information."
        )
        payload = {
            "ErrorCode": code,
            "LogStreamArn": f"arn:aws:logs:{self.region}:{ACCOUNT_ID}:log-group:{group}",
            "Message": message,
            "OriginalMessage": text,
            "OriginalStatusCode": status,
        }
        return Reply(424, {"x-amzn-ErrorType": MODEL_ERROR}, json.dumps(payload).encode())


@dataclass
class Reply:
    """An HTTP answer of the stand-in."""

    status: int
    headers: dict[str, str]
    body: bytes


def service_error(status: int, error_type: str, message: str) -> Reply:
    """An error of the runtime service itself (botocore reads the code from the header)."""
    body = json.dumps({"message": message}).encode()
    return Reply(status, {"x-amzn-ErrorType": error_type}, body)


def _make_handler(stand_in: RuntimeStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "local-sagemaker-runtime"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            match = _PATH.fullmatch(urlsplit(self.path).path)
            if not match:
                self._send(service_error(404, "UnknownOperationException", "Unknown operation"))
                return
            headers = {k.lower(): v for k, v in self.headers.items()}
            self._send(stand_in.answer(unquote(match.group(1)), headers, body))

        def _send(self, reply: Reply) -> None:
            try:
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json", **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                pass  # the client gave up (read timeout); nothing to answer

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the handler's JSON log line already records every request."""

    return Handler
