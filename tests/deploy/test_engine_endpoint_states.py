"""Endpoint rollouts that moto cannot produce (Updating, Failed, silent rollback, timeout),
played by botocore events on the engine's SageMaker client (tests/support/endpoint_script.py);
every call still goes to the moto server.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deploy.aws import DeployError
from tests.deploy.deploy_helpers import IMAGE2, PROJECT, engine, inventory, session, shared_engine
from tests.support.endpoint_script import EndpointScript

pytestmark = pytest.mark.usefixtures("aws_env")


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
    shared_engine(project).apply()
    shared_engine(project, image=IMAGE2).apply()
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
    eng = engine(project, image=IMAGE2, clock=clock, sleep=clock.sleep)
    EndpointScript([("Updating", None)] * 3).install(eng.aws)
    summary = eng.apply()
    assert summary["endpoint_status"] == "InService"
    assert clock.sleeps == [15.0] * 3  # polled every 15 s, with the injected sleep
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
    EndpointScript(
        [
            ("Updating", None),
            ("RollingBack", None),
            ("InService", "Alarm trends-5xx fired during canary"),
        ],
        rollback=True,
    ).install(eng.aws)
    with pytest.raises(DeployError) as err:
        eng.apply()
    msg = str(err.value)
    assert "silent rollback" in msg
    assert current in msg and "Alarm trends-5xx fired during canary" in msg
    assert _endpoint_config() == current
    after = inventory()["endpoint_configs"]
    assert set(before) <= set(after) and len(after) == len(before) + 1  # nothing deleted
    # The next plan retries the switch (and still keeps everything until it succeeds).
    planned = shared_engine(project, image=IMAGE2).plan()
    assert [(a.op, a.kind) for a in planned.actions if a.op != "noop"][:1] == [
        ("update", "endpoint")
    ]


def test_after_a_silent_rollback_the_plan_says_so_and_the_config_that_served_is_kept(
    project: Path,
) -> None:
    """A0 served, then A; the switch to B rolled back (SageMaker went back to A). The next plan
    says so (not a blind 15-30 min retry); with the change reverted, the configs kept are A
    and A0, which served before it, and B, which never served, is deleted."""
    _two_generations(project)
    a = _endpoint_config()
    (a0,) = set(inventory()["endpoint_configs"]) - {a}
    _change_instance_type(project)
    eng = engine(project, image=IMAGE2)
    EndpointScript(
        [("Updating", None), ("InService", "Alarm trends-5xx fired during canary")],
        rollback=True,
    ).install(eng.aws)
    with pytest.raises(DeployError, match="silent rollback"):
        eng.apply()
    (b,) = set(inventory()["endpoint_configs"]) - {a, a0}
    planned = shared_engine(project, image=IMAGE2).plan()
    (switch,) = [x for x in planned.actions if x.kind == "endpoint"]
    assert switch.reason.startswith(
        f"the last apply rolled back: endpoint {PROJECT} serves {a}, not {b} it was asked to "
        "switch to"
    )
    (warning,) = planned.warnings
    assert "Applying it again repeats that attempt (up to 30 min of waiting)" in warning
    path = project / "config.yaml"  # the change reverted: the endpoint config is A again
    path.write_text(path.read_text().replace("ml.c5.xlarge", "ml.m5.large"))
    planned = shared_engine(project, image=IMAGE2).plan()
    deleted = [(x.kind, x.name) for x in planned.actions if x.op == "delete"]
    assert ("endpoint_config", b) in deleted and ("endpoint_config", a0) not in deleted
    shared_engine(project, image=IMAGE2).apply(planned)
    assert sorted(inventory()["endpoint_configs"]) == sorted([a0, a])
    assert not shared_engine(project, image=IMAGE2).plan().changes


def test_failed_update_reports_failure_reason(project: Path) -> None:
    shared_engine(project).apply()
    _change_instance_type(project)
    eng = engine(project)
    EndpointScript(
        [("Updating", None), ("Failed", "Container did not pass the ping health check")]
    ).install(eng.aws)
    with pytest.raises(DeployError, match="Failed: Container did not pass the ping"):
        eng.apply()


def test_wait_times_out_with_a_clear_message(project: Path) -> None:
    shared_engine(project).apply()
    _change_instance_type(project)
    _endpoint_extra(project, "  wait_timeout_s: 120\n")
    clock = FakeClock()
    eng = engine(project, clock=clock, sleep=clock.sleep)
    EndpointScript([("Updating", None)] * 100).install(eng.aws)
    with pytest.raises(DeployError, match=r"still Updating \(config .*\) after 120 s") as err:
        eng.apply()
    assert "endpoint.wait_timeout_s" in str(err.value)
    assert clock.now <= 150


def test_failed_endpoint_is_planned_as_replace_and_recreated(project: Path) -> None:
    shared_engine(project).apply()
    eng = engine(project)
    EndpointScript([("Failed", "capacity")], always=True).install(eng.aws)
    planned = eng.plan()
    (a,) = [a for a in planned.actions if a.op != "noop"]
    assert (a.op, a.kind) == ("replace", "endpoint")
    assert "Failed (capacity)" in a.reason
    assert [s.describe().split(" ")[0] for s in a.steps] == [
        "sagemaker:DeleteEndpoint",
        "wait",
        "sagemaker:CreateEndpoint",
        "wait",
    ]
    # Re-created on the config it failed on: the plan says that repeats the attempt (it said
    # nothing, and every apply could spend up to the wait timeout on the same failure).
    # The same config: no config change is listed (it printed 'config: c-x → c-x').
    config = a.reason.rsplit(" ", 1)[1]
    assert config.startswith("trends-anomaly-c-") and a.changes == ()
    (warning,) = [w for w in planned.warnings if "is Failed on" in w]
    assert warning.startswith(f"endpoint trends-anomaly is Failed on {config} (capacity).")
    assert "repeats that attempt (up to 30 min of waiting): fix the cause first" in warning
    # ... but not for a role IAM had not propagated yet: that passes by itself.
    iam = engine(project)
    reason = "The role 'r' does not have BatchGetImage permission for the image: 'i'."
    EndpointScript([("Failed", reason)], always=True).install(iam.aws)
    assert not [w for w in iam.plan().warnings if "is Failed on" in w]
    # Applied (the script played its one Failed to the plan; moto answers from here on).
    summary = eng.apply(planned)
    assert summary["endpoint_status"] == "InService"
    assert ("sagemaker", "DeleteEndpoint") in eng.aws.log.calls
    assert not shared_engine(project).plan().changes


def test_canary_policy_is_passed_to_update_endpoint(project: Path) -> None:
    shared_engine(project).apply()
    _change_instance_type(project)
    _endpoint_extra(
        project,
        "  deployment:\n    strategy: canary\n"
        "    canary_percent: 20\n    rollback_alarms: [trends-5xx]\n",
    )
    path = project / "config.yaml"  # a canary needs 2 instances or more
    path.write_text(path.read_text().replace("  instance_count: 1\n", "  instance_count: 2\n"))
    eng = engine(project)
    script = EndpointScript([]).install(eng.aws)
    eng.apply()
    ((config, dep),) = script.updates
    assert config == _endpoint_config()
    routing = dep["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]
    assert routing["Type"] == "CANARY" and routing["CanarySize"]["Value"] == 20
    assert dep["AutoRollbackConfiguration"] == {"Alarms": [{"AlarmName": "trends-5xx"}]}


@pytest.mark.parametrize("status", ["SystemUpdating", "Updating"])
def test_drift_check_is_quiet_while_aws_works_on_the_same_config(
    project: Path, status: str, capsys
) -> None:
    """AWS patching the endpoint (SystemUpdating) or autoscaling changing its capacity
    (Updating) on the config main deployed is no drift: plan shows a wait and exits 0."""
    from deploy import cli

    shared_engine(project).apply()
    eng = engine(project)
    EndpointScript([(status, None)], always=True).install(eng.aws)
    planned = eng.plan()
    (waiting,) = [a for a in planned.actions if a.op != "noop"]
    assert (waiting.op, waiting.kind) == ("wait", "endpoint")
    assert f"endpoint is {status} on" in waiting.reason
    assert not planned.changes
    # The same through the CLI the drift workflow runs: exit 0.
    real_engine = cli._engine
    cli_eng = engine(project)
    EndpointScript([(status, None)], always=True).install(cli_eng.aws)
    try:
        cli._engine = lambda _args: cli_eng
        assert cli.main(["--config", str(project / "config.yaml"), "plan"]) == 0
    finally:
        cli._engine = real_engine
    assert "1 to wait for" in capsys.readouterr().out


def test_an_endpoint_that_failed_on_iam_propagation_is_created_again(project: Path) -> None:
    """The test server plays AWS: a role whose policy was put moments ago cannot pull the
    image, so the endpoint goes Failed ("... does not have BatchGetImage permission ...").
    The engine recognises that reason, waits, deletes and creates it again, and says so."""
    from tests.support.aws_clock import set_delays

    set_delays(role_assume_s=0, role_policy_s=20)
    lines: list[str] = []
    summary = shared_engine(project, log=lines.append).apply()
    assert summary["endpoint_status"] == "InService"
    text = "\n".join(lines)
    assert "does not have BatchGetImage permission for the image" in text
    assert (
        "the endpoint failed because IAM had not yet propagated the new role: delete it and "
        "create it again (attempt 1 of 2)"
    ) in text
    assert not shared_engine(project).plan().changes


def test_propagation_longer_than_the_recoveries_fails_with_the_reason(project: Path) -> None:
    from tests.support.aws_clock import set_delays

    set_delays(role_assume_s=0, role_policy_s=3600)
    with pytest.raises(DeployError, match="does not have BatchGetImage permission"):
        shared_engine(project).apply()


def test_destroy_of_an_endpoint_that_fails_while_destroy_waits_deletes_it(project: Path) -> None:
    """An apply stopped while the endpoint was Creating, then destroy: destroy waits for it
    to finish, and it ends Failed. Destroy deletes it (a Failed endpoint can be deleted) and
    goes on; it stopped with 'run apply again: a Failed endpoint is deleted and re-created',
    the opposite of what the person running destroy asked for, and left the rest behind."""
    shared_engine(project).apply()
    eng = engine(project)
    EndpointScript(
        [("Creating", None), ("Creating", None), ("Failed", "CannotStartContainerError.")],
        always=True,
    ).install(eng.aws)
    done = eng.destroy()
    assert ("endpoint", PROJECT) in [(a.kind, a.name) for a in done]
    assert ("sagemaker", "DeleteEndpoint") in eng.aws.log.calls
    left = inventory()
    assert left["endpoints"] == [] and left["functions"] == [] and left["apis"] == []


def test_status_exits_1_when_the_endpoint_is_failed(project: Path, capsys) -> None:
    """`status` printed a Failed endpoint with its reason and exited 0, so a script or an
    on-call check that runs it saw a healthy stack. It exits 1 and says what to run."""
    from deploy import cli

    shared_engine(project).apply()
    real_engine = cli._engine
    try:
        cli_eng = shared_engine(project)
        cli._engine = lambda *_args: cli_eng
        assert cli.main(["--config", str(project / "config.yaml"), "status"]) == 0
        capsys.readouterr()
        cli_eng = engine(project)
        EndpointScript([("Failed", "capacity")], always=True).install(cli_eng.aws)
        assert cli.main(["--config", str(project / "config.yaml"), "status"]) == 1
    finally:
        cli._engine = real_engine
    out, err = capsys.readouterr()
    assert "endpoint  trends-anomaly: Failed on " in out and "(capacity)" in out
    assert err.startswith("error: endpoint trends-anomaly is Failed (the reason is above): ")
    assert "`python -m deploy apply` deletes and re-creates it" in err


def test_a_model_failing_its_health_check_leaves_the_old_one_serving_and_says_so(
    project: Path, capsys
) -> None:
    """A merge ships an image whose container fails /ping: SageMaker rolls the switch back and
    the old config serves on (tests/support/moto_sagemaker.py plays that rule). apply exits 1
    naming the config that still serves and that callers see no change; `status` then says the
    last apply rolled back, which image serves, and exits 0 (the endpoint is serving)."""
    from deploy.cli import main
    from tests.deploy.deploy_helpers import IMAGE, image_in_ecr
    from tests.support.moto_sagemaker import fail_ping

    shared_engine(project).apply()
    serving = _endpoint_config()
    image_in_ecr(project, IMAGE2)
    fail_ping(IMAGE2)
    cfg = str(project / "config.yaml")
    capsys.readouterr()
    summary = project / "summary.json"
    assert main(["--config", cfg, "apply", "--image", IMAGE2, "--summary-json", str(summary)]) == 1
    err = capsys.readouterr().err
    # The workflow's job summary says it too (it read "cannot read summary.json").
    failed = json.loads(summary.read_text())
    assert (
        failed["endpoint_name"] == PROJECT
        and failed["error"] == err.removeprefix("error: ").strip()
    )
    assert "did not pass the ping health check" in err
    assert f"{serving}, which served before this apply, still serves: callers see no change" in err
    assert _endpoint_config() == serving
    assert main(["--config", cfg, "status"]) == 0
    lines = [line.strip() for line in capsys.readouterr().out.splitlines()]
    assert f"image     {IMAGE}" in lines
    (warning,) = [line for line in lines if line.startswith("warning ")]
    assert warning.startswith(f"warning   the last apply rolled back: endpoint {PROJECT} serves ")
    assert warning.endswith(f"; {serving} still serves")
