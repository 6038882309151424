"""Destroy's two long waits overlap on a serial executor: the CloudFront disable is its first
action, so CloudFront deploys it while the endpoint is deleted, and the distribution's delete
waits only for what is left (against the moto server, whose CloudFront refuses a delete
before the disable is Deployed, and whose endpoint is Deleting for the delay a test sets)."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy.failures import Incomplete
from deploy.resources import cdn, endpoint
from tests.deploy.deploy_helpers import PROJECT, engine, inventory, session
from tests.support.aws_clock import CLOCK, set_delays

pytestmark = pytest.mark.usefixtures("aws_env")
# How far past a state change a wait may notice it: one poll of each of the two waits.
POLLS_S = endpoint.POLL_S + cdn.DEPLOY_POLL_S


def _destroy_waits(project: Path) -> tuple[float, list[str]]:
    """Seconds the destroy's executor slept (the injected sleep: simulated time, no real
    waiting), and its mutating calls in order."""
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        CLOCK.sleep(seconds)

    eng = engine(project, sleep=sleep)
    eng.destroy()
    return sum(slept), [op for _, op in eng.aws.log.mutating]


# (E, C): the endpoint's deletion takes E seconds, the distribution's disable C to deploy.
# Serially (disable, wait, delete in one action after the endpoint's) the waits were E + C:
# 1500 s for (600, 900) and for (900, 600); overlapped, 900 s for each.
@pytest.mark.parametrize(("e", "c"), [(600, 900), (900, 600), (0, 900)])
def test_destroy_waits_for_the_longer_of_the_endpoint_deletion_and_the_disable(
    project: Path, e: float, c: float
) -> None:
    engine(project).apply()
    set_delays(endpoint_delete_s=e, distribution_deploy_s=c)
    waited, made = _destroy_waits(project)
    assert max(e, c) <= waited <= max(e, c) + POLLS_S, (e, c, waited)
    # The disable is the first call of all, the endpoint's deletion the next.
    assert made[:2] == ["UpdateDistribution", "DeleteEndpoint"], made
    assert made.index("DeleteEndpoint") < made.index("DeleteDistribution")
    assert all(v == [] for v in inventory().values()), inventory()


def test_a_failed_disable_leaves_the_distribution_and_what_it_needs_and_says_so(
    project: Path,
) -> None:
    """Someone changed the distribution between destroy's read and its disable: CloudFront
    refuses the stale ETag. The endpoint and every other resource are deleted; the
    distribution's delete is not attempted (it needs the disable), nor its OAC's and bucket's
    (which it needs), and all of that is reported. The next run finishes."""
    engine(project).apply()
    cf = session().client("cloudfront")
    (listed,) = cf.list_distributions()["DistributionList"]["Items"]
    eng = engine(project)

    def changed_meanwhile(**_: object) -> None:
        got = cf.get_distribution_config(Id=listed["Id"])
        config = {**got["DistributionConfig"], "Comment": "edited by hand"}
        cf.update_distribution(Id=listed["Id"], IfMatch=got["ETag"], DistributionConfig=config)

    events = eng.aws.client("cloudfront").meta.events
    events.register_first("before-call.cloudfront.UpdateDistribution", changed_meanwhile)
    with pytest.raises(Incomplete) as stopped:
        eng.destroy()
    err = stopped.value
    assert [(f.action.kind, f.step, f.code) for f in err.failures] == [
        ("cdn_disabled", "cloudfront:UpdateDistribution", "PreconditionFailed")
    ]
    skipped = {s.action.kind: s.because for s in err.skipped}
    failed = f"cdn_disabled {err.failures[0].action.name}"
    assert skipped == {
        "cloudfront_distribution": (failed,),
        "cloudfront_oac": (failed,),
        "s3_bucket": (failed,),
    }
    assert "DeleteDistribution" not in [op for _, op in eng.aws.log.mutating]
    assert "cloudfront_distribution" in str(err) and "PreconditionFailed" in str(err)
    left = {k: v for k, v in inventory().items() if v}
    assert set(left) == {"distributions", "origin_access_controls", "buckets"}, left
    assert inventory()["endpoints"] == [] and PROJECT not in inventory()["functions"]
    engine(project).destroy()  # the next run reads AWS afresh: disables with the new ETag
    assert all(v == [] for v in inventory().values()), inventory()
