from __future__ import annotations

import http.client
import json
from pathlib import Path

import pytest

from tests.support.model_server import start_model_server

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="session")
def model_server(tmp_path_factory):
    server = start_model_server(tmp_path_factory.mktemp("model"), workers=2)
    yield server
    server.stop()


class Client:
    """A keep-alive HTTP client for one server (http.client, no extra dependency)."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        try:
            self.conn.request(method, path, body=body, headers=headers or {})
            resp = self.conn.getresponse()
        except (http.client.HTTPException, ConnectionError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.conn.request(method, path, body=body, headers=headers or {})
            resp = self.conn.getresponse()
        data = resp.read()
        return resp.status, dict(resp.getheaders()), data

    def invoke(self, body: bytes, content_type: str = "text/csv", **headers):
        h = {"Content-Type": content_type, **headers}
        status, hdrs, data = self.request("POST", "/invocations", body, h)
        return status, hdrs, data

    def json(self, body: bytes, content_type: str = "text/csv", **headers):
        status, _hdrs, data = self.invoke(body, content_type, **headers)
        return status, json.loads(data)


@pytest.fixture
def client(model_server):
    c = Client(model_server.port)
    yield c
    c.conn.close()


def read_data(name: str) -> bytes:
    return (DATA / name).read_bytes()
