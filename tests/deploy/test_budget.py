"""Time budgets add up: the engine's waits, the config's limits, the roles' sessions and the
workflows' job timeouts (what a GitHub-hosted job and an IAM session can hold)."""

from __future__ import annotations

from pathlib import Path

import yaml

from deploy import budget
from deploy.plan import Call, Wait
from deploy.resources import cdn, endpoint, lambda_function

WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"


def _job(workflow: str, job: str) -> dict:
    return yaml.safe_load((WORKFLOWS / workflow).read_text(encoding="utf-8"))["jobs"][job]


def _session(job: dict) -> int | None:
    for step in job["steps"]:
        if "configure-aws-credentials" in str(step.get("uses", "")):
            return int(step["with"].get("role-duration-seconds", 3600))
    return None


def test_what_github_and_iam_allow() -> None:
    assert budget.DEPLOY_JOB_TIMEOUT_S <= budget.GITHUB_HOSTED_JOB_MAX_S
    assert budget.DEPLOY_ROLE_SESSION_S <= budget.IAM_SESSION_MAX_S
    assert budget.DEPLOY_ROLE_SESSION_S >= budget.DEPLOY_JOB_TIMEOUT_S


def test_the_longest_apply_fits_in_the_deploy_job() -> None:
    longest = budget.longest_endpoint_wait_s()
    assert budget.apply_wait_bound(longest) <= (
        budget.DEPLOY_JOB_TIMEOUT_S - budget.DEPLOY_JOB_OVERHEAD_S
    )
    assert budget.apply_wait_bound(longest + 1) > (
        budget.DEPLOY_JOB_TIMEOUT_S - budget.DEPLOY_JOB_OVERHEAD_S
    )


def test_destroy_fits_in_the_teardown_job() -> None:
    assert budget.DESTROY_WAITS_S + budget.TEARDOWN_JOB_OVERHEAD_S <= budget.TEARDOWN_JOB_TIMEOUT_S


def test_the_resource_modules_wait_by_the_budget() -> None:
    assert endpoint.SETTLE_BEFORE_DELETE_S == budget.ENDPOINT_SETTLE_BEFORE_DELETE_S
    assert endpoint.DELETE_S == budget.ENDPOINT_DELETE_S
    assert lambda_function.READY_TIMEOUT_S == budget.LAMBDA_READY_S
    wait = cdn._wait_deployed("E1", "x")
    assert wait.timeout_s == budget.DISTRIBUTION_DEPLOY_S


def test_the_workflows_hold_what_the_budget_says() -> None:
    # Every job that applies: both promotion stages and a preview's.
    for workflow, name in [
        ("deploy.yml", "staging"),
        ("deploy.yml", "production"),
        ("preview.yml", "deploy"),
    ]:
        deploy = _job(workflow, name)
        assert deploy["timeout-minutes"] * 60 == budget.DEPLOY_JOB_TIMEOUT_S, name
        assert _session(deploy) == budget.DEPLOY_ROLE_SESSION_S, name
    # Every job that destroys one stack: teardown and a preview's removal.
    for workflow, name in [("teardown.yml", "destroy"), ("preview.yml", "destroy")]:
        teardown = _job(workflow, name)
        assert teardown["timeout-minutes"] * 60 == budget.TEARDOWN_JOB_TIMEOUT_S, name
        assert _session(teardown) is not None
        assert _session(teardown) >= budget.TEARDOWN_JOB_TIMEOUT_S, name


def test_an_endpoint_deletion_a_sweep_defers_fits_the_destroy_budget() -> None:
    """An endpoint read InService that turned busy: its DeleteEndpoint, refused at the start,
    is retried at its stack's finish after the distribution's disable is waited for (no
    longer overlapping it), then waited until gone: still within what destroy budgets."""
    seen = endpoint.SeenEndpoint("ep", "arn:ep", "c", "InService", None, {})
    call, gone = endpoint.delete_endpoint(seen).steps
    assert isinstance(call, Call) and isinstance(gone, Wait)
    deferred = budget.DISTRIBUTION_DEPLOY_S + call.retry_s + gone.timeout_s
    assert deferred <= budget.DESTROY_WAITS_S


def test_the_sweep_job_holds_at_least_one_stacks_worst_case_and_says_its_limit() -> None:
    """A sweep's N stacks can cost N x DESTROY_WAITS_S (each wait's limit counts from when its
    stack is finished), more than the job holds for N >= 3: the sweep takes a stack only while
    the time left (DEPLOY_LOCK_MAX_MINUTES, the job's timeout) holds one more. The job must hold
    one, or a sweep would never remove anything."""
    sweep = _job("preview.yml", "sweep")
    assert sweep["timeout-minutes"] * 60 == budget.SWEEP_JOB_TIMEOUT_S
    assert float(sweep["env"]["DEPLOY_LOCK_MAX_MINUTES"]) == sweep["timeout-minutes"]
    assert _session(sweep) is not None and _session(sweep) >= budget.SWEEP_JOB_TIMEOUT_S
    assert budget.sweep_fits(budget.SWEEP_JOB_TIMEOUT_S)
    assert not budget.sweep_fits(budget.SWEEP_STACK_S - 1)
    assert 3 * budget.DESTROY_WAITS_S > budget.SWEEP_JOB_TIMEOUT_S  # why a bound is needed
