"""`make up`: the whole app on 127.0.0.1 with no AWS account.

    page :8000 --POST /detect--> API Gateway stand-in :3000 --payload 2.0--> lambda/handler.py
      --boto3 invoke_endpoint--> SageMaker-runtime stand-in (free port) --> model/serve :8080

Only the two AWS hops are stand-ins; the Lambda handler and the model server are the real code.
``--model container`` runs the model from its image (built first, as SageMaker runs it) instead
of the process. Tests use ``start_stack(...)`` (ports 0 = free ones) and ``Stack.stop()``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from deploy.config import ConfigError, load_config
from deploy.local_api import ApiStandIn, CorsPolicy
from deploy.local_model import REPO, ModelServer, PortInUse, check_port_free, free_port
from deploy.local_runtime import RuntimeStandIn
from deploy.local_site import SiteServer

DEFAULT_PORTS = {"model": 8080, "api": 3000, "site": 8000}
# What the handler sees instead of a Lambda environment. Fake credentials: nothing leaves
# 127.0.0.1, and a developer's real keys are never used to sign local requests.
_CLEARED_ENV = ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")


def load_handler() -> Any:
    """The real Lambda entry point, imported from lambda/ (not a package: `lambda` is a keyword)."""
    lambda_dir = str(REPO / "lambda")
    if lambda_dir not in sys.path:
        sys.path.insert(0, lambda_dir)
    return importlib.import_module("handler").handler


@dataclass
class Stack:
    """The running stack; ``urls`` has page, api, model and runtime."""

    model: ModelServer | Any  # or devstack.model_container.ModelContainer (same url/start/stop)
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
        for key, value in self.saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self.saved_env = {}


def _handler_env(endpoint: str, runtime_url: str, region: str) -> dict[str, str | None]:
    """What the Lambda's environment holds in AWS, pointed at the runtime stand-in."""
    env: dict[str, str | None] = {
        "ENDPOINT_NAME": endpoint,
        "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": runtime_url,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    env.update(dict.fromkeys(_CLEARED_ENV))
    return env


def _apply_env(env: dict[str, str | None]) -> dict[str, str | None]:
    """Set (None = unset) and return the previous values."""
    saved = {key: os.environ.get(key) for key in env}
    for key, value in env.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    return saved


def start_stack(
    model_port: int = 0,
    api_port: int = 0,
    site_port: int = 0,
    site_dir: Path | str | None = None,
    config_path: Path | str | None = None,
    model_workers: int = 1,
    model_log: IO[bytes] | int | None = None,
    model: str = "process",
) -> Stack:
    """Start model server, runtime and API stand-ins and the site; 0 = pick a free port.

    Raises PortInUse (message names the flag to change) or ConfigError. The handler's env vars
    are set in this process (it runs in-process, as in Lambda) and restored by ``stop()``.
    """
    config = load_config(config_path or REPO / "config.yaml")
    check_port_free(model_port, "--model-port")
    check_port_free(api_port, "--api-port")
    check_port_free(site_port, "--site-port")
    site_path = Path(site_dir) if site_dir else REPO / "site" / "dist"

    model_server = _model_server(model, model_port or free_port(), model_workers, model_log)
    runtime = RuntimeStandIn(
        model_url=model_server.url, endpoints={config.project}, region=config.region
    )
    started: list[Any] = []
    try:
        site = SiteServer(site_path, api_url="", port=site_port)
        _start(site, site_port, "--site-port", started)
        cors = CorsPolicy(
            allow_origins=(
                *config.api.cors_origins,
                f"http://127.0.0.1:{site.port}",
                f"http://localhost:{site.port}",
            )
        )
        api = ApiStandIn(
            invoke=load_handler(),
            cors=cors,
            function_name=f"{config.project}-detect",
            port=api_port,
        )
        _start(api, api_port, "--api-port", started)
        site.api_url = api.url
        _start(runtime, 0, "", started)
        model_server.start()
        started.append(model_server)
    except BaseException:
        for part in reversed(started):
            part.stop()
        model_server.stop()
        raise
    stack = Stack(model=model_server, runtime=runtime, api=api, site=site)
    stack.saved_env = _apply_env(_handler_env(config.project, runtime.url, config.region))
    return stack


def _model_server(kind: str, port: int, workers: int, log: IO[bytes] | int | None) -> Any:
    """``process``: model/serve from this venv; ``container``: the image, built now."""
    if kind == "process":
        return ModelServer(port, workers=workers, log=log)
    if kind != "container":
        raise ValueError(f"--model {kind}: must be process or container")
    from devstack import model_container as mc

    mc.ensure_engine()
    build = mc.build_image(mc.LOCAL_TAG, log=lambda line: print(line, flush=True))
    print(f"built {build.tag} in {build.seconds:.0f} s on the {build.base.describe()}", flush=True)
    return mc.ModelContainer(build.tag, port, workers=workers)


def _start(part: Any, port: int, flag: str, started: list[Any]) -> None:
    """Start a server; a bind failure (the port got taken meanwhile) says which flag moves it."""
    try:
        part.start()
    except OSError:
        raise PortInUse(port, flag) from None
    started.append(part)


@contextmanager
def running_stack(**kwargs: Any) -> Iterator[Stack]:
    """``with running_stack() as stack:`` for tests and scripts."""
    stack = start_stack(**kwargs)
    try:
        yield stack
    finally:
        stack.stop()


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.local",
        description="Run the page, API (Lambda handler) and model server on 127.0.0.1.",
    )
    parser.add_argument("--model-port", type=int, default=DEFAULT_PORTS["model"])
    parser.add_argument("--api-port", type=int, default=DEFAULT_PORTS["api"])
    parser.add_argument("--site-port", type=int, default=DEFAULT_PORTS["site"])
    parser.add_argument("--site-dir", type=Path, default=REPO / "site" / "dist")
    parser.add_argument("--config", type=Path, default=REPO / "config.yaml")
    parser.add_argument("--workers", type=int, default=2, help="model server workers (2)")
    parser.add_argument(
        "--model",
        choices=("process", "container"),
        default="process",
        help="run the model as a process from .venv (default), or from its image in a "
        "container as SageMaker does (builds the image; needs Docker)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    try:
        print("Starting the local stack (model server first) ...", flush=True)
        stack = start_stack(
            model_port=args.model_port,
            api_port=args.api_port,
            site_port=args.site_port,
            site_dir=args.site_dir,
            config_path=args.config,
            model_workers=args.workers,
            model=args.model,
        )
    except (PortInUse, ConfigError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    urls = stack.urls
    sample = REPO / "tests" / "data" / "en_weekly5y_bitcoin.csv"
    print(
        f"\nReady:\n"
        f"  page    {urls['site']}/\n"
        f"  API     {urls['api']}/detect   (POST a Google Trends CSV; CORS from config.yaml)\n"
        f"  model   {urls['model']}/ping{_model_note(stack)}\n"
        f"  SageMaker runtime stand-in {urls['runtime']}\n"
        f"Try:  curl -s -H 'Content-Type: text/csv' --data-binary @{sample.relative_to(REPO)} "
        f"'{urls['api']}/detect?method=auto'\n"
        "Press Ctrl-C to stop.",
        flush=True,
    )
    if not stack.site.built:
        print(f"note: {args.site_dir} is missing: run `make site` to build the page.", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        print("\nStopping ...", flush=True)
        stack.stop()
    return 0


def _model_note(stack: Stack) -> str:
    name = getattr(stack.model, "name", None)
    return f"   (container {name}: docker logs -f {name})" if name else ""


if __name__ == "__main__":
    sys.exit(main())
