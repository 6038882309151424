"""SageMaker endpoint states moto cannot produce (Updating, Failed, a silent rollback), played
through botocore events on one engine's SageMaker client; every call still reaches moto.

Nothing in deploy/ knows about this: the script hooks the client the way any botocore
extension would, so the engine under test runs unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from deploy.aws import Aws


@dataclass
class _Accepted:
    """An HTTP answer that never reached the wire (botocore reads only the status)."""

    status_code: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class EndpointScript:
    """After the first UpdateEndpoint, DescribeEndpoint plays ``script`` ((status, reason)...).

    ``rollback=True``: the update is accepted but never applied, as when SageMaker rolls a
    blue/green deployment back: the endpoint comes back InService on the OLD config.
    """

    script: list[tuple[str, str | None]]
    rollback: bool = False
    always: bool = False  # play from the first describe on, not only after an update
    updates: list[tuple[str, dict[str, Any] | None]] = field(default_factory=list)
    active: bool = False

    def install(self, aws: Aws) -> EndpointScript:
        events = aws.client("sagemaker").meta.events
        events.register("before-parameter-build.sagemaker.UpdateEndpoint", self._record)
        events.register("before-call.sagemaker.UpdateEndpoint", self._maybe_swallow)
        events.register("after-call.sagemaker.DescribeEndpoint", self._play)
        self.active = self.always
        return self

    def _record(self, params: dict[str, Any], **_: Any) -> None:
        self.updates.append((params["EndpointConfigName"], params.get("DeploymentConfig")))
        self.active = True

    def _maybe_swallow(self, **_: Any) -> tuple[_Accepted, dict[str, Any]] | None:
        if not self.rollback:
            return None
        return _Accepted(), {"EndpointArn": "arn:aws:sagemaker:::endpoint/scripted"}

    def _play(self, parsed: dict[str, Any], **_: Any) -> None:
        if not self.active or not self.script or "EndpointStatus" not in parsed:
            return
        status, reason = self.script.pop(0)
        parsed["EndpointStatus"] = status
        if reason:
            parsed["FailureReason"] = reason
