"""Fixtures: the real model server (model/serve) behind the SageMaker-runtime stand-in.

The handler runs with a real botocore client that reaches the stand-in over HTTP through
AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME; nothing is stubbed and nothing leaves 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator

import handler
import pytest

from devstack.model_server import ModelServer
from tests.support.runtime_double import Behaviour, ScriptedRuntime

ENDPOINT = "trends-anomaly"


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and a region; no profile or config file can point anywhere real."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    for name in ("INVOKE_READ_TIMEOUT_SECONDS", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def new_container() -> None:
    """Each test is a fresh Lambda container: its client is made from the env the test sets."""
    handler.runtime_client.cache_clear()


@pytest.fixture(scope="session")
def model_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModelServer]:
    log_path = tmp_path_factory.mktemp("model") / "serve.log"
    with log_path.open("wb") as log:
        server = ModelServer(0, workers=1, log=log)
        try:
            server.start()
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}\n{log_path.read_text(errors='replace')[-3000:]}") from None
        yield server
        server.stop()


@pytest.fixture(scope="session")
def runtime_server(model_server: ModelServer) -> Iterator[ScriptedRuntime]:
    runtime = ScriptedRuntime(model_url=model_server.url, endpoints={ENDPOINT}).start()
    yield runtime
    runtime.stop()


@pytest.fixture
def runtime(runtime_server: ScriptedRuntime, monkeypatch: pytest.MonkeyPatch) -> ScriptedRuntime:
    """The stand-in, answering normally, with the handler's env pointing at it."""
    runtime_server.behaviour = Behaviour.NORMAL
    runtime_server.slow_seconds = 0.0
    runtime_server.seen.clear()
    monkeypatch.setenv("ENDPOINT_NAME", ENDPOINT)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", runtime_server.url)
    return runtime_server
