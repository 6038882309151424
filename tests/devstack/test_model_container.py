"""The model image as SageMaker runs it, without starting Docker: how it is run and on what.

The container itself is exercised (marker ``container``) by tests/model/test_image.py, the
HTTP suites' container target and tests/devstack/test_stack.py[container].
"""

from __future__ import annotations

from pathlib import Path

import pytest

from devstack import model_container
from devstack.model_container import (
    STANDIN_BASE,
    Base,
    ModelContainer,
    listening_port,
    pinned_base,
    refused_ports,
)


def test_run_args_are_sagemakers_docker_run_serve(tmp_path: Path) -> None:
    container = ModelContainer("img:1", 8081, workers=2, model_dir=tmp_path, env={"X": "1"})
    args = container.run_args()
    assert args[:6] == ["run", "-d", "--name", container.name, "--network", "host"]
    assert args[-2:] == ["img:1", "serve"]
    assert args[6:8] == ["--memory", "2g"]
    assert f"{tmp_path.resolve()}:/opt/ml/model:ro" in args
    env = {args[i + 1] for i, a in enumerate(args) if a == "-e"}
    assert {"SAGEMAKER_BIND_TO_PORT=8081", "MODEL_SERVER_HOST=127.0.0.1", "X=1"} <= env
    assert "SAGEMAKER_MODEL_SERVER_WORKERS=2" in env
    assert container.url == "http://127.0.0.1:8081"
    assert container.stop() is None  # never started: nothing to stop


def test_the_pinned_base_comes_from_the_dockerfile(tmp_path: Path) -> None:
    assert "@sha256:" in pinned_base() or ":" in pinned_base()
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM scratch\n")
    with pytest.raises(RuntimeError, match="ARG BASE_IMAGE"):
        pinned_base(bad)
    assert Base(STANDIN_BASE, True, "offline").describe() == (
        f"stand-in base {STANDIN_BASE} (offline)"
    )


def test_port_0_is_the_one_gunicorn_says_it_bound(tmp_path: Path, monkeypatch) -> None:
    """Port 0: gunicorn binds a free port in the container (host network) and its log names
    it; a number chosen here and bound later in the container could be taken meanwhile."""
    log = (
        "[2026-12-02 21:48:11 +0000] [1] [INFO] Starting gunicorn 27.0.1\n"
        "[2026-12-02 21:48:11 +0000] [1] [INFO] Listening at: http://127.0.0.1:41234 (1)\n"
    )
    assert listening_port(log) == 41234
    assert listening_port(log.splitlines()[0]) == 0  # not bound yet
    args = ModelContainer("img:1", 0, model_dir=tmp_path).run_args()
    assert "SAGEMAKER_BIND_TO_PORT=0" in args
    quiet = ModelContainer("img:1", 0, model_dir=tmp_path, env={"MODEL_SERVER_LOG_LEVEL": "error"})
    with pytest.raises(ValueError, match="hides it"):
        quiet.start()  # refused before anything runs: the port could never be known
    # The server's own reading of the level: any case, spaces around it (it serves " INFO ").
    ran = RuntimeError("docker run")
    monkeypatch.setattr(model_container, "docker", lambda *args: (_ for _ in ()).throw(ran))
    loud = ModelContainer("img:1", 0, model_dir=tmp_path, env={"MODEL_SERVER_LOG_LEVEL": " INFO "})
    with pytest.raises(RuntimeError) as started:
        loud.start()
    assert started.value is ran


def test_the_port_0_check_knows_every_level_the_server_takes() -> None:
    """devstack runs without model/ on its path, so it names the levels itself: each one the
    server takes is known here as showing gunicorn's Listening line or hiding it (a level
    added to the server and not here would start a container whose port is never read)."""
    from serving.environment import LEVEL_ALIASES, LOG_LEVELS

    assert set(model_container.QUIET_OK) | set(model_container.QUIET) == {
        *LOG_LEVELS,
        *LEVEL_ALIASES,
    }
    assert not set(model_container.QUIET_OK) & set(model_container.QUIET)


def test_a_taken_port_is_read_from_gunicorns_connection_in_use_line() -> None:
    """gunicorn's lines when its port is taken (--network host: another program on the host
    holds it): the start turns them into BindFailed for that port, other exits stay as they
    were."""
    log = (
        "[2026-12-05 21:45:42 +0000] [1] [ERROR] Connection in use: ('127.0.0.1', 20001)\n"
        "[2026-12-05 21:45:42 +0000] [1] [ERROR] connection to ('127.0.0.1', 20001) failed: "
        "[Errno 98] Address already in use\n"
        "[2026-12-05 21:45:47 +0000] [1] [ERROR] Can't connect to ('127.0.0.1', 20001)\n"
    )
    assert refused_ports(log) == {20001}
    assert refused_ports("Error: SAGEMAKER_MODEL_SERVER_WORKERS is not a number\n") == set()
