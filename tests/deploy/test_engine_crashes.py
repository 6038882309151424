"""Crash `apply` (and `destroy`) after every step, re-run it, and check it converges without
orphans (and leaves nothing)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from deploy.engine import Engine
from deploy.plan import Action
from tests.deploy.deploy_helpers import engine, inventory, reset_account, shared_aws
from tests.support.aws_clock import set_delays
from tests.support.moto_snapshot import Saved, restore, save

pytestmark = pytest.mark.usefixtures("aws_env")
SERVICES = (
    "ecr",
    "logs",
    "iam",
    "sagemaker",
    "application-autoscaling",
    "lambda",
    "apigatewayv2",
    "s3",
    "cloudfront",
)


CRASH_HOOK = "test-engine-crashes"


class Crash(RuntimeError):
    """Stands for the process dying (kill -9, runner timeout) right after a step."""


def _crash_after(k: int):
    def hook(i: int, _a: Action) -> None:
        if i == k:
            raise Crash(f"crashed after step {k}")

    return hook


def _crash_after_call(k: int):
    """A botocore hook that dies after the k-th mutating AWS call (inside an action)."""
    seen = {"n": 0}

    def after_call(model, **_kw) -> None:
        if not model.name.startswith(("Describe", "Get", "List", "Head")):
            seen["n"] += 1
            if seen["n"] == k:
                raise Crash(f"crashed after mutating call {k} ({model.name})")

    return after_call


@pytest.mark.slow
def test_crash_after_every_step_converges_without_orphans(project: Path, aws_env: str) -> None:
    """Each run is a new Engine (its own plan, executor and ids), as a new process would be;
    only the boto3 clients are reused: 74 engines making 12 clients each took a fifth of the
    test's time, and a client holds nothing of a deploy.

    The state a crash after step k leaves is the server's state right after step k of an
    uninterrupted apply from empty (nothing is called after a step's hook): saved once per
    step during the reference apply (tests/support/moto_snapshot.py) and put back for each k,
    rather than a new apply from empty crashed at k (a fifth of the test's CPU). One k is
    still crashed for real, as every k was: its state must be the saved one."""
    clients = engine(project).aws

    def fresh() -> Engine:
        return engine(project, aws=clients)

    def seen() -> tuple[dict[str, list[str]], list[tuple[str, str, str]]]:
        """What the state holds, by name, and what a re-run would do."""
        return inventory(), [(a.op, a.kind, a.name) for a in fresh().plan().actions]

    # Reference: an uninterrupted apply from empty, and what it leaves behind.
    steps = [a for a in fresh().plan().actions if a.op != "noop"]
    after: dict[int, Saved] = {}

    def saved(i: int, _a: Action) -> None:
        after[i] = save()

    fresh().apply(hook=saved)
    expected = inventory()
    assert len(steps) >= 15
    assert sorted(after) == list(range(1, len(steps) + 1))
    for k in range(1, len(steps)):
        restore(after[k], aws_env)
        if k == len(steps) // 2:  # crashed for real: it leaves what was saved
            was = seen()
            reset_account(aws_env)
            with pytest.raises(Crash):
                fresh().apply(hook=_crash_after(k))
            assert seen() == was, f"the saved state is not what a crash at step {k} leaves"
        rerun = fresh()
        planned = rerun.plan()
        # The re-run's plan picks up exactly where the crash left off.
        assert [a.name for a in planned.actions if a.op != "noop"] == [a.name for a in steps[k:]], (
            f"after crash at step {k}"
        )
        rerun.apply(planned)
        assert not fresh().plan().changes, f"not converged after crash at step {k}"
        assert inventory() == expected, f"orphans/duplicates after crash at step {k}"


@contextlib.contextmanager
def _hooked(services: tuple[str, ...], hook: Callable[..., None]) -> Iterator[None]:
    """``hook`` after every call of ``services`` on the `shared_aws` clients, within the block
    only: the engine that crashes uses the clients the next runs use (new clients for it
    were ~8% of a test's CPU), and the hook never outlives it into them or another test."""
    clients = [shared_aws().client(service) for service in services]
    for client in clients:
        client.meta.events.register("after-call.*.*", hook, unique_id=CRASH_HOOK)
    try:
        yield
    finally:
        for client in clients:
            client.meta.events.unregister("after-call.*.*", unique_id=CRASH_HOOK)


# 2: the API exists, nothing in it; 4: a role without its policy; 8: a log group without its
# retention; 13: the integration without routes; 21/23: a bucket created but not configured
# (or half); 27: the first object uploaded.
@pytest.mark.parametrize("call", [2, 4, 8, 13, 21, 23, 27])
def test_crash_inside_a_step_converges(project: Path, aws_env: str, call: int) -> None:
    """Dying between the calls of one step (role without policy, bucket without website...)."""
    with _hooked(SERVICES, _crash_after_call(call)), pytest.raises(Crash):
        engine(project, aws=shared_aws()).apply()
    # The next runs (no call log read) on the same clients, the crashing hook off them.
    engine(project, aws=shared_aws()).apply()
    assert not engine(project, aws=shared_aws()).plan().changes
    inv = inventory()
    assert len(inv["models"]) == len(inv["endpoint_configs"]) == len(inv["apis"]) == 1
    assert inv["iam_roles"] == ["trends-anomaly-lambda", "trends-anomaly-sagemaker"]


def _crash_after_op(name: str):
    """A botocore hook that dies right after the first call of operation ``name``."""

    def after_call(model, **_kw) -> None:
        if model.name == name:
            raise Crash(f"crashed after {name}")

    return after_call


# AWS's slow work as destroy meets it: the endpoint Deleting for minutes, the disable deploying.
ENDPOINT_DELETE_S, DISABLE_DEPLOY_S = 600.0, 900.0


@pytest.mark.slow
def test_crash_after_every_destroy_step_finishes_on_the_next_run(
    project: Path, aws_env: str
) -> None:
    """Destroy stopped after any action — the distribution's disable, now its first, the
    endpoint's deletion, the distribution's late delete — and run again: the new run's plan
    is exactly what was left (a disabled distribution is not disabled again, only waited for
    and deleted with the ETag read afresh), and it leaves nothing behind.

    The state a destroy stopped after action k leaves is the server's state right after
    action k of an uninterrupted destroy of the deployed stack (nothing is called after an
    action's hook): saved once per action during that destroy (tests/support/moto_snapshot.py)
    and put back for each k, rather than a new apply and a destroy crashed at k (half the
    test's CPU). One k is still deployed anew and crashed for real, as every k was: its
    state must be the saved one."""
    clients = engine(project).aws

    def fresh() -> Engine:
        return engine(project, aws=clients)

    def deployed() -> None:
        reset_account(aws_env)
        fresh().apply()
        set_delays(endpoint_delete_s=ENDPOINT_DELETE_S, distribution_deploy_s=DISABLE_DEPLOY_S)

    def seen() -> tuple[dict[str, list[str]], list[tuple[str, str, str]]]:
        """What the state holds, by name, and what a re-run would do."""
        return inventory(), [(a.op, a.kind, a.name) for a in fresh().destroy_plan()[0]]

    deployed()
    steps = [a for a in fresh().destroy_plan()[0] if a.op != "noop"]
    assert [a.kind for a in steps[:2]] == ["cdn_disabled", "endpoint"]
    assert len(steps) >= 15
    after: dict[int, Saved] = {}

    def saved(i: int, _a: Action) -> None:
        after[i] = save()

    fresh().destroy(hook=saved)
    assert sorted(after) == list(range(1, len(steps) + 1))
    for k in range(1, len(steps)):
        restore(after[k], aws_env)
        if k == len(steps) // 2:  # deployed anew and crashed for real: it leaves what was saved
            was = seen()
            deployed()
            with pytest.raises(Crash):
                fresh().destroy(hook=_crash_after(k))
            assert seen() == was, f"the saved state is not what a crash at step {k} leaves"
        rerun = fresh()
        left, _ = rerun.destroy_plan()
        assert [(a.kind, a.name) for a in left] == [(a.kind, a.name) for a in steps[k:]], (
            f"after crash at destroy step {k}"
        )
        rerun.destroy()
        assert all(v == [] for v in inventory().values()), f"left after crash at step {k}"


@pytest.mark.parametrize("op", ["UpdateDistribution", "DeleteEndpoint"])
def test_destroy_crashed_while_aws_still_works_finishes_on_the_next_run(
    project: Path, op: str
) -> None:
    """Dying right after the call that starts AWS's slow work (the distribution disabling,
    the endpoint Deleting): the next run only waits for it, then deletes the rest."""
    engine(project, aws=shared_aws()).apply()
    set_delays(endpoint_delete_s=ENDPOINT_DELETE_S, distribution_deploy_s=DISABLE_DEPLOY_S)
    with _hooked(("cloudfront", "sagemaker"), _crash_after_op(op)), pytest.raises(Crash):
        engine(project, aws=shared_aws()).destroy()
    rerun = engine(project, aws=shared_aws())
    left, _ = rerun.destroy_plan()
    assert "cdn_disabled" not in [a.kind for a in left]  # disabled already: not again
    (dist,) = [a for a in left if a.kind == "cloudfront_distribution"]
    assert [s.describe().split(" ")[0] for s in dist.steps] == [
        "wait",
        "cloudfront:DeleteDistribution",
    ]
    if op == "DeleteEndpoint":
        (ep,) = [a for a in left if a.kind == "endpoint"]
        assert ep.reason == "destroy: already being deleted"
    rerun.destroy()
    assert all(v == [] for v in inventory().values()), inventory()
