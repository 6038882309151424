"""Time budgets that add up: every wait the engine may do, and what a GitHub job can hold.

A deploy job's AWS credentials last as long as the role session it assumed
(`role-duration-seconds`, at most the role's `MaxSessionDuration`); the job itself is killed at
its `timeout-minutes` (at most 6 h on GitHub-hosted runners). So the longest apply the config
allows must fit in the job, and the session must outlast the job. The waits below are the
engine's; `apply_wait_bound` adds them up for a config, config validation refuses a config
whose apply could outlast the deploy job, and tests/workflows checks the workflows' timeouts
and sessions against these numbers. tests/deploy/test_budget.py checks that the sums fit the
jobs and that the resource modules wait by these constants (each wait's own bound is tested
with its resource).
"""

from __future__ import annotations

# --- what GitHub and IAM allow ------------------------------------------------------------------
GITHUB_HOSTED_JOB_MAX_S = 6 * 3600  # a job on a GitHub-hosted runner is stopped after 6 h
IAM_SESSION_MAX_S = 12 * 3600  # MaxSessionDuration / role-duration-seconds upper limit

# --- the workflows (checked against .github/workflows by tests/workflows) ------------------------
DEPLOY_JOB_TIMEOUT_S = 6 * 3600  # deploy.yml `deploy` job: timeout-minutes 360
TEARDOWN_JOB_TIMEOUT_S = 150 * 60  # teardown.yml `destroy` job
SWEEP_JOB_TIMEOUT_S = 6 * 3600  # preview.yml `sweep` job: timeout-minutes 360
DEPLOY_ROLE_SESSION_S = 6 * 3600  # the deploy role's MaxSessionDuration = role-duration-seconds
PLAN_ROLE_SESSION_S = 3600  # plan / drift jobs run minutes: the default hour is plenty
# What a deploy job spends besides the engine's waits: checkout, setup, make site, the docker
# build and push of the model image, the smoke test.
DEPLOY_JOB_OVERHEAD_S = 45 * 60
TEARDOWN_JOB_OVERHEAD_S = 15 * 60

# --- the engine's waits (each resource module uses these) -----------------------------------------
IAM_PROPAGATION_S = 300.0  # retrying a call IAM has not propagated the role for yet
BUSY_RETRY_S = 120.0  # retrying a call while an earlier update of the same thing runs
LAMBDA_READY_S = 300.0  # a Lambda function becomes Active / its update finishes
ENDPOINT_SETTLE_BEFORE_DELETE_S = 3600.0  # destroy: an endpoint busy updating finishes first
ENDPOINT_DELETE_S = 1800.0  # destroy: an endpoint is gone
DISTRIBUTION_DEPLOY_S = 1800.0  # CloudFront: a change is Deployed (its own waiter: 35 min)
INVALIDATION_S = 600.0  # CloudFront: an invalidation is Completed

# An update of the Lambda may wait for a running update, then for its configuration and its
# code (each retried while busy or while IAM propagates a changed role).
LAMBDA_WORST_S = 3 * LAMBDA_READY_S + IAM_PROPAGATION_S + BUSY_RETRY_S
APPLY_FIXED_WAITS_S = (
    IAM_PROPAGATION_S  # CreateModel
    + LAMBDA_WORST_S
    + DISTRIBUTION_DEPLOY_S
    + INVALIDATION_S
)
# An endpoint busy when destroy reads it is waited for, then its DeleteEndpoint retried while
# a change begun meanwhile runs (BUSY_RETRY_S); one that turns busy after the read has only
# the retries, as long as that wait (in a sweep, made when its stack is finished: the start
# makes the call once, never waits).
DESTROY_WAITS_S = (
    ENDPOINT_SETTLE_BEFORE_DELETE_S + BUSY_RETRY_S + ENDPOINT_DELETE_S + DISTRIBUTION_DEPLOY_S
)

# A sweep of N previews (deploy/sweep.py) starts every stack's disable and DeleteEndpoint, then
# finishes each in turn. Started together, those go on together, so in practice the later
# stacks' waits find them done; but each wait's limit counts from when its stack is finished,
# so an endpoint that stays busy or a disable that never deploys costs each stack the whole of
# DESTROY_WAITS_S: N x DESTROY_WAITS_S at worst, which no job holds for many N (2 in 6 h) and the
# config does not bound N. So the sweep starts and finishes a stack only while the job's time
# left holds that much more and what a destroy spends besides waiting; the rest are left for the
# next sweep (the schedule's, or run again).
SWEEP_STACK_S = DESTROY_WAITS_S + TEARDOWN_JOB_OVERHEAD_S


def sweep_fits(time_left_s: float) -> bool:
    """Whether a sweep with ``time_left_s`` before its job's end may take one more stack."""
    return time_left_s >= SWEEP_STACK_S


def apply_wait_bound(endpoint_wait_s: float) -> float:
    """The longest an apply may wait in total, for an endpoint.wait_timeout_s.

    The endpoint may be waited for twice (an update in progress, then the new rollout; or a
    Failed endpoint deleted, then created); everything else has fixed limits.
    """
    return 2 * endpoint_wait_s + APPLY_FIXED_WAITS_S


def longest_endpoint_wait_s() -> int:
    """The largest endpoint.wait_timeout_s whose apply still fits in the deploy job."""
    free = DEPLOY_JOB_TIMEOUT_S - DEPLOY_JOB_OVERHEAD_S - APPLY_FIXED_WAITS_S
    return int(free // 2)
