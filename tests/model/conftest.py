from __future__ import annotations

import http.client
import json
from pathlib import Path

import pytest

from tests.support.model_image import built_image
from tests.support.model_server import TARGETS, start_target

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(
    scope="session",
    params=[pytest.param(kind, marks=getattr(pytest.mark, kind)) for kind in TARGETS],
)
def target_kind(request) -> str:
    """Every HTTP test runs against both targets: ``model/serve`` as a process from the dev
    venv, and the built image as SageMaker runs it (``-m container`` selects the latter)."""
    return request.param


@pytest.fixture(scope="session")
def start_server(target_kind):
    """``start_server(model_dir, workers=2, extra_env=None, timeout=60)`` for the target;
    ``model_dir`` is /opt/ml/model (a ``defaults.json`` in it is read). The caller stops it."""
    image = built_image().tag if target_kind == "container" else None

    def start(model_dir: Path, workers: int = 2, extra_env=None, timeout: float = 60):
        return start_target(target_kind, model_dir, image, workers, extra_env, timeout)

    return start


@pytest.fixture(scope="session")
def app_env(target_kind):
    """``app_env(model_dir, module, source, model_app=None)``: ``source`` saved as
    ``model_dir/<module>.py``, and the environment that serves ``model_app`` (``module:app``
    by default) from it: on PYTHONPATH, model_dir itself or, in the container, /opt/ml/model
    where start_server mounts it."""

    def make(
        model_dir: Path, module: str, source: str, model_app: str | None = None
    ) -> dict[str, str]:
        (model_dir / f"{module}.py").write_text(source, encoding="utf-8")
        path = "/opt/ml/model" if target_kind == "container" else str(model_dir)
        return {"MODEL_APP": model_app or f"{module}:app", "PYTHONPATH": path}

    return make


@pytest.fixture(scope="session")
def model_server(start_server, tmp_path_factory):
    """One server per target for the session: two workers, no defaults.json."""
    server = start_server(tmp_path_factory.mktemp("opt-ml-model"), workers=2)
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
