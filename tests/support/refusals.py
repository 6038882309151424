"""AWS refusing one operation, for tests on the moto server.

Why: moto answers what it can; an error AWS gives and moto never does (AccessDenied to a role
behind, an expired token, throttling) is raised from a ``before-call`` hook on every client
the deploy code makes, so the request never leaves and the code meets AWS's error shape.
"""

from __future__ import annotations

from typing import Any

import botocore.exceptions
import pytest

from deploy.aws import Aws


def refuse(
    monkeypatch: pytest.MonkeyPatch, service: str, operation: str, code: str, message: str
) -> None:
    """Every ``service`` client made through ``Aws.client`` refuses ``operation`` with
    ``code`` and ``message``."""
    make = Aws.client

    def refused(**_: Any) -> None:
        error = {"Error": {"Code": code, "Message": message}}
        raise botocore.exceptions.ClientError(error, operation)  # type: ignore[arg-type]

    def client(self: Aws, name: str) -> Any:
        made = make(self, name)
        if name == service:
            made.meta.events.register(f"before-call.{service}.{operation}", refused, "refused")
        return made

    monkeypatch.setattr(Aws, "client", client)
