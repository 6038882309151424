"""The real Lambda handler in this process, as Lambda runs it.

Each stack imports `lambda/handler.py` afresh under a name of its own (a new Lambda container,
hence a cold start), with the environment deploy gives the function (`function_environment`),
except that the SageMaker runtime is the local stand-in and the credentials are fake: nothing
leaves 127.0.0.1, and a developer's real keys never sign a local request.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any

from deploy.config import Config
from deploy.resources.lambda_function import function_environment
from devstack import REPO

LAMBDA_DIR = REPO / "lambda"
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
# Unset in the handler's environment: they would point boto3 at a real profile or endpoint.
_CLEARED = ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
_containers = itertools.count(1)


def load_handler() -> Handler:
    """`handler.handler` from a fresh import of lambda/handler.py (its siblings importable)."""
    if str(LAMBDA_DIR) not in sys.path:
        sys.path.insert(0, str(LAMBDA_DIR))
    name = f"devstack_lambda_container_{next(_containers)}"
    spec = importlib.util.spec_from_file_location(name, LAMBDA_DIR / "handler.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.handler  # type: ignore[no-any-return]


def handler_environment(config: Config, runtime_url: str) -> dict[str, str | None]:
    """The function's environment in AWS, pointed at the runtime stand-in (None = unset)."""
    env: dict[str, str | None] = {
        **function_environment(config),
        "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": runtime_url,
        "AWS_REGION": config.region,
        "AWS_DEFAULT_REGION": config.region,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    env.update(dict.fromkeys(_CLEARED))
    return env


def apply_environment(env: Mapping[str, str | None]) -> dict[str, str | None]:
    """Set (None = unset) these variables in this process; return what they were before."""
    saved = {key: os.environ.get(key) for key in env}
    for key, value in env.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    return saved
