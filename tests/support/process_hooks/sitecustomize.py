"""Hooks for a real `python -m deploy` process in a test (this directory on PYTHONPATH; Python
imports ``sitecustomize`` at start-up). Nothing in deploy/ knows of it.

- ``DEPLOY_TEST_STOP_AFTER`` (``service.Operation``) and ``DEPLOY_TEST_MARK`` (a file): after
  AWS answered that call successfully the first time, the file is written and the process
  waits there for the test's signal (SIGKILL, SIGTERM, SIGINT): a kill point the test knows,
  not a moment guessed with sleeps. The answer is never seen by the engine (it dies inside
  botocore's after-call event), as when a process dies with its request in flight.
"""

from __future__ import annotations

import os
import time
from typing import Any

import boto3

_made = boto3.Session.__init__


def _stop_after(session: boto3.Session, target: str, mark: str) -> None:
    service, operation = target.split(".")
    seen: list[bool] = []

    def stop(http_response: Any = None, **_: Any) -> None:
        if seen or (http_response is not None and http_response.status_code >= 300):
            return
        seen.append(True)
        with open(mark, "w") as f:
            f.write(target)
        while True:  # the test's signal ends it here
            time.sleep(3600)

    session.events.register(f"after-call.{service}.{operation}", stop)


def _init(self: boto3.Session, *args: Any, **kwargs: Any) -> None:
    _made(self, *args, **kwargs)
    target, mark = os.environ.get("DEPLOY_TEST_STOP_AFTER"), os.environ.get("DEPLOY_TEST_MARK")
    if target and mark:
        _stop_after(self, target, mark)


boto3.Session.__init__ = _init  # type: ignore[method-assign]
