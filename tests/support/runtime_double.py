"""The SageMaker-runtime stand-in taught the service's failures, and a record of what it saw.

`devstack.sagemaker_runtime.RuntimeStandIn` answers like a healthy endpoint (what `make up`
needs); the Lambda tests also need throttling, an endpoint that is not in service, a container
that times out, and to see the headers the handler sent. Those knobs live here, not in devstack.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field

from devstack.sagemaker_runtime import (
    ACCOUNT_ID,
    TIMEOUT_TEXT,
    VALIDATION,
    Reply,
    RuntimeStandIn,
    service_error,
)

THROTTLING = "ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.availability/"


class Behaviour(enum.Enum):
    """How the runtime answers (the real service's failure modes)."""

    NORMAL = "normal"
    NOT_FOUND = "not_found"  # as if the endpoint did not exist
    NOT_IN_SERVICE = "not_in_service"  # as if the endpoint were Creating/Updating
    THROTTLE = "throttle"  # ThrottlingException on every call
    INTERNAL_FAILURE = "internal_failure"  # 500 InternalFailure
    MODEL_TIMEOUT = "model_timeout"  # the container did not answer within 60 s
    SLOW = "slow"  # sleep ``slow_seconds`` before forwarding (client read timeouts)
    REFUSED = "refused"  # 403 ``refused_code``: the Lambda role's credentials refused


@dataclass
class Seen:
    """One request as received (headers, not the body)."""

    endpoint: str
    headers: dict[str, str]
    body_bytes: int


@dataclass
class ScriptedRuntime(RuntimeStandIn):
    """RuntimeStandIn that records every request and fails as ``behaviour`` says."""

    behaviour: Behaviour = Behaviour.NORMAL
    slow_seconds: float = 0.0
    refused_code: str = "AccessDeniedException"
    seen: list[Seen] = field(default_factory=list)

    def answer(self, endpoint: str, headers: dict[str, str], body: bytes) -> Reply:
        self.seen.append(Seen(endpoint, dict(headers), len(body)))
        behaviour = self.behaviour
        if behaviour is Behaviour.NOT_FOUND:
            return service_error(
                400, VALIDATION, f"Endpoint {endpoint} of account {ACCOUNT_ID} not found."
            )
        if behaviour is Behaviour.NOT_IN_SERVICE:
            return service_error(
                400, VALIDATION, f"Endpoint {endpoint} of account {ACCOUNT_ID} is not in service."
            )
        if behaviour is Behaviour.THROTTLE:
            return service_error(400, THROTTLING, "Rate exceeded")
        if behaviour is Behaviour.INTERNAL_FAILURE:
            return service_error(500, "InternalFailure", "An internal failure occurred.")
        if behaviour is Behaviour.REFUSED:
            return service_error(403, self.refused_code, f"{self.refused_code} (credentials)")
        if behaviour is Behaviour.MODEL_TIMEOUT:
            return self.model_error(endpoint, 0, TIMEOUT_TEXT, "INVOCATION_TIMEOUT")
        if behaviour is Behaviour.SLOW:
            time.sleep(self.slow_seconds)
        return super().answer(endpoint, headers, body)
