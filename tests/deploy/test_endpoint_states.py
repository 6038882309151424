"""Endpoint rollouts that moto cannot produce (Updating, Failed, silent rollback, timeout),
injected through a test double of the engine's SageMaker layer (`deploy.aws.Endpoints`); every
other call still goes to the moto server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from deploy.aws import DeployError, Endpoints
from tests.deploy.deploy_helpers import IMAGE2, PROJECT, engine, inventory, session

pytestmark = pytest.mark.usefixtures("aws_env")


class ScriptedEndpoints(Endpoints):
    """Real calls to moto, but after an update `describe` plays a script of states.

    rollback=True: the update is accepted but never applied (what SageMaker does when a
    blue/green deployment rolls back): the endpoint comes back InService on the OLD config.
    """

    def __init__(self, aws: Any, script: list[tuple[str, str | None]], rollback: bool = False):
        super().__init__(aws)
        self.script = list(script)
        self.rollback = rollback
        self.updates: list[tuple[str, dict | None]] = []
        self.active = False

    def update(self, name: str, config: str, deployment: dict[str, Any] | None) -> None:
        self.updates.append((config, deployment))
        if not self.rollback:
            super().update(name, config, deployment)
        self.active = True

    def describe(self, name: str) -> dict[str, Any] | None:
        real = super().describe(name)
        if real is None or not self.active or not self.script:
            return real
        status, reason = self.script.pop(0)
        out = dict(real, EndpointStatus=status)
        if reason:
            out["FailureReason"] = reason
        return out


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.now += s


def _two_generations(project: Path) -> list[str]:
    engine(project).apply()
    engine(project, image=IMAGE2).apply()
    return inventory()["endpoint_configs"]


def _change_instance_type(project: Path) -> None:
    path = project / "config.yaml"
    path.write_text(path.read_text().replace("ml.m5.large", "ml.c5.xlarge"))


def _endpoint_extra(project: Path, lines: str) -> None:
    path = project / "config.yaml"
    path.write_text(
        path.read_text().replace("  instance_count: 1\n", "  instance_count: 1\n" + lines)
    )


def _endpoint_config() -> str:
    return (
        session().client("sagemaker").describe_endpoint(EndpointName=PROJECT)["EndpointConfigName"]
    )


def test_update_waits_through_updating_then_cleans_up(project: Path) -> None:
    before = _two_generations(project)
    current = _endpoint_config()
    _change_instance_type(project)
    clock = FakeClock()
    eng = engine(project, image=IMAGE2, clock=clock)
    eng.sleep = clock.sleep
    eng.poll_s = 30.0
    eng.endpoints = ScriptedEndpoints(eng.aws, [("Updating", None)] * 3)
    summary = eng.apply()
    assert summary["endpoint_status"] == "InService"
    assert clock.sleeps == [30.0] * 3  # polled, with the injected sleep
    new = _endpoint_config()
    assert new != current
    # Superseded (oldest) config deleted only after success; the previous one is kept.
    assert sorted(inventory()["endpoint_configs"]) == sorted([current, new])
    assert set(before) - {current} <= set(before)
    assert not set(before) - {current} & set(inventory()["endpoint_configs"])


def test_silent_rollback_fails_with_reason_and_deletes_nothing(project: Path) -> None:
    before = _two_generations(project)
    current = _endpoint_config()
    _change_instance_type(project)
    eng = engine(project, image=IMAGE2)
    eng.endpoints = ScriptedEndpoints(
        eng.aws,
        [
            ("Updating", None),
            ("RollingBack", None),
            ("InService", "Alarm trends-5xx fired during canary"),
        ],
        rollback=True,
    )
    with pytest.raises(DeployError) as err:
        eng.apply()
    msg = str(err.value)
    assert "silent rollback" in msg
    assert current in msg and "Alarm trends-5xx fired during canary" in msg
    assert _endpoint_config() == current
    after = inventory()["endpoint_configs"]
    assert set(before) <= set(after) and len(after) == len(before) + 1  # nothing deleted
    # The next plan retries the switch (and still keeps everything until it succeeds).
    planned = engine(project, image=IMAGE2).plan()
    assert [(a.op, a.type) for a in planned.actions if a.op != "noop"][:1] == [
        ("update", "endpoint")
    ]


def test_failed_update_reports_failure_reason(project: Path) -> None:
    engine(project).apply()
    _change_instance_type(project)
    eng = engine(project)
    eng.endpoints = ScriptedEndpoints(
        eng.aws, [("Updating", None), ("Failed", "Container did not pass the ping health check")]
    )
    with pytest.raises(DeployError, match="Failed: Container did not pass the ping"):
        eng.apply()


def test_wait_times_out_with_a_clear_message(project: Path) -> None:
    engine(project).apply()
    _change_instance_type(project)
    _endpoint_extra(project, "  wait_timeout_s: 120\n")
    clock = FakeClock()
    eng = engine(project, clock=clock)
    eng.sleep = clock.sleep
    eng.poll_s = 30.0
    eng.endpoints = ScriptedEndpoints(eng.aws, [("Updating", None)] * 100)
    with pytest.raises(DeployError, match="still Updating after 120 s"):
        eng.apply()
    assert clock.now <= 150


def test_failed_endpoint_is_planned_as_replace_and_recreated(project: Path) -> None:
    engine(project).apply()

    class AlwaysFailed(Endpoints):
        def describe(self, name: str) -> dict[str, Any] | None:
            real = super().describe(name)
            return dict(real, EndpointStatus="Failed", FailureReason="capacity") if real else None

    eng = engine(project)
    eng.endpoints = AlwaysFailed(eng.aws)
    planned = eng.plan()
    (a,) = [a for a in planned.actions if a.op != "noop"]
    assert (a.op, a.type) == ("replace", "endpoint")
    assert "Failed (capacity)" in a.reason


def test_canary_policy_is_passed_to_update_endpoint(project: Path) -> None:
    engine(project).apply()
    _change_instance_type(project)
    _endpoint_extra(
        project,
        "  deployment:\n    strategy: canary\n"
        "    canary_percent: 20\n    rollback_alarms: [trends-5xx]\n",
    )
    eng = engine(project)
    eng.endpoints = ScriptedEndpoints(eng.aws, [])
    eng.apply()
    ((config, dep),) = eng.endpoints.updates
    assert config == _endpoint_config()
    routing = dep["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]
    assert routing["Type"] == "CANARY" and routing["CanarySize"]["Value"] == 20
    assert dep["AutoRollbackConfiguration"] == {"Alarms": [{"AlarmName": "trends-5xx"}]}
