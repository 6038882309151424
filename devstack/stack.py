"""The local stack: model server, SageMaker-runtime and API Gateway stand-ins, the page.

    page :8000 --POST /detect--> API Gateway stand-in :3000 --payload 2.0--> lambda/handler.py
      --boto3 invoke_endpoint--> SageMaker-runtime stand-in (free port) --> model/serve :8080

Only the two AWS hops are stand-ins; the Lambda handler and the model server are the real code.
``model="container"`` runs the model from its image (built first, as SageMaker runs it) instead
of the process. Tests use ``start_stack(...)`` (ports 0 = free ones) and ``Stack.stop()``;
``make up`` runs ``devstack.cli``.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from deploy.api_surface import cors_rule
from deploy.config import Config, load_config
from deploy.naming import Names
from devstack import REPO, holders, owners
from devstack.api_gateway import ApiStandIn
from devstack.lambda_container import apply_environment, handler_environment, load_handler
from devstack.model_container import ModelContainer
from devstack.model_server import ModelServer
from devstack.ports import BindFailed, PortInUse, check_ports_free
from devstack.sagemaker_runtime import RuntimeStandIn
from devstack.site_server import SiteServer

DEFAULT_PORTS = {"model": 8080, "api": 3000, "site": 8000}


@dataclass
class Stack:
    """The running stack; ``urls`` has site, api, model and runtime."""

    model: ModelServer | ModelContainer
    runtime: RuntimeStandIn
    api: ApiStandIn
    site: SiteServer
    saved_env: dict[str, str | None] = field(default_factory=dict)

    @property
    def urls(self) -> dict[str, str]:
        return {
            "site": self.site.url,
            "api": self.api.url,
            "model": self.model.url,
            "runtime": self.runtime.url,
        }

    def stop(self) -> None:
        """Stop everything started (safe to call twice) and restore the environment."""
        self.api.stop()
        self.site.stop()
        self.runtime.stop()
        self.model.stop()
        apply_environment(self.saved_env)
        self.saved_env = {}


def start_stack(
    model_port: int = 0,
    api_port: int = 0,
    site_port: int = 0,
    site_dir: Path | str | None = None,
    config_path: Path | str | None = None,
    model_workers: int = 1,
    model_log: IO[bytes] | int | None = None,
    model: str = "process",
    cors_origins: Sequence[str] = (),
) -> Stack:
    """Start model server, runtime and API stand-ins and the site; 0 = pick a free port.

    ``cors_origins``: more origins the API allows (``--cors-origin``), beside config.yaml's
    ``api.cors_origins`` and the local page's own.

    Raises PortInUse (one message that moves every part whose port is taken) or ConfigError.
    The handler's environment is set in this process (it runs in-process, as in Lambda) and
    restored by ``stop()``.
    """
    config = load_config(config_path or REPO / "config.yaml")
    if model == "container":  # before the port check: a killed run's container may hold it
        _sweep_killed_runs()
    # A taken port's message names the model container holding it, if one does (no sweep here:
    # the process model needs no Docker, and tests leave orphans on purpose).
    ports = {"--model-port": model_port, "--api-port": api_port, "--site-port": site_port}
    check_ports_free(ports, explain=holders.explain)
    site_path = Path(site_dir) if site_dir else REPO / "site" / "dist"
    endpoint = Names(config.project, "", config.region).endpoint

    # Port 0: the server binds a free port itself (no number that could be taken meanwhile).
    server = _model_server(model, model_port, model_workers, model_log, model_environment(config))
    runtime = RuntimeStandIn(model_url=server.url, endpoints={endpoint}, region=config.region)
    started: list[Any] = []
    saved_env: dict[str, str | None] = {}
    try:
        site = SiteServer(site_path, "", config.max_payload_bytes, port=site_port)
        _start(site, "--site-port", ports, started)
        # The page's own origin joins the configured ones, as deploy adds the site's.
        origins = (
            *config.api.cors_origins,
            *cors_origins,
            f"http://127.0.0.1:{site.port}",
            f"http://localhost:{site.port}",
        )
        api = ApiStandIn(
            invoke=load_handler(),
            cors=cors_rule(origins),
            function_name=Names(config.project, "", config.region).function,
            lambda_timeout_s=config.lambda_timeout_s,
            port=api_port,
        )
        _start(api, "--api-port", ports, started)
        site.api_url = api.url
        _start(runtime, "", {}, started)
        saved_env = apply_environment(handler_environment(config, runtime.url))
        try:
            server.start()
        except BindFailed:  # --model-port found taken when bound: as the site's and API's ports
            raise _taken("--model-port", ports) from None
        started.append(server)
        runtime.model_url = server.url  # its port is known now (0 asked for any)
    except BaseException:
        for part in reversed(started):
            part.stop()
        server.stop()
        apply_environment(saved_env)
        raise
    return Stack(model=server, runtime=runtime, api=api, site=site, saved_env=saved_env)


# What make up sets on the model itself, whatever endpoint.environment says: the address and
# port it listens on (127.0.0.1, --model-port) and its worker count (--workers).
LOCAL_MODEL_SETTINGS = frozenset(
    {"SAGEMAKER_BIND_TO_PORT", "MODEL_SERVER_HOST", "SAGEMAKER_MODEL_SERVER_WORKERS"}
)


def model_environment(config: Config) -> dict[str, str]:
    """The model's environment as CreateModel gives it (``endpoint.environment``, and a
    serverless endpoint's body limit), less what make up sets itself: a fork's own variables
    reached its model on SageMaker but not in ``make up``, which served another model."""
    env = config.endpoint.container_environment
    return {k: v for k, v in env.items() if k not in LOCAL_MODEL_SETTINGS}


def _model_server(
    kind: str, port: int, workers: int, log: IO[bytes] | int | None, env: dict[str, str]
) -> ModelServer | ModelContainer:
    """``process``: model/serve from this venv; ``container``: the image, built now."""
    if kind == "process":
        return ModelServer(port, workers=workers, log=log, env=env)
    if kind != "container":
        raise ValueError(f"--model {kind}: must be process or container")
    from devstack import model_container as mc

    build = mc.build_image(mc.LOCAL_TAG, log=lambda line: print(line, flush=True))
    print(f"built {build.tag} in {build.seconds:.0f} s on the {build.base.describe()}", flush=True)
    return mc.ModelContainer(build.tag, port, workers=workers, env=env)


def _sweep_killed_runs() -> None:
    """Start the engine, then remove the model containers of runs killed with their watchers
    (``kill -9`` of make up's process group and the watcher's): one held the model port, and
    the next make up said only "port 8080 is already in use". A concurrent run's stay."""
    from devstack import model_container as mc

    mc.ensure_engine()
    line = owners.said(owners.sweep(mc.docker))
    if line:
        print(line, flush=True)


def _start(part: Any, flag: str, ports: dict[str, int], started: list[Any]) -> None:
    """Start a server on ``ports[flag]`` (``ports``: every part's, flag → port); a bind failure
    (the port got taken after the check) says what the check would have: how to move it, to a
    port no other part asked for, and what holds it (devstack/holders.py)."""
    try:
        part.start()
    except OSError:
        raise _taken(flag, ports) from None
    started.append(part)


def _taken(flag: str, ports: dict[str, int]) -> PortInUse:
    """The PortInUse for ``ports[flag]`` taken after the check passed: how to move it, to a
    port no other part asked for, and what holds it, as ``check_ports_free`` says it."""
    port = ports.get(flag, 0)
    notes = holders.explain({port}) if port else ()
    return PortInUse({flag: port}, requested=ports.values(), notes=notes)


def _answers(url: str, check: Callable[[bytes], bool]) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2.0) as reply:
            return reply.status == 200 and check(reply.read())
    except (urllib.error.URLError, OSError, ValueError):
        return False


def wait_until_ready(
    stack: Stack, timeout_s: float = 120.0, log: Callable[[str], None] | None = None
) -> None:
    """Return once the API answers ``GET /health`` through the real handler and the model
    answers ``GET /ping``; RuntimeError after ``timeout_s`` naming what did not answer."""
    checks = {
        "API": (f"{stack.api.url}/health", lambda b: json.loads(b) == {"status": "ok"}),
        "model": (f"{stack.model.url}/ping", lambda _b: True),
    }
    deadline = time.monotonic() + timeout_s
    waiting: list[str] = list(checks)
    told = False
    while True:
        waiting = [name for name in waiting if not _answers(*checks[name])]
        if not waiting:
            return
        if time.monotonic() >= deadline:
            urls = ", ".join(checks[name][0] for name in waiting)
            raise RuntimeError(f"no answer after {timeout_s:.0f} s from {urls}")
        if log and not told:
            log(f"waiting for the {' and the '.join(waiting)} to answer ...")
            told = True
        time.sleep(0.2)


@contextmanager
def running_stack(**kwargs: Any) -> Iterator[Stack]:
    """``with running_stack() as stack:`` for tests and scripts."""
    stack = start_stack(**kwargs)
    try:
        yield stack
    finally:
        stack.stop()
