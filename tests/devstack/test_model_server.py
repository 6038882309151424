"""model/serve as a child process: up once /ping answers, down with its workers."""

from __future__ import annotations

import os
import urllib.request

import pytest

from devstack.model_server import ModelServer, _ping
from devstack.ports import free_port, is_free


def test_starts_answers_and_stops_with_its_workers(tmp_path) -> None:
    with (tmp_path / "serve.log").open("wb") as log:
        server = ModelServer(free_port(), workers=1, log=log).start()
        try:
            assert server.process is not None
            with urllib.request.urlopen(f"{server.url}/ping", timeout=5) as reply:
                assert reply.status == 200
            group = os.getpgid(server.process.pid)
            assert group == server.process.pid  # its own process group: workers go with it
        finally:
            server.stop(quick=True)
    assert server.process is None and is_free(server.port)
    server.stop()  # twice is fine


def test_a_server_that_exits_while_starting_says_so(tmp_path) -> None:
    with (tmp_path / "serve.log").open("wb") as log:
        broken = ModelServer(
            free_port(), log=log, env={"SAGEMAKER_MODEL_SERVER_WORKERS": "not-a-number"}
        )
        with pytest.raises(RuntimeError, match="exited with code"):
            broken.start(timeout_s=30)
    assert not _ping(f"http://127.0.0.1:{free_port()}/ping")
